using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Tests.Rules;

/// <summary>
/// The device's own battery_low flag reaches the battery-low rule: true raises (once), false clears unless a level
/// in the same message still sits inside the hysteresis band; the percentage behaviour is unchanged beside it.
/// </summary>
public class BatteryLowFlagTests
{
    private readonly SafetyTestHome home = new(new RulesConfig { BatteryLow = new BatteryLowRuleConfig() }, SafetyTestHome.Local(2026, 11, 25, 12, 0));

    [Fact]
    public void The_flag_alone_raises_once_and_its_false_clears()
    {
        Assert.Empty(home.Send("front_door", SensorStates.Closed, batteryLow: false));
        var raised = Assert.Single(home.Send("front_door", SensorStates.Closed, batteryLow: true));
        Assert.Equal((AlertEventKind.Raised, AlertType.BatteryLow, AlertPriority.Low), (raised.Kind, raised.Type, raised.Priority));
        Assert.Contains("battery_low", raised.Summary, StringComparison.Ordinal);
        Assert.Empty(home.Send("front_door", SensorStates.Open, batteryLow: true));
        var cleared = Assert.Single(home.Send("front_door", SensorStates.Closed, batteryLow: false));
        Assert.Equal((AlertEventKind.Cleared, raised.AlertId), (cleared.Kind, cleared.AlertId));
    }

    [Fact]
    public void The_flag_raises_even_when_the_level_looks_fine()
    {
        // A CR2032 reports 60 % until it collapses; the device's own flag knows better than our threshold.
        var raised = Assert.Single(home.Send("radar", SensorStates.Clear, battery: 60, batteryLow: true));
        Assert.Equal(AlertEventKind.Raised, raised.Kind);
    }

    [Fact]
    public void False_with_a_level_inside_the_band_does_not_clear()
    {
        Assert.Single(home.Send("radar", SensorStates.Clear, battery: 10));
        Assert.Empty(home.Send("radar", SensorStates.Clear, battery: 18, batteryLow: false));
        Assert.Equal(AlertEventKind.Cleared, Assert.Single(home.Send("radar", SensorStates.Clear, battery: 90, batteryLow: false)).Kind);
    }

    [Fact]
    public void A_level_below_the_threshold_raises_even_when_the_flag_says_false()
    {
        Assert.Equal(AlertEventKind.Raised, Assert.Single(home.Send("front_door", SensorStates.Closed, battery: 5, batteryLow: false)).Kind);
    }

    [Fact]
    public void Raised_by_the_flag_survives_a_restart()
    {
        var raised = Assert.Single(home.Send("kitchen_smoke", SensorStates.Clear, batteryLow: true));
        home.Restart();
        Assert.Empty(home.Send("kitchen_smoke", SensorStates.Clear, batteryLow: true));
        Assert.Equal(raised.AlertId, Assert.Single(home.Send("kitchen_smoke", SensorStates.Clear, batteryLow: false)).AlertId);
    }
}
