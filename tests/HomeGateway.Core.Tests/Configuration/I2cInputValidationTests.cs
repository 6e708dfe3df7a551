using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Tests.Configuration;

/// <summary>An I2C sensor is a chip the gateway reads, on an address it can have, of the kind it measures, once per bus.</summary>
public class I2cInputValidationTests
{
    private static HomeConfig With(params SensorConfig[] sensors) => new("kotka-0042", "Europe/Helsinki", sensors, new RulesConfig());

    private static SensorConfig Bme(string id, int address = 0x76, int bus = 1) =>
        new(id, SensorKind.Temperature) { I2c = new I2cInputConfig(bus, address, I2cChips.Bme280) };

    private static SensorConfig Ups(string id, UpsBatteryConfig? battery = null) =>
        new(id, SensorKind.Power) { I2c = new I2cInputConfig(1, 0x42, I2cChips.Ina219) { Every = TimeSpan.FromSeconds(10), Battery = battery } };

    [Fact]
    public void A_bme280_and_a_ups_with_the_defaults_are_valid() => Assert.Empty(HomeConfigValidator.Validate(With(Bme("t"), Ups("ups"))));

    [Fact]
    public void The_same_address_on_another_bus_is_another_chip() =>
        Assert.Empty(HomeConfigValidator.Validate(With(Bme("t1"), Bme("t2", bus: 3))));

    [Fact]
    public void Each_problem_names_its_field()
    {
        var home = With(
            Bme("t1"),
            Bme("t2"),
            Bme("t3", address: 0x40),
            new SensorConfig("t4", SensorKind.Power) { I2c = new I2cInputConfig(1, 0x77, I2cChips.Bme280) { Every = TimeSpan.FromHours(2) } },
            Ups("u1", new UpsBatteryConfig { ShuntOhms = 0, OnBatteryAboveMilliamps = 5, LowBelowVolts = 9, CapacityMilliampHours = 10 }),
            new SensorConfig("none", SensorKind.Temperature));

        var fields = HomeConfigValidator.Validate(home).Select(p => p.Field).ToList();

        Assert.Equal(
            [
                "sensors[1].i2c.address", "sensors[2].i2c.address", "sensors[3].i2c.chip", "sensors[3].i2c.every",
                "sensors[4].i2c.shunt", "sensors[4].i2c.onBatteryAboveMa", "sensors[4].i2c.batteryLowBelow", "sensors[4].i2c.capacityMah",
                "sensors[5]",
            ],
            fields);
    }

    [Fact]
    public void The_chips_kinds_and_addresses_are_the_documented_ones()
    {
        Assert.Equal(SensorKind.Temperature, I2cChips.KindOf(I2cChips.Bme280));
        Assert.Equal(SensorKind.Power, I2cChips.KindOf(I2cChips.Ina219));
        Assert.Equal([0x76, 0x77], I2cChips.Addresses(I2cChips.Bme280));
        Assert.Equal(Enumerable.Range(0x40, 16), I2cChips.Addresses(I2cChips.Ina219));
        Assert.Equal("0x0a", I2cChips.Hex(10));
    }
}
