using System.Globalization;
using System.Text;
using HomeGateway.Core.Rules;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using HomeGateway.Dispatch.DispatcherConsole.Reports;
using HomeGateway.Dispatch.Store;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static HomeGateway.Dispatch.DispatcherConsole.ConsoleLayout;
using static HomeGateway.Dispatch.DispatcherConsole.ConsolePages;

namespace HomeGateway.Dispatch.DispatcherConsole;

/// <summary>
/// The response-time report (admins and dispatchers): alerts raised in a range of UTC dates — dispatch does not know
/// a home's time zone — per alert and per home, breaches highlighted, and the same rows as CSV. Viewing and exporting are
/// audited (<c>report_viewed</c>, <c>report_exported</c>).
/// </summary>
internal static class ConsoleReports
{
    /// <summary>The default range: the last seven UTC days, today included.</summary>
    public const int DefaultDays = 7;

    public const int MaxDays = 366;

    public static IEndpointRouteBuilder MapConsoleReports(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/reports/response-times", ShowAsync);
        endpoints.MapGet("/reports/response-times.csv", ExportAsync);
        return endpoints;
    }

    /// <summary>The range [from, to] in UTC dates from the query, or the problem with it.</summary>
    internal static (DateOnly From, DateOnly To, string? Problem) Range(HttpRequest request, DateTimeOffset now, ConsoleLanguage language = ConsoleLanguage.English)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var from = today.AddDays(1 - DefaultDays);
        var to = today;
        string? problem = null;
        if (!Date(request.Query["from"], ref from) || !Date(request.Query["to"], ref to))
        {
            problem = ReportText.BadDate[language];
        }
        else if (from > to || to.DayNumber - from.DayNumber >= MaxDays)
        {
            problem = ReportText.BadRange.Format(language, MaxDays);
        }

