using System.Globalization;
using System.Text;
using HomeGateway.Dispatch.DispatcherConsole.Pages;
using HomeGateway.Dispatch.DispatcherConsole.Reports;
using HomeGateway.Dispatch.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Localization;
using static HomeGateway.Dispatch.DispatcherConsole.ConsoleLayout;

namespace HomeGateway.Dispatch.DispatcherConsole;

/// <summary>
/// The response-time report (admins and dispatchers, <see cref="ReportPage"/>): alerts raised on a range of dates, each
/// date a home's own local date (<see cref="LocalDateRange"/>), per alert and per home, breaches highlighted, and the same
/// rows as CSV. Viewing and exporting are audited (<c>report_viewed</c>, <c>report_exported</c>).
/// </summary>
internal static class ConsoleReports
{
    /// <summary>The default range: the last seven days, today (UTC) included.</summary>
    public const int DefaultDays = 7;

    public const int MaxDays = 366;

    public static IEndpointRouteBuilder MapConsoleReports(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/reports/response-times", ShowAsync);
        endpoints.MapGet("/reports/response-times.csv", ExportAsync);
        return endpoints;
    }

    /// <summary>The audit detail of a viewed or exported range (English: the record; the audit page translates it).</summary>
    internal const string RangeDetailFormat = "{0:yyyy-MM-dd} to {1:yyyy-MM-dd} (local dates)";

    /// <summary>The range [from, to] of dates from the query, or the problem with it (in the words of <paramref name="words"/>, English without).</summary>
    internal static (DateOnly From, DateOnly To, string? Problem) Range(HttpRequest request, DateTimeOffset now, IStringLocalizer<ReportPage>? words = null)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var from = today.AddDays(1 - DefaultDays);
        var to = today;
        string? problem = null;
        if (!Date(request.Query["from"], ref from) || !Date(request.Query["to"], ref to))
        {
            problem = words?["BadDate"] ?? "Dates are written yyyy-MM-dd.";
        }
        else if (from > to || to.DayNumber - from.DayNumber >= MaxDays)
        {
            problem = words?["BadRange", MaxDays] ?? $"'From' must not be after 'to', and the range may be at most {MaxDays} days.";
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

    private static async Task<(ResponseTimeReport Report, IReadOnlyDictionary<string, string> Zones)> ReportAsync(
        IDispatchStore store, DateOnly from, DateOnly to, DateTimeOffset now, CancellationToken ct)
    {
        var zones = await store.ListHomeTimeZonesAsync(ct);
        var (utcFrom, utcTo) = LocalDateRange.UtcWindow(from, to);
        var rows = await store.ListResponseTimesAsync(utcFrom, utcTo, ct);
        return (ResponseTimeReport.Build(LocalDateRange.Filter(rows, zones, from, to), now), zones);
    }

    private static string RangeText(DateOnly from, DateOnly to) => string.Format(CultureInfo.InvariantCulture, RangeDetailFormat, from, to);

    private static async Task<IResult> ShowAsync(HttpContext http, IDispatchStore store, TimeProvider time, IStringLocalizer<ReportPage> words)
    {
        if (!MayReadReports(http.User))
        {
            return Forbidden(words["Forbidden"]);
        }

        var now = time.GetUtcNow();
        var (from, to, problem) = Range(http.Request, now, words);
        NoStore(http);
        if (problem is not null)
        {
            return ConsoleEndpoints.Component<ReportPage>(new { From = from, To = to, Problem = problem, Now = now }, StatusCodes.Status400BadRequest);
        }

        var (report, zones) = await ReportAsync(store, from, to, now, http.RequestAborted);
        await store.AppendAuditAsync(http.User.Identity!.Name!, "report_viewed", null, null, null, RangeText(from, to), http.RequestAborted);
        return ConsoleEndpoints.Component<ReportPage>(new { Report = report, From = from, To = to, TimeZones = zones, Now = now });
    }

    private static async Task<IResult> ExportAsync(HttpContext http, IDispatchStore store, TimeProvider time, IStringLocalizer<ReportPage> words)
    {
        if (!MayReadReports(http.User))
        {
            return Forbidden(words["Forbidden"]);
        }

        var now = time.GetUtcNow();
        var (from, to, problem) = Range(http.Request, now, words);
        if (problem is not null)
        {
            return ConsoleEndpoints.Refused(problem, StatusCodes.Status400BadRequest, "/reports/response-times");
        }

        var (report, zones) = await ReportAsync(store, from, to, now, http.RequestAborted);
        await store.AppendAuditAsync(http.User.Identity!.Name!, "report_exported", null, null, null, RangeText(from, to), http.RequestAborted);
        NoStore(http);
        http.Response.Headers.ContentDisposition = string.Create(CultureInfo.InvariantCulture,
            $"attachment; filename=\"response-times-{from:yyyy-MM-dd}-{to:yyyy-MM-dd}.csv\"");
        return Results.Text(ResponseTimeCsv.Write(report, zones), "text/csv; charset=utf-8", Encoding.UTF8);
    }
}
