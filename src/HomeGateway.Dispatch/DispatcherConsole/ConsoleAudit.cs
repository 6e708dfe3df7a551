using System.Globalization;
using System.Resources;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using HomeGateway.Dispatch.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Localization;
using static HomeGateway.Dispatch.DispatcherConsole.ConsoleLayout;

namespace HomeGateway.Dispatch.DispatcherConsole;

/// <summary>The audit log (admins only): who viewed or changed which alert or home, when; newest first, filtered, paged.</summary>
internal static class ConsoleAudit
{
    public const int PageSize = 50;

    public static IEndpointRouteBuilder MapConsoleAudit(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/audit", ShowAsync);
        return endpoints;
    }

    private static async Task<IResult> ShowAsync(HttpContext http, IDispatchStore store, IStringLocalizer<Pages.AuditPage> words)
    {
        if (!MayReadAudit(http.User))
        {
            return Forbidden(words["Forbidden"]);
        }

        var q = http.Request.Query;
        var page = int.TryParse(q["page"], NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p > 0 ? p : 1;
        var query = new AuditQuery(q["alert"], q["home"], q["actor"], q["action"], page, PageSize);
        var result = await store.ListAuditPageAsync(query, http.RequestAborted);
        var zones = await store.ListHomeTimeZonesAsync(http.RequestAborted);
        NoStore(http);
        return ConsoleEndpoints.Component<Pages.AuditPage>(new { Query = query, Rows = result.Rows, result.HasMore, TimeZones = zones });
    }
}
