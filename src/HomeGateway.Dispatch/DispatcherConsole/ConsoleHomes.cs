using HomeGateway.Dispatch.DispatcherConsole.Language;
using HomeGateway.Dispatch.DispatcherConsole.Pages;
using HomeGateway.Dispatch.Store;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static HomeGateway.Dispatch.DispatcherConsole.ConsoleLayout;

namespace HomeGateway.Dispatch.DispatcherConsole;

/// <summary>
/// Homes (admins and technicians): register a home with its contracted response time and the few notes a responder
/// needs (key safe, contacts, free notes — minimal data only), edit it, see its gateways and its enrolment codes'
/// history. Viewing and every change are audited (<c>home_viewed</c>, <c>home_registered</c>, <c>home_updated</c>).
/// </summary>
internal static class ConsoleHomes
{
    public static IEndpointRouteBuilder MapConsoleHomes(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/homes", ListAsync);
        endpoints.MapPost("/homes", RegisterAsync).DisableAntiforgery();
        endpoints.MapGet("/homes/{homeId}", ShowAsync);
        endpoints.MapPost("/homes/{homeId}", UpdateAsync).DisableAntiforgery();
        return endpoints;
    }

    private static async Task<IResult> ListAsync(HttpContext http, IDispatchStore store)
    {
        if (!MayReadHomes(http.User))
        {
            return Forbidden(Words("Forbidden", http));
        }

        return await ListPageAsync(http, store, HomeForm.Empty, StatusCodes.Status200OK);
    }

    private static async Task<IResult> RegisterAsync(HttpContext http, IAntiforgery antiforgery, IDispatchStore store)
    {
        if (!await ConsoleEndpoints.IsFromOurFormAsync(http, antiforgery))
        {
            return FormExpired(http);
        }

        var language = ConsoleLanguages.Of(http);
        if (!MayManageHomes(http.User))
        {
            return Forbidden(Words("Forbidden", http));
        }

        var form = HomeForm.Of(await http.Request.ReadFormAsync(http.RequestAborted));
        if (form.Validate(language) is { } home)
        {
            if (await store.RegisterHomeAsync(home, http.User.Identity!.Name!, http.RequestAborted))
            {
                return Results.Redirect(HomePath(home.HomeId));
            }

            form.Errors["homeId"] = ConsoleWords.Format<HomesPage>("AlreadyRegistered", language, home.HomeId);
        }

        return await ListPageAsync(http, store, form, StatusCodes.Status400BadRequest);
    }

    private static async Task<IResult> ShowAsync(string homeId, HttpContext http, IDispatchStore store, TimeProvider time)
    {
        var language = ConsoleLanguages.Of(http);
        if (!MayReadHomes(http.User))
        {
            return Forbidden(Words("Forbidden", http));
        }

        var home = await store.FindHomeAsync(homeId, http.RequestAborted);
        if (home is null)
        {
            return NotFound(ConsoleWords.Format<HomesPage>("NotFound", language, homeId));
        }

        await store.AppendAuditAsync(http.User.Identity!.Name!, "home_viewed", null, null, homeId, "", http.RequestAborted);
        return await HomePageAsync(http, store, home, HomeForm.Of(home), time.GetUtcNow(), StatusCodes.Status200OK);
    }

    private static async Task<IResult> UpdateAsync(string homeId, HttpContext http, IAntiforgery antiforgery, IDispatchStore store, TimeProvider time)
    {
        if (!await ConsoleEndpoints.IsFromOurFormAsync(http, antiforgery))
        {
            return FormExpired(http);
        }

        var language = ConsoleLanguages.Of(http);
        if (!MayManageHomes(http.User))
        {
            return Forbidden(Words("Forbidden", http));
        }

        var existing = await store.FindHomeAsync(homeId, http.RequestAborted);
        if (existing is null)
        {
            return NotFound(ConsoleWords.Format<HomesPage>("NotFound", language, homeId));
        }

        var form = HomeForm.Of(await http.Request.ReadFormAsync(http.RequestAborted), homeId);
        if (form.Validate(language) is { } home && await store.UpdateHomeAsync(home, http.User.Identity!.Name!, http.RequestAborted))
        {
            return Results.Redirect(HomePath(homeId));
        }

        return await HomePageAsync(http, store, existing, form, time.GetUtcNow(), StatusCodes.Status400BadRequest);
    }

    private static async Task<IResult> ListPageAsync(HttpContext http, IDispatchStore store, HomeForm form, int status)
    {
        var homes = await store.ListHomesAsync(http.RequestAborted);
        var gateways = (await store.ListGatewaysAsync(http.RequestAborted)).ToLookup(g => g.HomeId, StringComparer.Ordinal);
        NoStore(http);
        return ConsoleEndpoints.Component<HomesPage>(new { Homes = homes, Gateways = gateways, Form = form }, status);
    }

    private static async Task<IResult> HomePageAsync(HttpContext http, IDispatchStore store, HomeRecord home, HomeForm form, DateTimeOffset now, int status)
    {
        var ct = http.RequestAborted;
        var gateways = (await store.ListGatewaysAsync(ct)).Where(g => g.HomeId == home.HomeId).ToList();
        var codes = await store.ListEnrolmentCodesAsync(home.HomeId, ct);
        NoStore(http);
        return ConsoleEndpoints.Component<HomePage>(
            new { Home = home, Form = form, Gateways = gateways, Codes = codes, Now = now, TimeZone = home.TimeZone }, status);
    }

    private static string Words(string key, HttpContext http) => ConsoleWords.Of<HomesPage>(key, ConsoleLanguages.Of(http));
}
