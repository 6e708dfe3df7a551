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
/// The admin pages for accounts: <c>/users</c> (disable, enable) and <c>/tokens</c> (create, revoke, a new secret). The same
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

    private static async Task<IResult> UsersAsync(HttpContext http, IDispatchStore store, string? message, bool isError, int status)
    {
        NoStore(http);
        return ConsoleEndpoints.Component<UsersPage>(
            new { Users = await store.ListUsersAsync(http.RequestAborted), Message = message, IsError = isError }, status);
    }

    private static async Task<IResult> SetDisabledAsync(
        string name, bool disabled, HttpContext http, IAntiforgery antiforgery, IDispatchStore store, ConsoleSessions sessions, IStringLocalizer<UsersPage> words)
    {
        if (!await ConsoleEndpoints.IsFromOurFormAsync(http, antiforgery))
        {
            return FormExpired(http);
        }

        if (!MayAdminister(http.User))
        {
            return Forbidden(words["Forbidden"]);
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
        if (!await ConsoleEndpoints.IsFromOurFormAsync(http, antiforgery))
        {
            return FormExpired(http);
        }

        if (!MayAdminister(http.User))
        {
            return Forbidden(words["Forbidden"]);
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
        if (!await ConsoleEndpoints.IsFromOurFormAsync(http, antiforgery))
        {
            return FormExpired(http);
        }

        if (!MayAdminister(http.User))
        {
            return Forbidden(words["Forbidden"]);
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
        if (!await ConsoleEndpoints.IsFromOurFormAsync(http, antiforgery))
        {
            return FormExpired(http);
        }

        if (!MayAdminister(http.User))
        {
            return Forbidden(words["Forbidden"]);
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
