using HomeGateway.Core.Alerts;
using HomeGateway.Dispatch.DispatcherConsole.Reports;
using HomeGateway.Dispatch.Store;

namespace HomeGateway.Dispatch.Tests.DispatcherConsole.Reports;

/// <summary>
/// Invariant: the care manager's figures are what they say: times from the raise; a care alert is within the contract
/// only when help arrived within its home's contracted time, a breach when it arrived later, was resolved with a care
/// outcome and no arrival, or is open past that time; false alarms are left out unless asked for; technical alerts are
/// never judged; nearest-rank percentiles; the CSV keeps its first columns, appends the new ones, is RFC 4180 and no cell
/// runs as a spreadsheet formula.
/// </summary>
public sealed class ResponseTimeReportTests
{
    private static readonly DateTimeOffset T0 = Records.T0;

    private static ResponseTimeRow Row(
        string alertId, int? ackMinutes, int? resolveMinutes, string homeId = "home-1", int contracted = 60, int raisedMinutes = 0,
        int? arrivedMinutes = null, ResolutionOutcome outcome = ResolutionOutcome.VisitedNoInjury, AlertType type = AlertType.Fall,
        string? teamId = null, AlertPriority priority = AlertPriority.Critical) =>
        new("gw-1", alertId, homeId, type, priority, T0.AddMinutes(raisedMinutes),
            ackMinutes is { } a ? T0.AddMinutes(raisedMinutes + a) : null, resolveMinutes is { } r ? T0.AddMinutes(raisedMinutes + r) : null,
            resolveMinutes is null ? null : outcome, contracted)
        {
            ArrivedAt = arrivedMinutes is { } m ? T0.AddMinutes(raisedMinutes + m) : null,
            AcceptedAt = arrivedMinutes is { } n ? T0.AddMinutes(raisedMinutes + (n / 2)) : null,
            FirstAskedAt = arrivedMinutes is null ? null : T0.AddMinutes(raisedMinutes + 1),
            TeamId = teamId,
            TeamName = teamId is null ? null : "Team " + teamId,
        };

    [Fact]
    public void A_care_alert_is_within_the_contract_only_when_help_arrived_in_time()
    {
        var now = T0.AddMinutes(90);
        var report = ResponseTimeReport.Build(
        [
            Row("on-the-minute", 2, 70, arrivedMinutes: 60),
            Row("late", 2, 80, arrivedMinutes: 61),
            Row("no-arrival", 2, 20),
            Row("client-not-home", 2, 20, outcome: ResolutionOutcome.ClientNotHome),
            Row("open-past", 2, null),
            Row("open-within", null, null, raisedMinutes: 45),
            Row("arrived-open", 2, null, arrivedMinutes: 10),
        ], now);

        Assert.Equal(
            [ContractVerdict.Within, ContractVerdict.Late, ContractVerdict.NoArrival, ContractVerdict.NoArrival, ContractVerdict.OpenPastContract,
                ContractVerdict.Pending, ContractVerdict.Within],
            report.Alerts.Select(l => l.Verdict));
        Assert.Equal([false, true, true, true, true, false, false], report.Alerts.Select(l => l.Breach));
        Assert.Equal(["late", "no-arrival", "client-not-home", "open-past"], report.Breaches.Select(l => l.Row.AlertId));
        Assert.Equal(TimeSpan.FromMinutes(1), report.Alerts[1].Lateness);
        Assert.Null(report.Alerts[2].Lateness);
        Assert.Equal(TimeSpan.FromMinutes(30), report.Alerts[4].Lateness);
        Assert.Equal(TimeSpan.FromMinutes(60), report.Alerts[0].TimeToArrival);
        Assert.Equal(TimeSpan.FromMinutes(2), report.Alerts[0].TimeToAcknowledge);
        Assert.Equal(TimeSpan.FromMinutes(70), report.Alerts[0].TimeToResolve);
        var total = report.Care.Total;
        Assert.Equal((7, 2, 4, 1, 6), (total.Alerts, total.Within, total.Breaches, total.Pending, total.Judged));
        Assert.Equal(2.0 / 6, total.ShareWithin);
    }

