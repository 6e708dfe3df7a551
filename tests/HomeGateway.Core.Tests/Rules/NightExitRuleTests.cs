using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using static HomeGateway.Core.Tests.Rules.TimeWindowTestHome;

namespace HomeGateway.Core.Tests.Rules;

/// <summary>Night exit: an opening inside the night and no "door closed, then movement inside" within the grace wakes someone, exactly at opening + grace.</summary>
public class NightExitRuleTests
{
    private static readonly RulesConfig Rules = new()
    {
        NightExit = new NightExitRuleConfig { Door = "front_door", Presence = ["hall_motion"], Grace = TimeSpan.FromMinutes(10) },
    };

    private readonly TimeWindowTestHome home = new(Rules, Local(2026, 11, 25, 20, 0));

    [Fact]
    public void An_exit_not_back_within_the_grace_raises_one_high_alert_exactly_at_opening_plus_grace()
    {
        home.WaitUntil(Local(2026, 11, 25, 23, 0));
        Assert.Empty(home.Send("front_door", SensorStates.Open));
        Assert.Empty(home.Send("front_door", SensorStates.Closed));
        Assert.Empty(home.Wait(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1)));

        var alert = Assert.Single(home.Wait(TimeSpan.FromSeconds(1)));
        Assert.Equal((AlertEventKind.Raised, AlertType.NightExit, AlertPriority.High, "front_door"), (alert.Kind, alert.Type, alert.Priority, alert.SensorId));
        Assert.Equal(Local(2026, 11, 25, 23, 10), alert.At);
        Assert.Equal(Local(2026, 11, 25, 23, 0), alert.EvidenceAt);
        Assert.Equal([1L], alert.EvidenceSeqs);
        Assert.Contains("23:00", alert.Summary, StringComparison.Ordinal);

