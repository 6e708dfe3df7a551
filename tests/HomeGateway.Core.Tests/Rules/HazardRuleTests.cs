using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Tests.Rules;

/// <summary>Smoke and water raise at once, count up while open, clear on clear, and no carer visit holds them back.</summary>
public class HazardRuleTests
{
    private static readonly DateTimeOffset Start = SafetyTestHome.Local(2026, 11, 25, 10, 0);

    private readonly SafetyTestHome home = new(new RulesConfig { Smoke = new SmokeRuleConfig(), WaterLeak = new WaterLeakRuleConfig() }, Start);

    [Fact]
    public void Smoke_is_critical_at_once_counts_up_while_open_and_clears()
    {
        var raised = Assert.Single(home.Send("kitchen_smoke", SensorStates.Detected));
        Assert.Equal((AlertEventKind.Raised, AlertType.Smoke, AlertPriority.Critical, "kitchen_smoke", Start), (raised.Kind, raised.Type, raised.Priority, raised.SensorId, raised.At));

        home.Wait(TimeSpan.FromSeconds(30));
        var repeat = Assert.Single(home.Send("kitchen_smoke", SensorStates.Detected));
        Assert.Equal((AlertEventKind.Repeated, 2, raised.AlertId), (repeat.Kind, repeat.Count, repeat.AlertId));

        var cleared = Assert.Single(home.Send("kitchen_smoke", SensorStates.Clear));
        Assert.Equal((AlertEventKind.Cleared, raised.AlertId), (cleared.Kind, cleared.AlertId));
        Assert.Empty(home.Send("kitchen_smoke", SensorStates.Clear));

        home.Wait(TimeSpan.FromMinutes(1));
        var again = Assert.Single(home.Send("kitchen_smoke", SensorStates.Detected));
        Assert.Equal(AlertEventKind.Raised, again.Kind);
        Assert.NotEqual(raised.AlertId, again.AlertId);
    }

    [Fact]
    public void Each_detector_has_its_own_alert()
    {
        var kitchen = Assert.Single(home.Send("kitchen_smoke", SensorStates.Detected));
        var hall = Assert.Single(home.Send("hall_smoke", SensorStates.Detected));
        Assert.NotEqual(kitchen.AlertId, hall.AlertId);
        Assert.Equal(AlertEventKind.Raised, hall.Kind);
    }

    [Fact]
    public void A_water_leak_is_high_by_default_and_critical_when_configured()
    {
        Assert.Equal(AlertPriority.High, Assert.Single(home.Send("bathroom_leak", SensorStates.Detected)).Priority);
        var critical = new SafetyTestHome(new RulesConfig { WaterLeak = new WaterLeakRuleConfig { Priority = AlertPriorityChoice.Critical } }, Start);
        var alert = Assert.Single(critical.Send("bathroom_leak", SensorStates.Detected));
        Assert.Equal((AlertType.WaterLeak, AlertPriority.Critical), (alert.Type, alert.Priority));
    }

    [Fact]
    public void A_carer_visit_does_not_hold_back_smoke_or_water()
    {
        home.Engine.SetVisit(true, home.Now);
        Assert.True(home.Engine.VisitInProgress);
        Assert.Equal(AlertEventKind.Raised, Assert.Single(home.Send("kitchen_smoke", SensorStates.Detected)).Kind);
        Assert.Equal(AlertEventKind.Raised, Assert.Single(home.Send("bathroom_leak", SensorStates.Detected)).Kind);
        Assert.Equal(AlertEventKind.Cleared, Assert.Single(home.Send("bathroom_leak", SensorStates.Clear)).Kind);
    }

    [Fact]
    public void Only_the_named_detectors_are_watched()
    {
        var named = new SafetyTestHome(new RulesConfig { Smoke = new SmokeRuleConfig { Sensors = ["hall_smoke"] } }, Start);
        Assert.Empty(named.Send("kitchen_smoke", SensorStates.Detected));
        Assert.Single(named.Send("hall_smoke", SensorStates.Detected));
    }

    [Fact]
    public void Unacknowledged_smoke_is_escalated_by_the_engine_but_a_high_leak_is_not()
    {
        var escalating = new SafetyTestHome(new RulesConfig { Smoke = new SmokeRuleConfig(), WaterLeak = new WaterLeakRuleConfig() }, Start, escalate: true);
        var smoke = Assert.Single(escalating.Send("kitchen_smoke", SensorStates.Detected));
        escalating.Send("bathroom_leak", SensorStates.Detected);
        var steps = escalating.Wait(new EscalationConfig().AckTimeout);
        var escalated = Assert.Single(steps);
        Assert.Equal((AlertEventKind.Escalated, smoke.AlertId), (escalated.Kind, escalated.AlertId));
    }

    [Fact]
    public void An_open_alert_survives_a_restart_and_is_cleared_by_the_same_id()
    {
        var raised = Assert.Single(home.Send("kitchen_smoke", SensorStates.Detected));
        home.Wait(TimeSpan.FromMinutes(5));
        home.Restart();
        Assert.Equal((AlertEventKind.Repeated, 2, raised.AlertId), Single(home.Send("kitchen_smoke", SensorStates.Detected)));
        var cleared = Assert.Single(home.Send("kitchen_smoke", SensorStates.Clear));
        Assert.Equal(raised.AlertId, cleared.AlertId);
    }

    [Fact]
    public void A_detector_removed_from_the_home_file_is_forgotten_at_restart()
    {
        home.Send("hall_smoke", SensorStates.Detected);
        var without = home.Home with { Sensors = home.Home.Sensors.Where(s => s.Id != "hall_smoke").ToList() };
        home.Restart(without);
        var state = System.Text.Encoding.UTF8.GetString(home.Engine.SaveState());
        Assert.DoesNotContain("hall_smoke", state, StringComparison.Ordinal);
    }

    private static (AlertEventKind, int, string) Single(IReadOnlyList<AlertEvent> steps)
    {
        var step = Assert.Single(steps);
        return (step.Kind, step.Count, step.AlertId);
    }
}