    [Fact]
    public void False_alarms_are_left_out_and_counted_unless_asked_for_then_judged_like_other_alerts()
    {
        var rows = new[]
        {
            Row("in-time", 2, 30, arrivedMinutes: 20),
            Row("false-no-visit", 2, 5, outcome: ResolutionOutcome.FalseAlarm),
            Row("fault-no-visit", 2, 5, outcome: ResolutionOutcome.TechnicalFault),
            Row("false-late-visit", 2, 90, arrivedMinutes: 75, outcome: ResolutionOutcome.FalseAlarm),
        };

        var left = ResponseTimeReport.Build(rows, T0.AddHours(3));
        var judged = ResponseTimeReport.Build(rows, T0.AddHours(3), includeFalseAlarms: true);

        Assert.Equal(
            [ContractVerdict.Within, ContractVerdict.FalseAlarm, ContractVerdict.FalseAlarm, ContractVerdict.FalseAlarm],
            left.Alerts.Select(l => l.Verdict));
        Assert.Equal((4, 3, 1, 0, 1.0), (left.Care.Total.Alerts, left.Care.Total.FalseAlarms, left.Care.Total.Within, left.Care.Total.Breaches, left.Care.Total.ShareWithin));
        // Left out of the times too: only the one counted alert's arrival.
        Assert.Equal(1, left.Care.Total.Arrival.Count);
        Assert.Empty(left.Breaches);

        Assert.Equal(
            [ContractVerdict.Within, ContractVerdict.Within, ContractVerdict.Within, ContractVerdict.Late],
            judged.Alerts.Select(l => l.Verdict));
        Assert.Equal((0, 3, 1), (judged.Care.Total.FalseAlarms, judged.Care.Total.Within, judged.Care.Total.Breaches));
        Assert.Equal(2, judged.Care.Total.Arrival.Count);
        Assert.True(judged.IncludesFalseAlarms);
    }

    [Fact]
    public void Technical_alerts_are_reported_apart_and_never_judged()
    {
        var report = ResponseTimeReport.Build(
        [
            Row("fall", 2, 30, arrivedMinutes: 20),
            Row("battery", 600, null, type: AlertType.BatteryLow, contracted: 30),
            Row("offline", 5, 100, type: AlertType.GatewayHealth),
        ], T0.AddDays(1));

        Assert.Equal([ContractVerdict.Within, ContractVerdict.NotMeasured, ContractVerdict.NotMeasured], report.Alerts.Select(l => l.Verdict));
        Assert.Equal(1, report.Care.Total.Alerts);
        Assert.Equal((2, 0, 0), (report.Technical.Total.Alerts, report.Technical.Total.Judged, report.Technical.Total.Breaches));
        Assert.Null(report.Technical.Total.ShareWithin);
        Assert.Equal(["battery_low", "gateway_health"], report.Technical.Types.Select(g => g.Key));
        Assert.Equal(new Figures(2, TimeSpan.FromMinutes(302.5), TimeSpan.FromMinutes(600), TimeSpan.FromMinutes(600)), report.Technical.Total.Acknowledge);
        Assert.Empty(report.Breaches);
    }

    [Fact]
    public void Groups_are_median_and_nearest_rank_90th_percentile_over_the_alerts_that_have_the_time()
    {
        var rows = Enumerable.Range(1, 10).Select(i => Row($"a{i}", i, i * 10, contracted: 1440, arrivedMinutes: i * 5, teamId: "night"))
            .Append(Row("other-home", 7, null, homeId: "home-2", teamId: "day"))
            .Append(Row("unacknowledged", null, null, contracted: 1440));

        var report = ResponseTimeReport.Build(rows, T0.AddMinutes(200));

        var home = report.Care.Homes.Single(h => h.Key == "home-1");
        Assert.Equal((11, 1440), (home.Alerts, home.ResponseMinutes));
        Assert.Equal(new Figures(10, TimeSpan.FromMinutes(5.5), TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10)), home.Acknowledge);
        Assert.Equal(new Figures(10, TimeSpan.FromMinutes(27.5), TimeSpan.FromMinutes(45), TimeSpan.FromMinutes(50)), home.Arrival);
        Assert.Equal(new Figures(10, TimeSpan.FromMinutes(55), TimeSpan.FromMinutes(90), TimeSpan.FromMinutes(100)), home.Resolve);
        Assert.Equal((10, 0, 1), (home.Within, home.Breaches, home.Pending));
        var other = report.Care.Homes.Single(h => h.Key == "home-2");
        Assert.Equal(new Figures(1, TimeSpan.FromMinutes(7), TimeSpan.FromMinutes(7), TimeSpan.FromMinutes(7)), other.Acknowledge);
        Assert.Equal(new Figures(0, null, null, null), other.Resolve);
        Assert.Equal((1, 0.0), (other.Breaches, other.ShareWithin));

