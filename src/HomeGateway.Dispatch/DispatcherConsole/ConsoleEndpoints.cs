using System.Security.Claims;
using System.Text.Encodings.Web;
using HomeGateway.Dispatch.Acknowledgements;
using HomeGateway.Dispatch.Credentials;
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
    internal const string WrongNameOrPassword = "Wrong name or password.";
    private const string LockedOut = "Too many failed attempts. Wait a few minutes and try again.";

    public static IEndpointRouteBuilder MapConsole(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/login", (HttpContext http, IAntiforgery antiforgery) =>
            Html(ConsolePages.Login(antiforgery.GetAndStoreTokens(http), null), StatusCodes.Status200OK)).AllowAnonymous();
        endpoints.MapPost("/login", LoginAsync).AllowAnonymous().DisableAntiforgery();
        endpoints.MapPost("/logout", LogoutAsync).DisableAntiforgery();
        endpoints.MapPost("/acknowledge", AcknowledgeAsync).DisableAntiforgery();
        endpoints.MapGet("/", (HttpContext http, IAntiforgery antiforgery) =>
            Html(ConsolePages.Queue(antiforgery.GetAndStoreTokens(http), http.User.Identity?.Name ?? "", ConsoleGateways.MayEnrol(http.User),
                ConsoleLayout.Nav(http.User)), StatusCodes.Status200OK));
        endpoints.MapConsoleGateways();
        endpoints.MapConsoleAlertDetail();
        endpoints.MapConsoleHomes();
        endpoints.MapConsoleReports();
        endpoints.MapConsoleAudit();
        endpoints.MapGet("/console.js", () => Results.Stream(ConsolePages.Asset("console.js"), "text/javascript; charset=utf-8"));
        return endpoints;
    }

    private static async Task<IResult> LoginAsync(
        HttpContext http, IAntiforgery antiforgery, IDispatchStore store, LoginThrottle throttle, ILoggerFactory loggers)
    {
        if (!await IsFromOurFormAsync(http, antiforgery))
        {
            return Results.BadRequest("The login form was not sent by this site or has expired. Reload the login page.");
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var name = form["name"].ToString().Trim();
        var password = form["password"].ToString();
        var logger = loggers.CreateLogger(typeof(ConsoleEndpoints));
        if (throttle.IsLockedOut(name))
        {
            ConsoleLog.LoginLockedOut(logger, name);
            return Html(ConsolePages.Login(antiforgery.GetAndStoreTokens(http), LockedOut), StatusCodes.Status429TooManyRequests);
        }

        var user = name.Length == 0 ? null : await store.FindUserAsync(name, http.RequestAborted);
        if (!PasswordHash.Verify(password, user?.PasswordHash) || user is null)
        {
            throttle.Failed(name);
            ConsoleLog.LoginFailed(logger, name);
            return Html(ConsolePages.Login(antiforgery.GetAndStoreTokens(http), WrongNameOrPassword), StatusCodes.Status401Unauthorized);
        }

        throttle.Succeeded(name);
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, user.Name), new Claim(ClaimTypes.Role, user.Role)],
            CookieAuthenticationDefaults.AuthenticationScheme);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
        ConsoleLog.LoggedIn(logger, user.Name, user.Role);
        return Results.Redirect("/");
    }

    private static async Task<IResult> LogoutAsync(HttpContext http, IAntiforgery antiforgery)
    {
        if (!await IsFromOurFormAsync(http, antiforgery))
        {
            return Results.BadRequest("The logout form was not sent by this site or has expired. Reload the page.");
        }

        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return Results.Redirect("/login");
    }

    /// <summary>The queue's "Acknowledge" button: a form post (gatewayId, alertId), then back to the queue.</summary>
    private static async Task<IResult> AcknowledgeAsync(HttpContext http, IAntiforgery antiforgery, AlertAcknowledgements acknowledgements)
    {
        if (!await IsFromOurFormAsync(http, antiforgery))
        {
            return Results.BadRequest("The acknowledge button was not sent by this site or has expired. Reload the page.");
        }

        if (!AlertAcknowledgements.MayAcknowledge(http.User))
        {
            return Results.Text("Your role does not acknowledge alerts (dispatchers and admins do).", "text/plain; charset=utf-8", statusCode: StatusCodes.Status403Forbidden);
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var gatewayId = form["gatewayId"].ToString();
        var alertId = form["alertId"].ToString();
        if (gatewayId.Length == 0 || alertId.Length == 0)
        {
            return Results.BadRequest("The form must name the gateway and the alert.");
        }

        var outcome = await acknowledgements.AcknowledgeAsync(http.User, gatewayId, alertId, http.RequestAborted);
        return outcome.Result is AcknowledgeResult.NotFound or AcknowledgeResult.Ambiguous
            ? Results.NotFound($"No alert '{alertId}' from gateway '{gatewayId}'.")
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
}

/// <summary>The console's HTML. Kept as plain server-rendered pages: no build step, no external assets.</summary>
internal static class ConsolePages
{
    internal static readonly HtmlEncoder Encode = HtmlEncoder.Default;

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
          header { display: flex; justify-content: space-between; align-items: baseline; }
          #status { color: #666; }
          td form { margin: 0; }
        </style>
        """;

    public static string Login(AntiforgeryTokenSet tokens, string? error) => $"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>HomeGateway dispatch — log in</title>{Style}</head>
        <body>
        <h1>HomeGateway dispatch</h1>
        {(error is null ? "" : $"<p class=\"error\" role=\"alert\">{Encode.Encode(error)}</p>")}
        <form method="post" action="/login">
          <input type="hidden" name="{Encode.Encode(tokens.FormFieldName)}" value="{Encode.Encode(tokens.RequestToken ?? "")}">
          <p><label>Name <input name="name" autocomplete="username" required autofocus></label></p>
          <p><label>Password <input name="password" type="password" autocomplete="current-password" required></label></p>
          <p><button type="submit">Log in</button></p>
        </form>
        </body></html>
        """;

    public static string Queue(AntiforgeryTokenSet tokens, string userName, bool mayEnrol, string nav = "") => $"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Alert queue — HomeGateway dispatch</title>{Style}</head>
        <body>
        <header>
          <h1>Alert queue</h1>
          <nav>{(mayEnrol ? "<a href=\"/gateways\">Gateways</a>" : "")} {nav}</nav>
          <form method="post" action="/logout" id="logout">
            {Encode.Encode(userName)}
            <input type="hidden" name="{Encode.Encode(tokens.FormFieldName)}" value="{Encode.Encode(tokens.RequestToken ?? "")}">
            <button type="submit">Log out</button>
          </form>
        </header>
        <p id="status">Loading…</p>
        <table>
          <thead><tr><th>Priority</th><th>Type</th><th>Home</th><th>Sensor</th><th>Summary</th><th>Count</th>
          <th>Raised at</th><th>Received</th><th>Status</th><th>Acknowledged</th></tr></thead>
          <tbody id="queue"></tbody>
        </table>
        <script src="/console.js"></script>
        </body></html>
        """;

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
}
