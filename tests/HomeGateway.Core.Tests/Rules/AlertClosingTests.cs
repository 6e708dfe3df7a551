using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Core.Rules;

namespace HomeGateway.Core.Tests.Rules;

/// <summary>
/// Invariant: an alert dispatch resolved is closed on the device too: it escalates no more, no later step carries its id,
/// and the condition's next evidence raises a NEW alert — unless the device holds evidence newer than dispatch had seen
/// (then the alert stays open, and dispatch reopens it when that evidence arrives). Closing survives a restart.
/// </summary>
public class AlertClosingTests
{
    private static RuleTestHome Home() => new(new RulesConfig
    {
        Help = new HelpRuleConfig { RepeatWindow = TimeSpan.FromMinutes(30) },
        Fall = new FallRuleConfig { RepeatWindow = TimeSpan.FromMinutes(30) },
        DoorLeftOpen = new DoorLeftOpenRuleConfig { Doors = ["front_door"], After = TimeSpan.FromMinutes(10), RepeatEvery = TimeSpan.FromMinutes(15) },
        Escalation = new EscalationConfig { AckTimeout = TimeSpan.FromSeconds(120), MaxEscalations = 3 },
    }, escalate: true);

    private static long Evidence(AlertEvent step) => step.EvidenceSeqs.Max();

    [Fact]
    public void A_resolved_help_alert_stops_escalating_and_the_next_press_raises_a_new_alert()
    {
        var home = Home();
        var raised = Assert.Single(home.Send("button", SensorStates.Pressed));
        home.Wait(TimeSpan.FromSeconds(60));

        Assert.Equal(AlertClosing.Closed, home.Engine.Close(raised.AlertId, Evidence(raised)));
        Assert.Empty(home.Wait(TimeSpan.FromMinutes(5)));
        Assert.DoesNotContain(home.Engine.OpenAlerts, a => a.AlertId == raised.AlertId);

        // Within the repeat window, where it would have counted up on the old one.
        var next = Assert.Single(home.Send("button", SensorStates.Pressed));
        Assert.Equal(AlertEventKind.Raised, next.Kind);
        Assert.NotEqual(raised.AlertId, next.AlertId);
        Assert.Equal(1, next.Count);
        // The new alert escalates like any other.
        Assert.Equal((AlertEventKind.Escalated, next.AlertId), Assert.Single(home.Wait(TimeSpan.FromSeconds(120))) is var e ? (e.Kind, e.AlertId) : default);

        // Closing again (a resend after a reconnect) changes nothing.
        Assert.Equal(AlertClosing.NotOpen, home.Engine.Close(raised.AlertId, Evidence(raised)));
    }

    [Fact]
    public void A_press_dispatch_had_not_seen_when_it_resolved_keeps_the_alert_open()
    {
        var home = Home();
        var raised = Assert.Single(home.Send("button", SensorStates.Pressed));
        home.Clock.Advance(TimeSpan.FromSeconds(30));
        var again = Assert.Single(home.Send("button", SensorStates.Pressed));

        Assert.Equal(AlertClosing.NewerEvidence, home.Engine.Close(raised.AlertId, Evidence(raised)));
        Assert.Equal((AlertEventKind.Repeated, raised.AlertId), (again.Kind, again.AlertId));
        Assert.Contains(home.Wait(TimeSpan.FromSeconds(120)), s => s.Kind == AlertEventKind.Escalated && s.AlertId == raised.AlertId);

        // Once dispatch has seen the repeat and resolves again, it closes.
        Assert.Equal(AlertClosing.Closed, home.Engine.Close(raised.AlertId, Evidence(again)));
    }

    [Fact]
    public void A_resolved_fall_is_closed_and_the_next_fall_is_a_new_alert()
    {
        var home = Home();
        var raised = Assert.Single(home.Send("radar", SensorStates.Fall));
        Assert.Equal(AlertClosing.Closed, home.Engine.Close(raised.AlertId, Evidence(raised)));
        home.Clock.Advance(TimeSpan.FromMinutes(1));
        var next = Assert.Single(home.Send("radar", SensorStates.Fall));
        Assert.Equal(AlertEventKind.Raised, next.Kind);
        Assert.NotEqual(raised.AlertId, next.AlertId);
    }

    [Fact]
    public void A_resolved_door_alert_repeats_no_more_and_the_doors_next_opening_raises_a_new_alert()
    {
        var home = Home();
        home.Send("front_door", SensorStates.Open);
        var raised = Assert.Single(home.Wait(TimeSpan.FromMinutes(10)));

        Assert.Equal(AlertClosing.Closed, home.Engine.Close(raised.AlertId, Evidence(raised)));
        Assert.Empty(home.Wait(TimeSpan.FromHours(1)));
        // Dispatch closed it: no clear follows for it.
        Assert.Empty(home.Send("front_door", SensorStates.Closed));

        home.Send("front_door", SensorStates.Open);
        var next = Assert.Single(home.Wait(TimeSpan.FromMinutes(10)));
        Assert.Equal(AlertEventKind.Raised, next.Kind);
        Assert.NotEqual(raised.AlertId, next.AlertId);
    }

