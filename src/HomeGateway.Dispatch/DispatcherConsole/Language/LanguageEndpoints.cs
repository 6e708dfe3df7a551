using System.Security.Claims;
using HomeGateway.Dispatch.Store;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Localization;

namespace HomeGateway.Dispatch.DispatcherConsole.Language;

/// <summary><c>POST /language</c>: the language switch on every page. Stored with the user and put into the session at once.</summary>
internal static class LanguageEndpoints
{
    public static IEndpointRouteBuilder MapConsoleLanguage(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/language", ChangeAsync).DisableAntiforgery();
        return endpoints;
    }

    private static async Task<IResult> ChangeAsync(HttpContext http, IAntiforgery antiforgery, IDispatchStore store, IStringLocalizer<ConsoleText> text)
    {
        if (!await ConsoleEndpoints.IsFromOurFormAsync(http, antiforgery))
        {
            return ConsoleEndpoints.Refused(text["FormNotOurs"], StatusCodes.Status400BadRequest);
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var name = http.User.Identity?.Name ?? "";
        // Only console users have a language; an integration's token has no session to carry it.
        if (!ConsoleLanguages.TryParse(form["language"], out var chosen)
            || http.User.Identity?.AuthenticationType != CookieAuthenticationDefaults.AuthenticationScheme
            || !await store.SetUserLanguageAsync(name, ConsoleLanguages.Code(chosen), http.RequestAborted))
        {
            return ConsoleEndpoints.Refused(text["UnknownLanguage"], StatusCodes.Status400BadRequest);
        }

        var claims = http.User.Claims.Where(c => c.Type != ConsoleLanguages.ClaimType)
            .Append(new Claim(ConsoleLanguages.ClaimType, ConsoleLanguages.Code(chosen)));
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
            new ClaimsPrincipal(new ClaimsIdentity(claims, CookieAuthenticationDefaults.AuthenticationScheme)));
        return Results.Redirect(LocalPath(form["returnTo"]));
    }

    /// <summary>Back to the page the form was on; never to another site (<c>//host</c>, <c>/\host</c>, absolute URLs).</summary>
    internal static string LocalPath(string? returnTo) =>
        returnTo is { Length: > 0 } path && path[0] == '/' && (path.Length == 1 || (path[1] != '/' && path[1] != '\\'))
            && Uri.IsWellFormedUriString(path, UriKind.Relative)
            ? path
            : "/";
}
