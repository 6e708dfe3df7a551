using System.Globalization;
using System.Text;
using HomeGateway.Core.Rules;
using HomeGateway.Dispatch.DispatcherConsole.Reports;
using HomeGateway.Dispatch.Store;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static HomeGateway.Dispatch.DispatcherConsole.ConsoleLayout;

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
    internal static (DateOnly From, DateOnly To, string? Problem) Range(HttpRequest request, DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var from = today.AddDays(1 - DefaultDays);
        var to = today;
        string? problem = null;
        if (!Date(request.Query["from"], ref from) || !Date(request.Query["to"], ref to))
        {
            problem = ReportText.BadDate;
        }
        else if (from > to || to.DayNumber - from.DayNumber >= MaxDays)
        {
            problem = string.Format(CultureInfo.InvariantCulture, ReportText.BadRange, MaxDays);
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
        if (!MayReadReports(http.User))
        {
            return Forbidden(ReportText.Forbidden);
        }

        var now = time.GetUtcNow();
        var (from, to, problem) = Range(http.Request, now);
        var tokens = antiforgery.GetAndStoreTokens(http);
        NoStore(http);
        if (problem is not null)
        {
            return Html(Page(http, tokens, ReportText.Title, RangeForm(from, to) + Error(problem)), StatusCodes.Status400BadRequest);
        }

        var report = (await ReportAsync(store, from, to, now, http.RequestAborted))!;
        await store.AppendAuditAsync(http.User.Identity!.Name!, "report_viewed", null, null, null, RangeText(from, to), http.RequestAborted);
        return Html(Page(http, tokens, ReportText.Title, Body(report, from, to)));
    }

    private static async Task<IResult> ExportAsync(HttpContext http, IDispatchStore store, TimeProvider time)
    {
        if (!MayReadReports(http.User))
        {
            return Forbidden(ReportText.Forbidden);
        }

        var now = time.GetUtcNow();
        var (from, to, problem) = Range(http.Request, now);
        if (problem is not null)
        {
            return Results.BadRequest(problem);
        }

        var report = (await ReportAsync(store, from, to, now, http.RequestAborted))!;
        await store.AppendAuditAsync(http.User.Identity!.Name!, "report_exported", null, null, null, RangeText(from, to), http.RequestAborted);
        NoStore(http);
        http.Response.Headers.ContentDisposition = string.Create(CultureInfo.InvariantCulture,
            $"attachment; filename=\"response-times-{from:yyyy-MM-dd}-{to:yyyy-MM-dd}.csv\"");
        return Results.Text(ResponseTimeCsv.Write(report), "text/csv; charset=utf-8", Encoding.UTF8);
    }

    private static string RangeForm(DateOnly from, DateOnly to) => string.Create(CultureInfo.InvariantCulture, $"""
        <form method="get" action="/reports/response-times" id="range">
          <label>{E(ReportText.From)} <input type="date" name="from" value="{from:yyyy-MM-dd}"></label>
          <label>{E(ReportText.To)} <input type="date" name="to" value="{to:yyyy-MM-dd}"></label>
          <button type="submit">{E(ReportText.Show)}</button>
          <a id="csv" href="/reports/response-times.csv?from={from:yyyy-MM-dd}&amp;to={to:yyyy-MM-dd}">{E(ReportText.Csv)}</a>
        </form>
        <p>{E(ReportText.UtcDates)}</p>
        """);

    private static string Body(ResponseTimeReport report, DateOnly from, DateOnly to)
    {
        var html = new StringBuilder(RangeForm(from, to));
        html.Append(CultureInfo.InvariantCulture, $"""
            <h2>{E(ReportText.PerHome)}</h2>
            <table id="homes"><thead><tr><th>{E(ReportText.Home)}</th><th>{E(ReportText.Contracted)}</th><th>{E(ReportText.Alerts)}</th>
            <th>{E(ReportText.AckMedian)}</th><th>{E(ReportText.AckP90)}</th><th>{E(ReportText.AckMax)}</th>
            <th>{E(ReportText.ResolveMedian)}</th><th>{E(ReportText.ResolveP90)}</th><th>{E(ReportText.ResolveMax)}</th><th>{E(ReportText.Breaches)}</th></tr></thead><tbody>
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
            <h2>{E(ReportText.PerAlert)}</h2>
            <table id="alerts"><thead><tr><th>{E(ReportText.Home)}</th><th>{E(ReportText.Alert)}</th><th>{E(ReportText.Type)}</th><th>{E(ReportText.Raised)}</th>
            <th>{E(ReportText.Acknowledged)}</th><th>{E(ReportText.Resolved)}</th><th>{E(ReportText.ToAck)}</th><th>{E(ReportText.ToResolve)}</th>
            <th>{E(ReportText.Contracted)}</th><th>{E(ReportText.Outcome)}</th><th>{E(ReportText.Breach)}</th></tr></thead><tbody>
            """);
        foreach (var line in report.Alerts)
        {
            var row = line.Row;
            html.Append(CultureInfo.InvariantCulture,
                $"""<tr data-alert-id="{E(row.AlertId)}" data-gateway-id="{E(row.GatewayId)}" data-breach="{(line.Breach ? "true" : "false")}"{(line.Breach ? " class=\"breach\"" : "")}><td>{E(row.HomeId)}</td><td><a href="{E(AlertPath(row.GatewayId, row.AlertId))}">{E(row.AlertId)}</a></td><td>{E(AlertTypeNames.ToName(row.Type))}</td>""");
            html.Append(CultureInfo.InvariantCulture,
                $"<td>{When(row.RaisedAt)}</td><td>{When(row.AcknowledgedAt)}</td><td>{When(row.ResolvedAt)}</td><td>{Duration(line.TimeToAcknowledge)}</td><td>{Duration(line.TimeToResolve)}</td>");
            html.Append(CultureInfo.InvariantCulture,
                $"<td>{row.ResponseMinutes} min</td>{OutcomeCell(row.Outcome)}<td>{E(line.Breach ? ReportText.Yes : "")}</td></tr>");
        }

        html.Append("</tbody></table>");
        return html.ToString();
    }

    /// <summary>The outcome in words, with its machine name as the hook tests and scripts read.</summary>
    private static string OutcomeCell(ResolutionOutcome? outcome) => outcome is { } o
        ? $"""<td data-outcome="{E(ResolutionOutcomes.ToName(o))}">{E(AlertDetailText.OutcomeLabel(o))}</td>"""
        : "<td></td>";
}

