using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Configuration;

namespace HomeGateway.Gateway.Tests.I2c;

/// <summary>A sensor's i2c block read strictly: every mistake a technician can make is an error at its line.</summary>
public sealed class I2cHomeFileTests
{
    private const string Head = """
        home: { id: h, timezone: Europe/Helsinki }
        sensors:

        """;

    private static HomeConfig Parse(string sensors) => HomeConfigLoader.Parse(Head + sensors, "h.yaml");

    private static List<string> Problems(string sensors) =>
        Assert.Throws<HomeConfigException>(() => Parse(sensors)).Problems.Select(p => p.Format("h.yaml")).ToList();

    [Fact]
    public void A_bme280_and_a_ups_are_read_as_written()
    {
        var home = Parse("""
              - { id: room_temp, kind: temperature, name: Olohuone, location: Olohuone, i2c: { bus: 1, address: 0x76, chip: bme280, every: 60s } }
              - id: ups
                kind: power
                i2c: { bus: 1, address: 0x42, chip: ina219, every: 10s, shunt: 0.1, onBatteryAboveMa: 150, batteryFull: 8.4, batteryEmpty: 6.2, batteryLowBelow: 7.0, capacityMah: 2600 }
            """);

        var temp = home.Sensors[0].I2c!;
        Assert.Equal((1, 0x76, I2cChips.Bme280, TimeSpan.FromSeconds(60)), (temp.Bus, temp.Address, temp.Chip, temp.Every));
        Assert.Null(temp.Battery);
        var ups = home.Sensors[1].I2c!;
        Assert.Equal(SensorKind.Power, home.Sensors[1].Kind);
        Assert.Equal(new UpsBatteryConfig { ShuntOhms = 0.1, OnBatteryAboveMilliamps = 150, FullVolts = 8.4, EmptyVolts = 6.2, LowBelowVolts = 7.0, CapacityMilliampHours = 2600 }, ups.Battery);
        Assert.Equal(TimeSpan.FromSeconds(10), ups.Every);
    }

    [Fact]
    public void Leaving_out_every_and_the_battery_takes_the_documented_defaults()
    {
        var home = Parse("""
              - { id: t, kind: temperature, i2c: { bus: 1, address: 0x77, chip: bme280 } }
              - { id: ups, kind: power, i2c: { bus: 1, address: 0x40, chip: ina219, every: 10s } }
            """);

        Assert.Equal(TimeSpan.FromSeconds(60), home.Sensors[0].I2c!.Every);
        Assert.Null(home.Sensors[1].I2c!.Battery);
    }

    [Fact]
    public void Each_mistake_names_its_line_and_field()
    {
        var problems = Problems("""
              - { id: a, kind: temperature, i2c: { bus: 1, address: 0x40, chip: bme280 } }
              - { id: b, kind: temperature, i2c: { bus: 1, address: 76, chip: bme280 } }
              - { id: c, kind: temperature, i2c: { bus: 1, address: 0x76, chip: dht22 } }
              - { id: d, kind: temperature, i2c: { bus: 1, address: 0x76, chip: ina219 } }
              - { id: e, kind: power, i2c: { bus: 1, address: 0x42, chip: ina219, every: 5m } }
              - { id: f, kind: power, i2c: { bus: 1, address: 0x42, chip: ina219, every: 10s } }
              - { id: g, kind: temperature, i2c: { bus: 1, address: 0x77, chip: bme280, shunt: 0.1 } }
              - { id: h, kind: power, i2c: { bus: 1, address: 0x43, chip: ina219, batteryEmpty: 8.4, batteryFull: 6.0 } }
              - { id: i, kind: power, i2c: { bus: 40, address: 0x44, chip: ina219, shunt: zero } }
              - { id: j, kind: temperature, gpio: { pin: 4 }, i2c: { bus: 1, address: 0x76, chip: bme280 } }
              - { id: k, kind: temperature, i2c: { bus: 1, adress: 0x76, chip: bme280 } }
            """);

        Assert.Contains("h.yaml:3: sensors[0].i2c.address: chip bme280 answers on 0x76 or 0x77, not 0x40 (check with: i2cdetect -y 1)", problems);
        Assert.Contains(problems, p => p.StartsWith("h.yaml:4: sensors[1].i2c.address: '76' is not an I2C address", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("h.yaml:5: sensors[2].i2c.chip: unknown chip 'dht22'; use one of: bme280, ina219", StringComparison.Ordinal));
        Assert.Contains("h.yaml:6: sensors[3].i2c.chip: chip ina219 measures power; sensor 'd' has kind temperature", problems);
        Assert.Contains(problems, p => p.StartsWith("h.yaml:7: sensors[4].i2c.every: must be between 1s and 1m for chip ina219", StringComparison.Ordinal));
        Assert.Contains("h.yaml:8: sensors[5].i2c.address: 0x42 on bus 1 is already used by sensor 'e'", problems);
        Assert.Contains(problems, p => p.StartsWith("h.yaml:9: sensors[6].i2c: sensor 'g': shunt and the battery settings are for chip ina219", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("h.yaml:10: sensors[7].i2c.batteryEmpty: batteryEmpty and batteryFull are volts", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("h.yaml:11: sensors[8].i2c.bus: bus 40 is not an I2C bus number", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("h.yaml:11: sensors[8].i2c.shunt: 'zero' is not a number", StringComparison.Ordinal));
        Assert.Contains("h.yaml:12: sensors[9]: sensor 'j' needs exactly one input: gpio, mqtt or i2c", problems);
        Assert.Contains(problems, p => p.StartsWith("h.yaml:13: sensors[10].i2c.adress: unknown key 'adress'", StringComparison.Ordinal));
    }
}
