using HomeGateway.Dispatch.Credentials;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using HomeGateway.Dispatch.DispatcherConsole.Pages;
using HomeGateway.Dispatch.Store;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Logging;

namespace HomeGateway.Dispatch.DispatcherConsole;

/// <summary>
/// <c>/account</c>: a user changes their own password, proving the current one (a session left open on a shared
/// desk must not be enough). Wrong current passwords count towards the login lockout; the change is audited.
/// </summary>
internal static class ConsoleAccount
{
    public const string AuditAction = "password_changed";

    /// <summary>Below this a password is too easy to guess for an account that sees clients' homes.</summary>
    public const int MinPasswordLength = 12;

    public static IEndpointRouteBuilder MapConsoleAccount(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/account", () => ConsoleEndpoints.Component<AccountPage>());
        endpoints.MapPost("/account", ChangePasswordAsync).DisableAntiforgery();
        return endpoints;
    }

    private static async Task<IResult> ChangePasswordAsync(
        HttpContext http,
        IAntiforgery antiforgery,
        IDispatchStore store,
        LoginThrottle throttle,
        ConsoleSessions sessions,
        ILoggerFactory loggers,
        IStringLocalizer<AccountPage> words,
        IStringLocalizer<LoginPage> loginWords,
        IStringLocalizer<ConsoleText> text)
    {
        if (!await ConsoleEndpoints.IsFromOurFormAsync(http, antiforgery))
        {
            return ConsoleEndpoints.Refused(text["FormNotOurs"], StatusCodes.Status400BadRequest, "/account");
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var name = http.User.Identity?.Name ?? "";
        var user = await store.FindUserAsync(name, http.RequestAborted);
        var source = LoginThrottle.SourceOf(http.Connection.RemoteIpAddress);
        if (user is null || throttle.WaitBeforeTrying(name, source) is { Ticks: > 0 })
        {
            return Page(false, loginWords["LockedOut"], StatusCodes.Status429TooManyRequests);
        }

        if (!PasswordHash.Verify(form["current"].ToString(), user.PasswordHash))
        {
            throttle.Failed(name, source);
            await ConsoleEndpoints.AuditFailedLoginAsync(store, throttle, name, source, "wrong current password at /account", http.RequestAborted);
            ConsoleLog.PasswordChangeRefused(loggers.CreateLogger(typeof(ConsoleAccount)), name);
            return Page(false, words["WrongCurrent"], StatusCodes.Status400BadRequest);
        }

        var password = form["password"].ToString();
        string? problem = password.Length < MinPasswordLength ? words["TooShort", MinPasswordLength].Value
            : password != form["repeat"].ToString() ? words["NotRepeated"].Value
            : null;
        if (problem is not null)
        {
            return Page(false, problem, StatusCodes.Status400BadRequest);
        }

        throttle.Succeeded(name, source);
        await store.SetUserPasswordAsync(name, PasswordHash.Create(password), http.RequestAborted);
        await store.RecordAuditAsync(name, AuditAction, null, "own password, from the console", http.RequestAborted);
        // Whoever else holds a session of this user (perhaps the reason for the change) is out; this desk stays in.
        await sessions.EndOthersAsync(http.User, ConsoleSessionEnd.PasswordChanged, http.RequestAborted);
        ConsoleLog.PasswordChanged(loggers.CreateLogger(typeof(ConsoleAccount)), name);
        return Page(true, words["Changed"], StatusCodes.Status200OK);
    }

    private static IResult Page(bool done, string message, int status) =>
        ConsoleEndpoints.Component<AccountPage>(new { Done = done, Message = message }, status);
}
