using System.Security.Claims;
using System.Text.Encodings.Web;
using HomeGateway.Dispatch.Acknowledgements;
using HomeGateway.Dispatch.Credentials;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using HomeGateway.Dispatch.Store;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace HomeGateway.Dispatch.DispatcherConsole;

/// <summary>The dispatcher console: login, logout, the live queue page and its "Acknowledge" buttons (Gateways: <see cref="ConsoleGateways"/>).</summary>
internal static class ConsoleEndpoints
{
    public static IEndpointRouteBuilder MapConsole(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/login", (HttpContext http, IAntiforgery antiforgery) =>
            Html(ConsolePages.Login(antiforgery.GetAndStoreTokens(http), ConsoleLanguages.Of(http), null), StatusCodes.Status200OK)).AllowAnonymous();
        endpoints.MapPost("/login", LoginAsync).AllowAnonymous().DisableAntiforgery();
        endpoints.MapPost("/logout", LogoutAsync).DisableAntiforgery();
        endpoints.MapPost("/acknowledge", AcknowledgeAsync).DisableAntiforgery();
        endpoints.MapGet("/", (HttpContext http, IAntiforgery antiforgery) =>
            Html(ConsolePages.Queue(antiforgery.GetAndStoreTokens(http), ConsoleLanguages.Of(http), http.User),
                StatusCodes.Status200OK));
        endpoints.MapConsoleLanguage();
        endpoints.MapConsoleGateways();
        endpoints.MapConsoleFleet();
        endpoints.MapConsoleAccount();
        endpoints.MapConsoleAlertDetail();
        endpoints.MapConsoleHomes();
        endpoints.MapConsoleReports();
        endpoints.MapConsoleAudit();
        endpoints.MapGet("/console.js", () => Results.Stream(ConsolePages.Asset("console.js"), "text/javascript; charset=utf-8"));
        return endpoints;
    }

    private static async Task<IResult> LoginAsync(
        HttpContext http, IAntiforgery antiforgery, IDispatchStore store, LoginThrottle throttle, ConsoleSessions sessions, ILoggerFactory loggers)
    {
        var language = ConsoleLanguages.Of(http);
        if (!await IsFromOurFormAsync(http, antiforgery))
        {
            return Refused(CommonPhrases.FormNotOurs[language], StatusCodes.Status400BadRequest);
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var name = form["name"].ToString().Trim();
        var password = form["password"].ToString();
        var logger = loggers.CreateLogger(typeof(ConsoleEndpoints));
        if (throttle.IsLockedOut(name))
        {
            ConsoleLog.LoginLockedOut(logger, name);
            return Html(ConsolePages.Login(antiforgery.GetAndStoreTokens(http), language, LoginPhrases.LockedOut[language]), StatusCodes.Status429TooManyRequests);
        }

        var user = name.Length == 0 ? null : await store.FindUserAsync(name, http.RequestAborted);
        if (!PasswordHash.Verify(password, user?.PasswordHash) || user is null)
        {
            throttle.Failed(name);
            ConsoleLog.LoginFailed(logger, name);
            return Html(ConsolePages.Login(antiforgery.GetAndStoreTokens(http), language, LoginPhrases.WrongNameOrPassword[language]), StatusCodes.Status401Unauthorized);
        }

        throttle.Succeeded(name);
        var sessionId = await sessions.StartAsync(user.Name, http.RequestAborted);
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, user.Name), new Claim(ClaimTypes.Role, user.Role), new Claim(ConsoleLanguages.ClaimType, user.Language),
                new Claim(ConsoleSessions.ClaimType, sessionId)],
            CookieAuthenticationDefaults.AuthenticationScheme);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
        ConsoleLog.LoggedIn(logger, user.Name, user.Role);
        return Results.Redirect("/");
    }

    private static async Task<IResult> LogoutAsync(HttpContext http, IAntiforgery antiforgery, ConsoleSessions sessions, ILoggerFactory loggers)
    {
        if (!await IsFromOurFormAsync(http, antiforgery))
        {
            return Refused(CommonPhrases.FormNotOurs[ConsoleLanguages.Of(http)], StatusCodes.Status400BadRequest);
        }

        // Ending the record is what counts: a copy of the cookie is refused from now on, on every node.
        await sessions.EndAsync(http.User, ConsoleSessionEnd.Logout, http.RequestAborted);
        ConsoleSessionLog.LoggedOut(loggers.CreateLogger(typeof(ConsoleEndpoints)), http.User.Identity?.Name ?? "");
        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return Results.Redirect("/login");
    }

    /// <summary>The queue's "Acknowledge" button: a form post (gatewayId, alertId), then back to the queue.</summary>
    private static async Task<IResult> AcknowledgeAsync(HttpContext http, IAntiforgery antiforgery, AlertAcknowledgements acknowledgements)
    {
        var language = ConsoleLanguages.Of(http);
        if (!await IsFromOurFormAsync(http, antiforgery))
        {
            return Refused(CommonPhrases.FormNotOurs[language], StatusCodes.Status400BadRequest);
        }

        if (!AlertAcknowledgements.MayAcknowledge(http.User))
        {
            return Refused(QueuePhrases.MayNotAcknowledge[language], StatusCodes.Status403Forbidden);
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var gatewayId = form["gatewayId"].ToString();
        var alertId = form["alertId"].ToString();
        if (gatewayId.Length == 0 || alertId.Length == 0)
        {
            return Refused(QueuePhrases.MustNameAlert[language], StatusCodes.Status400BadRequest);
        }

        var outcome = await acknowledgements.AcknowledgeAsync(http.User, gatewayId, alertId, http.RequestAborted);
        return outcome.Result is AcknowledgeResult.NotFound or AcknowledgeResult.Ambiguous
            ? Refused(QueuePhrases.NoSuchAlert.Format(language, alertId, gatewayId), StatusCodes.Status404NotFound)
            // Post/redirect/get: back to the queue, and a reload does not post again.
            : Results.Redirect("/");
    }

    internal static async Task<bool> IsFromOurFormAsync(HttpContext http, IAntiforgery antiforgery)
    {
        try
        {
            await antiforgery.ValidateRequestAsync(http);
            return true;
        }
        catch (AntiforgeryValidationException)
        {
            return false;
        }
    }

    internal static IResult Html(string html, int status) =>
        Results.Content(html, "text/html; charset=utf-8", System.Text.Encoding.UTF8, status);

    /// <summary>A refusal in the user's language, as plain text.</summary>
    internal static IResult Refused(string message, int status) => Results.Text(message, "text/plain; charset=utf-8", statusCode: status);
}

