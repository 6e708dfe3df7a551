using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Tests.Rules;

/// <summary>Below the threshold raises once per sensor; only above threshold + hysteresis clears.</summary>
public class BatteryLowRuleTests
{
    private readonly SafetyTestHome home = new(new RulesConfig { BatteryLow = new BatteryLowRuleConfig() }, SafetyTestHome.Local(2026, 11, 25, 12, 0));

    [Fact]
    public void At_the_threshold_nothing_one_below_raises_once()
    {
        Assert.Empty(home.Send("front_door", SensorStates.Closed, battery: 15));
        var raised = Assert.Single(home.Send("front_door", SensorStates.Open, battery: 14));
        Assert.Equal((AlertEventKind.Raised, AlertType.BatteryLow, AlertPriority.Low, "front_door"), (raised.Kind, raised.Type, raised.Priority, raised.SensorId));
        Assert.Empty(home.Send("front_door", SensorStates.Closed, battery: 9));
        Assert.Empty(home.Send("front_door", SensorStates.Closed));
    }

    [Fact]
    public void Clears_only_above_threshold_plus_hysteresis()
    {
        var raised = Assert.Single(home.Send("radar", SensorStates.Clear, battery: 10));
        Assert.Empty(home.Send("radar", SensorStates.Clear, battery: 16));
        Assert.Empty(home.Send("radar", SensorStates.Clear, battery: 20));
        var cleared = Assert.Single(home.Send("radar", SensorStates.Clear, battery: 21));
        Assert.Equal((AlertEventKind.Cleared, raised.AlertId), (cleared.Kind, cleared.AlertId));
        home.Wait(TimeSpan.FromDays(30));
        var again = Assert.Single(home.Send("radar", SensorStates.Clear, battery: 14));
        Assert.NotEqual(raised.AlertId, again.AlertId);
    }

    [Fact]
    public void Each_sensor_has_its_own_alert_and_it_survives_a_restart()
    {
        var door = Assert.Single(home.Send("front_door", SensorStates.Closed, battery: 5));
        var smoke = Assert.Single(home.Send("kitchen_smoke", SensorStates.Clear, battery: 5));
        Assert.NotEqual(door.AlertId, smoke.AlertId);
        home.Restart();
        Assert.Empty(home.Send("front_door", SensorStates.Closed, battery: 5));
        Assert.Equal(door.AlertId, Assert.Single(home.Send("front_door", SensorStates.Closed, battery: 100)).AlertId);
    }
}