/// <summary>The report page's words (English; the translation layer replaces these).</summary>
internal static class ReportText
{
    public static readonly string Title = "Response times";
    public static readonly string Forbidden = "Your role does not read reports (admins and dispatchers do).";
    public static readonly string BadDate = "Dates are written yyyy-MM-dd.";
    public static readonly string BadRange = "'From' must not be after 'to', and the range may be at most {0} days.";
    public static readonly string From = "From";
    public static readonly string To = "To";
    public static readonly string Show = "Show";
    public static readonly string Csv = "Download CSV";
    public static readonly string UtcDates =
        "Dates are UTC dates of when the alert was raised (dispatch does not know each home's time zone). Times run from the raise; "
        + "a breach is an alert resolved later than its home's contracted response time, or still unresolved past it.";
    public static readonly string PerHome = "Per home";
    public static readonly string PerAlert = "Per alert";
    public static readonly string Home = "Home";
    public static readonly string Contracted = "Contracted";
    public static readonly string Alerts = "Alerts";
    public static readonly string AckMedian = "Acknowledge: median";
    public static readonly string AckP90 = "90th percentile";
    public static readonly string AckMax = "max";
    public static readonly string ResolveMedian = "Help (resolve): median";
    public static readonly string ResolveP90 = "90th percentile";
    public static readonly string ResolveMax = "max";
    public static readonly string Breaches = "Breaches";
    public static readonly string Alert = "Alert";
    public static readonly string Type = "Type";
    public static readonly string Raised = "Raised";
    public static readonly string Acknowledged = "Acknowledged";
    public static readonly string Resolved = "Resolved";
    public static readonly string ToAck = "To acknowledge";
    public static readonly string ToResolve = "To help";
    public static readonly string Outcome = "Outcome";
    public static readonly string Breach = "Breach";
    public static readonly string Yes = "BREACH";
}
