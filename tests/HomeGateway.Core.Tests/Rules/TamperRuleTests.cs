using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Tests.Rules;

/// <summary>A tamper report from any known device is a high alert for that device until it reports clear.</summary>
public class TamperRuleTests
{
    private readonly SafetyTestHome home = new(new RulesConfig { Tamper = new TamperRuleConfig() }, SafetyTestHome.Local(2026, 11, 25, 23, 59));

    [Fact]
    public void Tamper_on_a_door_raises_high_counts_up_and_clears_across_midnight()
    {
        var raised = Assert.Single(home.Send("front_door", SensorStates.Detected, kind: SensorKind.Tamper));
        Assert.Equal((AlertEventKind.Raised, AlertType.Tamper, AlertPriority.High, "front_door"), (raised.Kind, raised.Type, raised.Priority, raised.SensorId));

        home.Wait(TimeSpan.FromMinutes(2));
        var repeat = Assert.Single(home.Send("front_door", SensorStates.Detected, kind: SensorKind.Tamper));
        Assert.Equal((AlertEventKind.Repeated, 2, raised.AlertId), (repeat.Kind, repeat.Count, repeat.AlertId));

        var cleared = Assert.Single(home.Send("front_door", SensorStates.Clear, kind: SensorKind.Tamper));
        Assert.Equal((AlertEventKind.Cleared, raised.AlertId), (cleared.Kind, cleared.AlertId));
        Assert.Empty(home.Wait(TimeSpan.FromHours(1)));
    }

    [Fact]
    public void The_door_opening_is_not_tampering_and_unknown_devices_are_ignored()
    {
        Assert.Empty(home.Send("front_door", SensorStates.Open));
        Assert.Empty(home.Engine.Observe(new SensorEvent(SafetyTestHome.HomeId, "stranger", SensorKind.Tamper, SensorStates.Detected, home.Now, "test"), 99, home.Now));
    }

    [Fact]
    public void An_open_tamper_alert_survives_a_restart()
    {
        var raised = Assert.Single(home.Send("radar", SensorStates.Detected, kind: SensorKind.Tamper));
        home.Restart();
        Assert.Equal(raised.AlertId, Assert.Single(home.Send("radar", SensorStates.Clear, kind: SensorKind.Tamper)).AlertId);
    }
}
