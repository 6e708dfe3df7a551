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
            : Results.Redirect(http.User.IsInRole(ConsoleLayout.Responder) ? "/responder"
                : ConsoleFleet.MayView(http.User) ? "/fleet"
                : ConsoleLayout.MayReadReports(http.User) ? "/reports/response-times"
                : "/account"));
        endpoints.MapConsoleLanguage();
        endpoints.MapConsoleGateways();
        endpoints.MapConsoleFleet();
        endpoints.MapConsoleAccount();
        endpoints.MapConsoleAlertDetail();
        endpoints.MapConsoleHomes();
        endpoints.MapConsoleReports();
        endpoints.MapConsoleAudit();
        endpoints.MapConsoleAdministration();
        endpoints.MapConsoleTeams();
        endpoints.MapConsoleResponders();
        endpoints.MapGet("/console.js", () => Results.Stream(ConsoleAssets.Open("console.js"), "text/javascript; charset=utf-8"));
        // The login page is styled too; the sheet holds no data.
        endpoints.MapGet("/console.css", () => Results.Stream(ConsoleAssets.Open("console.css"), "text/css; charset=utf-8")).AllowAnonymous();
        return endpoints;
    }

    private static async Task<IResult> LoginAsync(
        HttpContext http, IAntiforgery antiforgery, IDispatchStore store, LoginThrottle throttle, ConsoleSessions sessions, ILoggerFactory loggers,
        IStringLocalizer<LoginPage> words)
    {
        var language = ConsoleLanguages.Of(http);
        if (!await IsFromOurFormAsync(http, antiforgery))
        {
            return Refused(ConsoleWords.Of<ConsoleText>("FormNotOurs", language), StatusCodes.Status400BadRequest);
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var name = form["name"].ToString().Trim();
        var password = form["password"].ToString();
        var logger = loggers.CreateLogger(typeof(ConsoleEndpoints));
        var source = LoginThrottle.SourceOf(http.Connection.RemoteIpAddress);
        if (throttle.WaitBeforeTrying(name, source) is { Ticks: > 0 } wait)
        {
            // Not checked, not counted: the wait is what slows guessing, and the real user elsewhere is not affected.
            var seconds = (int)Math.Ceiling(wait.TotalSeconds);
            ConsoleLog.LoginThrottled(logger, name, source, seconds);
            http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Component<LoginPage>(new { Error = words["TryAgainIn", seconds].Value }, StatusCodes.Status429TooManyRequests);
        }

        var user = name.Length == 0 ? null : await store.FindUserAsync(name, http.RequestAborted);
        if (!PasswordHash.Verify(password, user?.PasswordHash) || user is null)
        {
            throttle.Failed(name, source);
            ConsoleLog.LoginFailed(logger, name, source);
            await AuditFailedLoginAsync(store, throttle, name, source, "wrong name or password", http.RequestAborted);
            return Component<LoginPage>(new { Error = words["WrongNameOrPassword"].Value }, StatusCodes.Status401Unauthorized);
        }

        // Said only to someone who knows the password: a guesser learns nothing about the account's state.
        var sessionId = user.DisabledAt is null ? await sessions.StartAsync(user.Name, http.RequestAborted) : null;
        if (sessionId is null)
        {
            ConsoleLog.LoginRefusedDisabled(logger, user.Name, source);
            await store.RecordAuditAsync(user.Name, UserAudit.LoginRefusedDisabled, null, $"from {source}: the account is disabled", http.RequestAborted);
            return Component<LoginPage>(new { Error = words["AccountDisabled"].Value }, StatusCodes.Status403Forbidden);
        }

        throttle.Succeeded(name, source);
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
            return Refused(ConsoleWords.Of<ConsoleText>("FormNotOurs", ConsoleLanguages.Of(http)), StatusCodes.Status400BadRequest);
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
            return Refuse(ConsoleWords.Of<ConsoleText>("FormNotOurs", language), StatusCodes.Status400BadRequest);
        }

        if (!AlertAcknowledgements.MayAcknowledge(http.User))
        {
            return Refuse(ConsoleWords.Of<QueuePage>("MayNotAcknowledge", language), StatusCodes.Status403Forbidden);
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var gatewayId = form["gatewayId"].ToString();
        var alertId = form["alertId"].ToString();
        if (gatewayId.Length == 0 || alertId.Length == 0)
        {
            return Refuse(ConsoleWords.Of<QueuePage>("MustNameAlert", language), StatusCodes.Status400BadRequest);
        }

        var outcome = await acknowledgements.AcknowledgeAsync(http.User, gatewayId, alertId, http.RequestAborted);
        if (outcome.Result is AcknowledgeResult.NotFound or AcknowledgeResult.Ambiguous)
        {
            return Refuse(ConsoleWords.Format<QueuePage>("NoSuchAlert", language, alertId, gatewayId), StatusCodes.Status404NotFound);
        }

        return wantsJson
            ? Results.Json(new { result = outcome.Result == AcknowledgeResult.Acknowledged ? "acknowledged" : "already_acknowledged" })
            // Post/redirect/get: back where the button was (the alert's page stays on the alert), and a reload does not post again.
            : Results.Redirect(Language.LanguageEndpoints.LocalPath(form["returnTo"]));
    }

    /// <summary>
    /// Audits a failed login (the name as typed, escaped and bounded; the source; the reason), at most once a minute per
    /// name and source with the number of failures since the last entry, so guessing cannot flood the audit log.
    /// </summary>
    internal static async Task AuditFailedLoginAsync(IDispatchStore store, LoginThrottle throttle, string name, string source, string reason, CancellationToken ct)
    {
        if (throttle.AuditDue(name, source) is not { } failures)
        {
            return;
        }

        var typed = HomeGateway.Core.Text.PeerText.Escape(name, 64);
        await store.RecordAuditAsync(typed.Length == 0 ? "(no name)" : typed, UserAudit.LoginFailed, null,
            failures == 1 ? $"from {source}: {reason}" : $"from {source}: {reason} ({failures} failures since the last entry)", ct);
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

    /// <summary>A refusal or "not found" in the user's language, as a page of the console with the way back.</summary>
    internal static IResult Refused(string message, int status, string backTo = "/") =>
        Component<MessagePage>(new { Message = message, Status = status, BackTo = backTo }, status);

    /// <summary>A page: a Razor component rendered on the server (static rendering: no circuit, no WebSocket).</summary>
    internal static IResult Component<TComponent>(object? parameters = null, int status = StatusCodes.Status200OK)
        where TComponent : Microsoft.AspNetCore.Components.IComponent =>
        new RazorComponentResult<TComponent>(parameters ?? new Dictionary<string, object?>()) { StatusCode = status };
}

/// <summary>The console's script and style files, embedded in the executable: no wwwroot to deploy.</summary>
internal static class ConsoleAssets
{
    public static Stream Open(string name) =>
        typeof(ConsoleAssets).Assembly.GetManifestResourceStream("console/" + name)
        ?? throw new InvalidOperationException($"Embedded console asset '{name}' is missing.");
}

internal static partial class ConsoleLog
{
    [LoggerMessage(4000, LogLevel.Information, "Console login: {UserName} ({Role})")]
    public static partial void LoggedIn(ILogger logger, string userName, string role);

    [LoggerMessage(1501, LogLevel.Warning, "Console login failed for {UserName} from {Source}")]
    public static partial void LoginFailed(ILogger logger, string userName, string source);

    [LoggerMessage(1502, LogLevel.Warning, "Console login of {UserName} from {Source} not tried: repeated failures, wait {Seconds} s")]
    public static partial void LoginThrottled(ILogger logger, string userName, string source, int seconds);

    [LoggerMessage(1503, LogLevel.Warning, "Console login refused: {UserName} (from {Source}) is disabled")]
    public static partial void LoginRefusedDisabled(ILogger logger, string userName, string source);

    [LoggerMessage(4003, LogLevel.Information, "Console: enrolment code issued for gateway {GatewayId} by {UserName}")]
    public static partial void EnrolmentCodeIssued(ILogger logger, string gatewayId, string userName);

    [LoggerMessage(4020, LogLevel.Information, "Console: {UserName} changed their password")]
    public static partial void PasswordChanged(ILogger logger, string userName);

    [LoggerMessage(4021, LogLevel.Warning, "Console: password change refused for {UserName}: wrong current password")]
    public static partial void PasswordChangeRefused(ILogger logger, string userName);
}
