using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Tests.Rules;

/// <summary>Outside [min, max] continuously for the set time raises exactly then; back inside clears.</summary>
public class TemperatureRuleTests
{
    private static readonly RulesConfig Rules = new()
    {
        Temperature = new TemperatureRuleConfig { Min = 16, Max = 30, For = TimeSpan.FromMinutes(30), HighBelow = 12 },
    };

    private readonly SafetyTestHome home = new(Rules, SafetyTestHome.Local(2026, 11, 25, 12, 0));

    [Theory]
    [InlineData(16.0, false)]
    [InlineData(30.0, false)]
    [InlineData(15.9, true)]
    [InlineData(30.1, true)]
    public void The_limits_themselves_are_inside(double celsius, bool alerts)
    {
        home.Send("living_temp", SensorStates.Measured, celsius);
        Assert.Equal(alerts ? 1 : 0, home.Wait(TimeSpan.FromHours(1)).Count);
    }

    [Fact]
    public void Raises_exactly_at_first_out_of_range_plus_the_time_not_a_second_before()
    {
        var firstOut = home.Now;
        home.Send("living_temp", SensorStates.Measured, 14);
        home.Wait(TimeSpan.FromMinutes(10));
        home.Send("living_temp", SensorStates.Measured, 13.5);   // still out: does not restart the timer
        Assert.Empty(home.Wait(TimeSpan.FromMinutes(20) - TimeSpan.FromSeconds(1)));
        var alert = Assert.Single(home.Wait(TimeSpan.FromSeconds(1)));
        Assert.Equal((AlertEventKind.Raised, AlertType.Temperature, AlertPriority.Normal, "living_temp"), (alert.Kind, alert.Type, alert.Priority, alert.SensorId));
        Assert.Equal(firstOut.AddMinutes(30), alert.At);
        Assert.Equal(firstOut, alert.EvidenceAt);
        Assert.Contains("13.5 °C", alert.Summary, StringComparison.Ordinal);
        Assert.Empty(home.Wait(TimeSpan.FromHours(5)));
    }

    [Fact]
    public void Back_in_range_a_second_before_the_limit_cancels_it()
    {
        home.Send("living_temp", SensorStates.Measured, 31);
        home.Wait(TimeSpan.FromMinutes(30) - TimeSpan.FromSeconds(1));
        Assert.Empty(home.Send("living_temp", SensorStates.Measured, 29));
        Assert.Empty(home.Wait(TimeSpan.FromHours(2)));
    }

    [Fact]
    public void Back_in_range_clears_the_open_alert_and_a_new_excursion_is_a_new_alert()
    {
        home.Send("living_temp", SensorStates.Measured, 31);
        var raised = Assert.Single(home.Wait(TimeSpan.FromMinutes(30)));
        Assert.Empty(home.Send("living_temp", SensorStates.Measured, 32));
        var cleared = Assert.Single(home.Send("living_temp", SensorStates.Measured, 25));
        Assert.Equal((AlertEventKind.Cleared, raised.AlertId), (cleared.Kind, cleared.AlertId));
        home.Send("living_temp", SensorStates.Measured, 31);
        var again = Assert.Single(home.Wait(TimeSpan.FromMinutes(30)));
        Assert.NotEqual(raised.AlertId, again.AlertId);
    }

    [Fact]
    public void Below_high_below_the_alert_is_high_and_an_open_alert_is_raised_to_high_once()
    {
        home.Send("living_temp", SensorStates.Measured, 11.9);
        Assert.Equal(AlertPriority.High, Assert.Single(home.Wait(TimeSpan.FromMinutes(30))).Priority);

        home.Send("bedroom_temp", SensorStates.Measured, 15);
        var normal = Assert.Single(home.Wait(TimeSpan.FromMinutes(30)));
        Assert.Equal(AlertPriority.Normal, normal.Priority);
        Assert.Empty(home.Send("bedroom_temp", SensorStates.Measured, 12));
        var raisedToHigh = Assert.Single(home.Send("bedroom_temp", SensorStates.Measured, 11));
        Assert.Equal((AlertEventKind.Repeated, AlertPriority.High, 2, normal.AlertId), (raisedToHigh.Kind, raisedToHigh.Priority, raisedToHigh.Count, raisedToHigh.AlertId));
        Assert.Empty(home.Send("bedroom_temp", SensorStates.Measured, 10));
    }

    [Fact]
    public void Sensors_are_timed_separately_and_other_states_are_ignored()
    {
        home.Send("living_temp", SensorStates.Measured, 10);
        home.Wait(TimeSpan.FromMinutes(15));
        home.Send("bedroom_temp", SensorStates.Measured, 10);
        home.Send("bedroom_temp", SensorStates.Measured);            // no value: ignored
        home.Send("living_temp", SensorStates.Clear, 20, kind: SensorKind.Tamper);   // not a reading
        var steps = home.Wait(TimeSpan.FromMinutes(30));
        Assert.Equal(["living_temp", "bedroom_temp"], steps.Select(s => s.SensorId));
    }

    [Fact]
    public void Across_midnight()
    {
        var late = new SafetyTestHome(Rules, SafetyTestHome.Local(2026, 11, 25, 23, 50));
        late.Send("living_temp", SensorStates.Measured, 14);
        Assert.Equal(SafetyTestHome.Local(2026, 11, 26, 0, 20), Assert.Single(late.Wait(TimeSpan.FromHours(1))).At);
    }

    [Fact]
    public void A_restart_in_the_middle_of_the_timer_raises_the_same_alert_at_the_same_instant()
    {
        var twin = new SafetyTestHome(Rules, home.Now);
        foreach (var h in new[] { home, twin })
        {
            h.Send("living_temp", SensorStates.Measured, 14);
            h.Wait(TimeSpan.FromMinutes(12));
        }

        home.Restart();
        var afterRestart = Assert.Single(home.Wait(TimeSpan.FromMinutes(30)));
        var uninterrupted = Assert.Single(twin.Wait(TimeSpan.FromMinutes(30)));
        Assert.Equal(SafetyTestHome.Describe(uninterrupted), SafetyTestHome.Describe(afterRestart));
    }
}
