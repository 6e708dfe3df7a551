using System.Globalization;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using HomeGateway.Dispatch.Store;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static HomeGateway.Dispatch.DispatcherConsole.ConsoleLayout;
using static HomeGateway.Dispatch.DispatcherConsole.ConsolePages;

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
        var language = ConsoleLanguages.Of(http);
        if (!MayReadAudit(http.User))
        {
            return Forbidden(AuditText.Forbidden[language]);
        }

        string T(Phrase phrase) => E(phrase[language]);

        var q = http.Request.Query;
        var page = int.TryParse(q["page"], NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p > 0 ? p : 1;
        var query = new AuditQuery(q["alert"], q["home"], q["actor"], q["action"], page, PageSize);
        var result = await store.ListAuditPageAsync(query, http.RequestAborted);
        var tokens = antiforgery.GetAndStoreTokens(http);
        NoStore(http);
        var rows = result.Rows.Count == 0
            ? $"""<tr><td colspan="7">{T(AuditText.Nothing)}</td></tr>"""
            : string.Concat(result.Rows.Select(r =>
                $"""<tr data-action="{E(r.Action)}" data-alert-id="{E(r.AlertId)}" data-actor="{E(r.Actor)}"><td>{At(r.At, language)}</td><td>{E(r.Actor)}</td><td>{E(AuditText.ActionWord(r.Action, language))}</td><td>{E(r.HomeId)}</td><td>{E(r.GatewayId)}</td><td>{Link(r)}</td><td>{E(r.Detail)}</td></tr>"""));
        var body = $"""
            <form method="get" action="/audit" id="filter">
              <label>{T(AuditText.Alert)} <input name="alert" value="{E(query.AlertId)}"></label>
              <label>{T(AuditText.Home)} <input name="home" value="{E(query.HomeId)}"></label>
              <label>{T(AuditText.Actor)} <input name="actor" value="{E(query.Actor)}"></label>
              <label>{T(AuditText.Action)} <input name="action" value="{E(query.Action)}"></label>
              <button type="submit">{T(AuditText.Filter)}</button>
            </form>
            <table id="audit"><thead><tr><th>{T(AuditText.When)}</th><th>{T(AuditText.Actor)}</th><th>{T(AuditText.Action)}</th><th>{T(AuditText.Home)}</th>
            <th>{T(AuditText.Gateway)}</th><th>{T(AuditText.Alert)}</th><th>{T(AuditText.Detail)}</th></tr></thead>
            <tbody>{rows}</tbody></table>
            <p>{(page > 1 ? $"""<a id="newer" href="{E(PageLink(query, page - 1))}">{T(AuditText.Newer)}</a> """ : "")}{E(AuditText.PageOf.Format(language, page))}{(result.HasMore ? $""" <a id="older" href="{E(PageLink(query, page + 1))}">{T(AuditText.Older)}</a>""" : "")}</p>
            """;
        return Html(Page(http, tokens, AuditText.Title[language], body));
    }

    private static string Link(AuditRecord row) =>
        row is { GatewayId: { } gatewayId, AlertId: { } alertId } ? $"""<a href="{E(AlertPath(gatewayId, alertId))}">{E(alertId)}</a>""" : E(row.AlertId);

    private static string PageLink(AuditQuery query, int page) => QueryString.Create(
        new[] { ("alert", query.AlertId), ("home", query.HomeId), ("actor", query.Actor), ("action", query.Action) }
            .Where(f => !string.IsNullOrEmpty(f.Item2))
            .Select(f => KeyValuePair.Create(f.Item1, f.Item2))
            .Append(KeyValuePair.Create("page", (string?)page.ToString(CultureInfo.InvariantCulture)))).ToUriComponent() is var qs ? "/audit" + qs : "/audit";
}

