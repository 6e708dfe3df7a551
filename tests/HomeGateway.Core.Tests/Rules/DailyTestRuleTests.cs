using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Rules;

namespace HomeGateway.Core.Tests.Rules;

/// <summary>One low test alert a day at the local time, a new alert each day, correct on both DST days.</summary>
public class DailyTestRuleTests
{
    private static SafetyTestHome HomeAt(DateTimeOffset start, TimeOnly at, bool escalate = false) =>
        new(new RulesConfig { DailyTest = new DailyTestRuleConfig { At = at } }, start, escalate: escalate);

    [Fact]
    public void Fires_at_the_local_time_not_a_second_before_and_each_day_is_a_new_alert()
    {
        var home = HomeAt(SafetyTestHome.Local(2026, 11, 25, 9, 0), new TimeOnly(10, 0), escalate: true);
        Assert.Empty(home.WaitUntil(SafetyTestHome.Local(2026, 11, 25, 9, 59, 59)));
        var first = Assert.Single(home.Wait(TimeSpan.FromSeconds(1)));
        Assert.Equal((AlertEventKind.Raised, AlertType.DailyTest, AlertPriority.Low, DailyTestRule.SensorId, SafetyTestHome.Local(2026, 11, 25, 10, 0)),
            (first.Kind, first.Type, first.Priority, first.SensorId, first.At));

        // Across midnight to the next day; low alerts never escalate.
        var next = Assert.Single(home.WaitUntil(SafetyTestHome.Local(2026, 11, 26, 10, 0)));
        Assert.Equal(SafetyTestHome.Local(2026, 11, 26, 10, 0), next.At);
        Assert.NotEqual(first.AlertId, next.AlertId);
    }

    [Fact]
    public void A_technicians_request_raises_a_test_alert_at_once_and_the_daily_test_still_comes()
    {
        var home = HomeAt(SafetyTestHome.Local(2026, 11, 25, 9, 0), new TimeOnly(10, 0));
        home.Wait(TimeSpan.FromMinutes(5));

        var asked = Assert.Single(home.Send(DailyTestRule.SensorId, DailyTestRule.TestRequestedState, kind: Events.SensorKind.Unknown));

        Assert.Equal((AlertEventKind.Raised, AlertType.DailyTest, AlertPriority.Low, DailyTestRule.SensorId, SafetyTestHome.Local(2026, 11, 25, 9, 5)),
            (asked.Kind, asked.Type, asked.Priority, asked.SensorId, asked.At));
        Assert.Contains("asked for by the technician", asked.Summary, StringComparison.Ordinal);
        var daily = Assert.Single(home.WaitUntil(SafetyTestHome.Local(2026, 11, 25, 10, 0)));
        Assert.NotEqual(asked.AlertId, daily.AlertId);
    }

    [Fact]
    public void A_start_after_the_time_waits_for_tomorrow()
    {
        var home = HomeAt(SafetyTestHome.Local(2026, 11, 25, 10, 0), new TimeOnly(10, 0));
        Assert.Equal(SafetyTestHome.Local(2026, 11, 26, 10, 0), Assert.Single(home.Wait(TimeSpan.FromDays(1))).At);
    }

    [Fact]
    public void On_the_spring_forward_day_a_time_in_the_gap_comes_late_by_the_gap()
    {
        // 2026-03-29 03:00 EET -> 04:00 EEST: 03:30 does not exist, the test comes at 04:30 EEST = 01:30 UTC.
        var home = HomeAt(SafetyTestHome.Local(2026, 3, 28, 12, 0), new TimeOnly(3, 30));
        var steps = home.Wait(TimeSpan.FromDays(2));
        Assert.Equal([new DateTimeOffset(2026, 3, 29, 1, 30, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 30, 0, 30, 0, TimeSpan.Zero)],
            steps.Select(s => s.At.ToUniversalTime()));
    }

    [Fact]
    public void On_the_fall_back_day_a_time_in_the_repeated_hour_fires_once()
    {
        // 2026-10-25 04:00 EEST -> 03:00 EET: 03:30 happens at 00:30 UTC and again at 01:30 UTC; only the first counts.
        var home = HomeAt(SafetyTestHome.Local(2026, 10, 24, 12, 0), new TimeOnly(3, 30));
        var steps = home.Wait(TimeSpan.FromDays(2));
        Assert.Equal([new DateTimeOffset(2026, 10, 25, 0, 30, 0, TimeSpan.Zero), new DateTimeOffset(2026, 10, 26, 1, 30, 0, TimeSpan.Zero)],
            steps.Select(s => s.At.ToUniversalTime()));
    }

    [Fact]
    public void Across_a_restart_the_test_comes_at_the_same_instant()
    {
        var home = HomeAt(SafetyTestHome.Local(2026, 11, 25, 8, 0), new TimeOnly(10, 0));
        home.Wait(TimeSpan.FromHours(1));
        home.Restart();
        Assert.Equal(SafetyTestHome.Local(2026, 11, 25, 10, 0), Assert.Single(home.Wait(TimeSpan.FromHours(2))).At);
    }

    [Fact]
    public void After_a_long_outage_only_the_latest_missed_test_is_sent()
    {
        var home = HomeAt(SafetyTestHome.Local(2026, 11, 25, 8, 0), new TimeOnly(10, 0));
        home.Wait(TimeSpan.FromHours(1));
        home.Clock.Advance(TimeSpan.FromDays(3));
        var step = Assert.Single(home.Engine.Advance(home.Now));
        // The clock now shows 2026-11-28 09:00: the tests of the 25th, 26th and 27th were missed; only the 27th's is sent.
        Assert.Equal(SafetyTestHome.Local(2026, 11, 27, 10, 0), step.At);
        Assert.Equal(SafetyTestHome.Local(2026, 11, 28, 10, 0), home.Engine.NextDeadline);
    }
}
