using HomeGateway.Core.Configuration;
using HomeGateway.Gateway.I2c;

namespace HomeGateway.Gateway.Tests.I2c;

/// <summary>The SD card gets the readings that change a decision and a heartbeat, never every poll.</summary>
public sealed class JournalThinningTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_temperature_is_journalled_first_then_on_a_half_degree_or_after_fifteen_minutes()
    {
        var thinning = new JournalThinning(null);
        Assert.True(thinning.ShouldJournal(21.0, T0));
        Assert.False(thinning.ShouldJournal(21.3, T0.AddMinutes(1)));
        Assert.False(thinning.ShouldJournal(20.6, T0.AddMinutes(2)));
        Assert.True(thinning.ShouldJournal(21.5, T0.AddMinutes(3)));
        Assert.False(thinning.ShouldJournal(21.5, T0.AddMinutes(17)));
        Assert.True(thinning.ShouldJournal(21.5, T0.AddMinutes(18)));
    }

    [Fact]
    public void Crossing_a_limit_of_the_temperature_rule_is_journalled_at_once()
    {
        var thinning = new JournalThinning(new TemperatureRuleConfig { Min = 16, Max = 30, HighBelow = 12 });
        Assert.True(thinning.ShouldJournal(16.2, T0));
        Assert.True(thinning.ShouldJournal(15.9, T0.AddMinutes(1)));
        Assert.False(thinning.ShouldJournal(15.8, T0.AddMinutes(2)));
        Assert.True(thinning.ShouldJournal(16.0, T0.AddMinutes(3)));
    }

    [Fact]
    public void A_ups_is_journalled_on_mains_and_low_changes_five_points_or_the_heartbeat()
    {
        var thinning = new JournalThinning(null);
        Assert.True(thinning.ShouldJournal(new UpsState(false, 100, false, null), T0));
        Assert.False(thinning.ShouldJournal(new UpsState(false, 98, false, null), T0.AddSeconds(10)));
        Assert.True(thinning.ShouldJournal(new UpsState(true, 97, false, null), T0.AddSeconds(20)));
        Assert.False(thinning.ShouldJournal(new UpsState(true, 93, false, null), T0.AddSeconds(30)));
        Assert.True(thinning.ShouldJournal(new UpsState(true, 92, false, null), T0.AddSeconds(40)));
        Assert.True(thinning.ShouldJournal(new UpsState(true, 91, true, null), T0.AddSeconds(50)));
        Assert.True(thinning.ShouldJournal(new UpsState(true, 91, true, null), T0.AddSeconds(50).AddMinutes(15)));
    }
}
