using HomeGateway.Dispatch.Cli;
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
using static HomeGateway.Dispatch.DispatcherConsole.ConsoleLayout;

namespace HomeGateway.Dispatch.DispatcherConsole;

/// <summary>
/// The admin pages for accounts: <c>/users</c> (add, reset a password, change role and language, disable, enable) and <c>/tokens</c> (create, revoke, a new secret). The same
/// store operations as the command line, so the same audit rows, with the admin's name as the actor. Admins only; every post
/// checks the antiforgery token and the role in the handler.
/// </summary>
internal static class ConsoleAdministration
{
    public static readonly string[] Roles = ["admin"];

    public static bool MayAdminister(System.Security.Claims.ClaimsPrincipal user) => Roles.Any(user.IsInRole);

    public static IEndpointRouteBuilder MapConsoleAdministration(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/users", (HttpContext http, IDispatchStore store, IStringLocalizer<UsersPage> words) =>
            MayAdminister(http.User) ? UsersAsync(http, store, null, false, StatusCodes.Status200OK) : Task.FromResult(Forbidden(words["Forbidden"])));
        endpoints.MapPost("/users", AddUserAsync).DisableAntiforgery();
        endpoints.MapPost("/users/{name}/reset-password", ResetPasswordAsync).DisableAntiforgery();
        endpoints.MapPost("/users/{name}/role", SetRoleAsync).DisableAntiforgery();
        endpoints.MapPost("/users/{name}/disable", (string name, HttpContext http, IAntiforgery antiforgery, IDispatchStore store, ConsoleSessions sessions,
            IStringLocalizer<UsersPage> words) => SetDisabledAsync(name, true, http, antiforgery, store, sessions, words)).DisableAntiforgery();
        endpoints.MapPost("/users/{name}/enable", (string name, HttpContext http, IAntiforgery antiforgery, IDispatchStore store, ConsoleSessions sessions,
            IStringLocalizer<UsersPage> words) => SetDisabledAsync(name, false, http, antiforgery, store, sessions, words)).DisableAntiforgery();