        Assert.Equal([ResponseSection.NoTeam, "day", "night"], report.Care.Teams.Select(t => t.Key));
        Assert.Equal(("Team night", 10, 10), (report.Care.Teams[2].Name, report.Care.Teams[2].Alerts, report.Care.Teams[2].Within));
        Assert.Equal(["fall"], report.Care.Types.Select(t => t.Key));
        Assert.Equal(["critical"], report.Care.Priorities.Select(t => t.Key));
    }

    [Fact]
    public void Priorities_are_ordered_most_urgent_first()
    {
        var report = ResponseTimeReport.Build(
        [
            Row("low", 1, 2, priority: AlertPriority.Low),
            Row("critical", 1, 2, priority: AlertPriority.Critical),
            Row("high", 1, 2, priority: AlertPriority.High),
        ], T0.AddHours(1));

        Assert.Equal(["critical", "high", "low"], report.Care.Priorities.Select(p => p.Key));
    }

    [Fact]
    public void Odd_counts_take_the_middle_value()
    {
        var figures = Figures.Of([TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20)]);
        Assert.Equal(new Figures(3, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30)), figures);
    }

    [Fact]
    public void The_csv_keeps_its_columns_in_order_and_appends_arrival_team_and_verdict()
    {
        string[] before =
        [
            "home_id", "gateway_id", "alert_id", "type", "priority", "raised_at", "acknowledged_at", "resolved_at", "outcome",
            "time_to_acknowledge_seconds", "time_to_resolve_seconds", "contracted_minutes", "breach",
            "time_zone", "raised_at_local", "acknowledged_at_local", "resolved_at_local",
        ];
        Assert.Equal(before, ResponseTimeCsv.Header.Take(before.Length));
        Assert.Equal(
            ["category", "first_asked_at", "accepted_at", "arrived_at", "arrived_at_local", "team_id", "team_name", "minutes_to_arrival",
                "within_contract", "verdict", "minutes_late"],
            ResponseTimeCsv.Header.Skip(before.Length));

        var zones = new Dictionary<string, string>(StringComparer.Ordinal) { ["home-1"] = "Europe/Helsinki" };
        var csv = ResponseTimeCsv.Write(
            ResponseTimeReport.Build([Row("fall-1", 2, 80, arrivedMinutes: 75, teamId: "night"), Row("battery-1", 1, null, type: AlertType.BatteryLow)], T0.AddHours(2)),
            zones);

        var lines = csv.Split("\r\n");
        Assert.Equal(string.Join(',', ResponseTimeCsv.Header), lines[0]);
        Assert.Equal(
            "home-1,gw-1,fall-1,fall,critical,2026-03-01T21:00:00Z,2026-03-01T21:02:00Z,2026-03-01T22:20:00Z,visited_no_injury,120.0,4800.0,60,yes,"
                + "Europe/Helsinki,2026-03-01T23:00:00+02:00,2026-03-01T23:02:00+02:00,2026-03-02T00:20:00+02:00,"
                + "care,2026-03-01T21:01:00Z,2026-03-01T21:37:00Z,2026-03-01T22:15:00Z,2026-03-02T00:15:00+02:00,night,Team night,75.0,no,late,15.0",
            lines[1]);
        Assert.EndsWith(",technical,,,,,,,,,not_measured,", lines[2], StringComparison.Ordinal);
        Assert.Equal("", lines[3]);
        Assert.Equal(4, lines.Length);
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

    [Fact]
    public void A_team_name_that_looks_like_a_formula_arrives_as_text()
    {
        var row = Row("fall-1", 1, 30, arrivedMinutes: 20, teamId: "t") with { TeamId = "@t", TeamName = "=SUM(A1:A9)" };

        var cells = ResponseTimeCsv.Write(ResponseTimeReport.Build([row], T0.AddHours(2))).Split("\r\n")[1].Split(',');

        Assert.Equal("'@t", cells[Array.IndexOf(ResponseTimeCsv.Header, "team_id")]);
        Assert.Equal("'=SUM(A1:A9)", cells[Array.IndexOf(ResponseTimeCsv.Header, "team_name")]);
    }
}
