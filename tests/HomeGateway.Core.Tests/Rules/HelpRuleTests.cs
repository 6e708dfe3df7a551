using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Tests.Rules;

public class HelpRuleTests
{
    private readonly RuleTestHome home = new(new RulesConfig { Help = new HelpRuleConfig { RepeatWindow = TimeSpan.FromMinutes(10) } });

    [Fact]
    public void A_press_is_a_critical_help_alert()
    {
        var alert = Assert.Single(home.Send("button", SensorStates.Pressed));
        Assert.Equal((AlertEventKind.Raised, AlertType.Help, AlertPriority.Critical), (alert.Kind, alert.Type, alert.Priority));
        Assert.StartsWith("help-button-", alert.AlertId, StringComparison.Ordinal);
    }

    [Fact]
    public void A_release_raises_nothing()
    {
        Assert.Empty(home.Send("button", SensorStates.Released));
    }

    [Fact]
    public void Presses_while_recent_count_up_then_a_later_press_is_a_new_alert()
    {
        var first = Assert.Single(home.Send("button", SensorStates.Pressed));
        home.Send("button", SensorStates.Released);
        home.Wait(TimeSpan.FromMinutes(1));
        var again = Assert.Single(home.Send("button", SensorStates.Pressed));
        Assert.Equal((AlertEventKind.Repeated, first.AlertId, 2), (again.Kind, again.AlertId, again.Count));

        // The window counts from the last press.
        home.Wait(TimeSpan.FromMinutes(9));
        Assert.Equal(AlertEventKind.Repeated, Assert.Single(home.Send("button", SensorStates.Pressed)).Kind);
        home.Wait(TimeSpan.FromMinutes(10));
        var fresh = Assert.Single(home.Send("button", SensorStates.Pressed));
        Assert.Equal(AlertEventKind.Raised, fresh.Kind);
        Assert.NotEqual(first.AlertId, fresh.AlertId);
    }
}
