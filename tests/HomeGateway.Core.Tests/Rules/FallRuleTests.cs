using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Tests.Rules;

public class FallRuleTests
{
    private readonly RuleTestHome home = new(new RulesConfig
    {
        Fall = new FallRuleConfig { ConfirmWindow = TimeSpan.FromSeconds(60), RepeatWindow = TimeSpan.FromMinutes(10) },
    });

    [Fact]
    public void A_fall_is_a_critical_alert_at_once_with_its_evidence()
    {
        var alert = Assert.Single(home.Send("radar", SensorStates.Fall));
        Assert.Equal(AlertEventKind.Raised, alert.Kind);
        Assert.Equal(AlertType.Fall, alert.Type);
        Assert.Equal(AlertPriority.Critical, alert.Priority);
        Assert.Equal("radar", alert.SensorId);
        Assert.Equal(RuleTestHome.HomeId, alert.HomeId);
        Assert.Equal(home.Clock.GetUtcNow(), alert.EvidenceAt);
        Assert.Equal([1L], alert.EvidenceSeqs);
        Assert.Equal(1, alert.Count);
    }

    [Fact]
    public void A_suspected_fall_cleared_within_the_confirm_window_raises_nothing()
    {
        Assert.Empty(home.Send("radar", SensorStates.SuspectedFall));
        Assert.Empty(home.Wait(TimeSpan.FromSeconds(59)));
        Assert.Empty(home.Send("radar", SensorStates.Clear));
        Assert.Empty(home.Wait(TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void A_suspected_fall_not_cleared_becomes_a_high_alert_when_the_window_ends()
    {
        var suspectedAt = home.Clock.GetUtcNow();
        Assert.Empty(home.Send("radar", SensorStates.SuspectedFall));
        Assert.Empty(home.Wait(TimeSpan.FromSeconds(59)));
        var alert = Assert.Single(home.Wait(TimeSpan.FromSeconds(1)));
        Assert.Equal(AlertPriority.High, alert.Priority);
        Assert.Equal(suspectedAt, alert.EvidenceAt);
        Assert.Equal(suspectedAt.AddSeconds(60), alert.At);
    }

    [Fact]
    public void A_real_fall_during_the_confirm_window_is_critical_and_the_suspicion_is_not_raised_again()
    {
        home.Send("radar", SensorStates.SuspectedFall);
        home.Wait(TimeSpan.FromSeconds(10));
        var alert = Assert.Single(home.Send("radar", SensorStates.Fall));
        Assert.Equal(AlertPriority.Critical, alert.Priority);
        Assert.Empty(home.Wait(TimeSpan.FromMinutes(2)));
    }

    [Fact]
    public void Falls_while_the_alert_is_recent_count_up_on_the_same_alert()
    {
        var raised = Assert.Single(home.Send("radar", SensorStates.Fall));
        home.Wait(TimeSpan.FromMinutes(3));
        var repeat = Assert.Single(home.Send("radar", SensorStates.Fall));
        Assert.Equal(AlertEventKind.Repeated, repeat.Kind);
        Assert.Equal(raised.AlertId, repeat.AlertId);
        Assert.Equal(2, repeat.Count);
    }

    [Fact]
    public void A_fall_after_the_repeat_window_is_a_new_alert()
    {
        var first = Assert.Single(home.Send("radar", SensorStates.Fall));
        home.Wait(TimeSpan.FromMinutes(10));
        var second = Assert.Single(home.Send("radar", SensorStates.Fall));
        Assert.Equal(AlertEventKind.Raised, second.Kind);
        Assert.NotEqual(first.AlertId, second.AlertId);
    }

    [Fact]
    public void Events_of_other_kinds_are_ignored()
    {
        Assert.Empty(home.Send("front_door", SensorStates.Open));
        Assert.Empty(home.Send("button", SensorStates.Pressed));
    }
}
