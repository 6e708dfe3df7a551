using HomeGateway.Core.Configuration;
using HomeGateway.Gateway.I2c;

namespace HomeGateway.Gateway.Tests.I2c;

/// <summary>Mains is decided by the battery's current, twice in a row; never by one reading, never by the voltage alone.</summary>
public sealed class UpsBatteryTests
{
    private static readonly UpsBatteryConfig Config = new() { OnBatteryAboveMilliamps = 100, FullVolts = 8.4, EmptyVolts = 6.0, LowBelowVolts = 7.0, CapacityMilliampHours = 2600 };

    [Fact]
    public void Two_discharging_readings_are_mains_lost_and_two_charging_ones_mains_back()
    {
        var ups = new UpsBattery(Config);

        Assert.False(ups.Observe(new(8.3, 0)).OnBattery);
        Assert.False(ups.Observe(new(8.1, -700)).OnBattery);
        Assert.True(ups.Observe(new(8.0, -700)).OnBattery);
        Assert.True(ups.Observe(new(7.9, -700)).OnBattery);
        Assert.True(ups.Observe(new(8.0, 900)).OnBattery);
        Assert.False(ups.Observe(new(8.1, 900)).OnBattery);
    }

    [Fact]
    public void One_spike_of_load_or_one_noisy_reading_changes_nothing()
    {
        var ups = new UpsBattery(Config);
        ups.Observe(new(8.3, -700));
        Assert.False(ups.Observe(new(8.3, 20)).OnBattery);
        Assert.False(ups.Observe(new(8.3, -700)).OnBattery);
    }

    [Fact]
    public void A_recharging_battery_below_any_lost_voltage_is_on_mains()
    {
        // After a long outage the pack charges from 6.8 V for an hour: a voltage threshold would call that mains lost.
        var ups = new UpsBattery(Config);
        for (var i = 0; i < 5; i++)
        {
            var state = ups.Observe(new(6.8, 1500));
            Assert.False(state.OnBattery);
            Assert.True(state.Low);
        }
    }

    [Fact]
    public void The_percentage_is_linear_between_empty_and_full_and_the_runtime_follows_the_discharge()
    {
        var ups = new UpsBattery(Config);
        Assert.Equal(100, ups.Percent(8.6));
        Assert.Equal(50, ups.Percent(7.2));
        Assert.Equal(0, ups.Percent(5.5));

        ups.Observe(new(7.2, -1300));
        var state = ups.Observe(new(7.2, -1300));

        // 2600 mAh × 50 % / 1300 mA = 1 h.
        Assert.Equal(TimeSpan.FromHours(1), state.Runtime);
        Assert.False(state.Low);
    }
}