/// <summary>The console's HTML. Kept as plain server-rendered pages: no build step, no external assets.</summary>
internal static class ConsolePages
{
    /// <summary>Escapes what HTML needs escaped but leaves letters alone, so Finnish and Swedish text stays readable in the page source.</summary>
    internal static readonly HtmlEncoder Encode = HtmlEncoder.Create(System.Text.Unicode.UnicodeRanges.All);

    internal const string Style = """
        <style>
          body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #111; }
          table { border-collapse: collapse; width: 100%; }
          th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #ccc; }
          tr.escalated td { outline: 2px solid #a00; }
          tr.escalated td:first-child::before { content: "▲ "; color: #a00; }
          tr.p-critical td { background: #fde2e2; font-weight: 600; }
          tr.p-high td { background: #fff1d6; }
          tr.s-cleared td { color: #666; background: none; font-weight: normal; }
          .error { color: #a00; }
          .done { color: #060; }
          header { display: flex; justify-content: space-between; align-items: baseline; }
          #status { color: #666; }
          td form { margin: 0; }
        </style>
        """;

    public static string Login(AntiforgeryTokenSet tokens, ConsoleLanguage language, string? error) => $"""
        <!doctype html>
        <html lang="{ConsoleLanguages.Code(language)}"><head><meta charset="utf-8"><title>{Encode.Encode(CommonPhrases.Product[language])} — {Encode.Encode(LoginPhrases.Title[language])}</title>{Style}</head>
        <body>
        <h1>{Encode.Encode(CommonPhrases.Product[language])}</h1>
        {(error is null ? "" : $"<p class=\"error\" role=\"alert\">{Encode.Encode(error)}</p>")}
        <form method="post" action="/login">
          {Hidden(tokens)}
          <p><label>{Encode.Encode(LoginPhrases.Name[language])} <input name="name" autocomplete="username" required autofocus></label></p>
          <p><label>{Encode.Encode(LoginPhrases.Password[language])} <input name="password" type="password" autocomplete="current-password" required></label></p>
          <p><button type="submit">{Encode.Encode(LoginPhrases.LogIn[language])}</button></p>
        </form>
        </body></html>
        """;

