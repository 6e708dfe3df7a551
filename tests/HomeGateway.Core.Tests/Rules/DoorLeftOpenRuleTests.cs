using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Tests.Rules;

public class DoorLeftOpenRuleTests
{
    private readonly RuleTestHome home = new(new RulesConfig
    {
        DoorLeftOpen = new DoorLeftOpenRuleConfig { Doors = ["front_door"], After = TimeSpan.FromMinutes(10), RepeatEvery = TimeSpan.FromMinutes(15) },
    });

    [Fact]
    public void A_door_closed_before_the_limit_raises_nothing()
    {
        Assert.Empty(home.Send("front_door", SensorStates.Open));
        Assert.Empty(home.Wait(TimeSpan.FromMinutes(9) + TimeSpan.FromSeconds(59)));
        Assert.Empty(home.Send("front_door", SensorStates.Closed));
        Assert.Empty(home.Wait(TimeSpan.FromHours(1)));
    }

    [Fact]
    public void Open_past_the_limit_raises_once_exactly_at_the_limit()
    {
        var openedAt = home.Clock.GetUtcNow();
        home.Send("front_door", SensorStates.Open);
        var alert = Assert.Single(home.Wait(TimeSpan.FromMinutes(10)));
        Assert.Equal((AlertEventKind.Raised, AlertType.DoorLeftOpen, AlertPriority.Normal), (alert.Kind, alert.Type, alert.Priority));
        Assert.Equal(openedAt.AddMinutes(10), alert.At);
        Assert.Equal(openedAt, alert.EvidenceAt);
        Assert.Contains("10 min", alert.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Still_open_repeats_every_interval_on_the_same_alert_and_closing_clears_it()
    {
        home.Send("front_door", SensorStates.Open);
        var steps = home.Wait(TimeSpan.FromMinutes(10 + 15 + 15));
        Assert.Equal([AlertEventKind.Raised, AlertEventKind.Repeated, AlertEventKind.Repeated], steps.Select(s => s.Kind));
        Assert.Equal([1, 2, 3], steps.Select(s => s.Count));
        Assert.Single(steps.Select(s => s.AlertId).Distinct());

        var cleared = Assert.Single(home.Send("front_door", SensorStates.Closed));
        Assert.Equal(AlertEventKind.Cleared, cleared.Kind);
        Assert.Equal(steps[0].AlertId, cleared.AlertId);
        Assert.Empty(home.Wait(TimeSpan.FromHours(1)));
    }

    [Fact]
    public void A_repeated_open_report_does_not_restart_the_timer()
    {
        home.Send("front_door", SensorStates.Open);
        home.Wait(TimeSpan.FromMinutes(6));
        Assert.Empty(home.Send("front_door", SensorStates.Open));
        Assert.Single(home.Wait(TimeSpan.FromMinutes(4)));
    }

    [Fact]
    public void Doors_not_in_the_rule_are_not_watched()
    {
        home.Send("back_door", SensorStates.Open);
        Assert.Empty(home.Wait(TimeSpan.FromHours(2)));
    }

    [Fact]
    public void A_late_timer_after_a_long_pause_fires_one_repeat_not_a_burst()
    {
        home.Send("front_door", SensorStates.Open);
        home.Wait(TimeSpan.FromMinutes(10));
        home.Clock.Advance(TimeSpan.FromHours(2));
        var steps = home.Engine.Advance(home.Clock.GetUtcNow());
        Assert.Equal(AlertEventKind.Repeated, Assert.Single(steps).Kind);
    }

    [Fact]
    public void Every_door_is_watched_when_the_rule_names_none()
    {
        var all = new RuleTestHome(new RulesConfig { DoorLeftOpen = new DoorLeftOpenRuleConfig { After = TimeSpan.FromMinutes(1) } });
        all.Send("back_door", SensorStates.Open);
        Assert.Equal("back_door", Assert.Single(all.Wait(TimeSpan.FromMinutes(1))).SensorId);
    }

    [Fact]
    public void The_engine_reports_the_next_deadline_so_the_host_can_sleep_until_then()
    {
        Assert.Null(home.Engine.NextDeadline);
        var openedAt = home.Clock.GetUtcNow();
        home.Send("front_door", SensorStates.Open);
        Assert.Equal(openedAt.AddMinutes(10), home.Engine.NextDeadline);
        home.Send("front_door", SensorStates.Closed);
        Assert.Null(home.Engine.NextDeadline);
    }
}
