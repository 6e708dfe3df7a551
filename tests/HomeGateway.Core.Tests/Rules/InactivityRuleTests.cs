using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Core.Rules;
using static HomeGateway.Core.Tests.Rules.TimeWindowTestHome;

namespace HomeGateway.Core.Tests.Rules;

/// <summary>Inactivity: only silence inside the current day window counts; the alert comes exactly when it reaches `after`, silence since boot included.</summary>
public class InactivityRuleTests
{
    private static readonly RulesConfig Rules = new() { Inactivity = new InactivityRuleConfig { After = TimeSpan.FromHours(4) } };

    private readonly TimeWindowTestHome home = new(Rules, Local(2026, 11, 25, 8, 0));

    [Fact]
    public void Silence_since_boot_raises_one_high_alert_exactly_after_the_limit()
    {
        Assert.Empty(home.WaitUntil(Local(2026, 11, 25, 11, 59, 59)));
        var alert = Assert.Single(home.Wait(TimeSpan.FromSeconds(1)));
        Assert.Equal((AlertEventKind.Raised, AlertType.Inactivity, AlertPriority.High, InactivityRule.AlertSensorId), (alert.Kind, alert.Type, alert.Priority, alert.SensorId));
        Assert.Equal(Local(2026, 11, 25, 12, 0), alert.At);
        Assert.Equal(Local(2026, 11, 25, 8, 0), alert.EvidenceAt);
        Assert.Empty(alert.EvidenceSeqs);

        // One alert however long the silence lasts, into the next days too.
        Assert.Empty(home.Wait(TimeSpan.FromDays(2)));
        var cleared = Assert.Single(home.Send("chair", SensorStates.Occupied));
        Assert.Equal((AlertEventKind.Cleared, alert.AlertId), (cleared.Kind, cleared.AlertId));
    }

    [Fact]
    public void Activity_one_second_before_the_limit_starts_a_new_silence()
    {
        home.WaitUntil(Local(2026, 11, 25, 11, 59, 59));
        Assert.Empty(home.Send("hall_motion", SensorStates.Detected));
        Assert.Empty(home.Wait(TimeSpan.FromHours(4) - TimeSpan.FromSeconds(1)));
        Assert.Equal(Local(2026, 11, 25, 15, 59, 59), Assert.Single(home.Wait(TimeSpan.FromSeconds(1))).At);
    }

    [Fact]
    public void Activity_exactly_at_the_limit_is_too_late_the_alert_is_raised_and_then_cleared()
    {
        home.WaitUntil(Local(2026, 11, 25, 11, 59, 59));
        home.Clock.Advance(TimeSpan.FromSeconds(1));
        var steps = home.Send("front_door", SensorStates.Closed);
        Assert.Equal([AlertEventKind.Raised, AlertEventKind.Cleared], steps.Select(s => s.Kind));
        Assert.Equal(Local(2026, 11, 25, 16, 0), home.Engine.NextDeadline);
    }

    [Theory]
    [InlineData("hall_motion", SensorStates.Clear)]
    [InlineData("lounge_presence", SensorStates.Clear)]
    [InlineData("button", SensorStates.Pressed)]
    public void Reports_no_person_caused_are_not_activity(string sensor, string state)
    {
        home.WaitUntil(Local(2026, 11, 25, 10, 0));
        Assert.Empty(home.Send(sensor, state));
        Assert.Equal(Local(2026, 11, 25, 12, 0), Assert.Single(home.Wait(TimeSpan.FromHours(3))).At);
    }

    [Theory]
    [InlineData("hall_motion", SensorStates.Detected)]
    [InlineData("lounge_presence", SensorStates.Detected)]
    [InlineData("front_door", SensorStates.Open)]
    [InlineData("bed", SensorStates.Empty)]
    [InlineData("chair", SensorStates.Occupied)]
    public void Every_activity_sensor_kind_is_watched_by_default(string sensor, string state)
    {
        home.WaitUntil(Local(2026, 11, 25, 10, 0));
        Assert.Empty(home.Send(sensor, state));
        Assert.Equal(Local(2026, 11, 25, 14, 0), Assert.Single(home.Wait(TimeSpan.FromHours(5))).At);
    }

    [Fact]
    public void Only_the_named_sensors_are_watched_when_the_rule_names_some()
    {
        var named = new TimeWindowTestHome(new RulesConfig { Inactivity = new InactivityRuleConfig { Sensors = ["chair"] } }, Local(2026, 11, 25, 8, 0));
        named.WaitUntil(Local(2026, 11, 25, 10, 0));
        named.Send("hall_motion", SensorStates.Detected);
        Assert.Equal(Local(2026, 11, 25, 12, 0), Assert.Single(named.Wait(TimeSpan.FromHours(3))).At);
    }

