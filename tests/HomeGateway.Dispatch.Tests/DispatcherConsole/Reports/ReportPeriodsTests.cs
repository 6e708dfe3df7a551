using System.Globalization;
using HomeGateway.Core.Alerts;
using HomeGateway.Dispatch.DispatcherConsole;
using HomeGateway.Dispatch.DispatcherConsole.Reports;
using HomeGateway.Dispatch.Store;
using Microsoft.AspNetCore.Http;

namespace HomeGateway.Dispatch.Tests.DispatcherConsole.Reports;

/// <summary>
/// Invariant: weeks and months are of each home's local dates: an ISO week runs Monday to Sunday where the client lives,
/// across the change to summer time too, so an alert at 00:30 on a Monday in Helsinki is in that Monday's week though it
/// is Sunday in UTC; the trend lists every week, empty ones included; the report's query picks the dates of a week or month.
/// </summary>
public sealed class ReportPeriodsTests
{
    private const string Helsinki = "Europe/Helsinki";

    private static ResponseTimeRow Raised(string alertId, string utc, int? arrivedMinutes = 10, int contracted = 30) =>
        new("gw-1", alertId, "home-1", AlertType.Fall, AlertPriority.Critical, DateTimeOffset.Parse(utc, CultureInfo.InvariantCulture),
            null, null, null, contracted, Helsinki)
        {
            ArrivedAt = arrivedMinutes is { } m ? DateTimeOffset.Parse(utc, CultureInfo.InvariantCulture).AddMinutes(m) : null,
        };

    [Theory]
    // Summer time began in Finland on Sunday 29 March 2026 at 03:00 (UTC+2 → UTC+3).
    [InlineData("2026-03-22T22:30:00Z", "2026-W13")] // Monday 23 March 00:30 EET (UTC+2), Sunday in UTC.
    [InlineData("2026-03-29T21:30:00Z", "2026-W14")] // Monday 30 March 00:30 EEST (UTC+3), Sunday in UTC.
    [InlineData("2026-03-29T20:59:59Z", "2026-W13")] // Sunday 29 March 23:59:59 EEST: still the week before.
    [InlineData("2026-12-31T21:30:00Z", "2026-W53")] // Friday 1 January 2027 00:30: ISO week 53 of 2026.
    [InlineData("2027-01-03T22:30:00Z", "2027-W01")] // Monday 4 January 2027 00:30: week 1 of 2027.
    public void An_alert_belongs_to_the_iso_week_of_its_local_date(string raisedUtc, string week)
    {
        var line = ResponseTimeLine.Of(Raised("fall", raisedUtc), DateTimeOffset.Parse(raisedUtc, CultureInfo.InvariantCulture).AddHours(1), false);

        Assert.Equal(week, IsoWeek.Of(line.LocalDate).ToString());
    }

    [Fact]
    public void A_month_is_of_local_dates_too()
    {
        // 1 April 00:30 EEST is 31 March 21:30 UTC.
        var line = ResponseTimeLine.Of(Raised("fall", "2026-03-31T21:30:00Z"), DateTimeOffset.Parse("2026-04-02T00:00:00Z", CultureInfo.InvariantCulture), false);

        Assert.Equal("2026-04", ReportMonth.Of(line.LocalDate).ToString());
        Assert.Equal((new DateOnly(2026, 2, 1), new DateOnly(2026, 2, 28)), (new ReportMonth(2026, 2).First, new ReportMonth(2026, 2).Last));
    }

    [Fact]
    public void The_trend_counts_each_week_with_its_share_within_and_median_arrival_and_keeps_empty_weeks()
    {
        var now = DateTimeOffset.Parse("2026-04-10T00:00:00Z", CultureInfo.InvariantCulture);
        var lines = new[]
        {
            Raised("w13-sunday-utc", "2026-03-22T22:30:00Z", arrivedMinutes: 10),
            Raised("w13-late", "2026-03-25T10:00:00Z", arrivedMinutes: 40),
            Raised("w14-sunday-utc", "2026-03-29T21:30:00Z", arrivedMinutes: 20),
            Raised("w14-technical", "2026-03-30T10:00:00Z") with { Type = AlertType.BatteryLow },
        }.Select(r => ResponseTimeLine.Of(r, now, false));

        var trend = WeeklyTrend.Build(lines, new IsoWeek(2026, 15), 4);

        Assert.Equal(["2026-W12", "2026-W13", "2026-W14", "2026-W15"], trend.Select(w => w.Week.ToString()));
        Assert.Equal([0, 2, 1, 0], trend.Select(w => w.Alerts));
        Assert.Equal([null, 0.5, 1.0, null], trend.Select(w => w.ShareWithin));
        Assert.Equal([null, TimeSpan.FromMinutes(25), TimeSpan.FromMinutes(20), null], trend.Select(w => w.MedianArrival));
        Assert.Equal((new DateOnly(2026, 3, 16), new DateOnly(2026, 4, 12)), WeeklyTrend.Dates(new IsoWeek(2026, 15), 4));
    }