    public static string Queue(AntiforgeryTokenSet tokens, ConsoleLanguage language, ClaimsPrincipal user)
    {
        string Th(Phrase phrase) => $"<th>{Encode.Encode(phrase[language])}</th>";
        return Document(tokens, language, user, CommonPhrases.AlertQueue[language], "/", $"""
            <p id="status">{Encode.Encode(QueuePhrases.Loading[language])}</p>
            <table>
              <thead><tr>{Th(QueuePhrases.Priority)}{Th(QueuePhrases.Type)}{Th(QueuePhrases.Home)}{Th(QueuePhrases.Sensor)}{Th(QueuePhrases.Summary)}{Th(QueuePhrases.Count)}
              {Th(QueuePhrases.RaisedAt)}{Th(QueuePhrases.Received)}{Th(QueuePhrases.Status)}{Th(QueuePhrases.Acknowledged)}</tr></thead>
              <tbody id="queue"></tbody>
            </table>
            <script type="application/json" id="phrases">{ScriptPhrases(language)}</script>
            <script src="/console.js"></script>
            """);
    }

    /// <summary>
    /// The script's texts in the user's language, as a JSON data block in the page: the Content-Security-Policy
    /// forbids inline scripts, not data. Serialised with '&lt;' escaped, so nothing in it can close the block.
    /// </summary>
    private static string ScriptPhrases(ConsoleLanguage language) => System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["culture"] = ConsoleLanguages.Culture(language).Name,
        ["acknowledge"] = QueuePhrases.Acknowledge[language],
        ["live"] = QueuePhrases.Live[language],
        ["loadFailed"] = QueuePhrases.LoadFailed[language],
        ["reconnecting"] = QueuePhrases.Reconnecting[language],
        ["escalated"] = QueuePhrases.Escalated[language],
        ["assignedTo"] = QueuePhrases.AssignedTo[language],
        ["statuses"] = new Dictionary<string, string> { ["open"] = QueuePhrases.Open[language], ["cleared"] = QueuePhrases.Cleared[language] },
        ["priorities"] = new Dictionary<string, string>
        {
            ["critical"] = QueuePhrases.Critical[language],
            ["high"] = QueuePhrases.High[language],
            ["normal"] = QueuePhrases.Normal[language],
            ["low"] = QueuePhrases.Low[language],
        },
        ["types"] = AlertTypePhrases.ByName.ToDictionary(pair => pair.Key, pair => pair.Value[language], StringComparer.Ordinal),
    });

    internal static string Hidden(AntiforgeryTokenSet tokens) =>
        $"""<input type="hidden" name="{Encode.Encode(tokens.FormFieldName)}" value="{Encode.Encode(tokens.RequestToken ?? "")}">""";

    /// <summary>
    /// Every signed-in page: the user's language on <c>&lt;html lang&gt;</c>, the shared style plus the page's own
    /// <paramref name="head"/>, one header, then the page's body.
    /// </summary>
    internal static string Document(
        AntiforgeryTokenSet tokens, ConsoleLanguage language, ClaimsPrincipal user, string title, string returnTo, string body, string head = "") => $"""
        <!doctype html>
        <html lang="{ConsoleLanguages.Code(language)}"><head><meta charset="utf-8"><title>{Encode.Encode(title)} — {Encode.Encode(CommonPhrases.Product[language])}</title>{Style}{head}</head>
        <body>
        {Header(tokens, language, user, title, returnTo)}
        {body}
        </body></html>
        """;

    /// <summary>
    /// Every signed-in page's header: its title, the pages this user's role may open, the language switch (back to
    /// <paramref name="returnTo"/>) and logout.
    /// </summary>
    internal static string Header(AntiforgeryTokenSet tokens, ConsoleLanguage language, ClaimsPrincipal user, string title, string returnTo)
    {
        string Link(string href, Phrase text, bool may = true) => may ? $"<a href=\"{href}\">{Encode.Encode(text[language])}</a> " : "";
        var options = string.Concat(ConsoleLanguages.All.Select(l =>
            $"<option value=\"{ConsoleLanguages.Code(l)}\"{(l == language ? " selected" : "")}>{Encode.Encode(ConsoleLanguages.NativeName(l))}</option>"));
        var nav = string.Concat(
            Link("/", CommonPhrases.AlertQueue),
            Link("/fleet", CommonPhrases.Fleet, ConsoleFleet.MayView(user)),
            Link("/gateways", CommonPhrases.Gateways, ConsoleGateways.MayEnrol(user)),
            Link("/homes", LayoutText.Homes, ConsoleLayout.MayManageHomes(user)),
            Link("/reports/response-times", LayoutText.Report, ConsoleLayout.MayReadReports(user)),
            Link("/audit", LayoutText.Audit, ConsoleLayout.MayReadAudit(user)),
            Link("/account", CommonPhrases.Account));
        return $"""
            <header>
              <h1>{Encode.Encode(title)}</h1>
              <nav>{nav.TrimEnd()}</nav>
              <form method="post" action="/language" id="language">
                {Hidden(tokens)}
                <input type="hidden" name="returnTo" value="{Encode.Encode(returnTo)}">
                <label>{Encode.Encode(CommonPhrases.Language[language])} <select name="language">{options}</select></label>
                <button type="submit">{Encode.Encode(CommonPhrases.ChangeLanguage[language])}</button>
              </form>
              <form method="post" action="/logout" id="logout">
                {Encode.Encode(user.Identity?.Name ?? "")}
                {Hidden(tokens)}
                <button type="submit">{Encode.Encode(CommonPhrases.LogOut[language])}</button>
              </form>
            </header>
            """;
    }

    /// <summary>A time for a server-rendered page, in the user's culture; UTC says so, since the server has no zone of the user's.</summary>
    internal static string When(DateTimeOffset? at, ConsoleLanguage language) =>
        at is { } value
            ? value.UtcDateTime.ToString("g", ConsoleLanguages.Culture(language)) + " UTC"
            : CommonPhrases.Never[language];

    public static Stream Asset(string name) =>
        typeof(ConsolePages).Assembly.GetManifestResourceStream("console/" + name)
        ?? throw new InvalidOperationException($"Embedded console asset '{name}' is missing.");
}

internal static partial class ConsoleLog
{
    [LoggerMessage(4000, LogLevel.Information, "Console login: {UserName} ({Role})")]
    public static partial void LoggedIn(ILogger logger, string userName, string role);

    [LoggerMessage(4001, LogLevel.Warning, "Console login failed for {UserName}")]
    public static partial void LoginFailed(ILogger logger, string userName);

    [LoggerMessage(4002, LogLevel.Warning, "Console login refused: {UserName} is locked out after repeated failures")]
    public static partial void LoginLockedOut(ILogger logger, string userName);

    [LoggerMessage(4003, LogLevel.Information, "Console: enrolment code issued for gateway {GatewayId} by {UserName}")]
    public static partial void EnrolmentCodeIssued(ILogger logger, string gatewayId, string userName);

    [LoggerMessage(4020, LogLevel.Information, "Console: {UserName} changed their password")]
    public static partial void PasswordChanged(ILogger logger, string userName);

    [LoggerMessage(4021, LogLevel.Warning, "Console: password change refused for {UserName}: wrong current password")]
    public static partial void PasswordChangeRefused(ILogger logger, string userName);
}
