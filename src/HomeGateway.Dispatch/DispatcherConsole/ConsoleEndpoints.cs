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
using Microsoft.AspNetCore.Http.HttpResults;
using HomeGateway.Dispatch.DispatcherConsole.Pages;
using Microsoft.Extensions.Localization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace HomeGateway.Dispatch.DispatcherConsole;

/// <summary>The dispatcher console: login, logout, the live queue page and its "Acknowledge" buttons (Gateways: <see cref="ConsoleGateways"/>).</summary>
internal static class ConsoleEndpoints
{
    public static IEndpointRouteBuilder MapConsole(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/login", () => Component<LoginPage>()).AllowAnonymous();
        endpoints.MapPost("/login", LoginAsync).AllowAnonymous().DisableAntiforgery();
        endpoints.MapPost("/logout", LogoutAsync).DisableAntiforgery();
        endpoints.MapPost("/acknowledge", AcknowledgeAsync).DisableAntiforgery();
        endpoints.MapGet("/", (HttpContext http) =>
            // A role that takes no alerts starts where its work is, not on a queue it may not read.
            ConsoleLayout.MayReadAlerts(http.User) ? Component<QueuePage>()
            : Results.Redirect(ConsoleFleet.MayView(http.User) ? "/fleet" : "/account"));
        endpoints.MapConsoleLanguage();
        endpoints.MapConsoleGateways();
        endpoints.MapConsoleFleet();
        endpoints.MapConsoleAccount();
        endpoints.MapConsoleAlertDetail();
        endpoints.MapConsoleHomes();
        endpoints.MapConsoleReports();
        endpoints.MapConsoleAudit();
        endpoints.MapGet("/console.js", () => Results.Stream(ConsolePages.Asset("console.js"), "text/javascript; charset=utf-8"));
        // The login page is styled too; the sheet holds no data.
        endpoints.MapGet("/console.css", () => Results.Stream(ConsolePages.Asset("console.css"), "text/css; charset=utf-8")).AllowAnonymous();
        return endpoints;
    }

    private static async Task<IResult> LoginAsync(
        HttpContext http, IAntiforgery antiforgery, IDispatchStore store, LoginThrottle throttle, ConsoleSessions sessions, ILoggerFactory loggers,
        IStringLocalizer<LoginPage> words)
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
            return Component<LoginPage>(new { Error = words["LockedOut"].Value }, StatusCodes.Status429TooManyRequests);
        }

        var user = name.Length == 0 ? null : await store.FindUserAsync(name, http.RequestAborted);
        if (!PasswordHash.Verify(password, user?.PasswordHash) || user is null)
        {
            throttle.Failed(name);
            ConsoleLog.LoginFailed(logger, name);
            return Component<LoginPage>(new { Error = words["WrongNameOrPassword"].Value }, StatusCodes.Status401Unauthorized);
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

    /// <summary>
    /// "Acknowledge" (take) from the queue or an alert's page: a form post (gatewayId, alertId, returnTo). A plain post
    /// goes back to the page it came from (post/redirect/get); the queue's script posts with <c>Accept: application/json</c>
    /// and gets the outcome as JSON, so the live page, its sound and its focus stay as they are.
    /// </summary>
    private static async Task<IResult> AcknowledgeAsync(HttpContext http, IAntiforgery antiforgery, AlertAcknowledgements acknowledgements)
    {
        var language = ConsoleLanguages.Of(http);
        var wantsJson = http.Request.Headers.Accept.ToString().Contains("application/json", StringComparison.Ordinal);
        IResult Refuse(string message, int status) => wantsJson
            ? Results.Json(new { error = message }, statusCode: status)
            : Refused(message, status);

        if (!await IsFromOurFormAsync(http, antiforgery))
        {
            return Refuse(CommonPhrases.FormNotOurs[language], StatusCodes.Status400BadRequest);
        }

        if (!AlertAcknowledgements.MayAcknowledge(http.User))
        {
            return Refuse(QueuePhrases.MayNotAcknowledge[language], StatusCodes.Status403Forbidden);
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var gatewayId = form["gatewayId"].ToString();
        var alertId = form["alertId"].ToString();
        if (gatewayId.Length == 0 || alertId.Length == 0)
        {
            return Refuse(QueuePhrases.MustNameAlert[language], StatusCodes.Status400BadRequest);
        }

        var outcome = await acknowledgements.AcknowledgeAsync(http.User, gatewayId, alertId, http.RequestAborted);
        if (outcome.Result is AcknowledgeResult.NotFound or AcknowledgeResult.Ambiguous)
        {
            return Refuse(QueuePhrases.NoSuchAlert.Format(language, alertId, gatewayId), StatusCodes.Status404NotFound);
        }

        return wantsJson
            ? Results.Json(new { result = outcome.Result == AcknowledgeResult.Acknowledged ? "acknowledged" : "already_acknowledged" })
            // Post/redirect/get: back where the button was (the alert's page stays on the alert), and a reload does not post again.
            : Results.Redirect(Language.LanguageEndpoints.LocalPath(form["returnTo"]));
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

    /// <summary>A refusal or "not found" in the user's language, as a page of the console with the way back.</summary>
    internal static IResult Refused(string message, int status, string backTo = "/") =>
        Component<MessagePage>(new { Message = message, Status = status, BackTo = backTo }, status);

    /// <summary>A page: a Razor component rendered on the server (static rendering: no circuit, no WebSocket).</summary>
    internal static IResult Component<TComponent>(object? parameters = null, int status = StatusCodes.Status200OK)
        where TComponent : Microsoft.AspNetCore.Components.IComponent =>
        new RazorComponentResult<TComponent>(parameters ?? new Dictionary<string, object?>()) { StatusCode = status };
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