    [Theory]
    [InlineData("2026-W14", true)]
    [InlineData("2026-w01", true)]
    [InlineData("2026-W53", true)]
    [InlineData("2025-W53", false)]
    [InlineData("2026-W00", false)]
    [InlineData("2026-14", false)]
    [InlineData("", false)]
    public void A_week_is_read_as_an_html_week_input_writes_it(string text, bool valid)
    {
        Assert.Equal(valid, IsoWeek.TryParse(text, out _));
    }

    [Theory]
    [InlineData("period=week&week=2026-W14", "2026-03-30", "2026-04-05")]
    [InlineData("period=week&week=2026-W53", "2026-12-28", "2027-01-03")]
    [InlineData("period=month&month=2026-02", "2026-02-01", "2026-02-28")]
    [InlineData("period=dates&from=2026-03-01&to=2026-03-03&week=2026-W14", "2026-03-01", "2026-03-03")]
    [InlineData("", "2026-04-04", "2026-04-10")]
    public void The_query_takes_its_dates_from_the_chosen_period(string query, string from, string to)
    {
        var parsed = ConsoleReports.Query(Request(query), new DateOnly(2026, 4, 10));

        Assert.Null(parsed.Problem);
        Assert.Equal((DateOnly.Parse(from, CultureInfo.InvariantCulture), DateOnly.Parse(to, CultureInfo.InvariantCulture)), (parsed.From, parsed.To));
    }

    [Theory]
    [InlineData("period=week&week=2026-W99")]
    [InlineData("period=month&month=2026-13")]
    [InlineData("weeks=0")]
    [InlineData("weeks=54")]
    [InlineData("from=2026-03-05&to=2026-03-01")]
    public void A_bad_period_is_refused_with_a_reason(string query)
    {
        Assert.NotNull(ConsoleReports.Query(Request(query), new DateOnly(2026, 4, 10)).Problem);
    }

    [Fact]
    public void False_alarms_are_left_out_unless_the_box_is_ticked_and_the_csv_link_asks_for_the_same()
    {
        var now = new DateOnly(2026, 4, 10);
        var plain = ConsoleReports.Query(Request("period=week&week=2026-W14"), now);
        var ticked = ConsoleReports.Query(Request("period=week&week=2026-W14&falseAlarms=include&weeks=12"), now);

        Assert.False(plain.IncludeFalseAlarms);
        Assert.True(ticked.IncludeFalseAlarms);
        Assert.Equal("period=week&from=2026-03-30&to=2026-04-05&week=2026-W14&month=2026-04&weeks=12&falseAlarms=include", ticked.QueryString);
    }

    [Theory]
    [InlineData("2026-12-06T22:08:00Z", "2026-12-07")] // 00:08 in Helsinki: the new day there
    [InlineData("2026-12-06T21:59:00Z", "2026-12-06")]
    public void Today_is_the_latest_local_date_of_the_homes_zones(string now, string today)
    {
        var at = DateTimeOffset.Parse(now, CultureInfo.InvariantCulture);
        var zones = new Dictionary<string, string> { ["home-a"] = "Europe/Helsinki", ["home-b"] = "UTC", ["home-c"] = "Europe/Helsinki" };

        Assert.Equal(DateOnly.Parse(today, CultureInfo.InvariantCulture), LocalDateRange.Today(at, zones));
        var parsed = ConsoleReports.Query(Request(""), LocalDateRange.Today(at, zones));
        Assert.Equal(DateOnly.Parse(today, CultureInfo.InvariantCulture), parsed.To);
    }

    [Fact]
    public void Today_without_homes_is_the_utc_date()
    {
        var at = DateTimeOffset.Parse("2026-12-06T22:08:00Z", CultureInfo.InvariantCulture);

        Assert.Equal(new DateOnly(2026, 12, 6), LocalDateRange.Today(at, new Dictionary<string, string>()));
    }

    private static HttpRequest Request(string query) => new DefaultHttpContext { Request = { QueryString = new QueryString("?" + query) } }.Request;
}
