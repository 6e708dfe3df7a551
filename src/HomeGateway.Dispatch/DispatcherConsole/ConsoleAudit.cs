using System.Globalization;
using HomeGateway.Dispatch.Store;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
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

    private static async Task<IResult> ShowAsync(HttpContext http, IAntiforgery antiforgery, IDispatchStore store)
    {
        if (!MayReadAudit(http.User))
        {
            return Forbidden(AuditText.Forbidden);
        }

        var q = http.Request.Query;
        var page = int.TryParse(q["page"], NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p > 0 ? p : 1;
        var query = new AuditQuery(q["alert"], q["home"], q["actor"], q["action"], page, PageSize);
        var result = await store.ListAuditPageAsync(query, http.RequestAborted);
        var tokens = antiforgery.GetAndStoreTokens(http);
        NoStore(http);
        var rows = result.Rows.Count == 0
            ? $"""<tr><td colspan="7">{E(AuditText.Nothing)}</td></tr>"""
            : string.Concat(result.Rows.Select(r =>
                $"""<tr data-action="{E(r.Action)}" data-alert-id="{E(r.AlertId)}" data-actor="{E(r.Actor)}"><td>{When(r.At)}</td><td>{E(r.Actor)}</td><td>{E(r.Action)}</td><td>{E(r.HomeId)}</td><td>{E(r.GatewayId)}</td><td>{Link(r)}</td><td>{E(r.Detail)}</td></tr>"""));
        var body = $"""
            <form method="get" action="/audit" id="filter">
              <label>{E(AuditText.Alert)} <input name="alert" value="{E(query.AlertId)}"></label>
              <label>{E(AuditText.Home)} <input name="home" value="{E(query.HomeId)}"></label>
              <label>{E(AuditText.Actor)} <input name="actor" value="{E(query.Actor)}"></label>
              <label>{E(AuditText.Action)} <input name="action" value="{E(query.Action)}"></label>
              <button type="submit">{E(AuditText.Filter)}</button>
            </form>
            <table id="audit"><thead><tr><th>{E(AuditText.When)}</th><th>{E(AuditText.Actor)}</th><th>{E(AuditText.Action)}</th><th>{E(AuditText.Home)}</th>
            <th>{E(AuditText.Gateway)}</th><th>{E(AuditText.Alert)}</th><th>{E(AuditText.Detail)}</th></tr></thead>
            <tbody>{rows}</tbody></table>
            <p>{(page > 1 ? $"""<a id="newer" href="{E(PageLink(query, page - 1))}">{E(AuditText.Newer)}</a> """ : "")}{E(string.Format(CultureInfo.InvariantCulture, AuditText.PageOf, page))}{(result.HasMore ? $""" <a id="older" href="{E(PageLink(query, page + 1))}">{E(AuditText.Older)}</a>""" : "")}</p>
            """;
        return Html(Page(http, tokens, AuditText.Title, body));
    }

    private static string Link(AuditRecord row) =>
        row is { GatewayId: { } gatewayId, AlertId: { } alertId } ? $"""<a href="{E(AlertPath(gatewayId, alertId))}">{E(alertId)}</a>""" : E(row.AlertId);

    private static string PageLink(AuditQuery query, int page) => QueryString.Create(
        new[] { ("alert", query.AlertId), ("home", query.HomeId), ("actor", query.Actor), ("action", query.Action) }
            .Where(f => !string.IsNullOrEmpty(f.Item2))
            .Select(f => KeyValuePair.Create(f.Item1, f.Item2))
            .Append(KeyValuePair.Create("page", (string?)page.ToString(CultureInfo.InvariantCulture)))).ToUriComponent() is var qs ? "/audit" + qs : "/audit";
}

/// <summary>The audit page's words (English; the translation layer replaces these).</summary>
internal static class AuditText
{
    public static readonly string Title = "Audit log";
    public static readonly string Forbidden = "Only admins read the audit log.";
    public static readonly string Nothing = "No entries.";
    public static readonly string When = "When";
    public static readonly string Actor = "Who";
    public static readonly string Action = "Action";
    public static readonly string Home = "Home";
    public static readonly string Gateway = "Gateway";
    public static readonly string Alert = "Alert";
    public static readonly string Detail = "Detail";
    public static readonly string Filter = "Filter";
    public static readonly string Newer = "← newer";
    public static readonly string Older = "older →";
    public static readonly string PageOf = "page {0}";
}
