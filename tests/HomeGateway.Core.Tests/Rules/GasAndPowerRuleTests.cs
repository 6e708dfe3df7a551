using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Tests.Rules;

/// <summary>Gas and carbon monoxide behave like smoke (critical at once); a power cut alerts only when it lasts.</summary>
public class GasAndPowerRuleTests
{
    private static readonly DateTimeOffset Start = SafetyTestHome.Local(2026, 11, 25, 10, 0);

    private static readonly IReadOnlyList<SensorConfig> Sensors =
    [
        .. SafetyTestHome.DefaultSensors,
        SafetyTestHome.Z2m("kitchen_gas", SensorKind.Gas),
        SafetyTestHome.Z2m("hall_co", SensorKind.CarbonMonoxide),
        new SensorConfig("ups", SensorKind.Power) { Gpio = new GpioInputConfig(6) { ActiveLow = true }, Location = "hall closet" },
    ];

    private static SafetyTestHome Home(RulesConfig rules, bool escalate = false) => new(rules, Start, escalate: escalate, sensors: Sensors);

    [Theory]
    [InlineData("kitchen_gas", AlertType.Gas, "Gas")]
    [InlineData("hall_co", AlertType.CarbonMonoxide, "Carbon monoxide")]
    public void Gas_and_carbon_monoxide_are_critical_at_once_even_during_a_visit_and_clear(string sensor, AlertType type, string what)
    {
        var home = Home(new RulesConfig { Gas = new GasRuleConfig(), CarbonMonoxide = new CarbonMonoxideRuleConfig() });
        home.Engine.SetVisit(true, home.Now);

        var raised = Assert.Single(home.Send(sensor, SensorStates.Detected));
        Assert.Equal((AlertEventKind.Raised, type, AlertPriority.Critical), (raised.Kind, raised.Type, raised.Priority));
        Assert.Equal($"{what} detected by {sensor}", raised.Summary);
        Assert.Equal(AlertEventKind.Repeated, Assert.Single(home.Send(sensor, SensorStates.Detected)).Kind);
        var cleared = Assert.Single(home.Send(sensor, SensorStates.Clear));
        Assert.Equal((AlertEventKind.Cleared, raised.AlertId), (cleared.Kind, cleared.AlertId));
    }

    [Fact]
    public void A_gas_rule_does_not_answer_for_carbon_monoxide()
    {
        var home = Home(new RulesConfig { Gas = new GasRuleConfig() });
        Assert.Empty(home.Send("hall_co", SensorStates.Detected));
        Assert.Single(home.Send("kitchen_gas", SensorStates.Detected));
    }

    [Fact]
    public void Unacknowledged_carbon_monoxide_escalates()
    {
        var home = Home(new RulesConfig { CarbonMonoxide = new CarbonMonoxideRuleConfig() }, escalate: true);
        var raised = Assert.Single(home.Send("hall_co", SensorStates.Detected));
        var escalated = Assert.Single(home.Wait(new EscalationConfig().AckTimeout));
        Assert.Equal((AlertEventKind.Escalated, raised.AlertId), (escalated.Kind, escalated.AlertId));
    }

    [Fact]
    public void A_power_cut_shorter_than_the_delay_raises_nothing()
    {
        var home = Home(new RulesConfig { PowerFailure = new PowerFailureRuleConfig { After = TimeSpan.FromMinutes(5) } });
        Assert.Empty(home.Send("ups", SensorStates.MainsLost));
        Assert.Empty(home.Wait(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1)));
        Assert.Empty(home.Send("ups", SensorStates.MainsRestored));
        Assert.Empty(home.Wait(TimeSpan.FromHours(1)));
        Assert.Null(home.Engine.NextDeadline is { } d && d < home.Now + TimeSpan.FromHours(1) ? d : null);
    }

    [Fact]
    public void A_lasting_power_cut_raises_exactly_at_the_delay_once_and_clears_when_power_is_back()
    {
        var home = Home(new RulesConfig { PowerFailure = new PowerFailureRuleConfig() });
        Assert.Empty(home.Send("ups", SensorStates.MainsLost));
        home.Wait(TimeSpan.FromMinutes(2));
        // The UPS repeats its state: the wait is not restarted.
        Assert.Empty(home.Send("ups", SensorStates.MainsLost));

        var raised = Assert.Single(home.Wait(TimeSpan.FromMinutes(4)));
        Assert.Equal((AlertEventKind.Raised, AlertType.PowerFailure, AlertPriority.Normal, Start + TimeSpan.FromMinutes(5), Start),
            (raised.Kind, raised.Type, raised.Priority, raised.At, raised.EvidenceAt));
        Assert.Equal("No mains power at ups (hall closet) for 5 min 0 s: the gateway runs on its battery", raised.Summary);
        Assert.Empty(home.Wait(TimeSpan.FromHours(3)));

        var cleared = Assert.Single(home.Send("ups", SensorStates.MainsRestored));
        Assert.Equal((AlertEventKind.Cleared, raised.AlertId), (cleared.Kind, cleared.AlertId));
        Assert.Equal("Mains power back at ups (hall closet) after 3 h 6 min", cleared.Summary);
    }

    [Fact]
    public void The_priority_is_configurable_and_a_power_restored_without_a_cut_does_nothing()
    {
        var home = Home(new RulesConfig { PowerFailure = new PowerFailureRuleConfig { After = TimeSpan.Zero, Priority = AlertPriorityChoice.High } });
        Assert.Empty(home.Send("ups", SensorStates.MainsRestored));
        home.Send("ups", SensorStates.MainsLost);
        var raised = Assert.Single(home.Wait(TimeSpan.FromSeconds(1)));
        Assert.Equal((AlertPriority.High, Start), (raised.Priority, raised.At));
    }

    [Fact]
    public void A_waiting_power_cut_survives_a_restart_and_a_raised_one_still_clears()
    {
        var home = Home(new RulesConfig { PowerFailure = new PowerFailureRuleConfig() });
        home.Send("ups", SensorStates.MainsLost);
        home.Wait(TimeSpan.FromMinutes(3));
        home.Restart();
        var raised = Assert.Single(home.Wait(TimeSpan.FromMinutes(3)));
        Assert.Equal(Start + TimeSpan.FromMinutes(5), raised.At);

        home.Restart();
        Assert.Equal(AlertEventKind.Cleared, Assert.Single(home.Send("ups", SensorStates.MainsRestored)).Kind);
    }
}