    [Fact]
    public void Closing_and_acknowledging_survive_a_restart()
    {
        var home = Home();
        var help = Assert.Single(home.Send("button", SensorStates.Pressed));
        home.Clock.Advance(TimeSpan.FromSeconds(10));
        var fall = Assert.Single(home.Send("radar", SensorStates.Fall));
        home.Engine.Close(help.AlertId, Evidence(help));
        var acknowledgedAt = home.Clock.GetUtcNow();
        home.Engine.Acknowledge(fall.AlertId, acknowledgedAt);

        var restarted = new RulesEngine(home.Home, home.Clock.GetUtcNow());
        restarted.RestoreState(home.Engine.SaveState());

        var open = Assert.Single(restarted.OpenAlerts);
        Assert.Equal((fall.AlertId, AlertPriority.Critical, acknowledgedAt), (open.AlertId, open.Priority, open.AcknowledgedAt));
        var seq = 100L;
        var press = new SensorEvent(RuleTestHome.HomeId, "button", SensorKind.HelpButton, SensorStates.Pressed, home.Clock.GetUtcNow(), "test");
        var next = Assert.Single(restarted.Observe(press, seq, home.Clock.GetUtcNow()));
        Assert.Equal(AlertEventKind.Raised, next.Kind);
        Assert.NotEqual(help.AlertId, next.AlertId);
    }

    [Fact]
    public void A_resolved_inactivity_alert_is_not_raised_again_for_the_same_silence_even_after_a_restart()
    {
        var home = new TimeWindowTestHome(new RulesConfig { Inactivity = new InactivityRuleConfig { After = TimeSpan.FromHours(4) } },
            TimeWindowTestHome.Local(2026, 11, 25, 8, 0));
        var raised = Assert.Single(home.WaitUntil(TimeWindowTestHome.Local(2026, 11, 25, 12, 0)));
        Assert.Equal(AlertClosing.Closed, home.Engine.Close(raised.AlertId, 0));

        Assert.Empty(home.Wait(TimeSpan.FromHours(1)));
        home.Restart();
        Assert.Empty(home.Wait(TimeSpan.FromDays(1)));
        // The next sign of life clears nothing (dispatch closed it) and starts a new silence, which counts again.
        Assert.Empty(home.Send("hall_motion", SensorStates.Detected));
        var next = Assert.Single(home.Wait(TimeSpan.FromHours(5)));
        Assert.Equal(AlertEventKind.Raised, next.Kind);
        Assert.NotEqual(raised.AlertId, next.AlertId);
    }

    [Fact]
    public void A_resolved_smoke_alert_is_closed_and_smoke_reported_again_is_a_new_alert()
    {
        var home = new SafetyTestHome(new RulesConfig { Smoke = new SmokeRuleConfig() }, SafetyTestHome.Local(2026, 11, 25, 10, 0));
        var raised = Assert.Single(home.Send("kitchen_smoke", SensorStates.Detected));
        Assert.Equal(AlertClosing.Closed, home.Engine.Close(raised.AlertId, raised.EvidenceSeqs.Max()));

        Assert.Empty(home.Send("kitchen_smoke", SensorStates.Clear));
        home.Clock.Advance(TimeSpan.FromMinutes(1));
        var next = Assert.Single(home.Send("kitchen_smoke", SensorStates.Detected));
        Assert.Equal(AlertEventKind.Raised, next.Kind);
        Assert.NotEqual(raised.AlertId, next.AlertId);
    }

    [Fact]
    public void A_resolved_temperature_alert_stays_quiet_until_the_temperature_is_back_in_range_and_leaves_it_again()
    {
        var home = new SafetyTestHome(new RulesConfig { Temperature = new TemperatureRuleConfig { Min = 16, Max = 30, For = TimeSpan.FromMinutes(30) } },
            SafetyTestHome.Local(2026, 11, 25, 10, 0));
        home.Send("living_temp", SensorStates.Measured, value: 14);
        var raised = Assert.Single(home.Wait(TimeSpan.FromMinutes(30)));
        Assert.Equal(AlertClosing.Closed, home.Engine.Close(raised.AlertId, raised.EvidenceSeqs.Max()));

        home.Send("living_temp", SensorStates.Measured, value: 13);
        Assert.Empty(home.Wait(TimeSpan.FromHours(2)));
        home.Restart();
        Assert.Empty(home.Wait(TimeSpan.FromHours(2)));
        Assert.Empty(home.Send("living_temp", SensorStates.Measured, value: 20));
        home.Send("living_temp", SensorStates.Measured, value: 14);
        var next = Assert.Single(home.Wait(TimeSpan.FromMinutes(30)));
        Assert.NotEqual(raised.AlertId, next.AlertId);
    }
}
