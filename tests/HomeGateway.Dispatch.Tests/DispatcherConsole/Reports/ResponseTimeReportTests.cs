using HomeGateway.Core.Alerts;
using HomeGateway.Dispatch.DispatcherConsole.Reports;
using HomeGateway.Dispatch.Store;

namespace HomeGateway.Dispatch.Tests.DispatcherConsole.Reports;

/// <summary>
/// Invariant: the care manager's figures are what they say: times from the raise, a breach when help came later than
/// the contracted time (or has not come and that time has passed), nearest-rank percentiles; the CSV is RFC 4180 and no
/// cell runs as a spreadsheet formula.
/// </summary>
public sealed class ResponseTimeReportTests
{
    private static readonly DateTimeOffset T0 = Records.T0;

    private static ResponseTimeRow Row(string alertId, int? ackMinutes, int? resolveMinutes, string homeId = "home-1", int contracted = 60, int raisedMinutes = 0) =>
        new("gw-1", alertId, homeId, AlertType.Fall, AlertPriority.Critical, T0.AddMinutes(raisedMinutes),
            ackMinutes is { } a ? T0.AddMinutes(raisedMinutes + a) : null, resolveMinutes is { } r ? T0.AddMinutes(raisedMinutes + r) : null,
            resolveMinutes is null ? null : ResolutionOutcome.VisitedNoInjury, contracted);

    [Fact]
    public void A_breach_is_help_later_than_the_contracted_time_or_none_yet_past_it()
    {
        var now = T0.AddMinutes(90);
        var report = ResponseTimeReport.Build(
        [
            Row("in-time", 2, 60),
            Row("late", 2, 61),
            Row("open-past", 2, null),
            Row("open-within", null, null, raisedMinutes: 45),
        ], now);

        Assert.Equal([false, true, true, false], report.Alerts.Select(l => l.Breach));
        Assert.Equal(TimeSpan.FromMinutes(2), report.Alerts[0].TimeToAcknowledge);
        Assert.Equal(TimeSpan.FromMinutes(60), report.Alerts[0].TimeToResolve);
        Assert.Null(report.Alerts[3].TimeToAcknowledge);
        Assert.Equal(2, Assert.Single(report.Homes).Breaches);
    }

    [Fact]
    public void Per_home_figures_are_median_nearest_rank_90th_percentile_and_max_over_the_alerts_that_have_them()
    {
        var rows = Enumerable.Range(1, 10).Select(i => Row($"a{i}", i, i * 10, contracted: 1440))
            .Append(Row("other-home", 7, null, homeId: "home-2"))
            .Append(Row("unacknowledged", null, null, contracted: 1440));

        var report = ResponseTimeReport.Build(rows, T0.AddMinutes(200));

        var home = report.Homes.Single(h => h.HomeId == "home-1");
        Assert.Equal(11, home.AlertCount);
        Assert.Equal(new Figures(10, TimeSpan.FromMinutes(5.5), TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10)), home.Acknowledge);
        Assert.Equal(new Figures(10, TimeSpan.FromMinutes(55), TimeSpan.FromMinutes(90), TimeSpan.FromMinutes(100)), home.Resolve);
        Assert.Equal(0, home.Breaches);
        var other = report.Homes.Single(h => h.HomeId == "home-2");
        Assert.Equal(new Figures(1, TimeSpan.FromMinutes(7), TimeSpan.FromMinutes(7), TimeSpan.FromMinutes(7)), other.Acknowledge);
        Assert.Equal(new Figures(0, null, null, null), other.Resolve);
        Assert.Equal(1, other.Breaches);
    }

    [Fact]
    public void Odd_counts_take_the_middle_value()
    {
        var figures = Figures.Of([TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20)]);
        Assert.Equal(new Figures(3, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30)), figures);
    }

    [Fact]
    public void The_csv_has_the_same_rows_with_times_in_seconds()
    {
        var csv = ResponseTimeCsv.Write(ResponseTimeReport.Build([Row("fall-1", 2, 61)], T0.AddHours(2)));

        var lines = csv.Split("\r\n");
        Assert.Equal(string.Join(',', ResponseTimeCsv.Header), lines[0]);
        Assert.Equal(
            "home-1,gw-1,fall-1,fall,critical,2026-03-01T21:00:00Z,2026-03-01T21:02:00Z,2026-03-01T22:01:00Z,visited_no_injury,120.0,3660.0,60,yes,"
                + "UTC,2026-03-01T21:00:00+00:00,2026-03-01T21:02:00+00:00,2026-03-01T22:01:00+00:00",
            lines[1]);
        Assert.Equal("", lines[2]);
        Assert.Equal(3, lines.Length);
    }

    [Theory]
    [InlineData("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"")]
    [InlineData("+1", "'+1")]
    [InlineData("-1", "'-1")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\tx", "'\tx")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("line\nbreak", "\"line\nbreak\"")]
    [InlineData("plain-id", "plain-id")]
    public void Text_cells_are_quoted_per_rfc_4180_and_never_start_a_formula(string value, string cell)
    {
        Assert.Equal(cell, ResponseTimeCsv.Field(ResponseTimeCsv.Text(value)));
    }

    [Fact]
    public void A_hostile_home_id_from_a_gateway_arrives_as_text()
    {
        var csv = ResponseTimeCsv.Write(ResponseTimeReport.Build([Row("fall-1", 1, 2, homeId: "=cmd|' /C calc'!A0")], T0.AddHours(2)));

        Assert.StartsWith("'=cmd|' /C calc'!A0,", csv.Split("\r\n")[1], StringComparison.Ordinal);
    }
}
