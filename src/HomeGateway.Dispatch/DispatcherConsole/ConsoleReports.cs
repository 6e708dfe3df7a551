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
/// The response-time report (admins, dispatchers and care managers, <see cref="ReportPage"/>): alerts raised on a range of
/// dates, a week or a month, each date a home's own local date (<see cref="LocalDateRange"/>); care and technical figures
/// per home, team, type and priority, the breaches with their timeline, the weekly trend, charts, and the rows as CSV.
/// Viewing and exporting are audited (<c>report_viewed</c>, <c>report_exported</c>) with the dates.
/// </summary>
internal static class ConsoleReports
{
    /// <summary>The default range: the last seven days, today included (<see cref="LocalDateRange.Today"/>).</summary>
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

    /// <summary>
    /// The report's query, or the problem with it (in the words of <paramref name="words"/>, English without). The dates
    /// come from the chosen period: <c>period=week</c> and <c>week=2026-W10</c> (an ISO week, Monday to Sunday),
    /// <c>period=month</c> and <c>month=2026-03</c>, else <c>from</c> and <c>to</c> (default: the last seven days ending
    /// with <paramref name="today"/>, the homes' latest local date, <see cref="LocalDateRange.Today"/>).
    /// <c>falseAlarms=include</c> judges false alarms like other alerts; <c>weeks</c> is the trend's
    /// length, ending with the week of the last date.
    /// </summary>
    internal static ReportQuery Query(HttpRequest request, DateOnly today, IStringLocalizer<ReportPage>? words = null)
    {
        var query = request.Query;
        var period = query["period"].ToString() switch
        {
            "week" => ReportPeriod.Week,
            "month" => ReportPeriod.Month,
            _ => ReportPeriod.Dates,
        };
        var from = today.AddDays(1 - DefaultDays);
        var to = today;
        var week = IsoWeek.Of(today);
        var month = ReportMonth.Of(today);
        var weeks = WeeklyTrend.DefaultWeeks;
        string? problem = null;
        var weekText = query["week"].ToString();
        var monthText = query["month"].ToString();
        var weeksText = query["weeks"].ToString();
        // A picker left empty keeps this week's or month's value: the page shows it, and it is used only with its period.
        if (IsoWeek.TryParse(weekText, out var askedWeek))
        {
            week = askedWeek;
        }

        if (ReportMonth.TryParse(monthText, out var askedMonth))
        {
            month = askedMonth;
        }

        if (!Date(query["from"], ref from) || !Date(query["to"], ref to))
        {
            problem = words?["BadDate"] ?? "Dates are written yyyy-MM-dd.";
        }
        else if (weekText.Length > 0 && week != askedWeek)
        {
            problem = words?["BadWeek"] ?? "A week is written like 2026-W10.";
        }
        else if (monthText.Length > 0 && month != askedMonth)
        {
            problem = words?["BadMonth"] ?? "A month is written like 2026-03.";
        }
        else if (weeksText.Length > 0
            && (!int.TryParse(weeksText, NumberStyles.None, CultureInfo.InvariantCulture, out weeks) || weeks < 1 || weeks > WeeklyTrend.MaxWeeks))
        {
            weeks = WeeklyTrend.DefaultWeeks;
            problem = words?["BadWeeks", WeeklyTrend.MaxWeeks] ?? $"The trend covers 1 to {WeeklyTrend.MaxWeeks} weeks.";
        }

        (from, to) = period switch
        {
            ReportPeriod.Week => (week.Monday, week.Sunday),
            ReportPeriod.Month => (month.First, month.Last),
            _ => (from, to),
        };
        if (problem is null && (from > to || to.DayNumber - from.DayNumber >= MaxDays))
        {
            problem = words?["BadRange", MaxDays] ?? $"'From' must not be after 'to', and the range may be at most {MaxDays} days.";
        }

        var includeFalseAlarms = string.Equals(query["falseAlarms"], "include", StringComparison.Ordinal);
        return new ReportQuery(period, from, to, week, month, includeFalseAlarms, weeks, problem);
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

    private static async Task<ReportFigures> ReportAsync(
        IDispatchStore store, ReportQuery query, IReadOnlyDictionary<string, string> zones, DateTimeOffset now, CancellationToken ct)
    {
        // One read covers the range and the trend (the weeks ending with the range's last date), each then kept by its
        // home's local dates.
        var lastWeek = IsoWeek.Of(query.To);
        var (trendFrom, trendTo) = WeeklyTrend.Dates(lastWeek, query.TrendWeeks);
        var first = trendFrom < query.From ? trendFrom : query.From;
        var last = trendTo > query.To ? trendTo : query.To;
        var (utcFrom, utcTo) = LocalDateRange.UtcWindow(first, last);
        var rows = await store.ListResponseTimesAsync(utcFrom, utcTo, ct);
        var report = ResponseTimeReport.Build(LocalDateRange.Filter(rows, zones, query.From, query.To), now, query.IncludeFalseAlarms);
        var trendLines = ResponseTimeReport.Build(LocalDateRange.Filter(rows, zones, trendFrom, trendTo), now, query.IncludeFalseAlarms).Alerts;
        return new ReportFigures(report, WeeklyTrend.Build(trendLines, lastWeek, query.TrendWeeks), zones);
    }

    private static string RangeText(DateOnly from, DateOnly to) => string.Format(CultureInfo.InvariantCulture, RangeDetailFormat, from, to);

    private static async Task<IResult> ShowAsync(HttpContext http, IDispatchStore store, TimeProvider time, IStringLocalizer<ReportPage> words)
    {
        if (!MayReadReports(http.User))
        {
            return Forbidden(words["Forbidden"]);
        }

        var now = time.GetUtcNow();
        var zones = await store.ListHomeTimeZonesAsync(http.RequestAborted);
        var query = Query(http.Request, LocalDateRange.Today(now, zones), words);
        NoStore(http);
        if (query.Problem is not null)
        {
            return ConsoleEndpoints.Component<ReportPage>(new { Query = query, Now = now }, StatusCodes.Status400BadRequest);
        }

        var figures = await ReportAsync(store, query, zones, now, http.RequestAborted);
        await store.AppendAuditAsync(http.User.Identity!.Name!, "report_viewed", null, null, null, RangeText(query.From, query.To), http.RequestAborted);
        return ConsoleEndpoints.Component<ReportPage>(new
        {
            Query = query, Report = figures.Report, Trend = figures.Trend, TimeZones = figures.Zones, Now = now,
        });
    }

    private static async Task<IResult> ExportAsync(HttpContext http, IDispatchStore store, TimeProvider time, IStringLocalizer<ReportPage> words)
    {
        if (!MayReadReports(http.User))
        {
            return Forbidden(words["Forbidden"]);
        }

        var now = time.GetUtcNow();
        var zones = await store.ListHomeTimeZonesAsync(http.RequestAborted);
        var query = Query(http.Request, LocalDateRange.Today(now, zones), words);
        if (query.Problem is not null)
        {
            return ConsoleEndpoints.Refused(query.Problem, StatusCodes.Status400BadRequest, "/reports/response-times");
        }

        var figures = await ReportAsync(store, query, zones, now, http.RequestAborted);
        await store.AppendAuditAsync(http.User.Identity!.Name!, "report_exported", null, null, null, RangeText(query.From, query.To), http.RequestAborted);
        NoStore(http);
        http.Response.Headers.ContentDisposition = string.Create(CultureInfo.InvariantCulture,
            $"attachment; filename=\"response-times-{query.From:yyyy-MM-dd}-{query.To:yyyy-MM-dd}.csv\"");
        return Results.Text(ResponseTimeCsv.Write(figures.Report, figures.Zones), "text/csv; charset=utf-8", Encoding.UTF8);
    }

    private sealed record ReportFigures(ResponseTimeReport Report, IReadOnlyList<WeekFigures> Trend, IReadOnlyDictionary<string, string> Zones);
}

/// <summary>How the report's dates were chosen.</summary>
public enum ReportPeriod
{
    Dates,
    Week,
    Month,
}

/// <summary>A report request: the local dates [<see cref="From"/>, <see cref="To"/>] (from the period), the week and month
/// the pickers show, whether false alarms are judged, the trend's length; <see cref="Problem"/> when refused.</summary>
public sealed record ReportQuery(
    ReportPeriod Period, DateOnly From, DateOnly To, IsoWeek Week, ReportMonth Month, bool IncludeFalseAlarms, int TrendWeeks, string? Problem)
{
    /// <summary>The query string that asks for the same report (for the CSV link).</summary>
    public string QueryString
    {
        get
        {
            var period = Period switch
            {
                ReportPeriod.Week => "week",
                ReportPeriod.Month => "month",
                _ => "dates",
            };
            return string.Create(CultureInfo.InvariantCulture,
                $"period={period}&from={From:yyyy-MM-dd}&to={To:yyyy-MM-dd}&week={Week}&month={Month}&weeks={TrendWeeks}")
                + (IncludeFalseAlarms ? "&falseAlarms=include" : "");
        }
    }
}