/// <summary>The audit page's words, and the audit actions in words (the stored action names and details stay English: they are the record).</summary>
internal static class AuditText
{
    public static readonly Phrase Title = new("Audit log", "Tapahtumaloki", "Granskningslogg");
    public static readonly Phrase Forbidden = new("Only admins read the audit log.", "Vain ylläpitäjät lukevat tapahtumalokia.", "Endast administratörer läser granskningsloggen.");
    public static readonly Phrase Nothing = new("No entries.", "Ei merkintöjä.", "Inga poster.");
    public static readonly Phrase When = new("When", "Milloin", "När");
    public static readonly Phrase Actor = new("Who", "Kuka", "Vem");
    public static readonly Phrase Action = new("Action", "Toimenpide", "Åtgärd");
    public static readonly Phrase Home = new("Home", "Koti", "Hem");
    public static readonly Phrase Gateway = new("Gateway", "Yhdyskäytävä", "Gateway");
    public static readonly Phrase Alert = new("Alert", "Hälytys", "Larm");
    public static readonly Phrase Detail = new("Detail", "Lisätiedot", "Detaljer");
    public static readonly Phrase Filter = new("Filter", "Suodata", "Filtrera");
    public static readonly Phrase Newer = new("← newer", "← uudemmat", "← nyare");
    public static readonly Phrase Older = new("older →", "vanhemmat →", "äldre →");
    public static readonly Phrase PageOf = new("page {0}", "sivu {0}", "sida {0}");

    public static readonly Phrase Acknowledged = new("acknowledged", "kuittasi", "kvitterade");
    public static readonly Phrase AcknowledgeRepeated = new("acknowledged again (no change)", "kuittasi uudelleen (ei muutosta)", "kvitterade igen (ingen ändring)");
    public static readonly Phrase Assigned = new("assigned", "nimesi vastuuhenkilön", "tilldelade");
    public static readonly Phrase Unassigned = new("unassigned", "poisti vastuuhenkilön", "tog bort tilldelningen");
    public static readonly Phrase NoteAdded = new("added a note", "lisäsi muistiinpanon", "lade till en anteckning");
    public static readonly Phrase Escalated = new("escalated", "eskaloi", "eskalerade");
    public static readonly Phrase Resolved = new("resolved", "ratkaisi", "avslutade");
    public static readonly Phrase ResolveRepeated = new("resolved again (no change)", "ratkaisi uudelleen (ei muutosta)", "avslutade igen (ingen ändring)");
    public static readonly Phrase Reopened = new(
        "reopened it: new evidence after the resolution", "avasi uudelleen: uutta näyttöä ratkaisun jälkeen", "öppnade igen: nya belägg efter avslutet");
    public static readonly Phrase AlertViewed = new("viewed the alert", "katsoi hälytystä", "visade larmet");
    public static readonly Phrase HomeViewed = new("viewed the home", "katsoi kotia", "visade hemmet");
    public static readonly Phrase HomeRegistered = new("registered the home", "rekisteröi kodin", "registrerade hemmet");
    public static readonly Phrase HomeUpdated = new("changed the home", "muutti kodin tietoja", "ändrade hemmet");
    public static readonly Phrase ReportViewed = new("viewed the response-time report", "katsoi vasteaikaraporttia", "visade responstidsrapporten");
    public static readonly Phrase ReportExported = new("exported the response-time report", "latasi vasteaikaraportin", "exporterade responstidsrapporten");
    public static readonly Phrase EnrolmentCodeIssued = new("issued an enrolment code", "loi liittämiskoodin", "skapade en anslutningskod");
    public static readonly Phrase PasswordChanged = new("changed their password", "vaihtoi salasanansa", "bytte sitt lösenord");

    /// <summary>The stored action names (the <c>action</c> filter and <c>data-action</c> keep these) and their words.</summary>
    private static readonly Dictionary<string, Phrase> Actions = new(StringComparer.Ordinal)
    {
        ["acknowledged"] = Acknowledged,
        ["acknowledge_repeated"] = AcknowledgeRepeated,
        ["assigned"] = Assigned,
        ["unassigned"] = Unassigned,
        ["note_added"] = NoteAdded,
        ["escalated"] = Escalated,
        ["resolved"] = Resolved,
        ["resolve_repeated"] = ResolveRepeated,
        ["reopened"] = Reopened,
        ["alert_viewed"] = AlertViewed,
        ["home_viewed"] = HomeViewed,
        ["home_registered"] = HomeRegistered,
        ["home_updated"] = HomeUpdated,
        ["report_viewed"] = ReportViewed,
        ["report_exported"] = ReportExported,
        [ConsoleGateways.AuditAction] = EnrolmentCodeIssued,
        [ConsoleAccount.AuditAction] = PasswordChanged,
    };

    /// <summary>An action in words; one this page does not know (added later) by its stored name.</summary>
    public static string ActionWord(string action, ConsoleLanguage language) => Actions.TryGetValue(action, out var phrase) ? phrase[language] : action;
}