        return (from, to, problem);
    }

    private static bool Date(string? text, ref DateOnly date)
    {
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            return false;
        }

        date = parsed;
        return true;
    }

    private static async Task<ResponseTimeReport?> ReportAsync(IDispatchStore store, DateOnly from, DateOnly to, DateTimeOffset now, CancellationToken ct)
    {
        var rows = await store.ListResponseTimesAsync(
            new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero),
            new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), ct);
        return ResponseTimeReport.Build(rows, now);
    }

    private static string RangeText(DateOnly from, DateOnly to) =>
        string.Create(CultureInfo.InvariantCulture, $"{from:yyyy-MM-dd} to {to:yyyy-MM-dd} (UTC)");

    private static async Task<IResult> ShowAsync(HttpContext http, IAntiforgery antiforgery, IDispatchStore store, TimeProvider time)
    {
        var language = ConsoleLanguages.Of(http);
        if (!MayReadReports(http.User))
        {
            return Forbidden(ReportText.Forbidden[language]);
        }

        var now = time.GetUtcNow();
        var (from, to, problem) = Range(http.Request, now, language);
        var tokens = antiforgery.GetAndStoreTokens(http);
        NoStore(http);
        if (problem is not null)
        {
            return Html(Page(http, tokens, ReportText.Title[language], RangeForm(from, to, language) + Error(problem)), StatusCodes.Status400BadRequest);
        }

        var report = (await ReportAsync(store, from, to, now, http.RequestAborted))!;
        await store.AppendAuditAsync(http.User.Identity!.Name!, "report_viewed", null, null, null, RangeText(from, to), http.RequestAborted);
        return Html(Page(http, tokens, ReportText.Title[language], Body(report, from, to, language)));
    }

    private static async Task<IResult> ExportAsync(HttpContext http, IDispatchStore store, TimeProvider time)
    {
        var language = ConsoleLanguages.Of(http);
        if (!MayReadReports(http.User))
        {
            return Forbidden(ReportText.Forbidden[language]);
        }

        var now = time.GetUtcNow();
        var (from, to, problem) = Range(http.Request, now, language);
        if (problem is not null)
        {
            return ConsoleEndpoints.Refused(problem, StatusCodes.Status400BadRequest);
        }

        var report = (await ReportAsync(store, from, to, now, http.RequestAborted))!;
        await store.AppendAuditAsync(http.User.Identity!.Name!, "report_exported", null, null, null, RangeText(from, to), http.RequestAborted);
        NoStore(http);
        http.Response.Headers.ContentDisposition = string.Create(CultureInfo.InvariantCulture,
            $"attachment; filename=\"response-times-{from:yyyy-MM-dd}-{to:yyyy-MM-dd}.csv\"");
        return Results.Text(ResponseTimeCsv.Write(report), "text/csv; charset=utf-8", Encoding.UTF8);
    }

    private static string RangeForm(DateOnly from, DateOnly to, ConsoleLanguage language) => string.Create(CultureInfo.InvariantCulture, $"""
        <form method="get" action="/reports/response-times" id="range">
          <label>{E(ReportText.From[language])} <input type="date" name="from" value="{from:yyyy-MM-dd}"></label>
          <label>{E(ReportText.To[language])} <input type="date" name="to" value="{to:yyyy-MM-dd}"></label>
          <button type="submit">{E(ReportText.Show[language])}</button>
          <a id="csv" href="/reports/response-times.csv?from={from:yyyy-MM-dd}&amp;to={to:yyyy-MM-dd}">{E(ReportText.Csv[language])}</a>
        </form>
        <p>{E(ReportText.UtcDates[language])}</p>
        """);

    private static string Body(ResponseTimeReport report, DateOnly from, DateOnly to, ConsoleLanguage language)
    {
        string T(Phrase phrase) => E(phrase[language]);
        var html = new StringBuilder(RangeForm(from, to, language));
        html.Append(CultureInfo.InvariantCulture, $"""
            <h2>{T(ReportText.PerHome)}</h2>
            <table id="homes"><thead><tr><th>{T(ReportText.Home)}</th><th>{T(ReportText.Contracted)}</th><th>{T(ReportText.Alerts)}</th>
            <th>{T(ReportText.AckMedian)}</th><th>{T(ReportText.AckP90)}</th><th>{T(ReportText.AckMax)}</th>
            <th>{T(ReportText.ResolveMedian)}</th><th>{T(ReportText.ResolveP90)}</th><th>{T(ReportText.ResolveMax)}</th><th>{T(ReportText.Breaches)}</th></tr></thead><tbody>
            """);
        foreach (var home in report.Homes)
        {
            html.Append(CultureInfo.InvariantCulture,
                $"""<tr data-home-id="{E(home.HomeId)}"{(home.Breaches > 0 ? " class=\"breach\"" : "")}><td>{E(home.HomeId)}</td><td>{home.ResponseMinutes} min</td><td>{home.AlertCount}</td>""");
            html.Append(CultureInfo.InvariantCulture,
                $"<td>{Duration(home.Acknowledge.Median)}</td><td>{Duration(home.Acknowledge.Percentile90)}</td><td>{Duration(home.Acknowledge.Max)}</td>");
            html.Append(CultureInfo.InvariantCulture,
                $"<td>{Duration(home.Resolve.Median)}</td><td>{Duration(home.Resolve.Percentile90)}</td><td>{Duration(home.Resolve.Max)}</td><td>{home.Breaches}</td></tr>");
        }

        html.Append(CultureInfo.InvariantCulture, $"""
            </tbody></table>
            <h2>{T(ReportText.PerAlert)}</h2>
            <table id="alerts"><thead><tr><th>{T(ReportText.Home)}</th><th>{T(ReportText.Alert)}</th><th>{T(ReportText.Type)}</th><th>{T(ReportText.Raised)}</th>
            <th>{T(ReportText.Acknowledged)}</th><th>{T(ReportText.Resolved)}</th><th>{T(ReportText.ToAck)}</th><th>{T(ReportText.ToResolve)}</th>
            <th>{T(ReportText.Contracted)}</th><th>{T(ReportText.Outcome)}</th><th>{T(ReportText.Breach)}</th></tr></thead><tbody>
            """);
        foreach (var line in report.Alerts)
        {
            var row = line.Row;
            html.Append(CultureInfo.InvariantCulture,
                $"""<tr data-alert-id="{E(row.AlertId)}" data-gateway-id="{E(row.GatewayId)}" data-breach="{(line.Breach ? "true" : "false")}"{(line.Breach ? " class=\"breach\"" : "")}><td>{E(row.HomeId)}</td><td><a href="{E(AlertPath(row.GatewayId, row.AlertId))}">{E(row.AlertId)}</a></td><td>{E(ConsoleAlertDetail.TypeWord(row.Type, language))}</td>""");
            html.Append(CultureInfo.InvariantCulture,
                $"<td>{At(row.RaisedAt, language)}</td><td>{At(row.AcknowledgedAt, language)}</td><td>{At(row.ResolvedAt, language)}</td><td>{Duration(line.TimeToAcknowledge)}</td><td>{Duration(line.TimeToResolve)}</td>");
            html.Append(CultureInfo.InvariantCulture,
                $"<td>{row.ResponseMinutes} min</td>{OutcomeCell(row.Outcome, language)}<td>{E(line.Breach ? ReportText.Yes[language] : "")}</td></tr>");
        }

        html.Append("</tbody></table>");
        return html.ToString();
    }

    /// <summary>The outcome in words, with its machine name as the hook tests and scripts read.</summary>
    private static string OutcomeCell(ResolutionOutcome? outcome, ConsoleLanguage language) => outcome is { } o
        ? $"""<td data-outcome="{E(ResolutionOutcomes.ToName(o))}">{E(AlertDetailText.OutcomeLabel(o)[language])}</td>"""
        : "<td></td>";
}