        endpoints.MapGet("/tokens", (HttpContext http, IDispatchStore store, TimeProvider time, IStringLocalizer<TokensPage> words) =>
            MayAdminister(http.User) ? TokensAsync(http, store, time, null, false, StatusCodes.Status200OK) : Task.FromResult(Forbidden(words["Forbidden"])));
        endpoints.MapPost("/tokens", CreateTokenAsync).DisableAntiforgery();
        endpoints.MapPost("/tokens/{name}/revoke", RevokeTokenAsync).DisableAntiforgery();
        endpoints.MapPost("/tokens/{name}/rotate", RotateTokenAsync).DisableAntiforgery();
        return endpoints;
    }

    private static async Task<IResult> UsersAsync(
        HttpContext http, IDispatchStore store, string? message, bool isError, int status, NewUserForm? form = null)
    {
        NoStore(http);
        return ConsoleEndpoints.Component<UsersPage>(
            new { Users = await store.ListUsersAsync(http.RequestAborted), Message = message, IsError = isError, Form = form ?? NewUserForm.Empty }, status);
    }

    private static async Task<IResult> AddUserAsync(
        HttpContext http, IAntiforgery antiforgery, IDispatchStore store, ILoggerFactory loggers, IStringLocalizer<UsersPage> words)
    {
        if (await RefusedPostAsync(http, antiforgery, MayAdminister(http.User), words["Forbidden"]) is { } refused)
        {
            return refused;
        }

        var fields = await http.Request.ReadFormAsync(http.RequestAborted);
        var form = new NewUserForm(fields["name"].ToString().Trim(), fields["role"].ToString(), fields["language"].ToString());
        if (DispatchCommandLine.UserNameProblem(form.Name) is not null)
        {
            form.Errors["name"] = words["BadUserName", DispatchCommandLine.MaxUserNameLength].Value;
        }

        if (!AllRoles.Contains(form.Role, StringComparer.Ordinal))
        {
            form.Errors["role"] = words["ChooseRole"].Value;
        }

        if (!ConsoleLanguages.All.Select(ConsoleLanguages.Code).Contains(form.Language, StringComparer.Ordinal))
        {
            form.Errors["language"] = words["ChooseLanguage"].Value;
        }

        if (form.Errors.Count > 0)
        {
            return await UsersAsync(http, store, null, false, StatusCodes.Status400BadRequest, form);
        }

        var admin = http.User.Identity?.Name ?? "";
        var password = Secrets.NewPassword();
        if (!await store.AddUserAsync(form.Name, PasswordHash.Create(password), form.Role, form.Language, admin, http.RequestAborted))
        {
            form.Errors["name"] = words["NameTaken", form.Name].Value;
            return await UsersAsync(http, store, null, false, StatusCodes.Status409Conflict, form);
        }

        AccountLog.UserAdded(loggers.CreateLogger(typeof(ConsoleAdministration)), form.Name, form.Role, admin);
        return Password(http, form.Name, password, words["AddedTitle", form.Name]);
    }

    private static async Task<IResult> ResetPasswordAsync(
        string name, HttpContext http, IAntiforgery antiforgery, IDispatchStore store, ConsoleSessions sessions, ILoggerFactory loggers,
        IStringLocalizer<UsersPage> words)
    {
        if (await RefusedPostAsync(http, antiforgery, MayAdminister(http.User), words["Forbidden"]) is { } refused)
        {
            return refused;
        }

        var admin = http.User.Identity?.Name ?? "";
        if (name == admin)
        {
            // One's own password is changed at /account, which asks for the current one: a session left open at a desk
            // must not be enough to take over the admin account.
            return await UsersAsync(http, store, words["ResetYourself"], true, StatusCodes.Status409Conflict);
        }

        var password = Secrets.NewPassword();
        if (await store.ResetUserPasswordAsync(name, PasswordHash.Create(password), admin, http.RequestAborted) is not { } ended)
        {
            return await UsersAsync(http, store, words["NoSuchUser", name], true, StatusCodes.Status404NotFound);
        }

        sessions.SessionsEnded(name, ended, ConsoleSessionEnd.PasswordReset);
        AccountLog.PasswordReset(loggers.CreateLogger(typeof(ConsoleAdministration)), name, admin, ended.Count);
        return Password(http, name, password, words["ResetTitle", name]);
    }

    private static async Task<IResult> SetRoleAsync(
        string name, HttpContext http, IAntiforgery antiforgery, IDispatchStore store, ConsoleSessions sessions, ILoggerFactory loggers,
        IStringLocalizer<UsersPage> words)
    {
        if (await RefusedPostAsync(http, antiforgery, MayAdminister(http.User), words["Forbidden"]) is { } refused)
        {
            return refused;
        }

        var fields = await http.Request.ReadFormAsync(http.RequestAborted);
        var role = fields["role"].ToString();
        var language = fields["language"].ToString();
        var admin = http.User.Identity?.Name ?? "";
        string? problem = !AllRoles.Contains(role, StringComparer.Ordinal) ? words["ChooseRole"].Value
            : !ConsoleLanguages.All.Select(ConsoleLanguages.Code).Contains(language, StringComparer.Ordinal) ? words["ChooseLanguage"].Value
            // An admin does not demote themselves from a page: another admin does it, so someone always sees it happen.
            : name == admin && role != "admin" ? words["DemoteYourself"].Value
            : null;
        if (problem is not null)
        {
            return await UsersAsync(http, store, problem, true, StatusCodes.Status400BadRequest);
        }

        var change = await store.SetUserRoleAsync(name, role, language, admin, http.RequestAborted);
        switch (change.Result)
        {
            case RoleChangeResult.NoSuchUser:
                return await UsersAsync(http, store, words["NoSuchUser", name], true, StatusCodes.Status404NotFound);
            case RoleChangeResult.LastAdmin:
                return await UsersAsync(http, store, words["LastAdminRole"], true, StatusCodes.Status409Conflict);
            case RoleChangeResult.Unchanged:
                return await UsersAsync(http, store, words["Unchanged"], false, StatusCodes.Status200OK);
        }

        sessions.SessionsEnded(name, change.EndedSessions, ConsoleSessionEnd.RoleChanged);
        AccountLog.RoleChanged(loggers.CreateLogger(typeof(ConsoleAdministration)), name, change.FromRole ?? "", role, admin, change.EndedSessions.Count);
        return Results.Redirect("/users");
    }

    /// <summary>A new user's or a reset password, shown once: never cached, and only its hash is stored.</summary>
    private static IResult Password(HttpContext http, string name, string password, string title)
    {
        NoStore(http);
        return ConsoleEndpoints.Component<UserPasswordPage>(new { Name = name, Password = password, Title = title });
    }

    private static async Task<IResult> SetDisabledAsync(
        string name, bool disabled, HttpContext http, IAntiforgery antiforgery, IDispatchStore store, ConsoleSessions sessions, IStringLocalizer<UsersPage> words)
    {
        if (await RefusedPostAsync(http, antiforgery, MayAdminister(http.User), words["Forbidden"]) is { } refused)
        {
            return refused;
        }

        var admin = http.User.Identity?.Name ?? "";
        var users = await store.ListUsersAsync(http.RequestAborted);
        var user = users.FirstOrDefault(u => u.Name == name);
        string? problem = user is null ? words["NoSuchUser", name].Value
            // Nobody locks themselves (or everyone) out of administration from a web page.
            : disabled && name == admin ? words["NotYourself"].Value
            : disabled && user.Role == "admin" && !users.Any(u => u.Role == "admin" && u.DisabledAt is null && u.Name != name) ? words["LastAdmin"].Value
            : null;
        if (problem is not null)
        {
            return await UsersAsync(http, store, problem, true, user is null ? StatusCodes.Status404NotFound : StatusCodes.Status409Conflict);
        }

        if (!await sessions.SetDisabledAsync(name, disabled, admin, http.RequestAborted))
        {
            return await UsersAsync(http, store, words["Unchanged"], false, StatusCodes.Status200OK);
        }

        // Post/redirect/get: the list shows the new state; a reload does not post again.
        return Results.Redirect("/users");
    }

    private static async Task<IResult> TokensAsync(
        HttpContext http, IDispatchStore store, TimeProvider time, string? message, bool isError, int status, string name = "", int? days = null)
    {
        NoStore(http);
        return ConsoleEndpoints.Component<TokensPage>(new
        {
            Tokens = await store.ListApiTokensAsync(http.RequestAborted),
            Now = time.GetUtcNow(),
            Message = message,
            IsError = isError,
            Name = name,
            Days = days ?? (int)ApiTokenLifetime.Default.TotalDays,
        }, status);
    }

    private static async Task<IResult> CreateTokenAsync(
        HttpContext http, IAntiforgery antiforgery, IDispatchStore store, TimeProvider time, ILoggerFactory loggers, IStringLocalizer<TokensPage> words)
    {
        if (await RefusedPostAsync(http, antiforgery, MayAdminister(http.User), words["Forbidden"]) is { } refused)
        {
            return refused;
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var name = form["name"].ToString().Trim();
        var maxDays = (int)ApiTokenLifetime.Maximum.TotalDays;
        var daysValid = int.TryParse(form["days"], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var days)
            && days >= 1 && days <= maxDays;
        string? problem = DispatchCommandLine.TokenNameProblem(name) is not null ? words["BadName"].Value
            : !daysValid ? words["BadDays", maxDays].Value
            : null;
        if (problem is not null)
        {
            return await TokensAsync(http, store, time, problem, true, StatusCodes.Status400BadRequest, name, daysValid ? days : null);
        }

        var secret = Secrets.NewApiToken();
        var expires = time.GetUtcNow() + TimeSpan.FromDays(days);
        var admin = http.User.Identity?.Name ?? "";
        if (!await store.AddApiTokenAsync(name, Secrets.Hash(secret), admin, expires, http.RequestAborted))
        {
            return await TokensAsync(http, store, time, words["NameTaken", name], true, StatusCodes.Status409Conflict, name, days);
        }

        ApiTokenLog.Changed(loggers.CreateLogger(typeof(ConsoleAdministration)), name, "created", admin);
        return Secret(http, name, secret, expires);
    }

    private static async Task<IResult> RevokeTokenAsync(
        string name, HttpContext http, IAntiforgery antiforgery, IDispatchStore store, ApiTokenWatch watch, TimeProvider time, ILoggerFactory loggers,
        IStringLocalizer<TokensPage> words)
    {
        if (await RefusedPostAsync(http, antiforgery, MayAdminister(http.User), words["Forbidden"]) is { } refused)
        {
            return refused;
        }

        var admin = http.User.Identity?.Name ?? "";
        if (!await store.RevokeApiTokenAsync(name, admin, http.RequestAborted))
        {
            return await TokensAsync(http, store, time, words["NotActive", name], true, StatusCodes.Status404NotFound);
        }

        ApiTokenLog.Changed(loggers.CreateLogger(typeof(ConsoleAdministration)), name, "revoked", admin);
        // This node's streams of the token end now; other nodes' within their next poll.
        await watch.CheckAsync(http.RequestAborted);
        return await TokensAsync(http, store, time, words["Revoked0", name], false, StatusCodes.Status200OK);
    }

    private static async Task<IResult> RotateTokenAsync(
        string name, HttpContext http, IAntiforgery antiforgery, IDispatchStore store, ApiTokenWatch watch, TimeProvider time, ILoggerFactory loggers,
        IStringLocalizer<TokensPage> words)
    {
        if (await RefusedPostAsync(http, antiforgery, MayAdminister(http.User), words["Forbidden"]) is { } refused)
        {
            return refused;
        }

        var secret = Secrets.NewApiToken();
        var expires = time.GetUtcNow() + ApiTokenLifetime.Default;
        var admin = http.User.Identity?.Name ?? "";
        if (!await store.RotateApiTokenAsync(name, Secrets.Hash(secret), admin, expires, http.RequestAborted))
        {
            return await TokensAsync(http, store, time, words["NotActive", name], true, StatusCodes.Status404NotFound);
        }

        ApiTokenLog.Changed(loggers.CreateLogger(typeof(ConsoleAdministration)), name, "rotated", admin);
        await watch.CheckAsync(http.RequestAborted);
        return Secret(http, name, secret, expires);
    }

    private static IResult Secret(HttpContext http, string name, string secret, DateTimeOffset expires)
    {
        NoStore(http);
        return ConsoleEndpoints.Component<TokenSecretPage>(new { Name = name, Secret = secret, ExpiresAt = expires });
    }
}

/// <summary>The add-user form as typed, with a problem per field.</summary>
public sealed record NewUserForm(string Name, string Role, string Language)
{
    public static NewUserForm Empty => new("", "dispatcher", "en");

    public Dictionary<string, string> Errors { get; } = new(StringComparer.Ordinal);
}

/// <summary>Changes to console accounts made from the console (the store audits them; the log says so too).</summary>
internal static partial class AccountLog
{
    [LoggerMessage(1550, LogLevel.Warning, "Console user {UserName} added as {Role} by {By}")]
    public static partial void UserAdded(ILogger logger, string userName, string role, string by);

    [LoggerMessage(1551, LogLevel.Warning, "Console user {UserName}'s password reset by {By}; {Count} sessions ended")]
    public static partial void PasswordReset(ILogger logger, string userName, string by, int count);

    [LoggerMessage(1552, LogLevel.Warning, "Console user {UserName}'s role changed from {From} to {To} by {By}; {Count} sessions ended")]
    public static partial void RoleChanged(ILogger logger, string userName, string from, string to, string by, int count);
}