    [Fact]
    public void Silence_that_would_reach_the_limit_at_the_window_end_or_later_counts_again_from_the_next_window()
    {
        home.WaitUntil(Local(2026, 11, 25, 17, 59, 59));
        home.Send("hall_motion", SensorStates.Detected);
        Assert.Equal(Local(2026, 11, 25, 21, 59, 59), Assert.Single(home.Wait(TimeSpan.FromHours(5))).At);
        home.Send("hall_motion", SensorStates.Detected);

        // Last activity at 18:00: the count reaches 4h at 22:00, outside the window; the next day counts from 07:00.
        var evening = new TimeWindowTestHome(Rules, Local(2026, 11, 25, 18, 0));
        evening.Send("hall_motion", SensorStates.Detected);
        Assert.Empty(evening.WaitUntil(Local(2026, 11, 26, 10, 59, 59)));
        Assert.Equal(Local(2026, 11, 26, 11, 0), Assert.Single(evening.Wait(TimeSpan.FromSeconds(1))).At);
    }

    [Fact]
    public void The_night_never_counts_silence_from_before_midnight_is_counted_from_the_day_window_start()
    {
        var night = new TimeWindowTestHome(Rules, Local(2026, 11, 25, 23, 30));
        Assert.Equal(Local(2026, 11, 26, 11, 0), Assert.Single(night.WaitUntil(Local(2026, 11, 26, 12, 0))).At);
    }

    [Fact]
    public void A_carer_visit_pauses_the_rule_and_the_silence_starts_again_at_check_out()
    {
        home.WaitUntil(Local(2026, 11, 25, 10, 0));
        home.CheckIn();
        Assert.Empty(home.Wait(TimeSpan.FromHours(1)));
        home.CheckOut();
        Assert.Empty(home.Wait(TimeSpan.FromHours(4) - TimeSpan.FromSeconds(1)));
        Assert.Equal(Local(2026, 11, 25, 15, 0), Assert.Single(home.Wait(TimeSpan.FromSeconds(1))).At);
    }

    [Fact]
    public void A_visit_longer_than_the_limit_raises_nothing_and_an_open_alert_clears_at_check_in()
    {
        var raised = Assert.Single(home.WaitUntil(Local(2026, 11, 25, 12, 0)));
        var cleared = Assert.Single(home.CheckIn());
        Assert.Equal((AlertEventKind.Cleared, raised.AlertId), (cleared.Kind, cleared.AlertId));
        Assert.Empty(home.Send("hall_motion", SensorStates.Detected));
        Assert.Empty(home.Wait(TimeSpan.FromMinutes(100)));
        home.CheckOut();
        Assert.Equal(Local(2026, 11, 25, 17, 40), Assert.Single(home.Wait(TimeSpan.FromHours(5))).At);
    }

    [Fact]
    public void A_visit_ended_by_its_maximum_length_restarts_the_silence_then()
    {
        home.WaitUntil(Local(2026, 11, 25, 9, 0));
        home.CheckIn();
        Assert.Empty(home.Wait(TimeSpan.FromHours(5)));
        Assert.Equal(Local(2026, 11, 25, 15, 0), Assert.Single(home.WaitUntil(Local(2026, 11, 25, 16, 0))).At);
    }

    [Fact]
    public void A_restart_in_the_middle_of_the_silence_raises_the_same_alert_at_the_same_instant()
    {
        var uninterrupted = new TimeWindowTestHome(Rules, Local(2026, 11, 25, 8, 0));
        uninterrupted.WaitUntil(Local(2026, 11, 25, 9, 0));
        uninterrupted.Send("hall_motion", SensorStates.Detected);
        var expected = Assert.Single(uninterrupted.Wait(TimeSpan.FromHours(5)));

        home.WaitUntil(Local(2026, 11, 25, 9, 0));
        home.Send("hall_motion", SensorStates.Detected);
        home.Wait(TimeSpan.FromHours(2));
        home.Restart();
        Assert.Equal(Local(2026, 11, 25, 13, 0), home.Engine.NextDeadline);
        AssertSameStep(expected, Assert.Single(home.Wait(TimeSpan.FromHours(3))));
    }

    [Fact]
    public void Silence_since_boot_survives_a_restart_the_count_does_not_start_again()
    {
        home.WaitUntil(Local(2026, 11, 25, 10, 0));
        home.Restart();
        Assert.Equal(Local(2026, 11, 25, 12, 0), Assert.Single(home.Wait(TimeSpan.FromHours(3))).At);
    }

    [Fact]
    public void A_restart_with_a_sensor_removed_keeps_the_silence()
    {
        home.WaitUntil(Local(2026, 11, 25, 9, 0));
        home.Send("chair", SensorStates.Occupied);
        home.Wait(TimeSpan.FromHours(1));
        home.Restart(home.Home with { Sensors = [.. home.Home.Sensors.Where(s => s.Id != "chair")] });
        Assert.Equal(Local(2026, 11, 25, 13, 0), Assert.Single(home.Wait(TimeSpan.FromHours(4))).At);
    }
}
