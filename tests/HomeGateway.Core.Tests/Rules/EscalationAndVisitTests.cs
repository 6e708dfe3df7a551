using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Tests.Rules;

/// <summary>The engine's cross-cutting duties: escalating unacknowledged critical alerts, and carer visits.</summary>
public class EscalationAndVisitTests
{
    private static RuleTestHome Home(EscalationConfig escalation, TimeSpan? maxVisit = null) => new(new RulesConfig
    {
        Help = new HelpRuleConfig { RepeatWindow = TimeSpan.FromMinutes(30) },
        Fall = new FallRuleConfig(),
        DoorLeftOpen = new DoorLeftOpenRuleConfig { Doors = ["front_door"], After = TimeSpan.FromMinutes(10), RepeatEvery = TimeSpan.FromMinutes(15) },
        Escalation = escalation,
        Visits = new VisitsConfig { MaxLength = maxVisit ?? TimeSpan.FromHours(2) },
    }, escalate: true);

    [Fact]
    public void A_critical_alert_not_acknowledged_escalates_exactly_at_the_timeout_then_every_timeout_up_to_the_limit()
    {
        var home = Home(new EscalationConfig { AckTimeout = TimeSpan.FromSeconds(120), MaxEscalations = 2 });
        var raised = Assert.Single(home.Send("button", SensorStates.Pressed));

        Assert.Empty(home.Wait(TimeSpan.FromSeconds(119)));
        var first = Assert.Single(home.Wait(TimeSpan.FromSeconds(1)));
        Assert.Equal((AlertEventKind.Escalated, raised.AlertId, raised.At.AddSeconds(120)), (first.Kind, first.AlertId, first.At));
        Assert.Equal(AlertPriority.Critical, first.Priority);

        var second = Assert.Single(home.Wait(TimeSpan.FromSeconds(120)));
        Assert.Equal(raised.At.AddSeconds(240), second.At);
        Assert.Empty(home.Wait(TimeSpan.FromHours(1)));
    }

    [Fact]
    public void An_acknowledged_alert_does_not_escalate()
    {
        var home = Home(new EscalationConfig());
        var raised = Assert.Single(home.Send("button", SensorStates.Pressed));
        home.Wait(TimeSpan.FromSeconds(60));
        home.Engine.Acknowledge(raised.AlertId);
        Assert.Empty(home.Wait(TimeSpan.FromHours(1)));
    }

    [Fact]
    public void Normal_and_high_alerts_never_escalate()
    {
        var home = Home(new EscalationConfig());
        home.Send("front_door", SensorStates.Open);
        home.Send("radar", SensorStates.SuspectedFall);
        var steps = home.Wait(TimeSpan.FromMinutes(11));
        Assert.DoesNotContain(steps, s => s.Kind == AlertEventKind.Escalated);
        Assert.Contains(steps, s => s.Type == AlertType.DoorLeftOpen);
        Assert.Contains(steps, s => s.Type == AlertType.Fall && s.Priority == AlertPriority.High);
    }

    [Fact]
    public void A_visit_holds_the_door_rule_and_times_an_open_door_from_the_check_out()
    {
        var home = Home(new EscalationConfig { MaxEscalations = 0 });
        home.Engine.SetVisit(true, home.Clock.GetUtcNow());
        Assert.True(home.Engine.VisitInProgress);
        home.Send("front_door", SensorStates.Open);
        Assert.Empty(home.Wait(TimeSpan.FromMinutes(30)));

        var checkOut = home.Clock.GetUtcNow();
        home.Engine.SetVisit(false, checkOut);
        Assert.Empty(home.Wait(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1)));
        var alert = Assert.Single(home.Wait(TimeSpan.FromSeconds(1)));
        Assert.Equal(checkOut.AddMinutes(10), alert.At);
    }

    [Fact]
    public void A_visit_never_holds_back_a_fall_or_a_help_press()
    {
        var home = Home(new EscalationConfig { MaxEscalations = 0 });
        home.Engine.SetVisit(true, home.Clock.GetUtcNow());
        Assert.Equal(AlertType.Fall, Assert.Single(home.Send("radar", SensorStates.Fall)).Type);
        Assert.Equal(AlertType.Help, Assert.Single(home.Send("button", SensorStates.Pressed)).Type);
    }

    [Fact]
    public void A_forgotten_check_out_ends_the_visit_at_its_maximum_length()
    {
        var home = Home(new EscalationConfig { MaxEscalations = 0 }, maxVisit: TimeSpan.FromMinutes(45));
        var checkIn = home.Clock.GetUtcNow();
        home.Engine.SetVisit(true, checkIn);
        home.Send("front_door", SensorStates.Open);

        // The visit ends at check-in + 45 min; the door is then timed for 10 min.
        var alert = Assert.Single(home.Wait(TimeSpan.FromMinutes(56)));
        Assert.Equal(checkIn.AddMinutes(55), alert.At);
        Assert.False(home.Engine.VisitInProgress);
    }

    [Fact]
    public void Escalations_and_visits_survive_a_restart()
    {
        var home = Home(new EscalationConfig { AckTimeout = TimeSpan.FromSeconds(120), MaxEscalations = 1 });
        var raised = Assert.Single(home.Send("button", SensorStates.Pressed));
        home.Engine.SetVisit(true, home.Clock.GetUtcNow());
        var saved = home.Engine.SaveState();

        var restarted = new HomeGateway.Core.Rules.RulesEngine(home.Home, home.Clock.GetUtcNow());
        restarted.RestoreState(saved);

        Assert.True(restarted.VisitInProgress);
        var escalated = Assert.Single(restarted.Advance(raised.At.AddSeconds(120)));
        Assert.Equal((AlertEventKind.Escalated, raised.AlertId), (escalated.Kind, escalated.AlertId));
    }
}