        // No repeats however long the client stays out.
        Assert.Empty(home.Wait(TimeSpan.FromHours(3)));
    }

    [Fact]
    public void Back_one_second_before_the_grace_ends_raises_nothing()
    {
        home.WaitUntil(Local(2026, 11, 25, 23, 0));
        home.Send("front_door", SensorStates.Open);
        home.Wait(TimeSpan.FromMinutes(9));
        home.Send("front_door", SensorStates.Closed);
        home.Wait(TimeSpan.FromSeconds(59));
        Assert.Empty(home.Send("hall_motion", SensorStates.Detected));
        Assert.Null(home.Engine.NextDeadline);
        Assert.Empty(home.Wait(TimeSpan.FromHours(2)));
    }

    [Fact]
    public void Back_exactly_at_the_grace_is_too_late_the_alert_is_raised_and_then_cleared()
    {
        home.WaitUntil(Local(2026, 11, 25, 23, 0));
        home.Send("front_door", SensorStates.Open);
        home.Wait(TimeSpan.FromMinutes(5));
        home.Send("front_door", SensorStates.Closed);
        home.Wait(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));

        home.Clock.Advance(TimeSpan.FromSeconds(1));
        var steps = home.Send("hall_motion", SensorStates.Detected);
        Assert.Equal([AlertEventKind.Raised, AlertEventKind.Cleared], steps.Select(s => s.Kind));
        Assert.Equal(steps[0].AlertId, steps[1].AlertId);
        Assert.All(steps, s => Assert.Equal(Local(2026, 11, 25, 23, 10), s.At));
    }

    [Fact]
    public void Back_one_second_after_the_grace_clears_the_alert_raised_a_second_earlier()
    {
        home.WaitUntil(Local(2026, 11, 25, 23, 0));
        home.Send("front_door", SensorStates.Open);
        home.Send("front_door", SensorStates.Closed);
        var raised = Assert.Single(home.Wait(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1)));
        var cleared = Assert.Single(home.Send("hall_motion", SensorStates.Detected));
        Assert.Equal((AlertEventKind.Cleared, raised.AlertId), (cleared.Kind, cleared.AlertId));
        Assert.Equal(Local(2026, 11, 25, 23, 10, 1), cleared.At);
        Assert.Empty(home.Wait(TimeSpan.FromHours(1)));
    }

    [Fact]
    public void The_night_begins_at_its_start_inclusive_and_ends_at_its_end_exclusive()
    {
        var evening = new TimeWindowTestHome(Rules, Local(2026, 11, 25, 21, 59, 59));
        evening.Send("front_door", SensorStates.Open);
        evening.Send("front_door", SensorStates.Closed);
        Assert.Empty(evening.Wait(TimeSpan.FromMinutes(30)));

        home.WaitUntil(Local(2026, 11, 25, 22, 0));
        home.Send("front_door", SensorStates.Open);
        Assert.Equal(Local(2026, 11, 25, 22, 10), Assert.Single(home.Wait(TimeSpan.FromMinutes(30))).At);
        home.Send("front_door", SensorStates.Closed);
        home.Send("hall_motion", SensorStates.Detected);

        // The last second of the night still counts, and its alert comes after the night has ended.
        home.WaitUntil(Local(2026, 11, 26, 6, 29, 59));
        home.Send("front_door", SensorStates.Open);
        Assert.Equal(Local(2026, 11, 26, 6, 39, 59), Assert.Single(home.Wait(TimeSpan.FromMinutes(30))).At);

        var morning = new TimeWindowTestHome(Rules, Local(2026, 11, 26, 6, 30));
        Assert.Empty(morning.Send("front_door", SensorStates.Open));
        Assert.Null(morning.Engine.NextDeadline);
        Assert.Empty(morning.Wait(TimeSpan.FromHours(1)));
    }

    [Fact]
    public void An_exit_just_before_midnight_is_raised_just_after_it_and_after_midnight_is_still_night()
    {
        home.WaitUntil(Local(2026, 11, 25, 23, 55));
        home.Send("front_door", SensorStates.Open);
        Assert.Equal(Local(2026, 11, 26, 0, 5), Assert.Single(home.Wait(TimeSpan.FromMinutes(15))).At);
        home.Send("front_door", SensorStates.Closed);
        home.Send("hall_motion", SensorStates.Detected);

        home.WaitUntil(Local(2026, 11, 26, 3, 0));
        home.Send("front_door", SensorStates.Open);
        Assert.Equal(Local(2026, 11, 26, 3, 10), Assert.Single(home.Wait(TimeSpan.FromMinutes(15))).At);
    }

    [Fact]
    public void Movement_while_the_door_is_still_open_is_not_back()
    {
        home.WaitUntil(Local(2026, 11, 25, 23, 0));
        home.Send("front_door", SensorStates.Open);
        Assert.Empty(home.Send("hall_motion", SensorStates.Detected));
        Assert.Single(home.Wait(TimeSpan.FromMinutes(10)));
    }

    [Fact]
    public void Opened_again_after_closing_the_door_must_close_again_before_movement_counts()
    {
        home.WaitUntil(Local(2026, 11, 25, 23, 0));
        home.Send("front_door", SensorStates.Open);
        home.Send("front_door", SensorStates.Closed);
        home.Wait(TimeSpan.FromMinutes(3));
        home.Send("front_door", SensorStates.Open);
        home.Send("hall_motion", SensorStates.Detected);

        // The timer runs from the first opening, not the second.
        Assert.Equal(Local(2026, 11, 25, 23, 10), Assert.Single(home.Wait(TimeSpan.FromMinutes(10))).At);
    }

    [Fact]
    public void Only_the_named_presence_sensors_show_the_client_is_back_and_by_default_every_one_does()
    {
        home.WaitUntil(Local(2026, 11, 25, 23, 0));
        home.Send("front_door", SensorStates.Open);
        home.Send("front_door", SensorStates.Closed);
        home.Send("lounge_presence", SensorStates.Detected);
        Assert.Single(home.Wait(TimeSpan.FromMinutes(10)));

        var all = new TimeWindowTestHome(new RulesConfig { NightExit = new NightExitRuleConfig() }, Local(2026, 11, 25, 23, 0));
        all.Send("front_door", SensorStates.Open);
        all.Send("front_door", SensorStates.Closed);
        all.Send("lounge_presence", SensorStates.Detected);
        Assert.Empty(all.Wait(TimeSpan.FromMinutes(30)));
    }

    [Fact]
    public void A_presence_sensor_going_clear_is_not_back()
    {
        home.WaitUntil(Local(2026, 11, 25, 23, 0));
        home.Send("front_door", SensorStates.Open);
        home.Send("front_door", SensorStates.Closed);
        home.Send("hall_motion", SensorStates.Clear);
        Assert.Single(home.Wait(TimeSpan.FromMinutes(10)));
    }

    [Fact]
    public void An_opening_during_a_carer_visit_does_not_count()
    {
        home.WaitUntil(Local(2026, 11, 25, 23, 0));
        home.CheckIn();
        home.Wait(TimeSpan.FromMinutes(10));
        home.Send("front_door", SensorStates.Open);
        home.Send("front_door", SensorStates.Closed);
        Assert.Empty(home.Wait(TimeSpan.FromMinutes(30)));
    }

    [Fact]
    public void The_carer_leaving_just_after_check_out_does_not_count_but_an_opening_afterwards_does()
    {
        home.WaitUntil(Local(2026, 11, 25, 23, 0));
        home.CheckIn();
        home.Wait(TimeSpan.FromMinutes(20));
        home.CheckOut();
        home.Wait(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        home.Send("front_door", SensorStates.Open);
        home.Send("front_door", SensorStates.Closed);
        Assert.Empty(home.Wait(TimeSpan.FromMinutes(30)));

        var other = new TimeWindowTestHome(Rules, Local(2026, 11, 25, 23, 0));
        other.CheckIn();
        other.Wait(TimeSpan.FromMinutes(20));
        other.CheckOut();
        other.Wait(TimeSpan.FromMinutes(5));
        other.Send("front_door", SensorStates.Open);
        Assert.Equal(Local(2026, 11, 25, 23, 35), Assert.Single(other.Wait(TimeSpan.FromMinutes(30))).At);
    }

    [Fact]
    public void An_exit_still_within_its_grace_when_a_carer_checks_in_is_dropped()
    {
        home.WaitUntil(Local(2026, 11, 25, 23, 0));
        home.Send("front_door", SensorStates.Open);
        home.Wait(TimeSpan.FromMinutes(5));
        home.CheckIn();
        Assert.Empty(home.Wait(TimeSpan.FromMinutes(30)));
        home.CheckOut();
        Assert.Empty(home.Wait(TimeSpan.FromMinutes(30)));
    }

    [Fact]
    public void A_raised_alert_is_not_cleared_by_the_carers_movements_but_by_the_client_after_check_out()
    {
        home.WaitUntil(Local(2026, 11, 25, 23, 0));
        home.Send("front_door", SensorStates.Open);
        var raised = Assert.Single(home.Wait(TimeSpan.FromMinutes(10)));
        home.CheckIn();
        home.Send("front_door", SensorStates.Closed);
        Assert.Empty(home.Send("hall_motion", SensorStates.Detected));
        home.Wait(TimeSpan.FromMinutes(20));
        home.CheckOut();
        home.Send("front_door", SensorStates.Open);
        home.Send("front_door", SensorStates.Closed);
        var cleared = Assert.Single(home.Send("hall_motion", SensorStates.Detected));
        Assert.Equal((AlertEventKind.Cleared, raised.AlertId), (cleared.Kind, cleared.AlertId));
    }

    [Fact]
    public void A_restart_in_the_middle_of_the_grace_raises_the_same_alert_at_the_same_instant()
    {
        var uninterrupted = new TimeWindowTestHome(Rules, Local(2026, 11, 25, 23, 0));
        uninterrupted.Send("front_door", SensorStates.Open);
        var expected = Assert.Single(uninterrupted.Wait(TimeSpan.FromMinutes(30)));

        var restarted = new TimeWindowTestHome(Rules, Local(2026, 11, 25, 23, 0));
        restarted.Send("front_door", SensorStates.Open);
        restarted.Wait(TimeSpan.FromMinutes(4));
        restarted.Restart();
        Assert.Equal(Local(2026, 11, 25, 23, 10), restarted.Engine.NextDeadline);
        AssertSameStep(expected, Assert.Single(restarted.Wait(TimeSpan.FromMinutes(26))));

        // And the restored alert still clears.
        restarted.Restart();
        restarted.Send("front_door", SensorStates.Closed);
        Assert.Equal(expected.AlertId, Assert.Single(restarted.Send("hall_motion", SensorStates.Detected)).AlertId);
    }

    [Fact]
    public void A_restart_with_another_entrance_door_forgets_the_exit_through_the_old_one()
    {
        home.WaitUntil(Local(2026, 11, 25, 23, 0));
        home.Send("front_door", SensorStates.Open);
        home.Wait(TimeSpan.FromMinutes(4));
        var changed = home.Home with
        {
            Sensors = [.. home.Home.Sensors.Where(s => s.Id != "front_door"), new SensorConfig("side_door", SensorKind.Door) { Gpio = new GpioInputConfig(5) }],
            Rules = home.Home.Rules with { NightExit = Rules.NightExit! with { Door = "side_door" } },
        };
        home.Restart(changed);
        Assert.Null(home.Engine.NextDeadline);
        Assert.Empty(home.Wait(TimeSpan.FromMinutes(30)));
    }
}