/// <summary>The report page's words. The CSV's column headers are not here: they stay English keys for the programs that read the file.</summary>
internal static class ReportText
{
    public static readonly Phrase Title = new("Response times", "Vasteajat", "Responstider");

    public static readonly Phrase Forbidden = new(
        "Your role does not read reports (admins and dispatchers do).",
        "Roolisi ei lue raportteja (ylläpitäjät ja päivystäjät lukevat).",
        "Din roll läser inte rapporter (administratörer och larmoperatörer gör det).");

    public static readonly Phrase BadDate = new("Dates are written yyyy-MM-dd.", "Päivämäärät kirjoitetaan muodossa vvvv-kk-pp.", "Datum skrivs som åååå-mm-dd.");

    public static readonly Phrase BadRange = new(
        "'From' must not be after 'to', and the range may be at most {0} days.",
        "Alkupäivä ei saa olla loppupäivän jälkeen, ja jakso voi olla enintään {0} päivää.",
        "Startdatum får inte vara efter slutdatum, och perioden får vara högst {0} dagar.");

    public static readonly Phrase From = new("From", "Alkaen", "Från");
    public static readonly Phrase To = new("To", "Asti", "Till");
    public static readonly Phrase Show = new("Show", "Näytä", "Visa");
    public static readonly Phrase Csv = new("Download CSV", "Lataa CSV", "Ladda ner CSV");

    public static readonly Phrase UtcDates = new(
        "Dates are UTC dates of when the alert was raised (dispatch does not know each home's time zone). Times run from the raise; "
            + "a breach is an alert resolved later than its home's contracted response time, or still unresolved past it.",
        "Päivämäärät ovat hälytyksen alkamisen UTC-päiviä (hälytyskeskus ei tiedä kunkin kodin aikavyöhykettä). Ajat lasketaan hälytyksen alkamisesta; "
            + "ylitys on hälytys, joka ratkaistiin kodin sopimuksen mukaisen vasteajan jälkeen tai joka on yhä ratkaisematta sen umpeuduttua.",
        "Datumen är UTC-datum för när larmet utlöstes (larmcentralen känner inte varje hems tidszon). Tiderna räknas från larmet; "
            + "en överskridning är ett larm som avslutades senare än hemmets avtalade responstid, eller som fortfarande är öppet efter den.");

    public static readonly Phrase PerHome = new("Per home", "Kodeittain", "Per hem");
    public static readonly Phrase PerAlert = new("Per alert", "Hälytyksittäin", "Per larm");
    public static readonly Phrase Home = new("Home", "Koti", "Hem");
    public static readonly Phrase Contracted = new("Contracted", "Sovittu vasteaika", "Avtalad responstid");
    public static readonly Phrase Alerts = new("Alerts", "Hälytyksiä", "Larm");
    public static readonly Phrase AckMedian = new("Acknowledge: median", "Kuittaus: mediaani", "Kvittering: median");
    public static readonly Phrase AckP90 = new("90th percentile", "90. persentiili", "90:e percentilen");
    public static readonly Phrase AckMax = new("max", "suurin", "max");
    public static readonly Phrase ResolveMedian = new("Help (resolve): median", "Apu (ratkaisu): mediaani", "Hjälp (avslut): median");
    public static readonly Phrase ResolveP90 = new("90th percentile", "90. persentiili", "90:e percentilen");
    public static readonly Phrase ResolveMax = new("max", "suurin", "max");
    public static readonly Phrase Breaches = new("Breaches", "Ylityksiä", "Överskridningar");
    public static readonly Phrase Alert = new("Alert", "Hälytys", "Larm");
    public static readonly Phrase Type = new("Type", "Tyyppi", "Typ");
    public static readonly Phrase Raised = new("Raised", "Hälytetty", "Larmat");
    public static readonly Phrase Acknowledged = new("Acknowledged", "Kuitattu", "Kvitterat");
    public static readonly Phrase Resolved = new("Resolved", "Ratkaistu", "Avslutat");
    public static readonly Phrase ToAck = new("To acknowledge", "Kuittausaika", "Tid till kvittering");
    public static readonly Phrase ToResolve = new("To help", "Avun saapumisaika", "Tid till hjälp");
    public static readonly Phrase Outcome = new("Outcome", "Lopputulos", "Utfall");
    public static readonly Phrase Breach = new("Breach", "Ylitys", "Överskridning");
    public static readonly Phrase Yes = new("BREACH", "YLITYS", "ÖVERSKRIDEN");
}
