using HomeGateway.Core.Configuration;
using HomeGateway.Gateway.I2c;

namespace HomeGateway.Gateway.Tests.I2c;

/// <summary>The dotnet/iot bindings against fake chips: what a register holds is what the gateway reads.</summary>
public sealed class I2cChipTests
{
    [Fact]
    public void A_bme280_with_the_datasheets_calibration_reads_25_08_degrees()
    {
        using var chip = new Bme280Chip(new FakeBme280());

        Assert.Equal(25.08, chip.ReadCelsius(), precision: 2);
    }

    [Theory]
    [InlineData(-10.0)]
    [InlineData(12.3)]
    [InlineData(21.5)]
    public void A_bme280_reads_the_temperature_its_registers_hold(double celsius)
    {
        var fake = new FakeBme280 { Celsius = celsius };
        using var chip = new Bme280Chip(fake);

        Assert.Equal(celsius, chip.ReadCelsius(), precision: 1);
    }

    [Fact]
    public void Another_chip_at_the_address_is_refused_when_opened()
    {
        // 0x58 is a BMP280: same address, same registers, no humidity. The binding checks the id.
        var ex = Assert.Throws<IOException>(() => new Bme280Chip(new FakeBme280(chipId: 0x58)));
        Assert.Contains("id", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_chip_that_does_not_answer_fails_when_opened()
    {
        Assert.Throws<IOException>(() => new Bme280Chip(new FakeBme280 { Nack = true }));
        Assert.Throws<IOException>(() => new Ina219Chip(new FakeIna219 { Nack = true }, new UpsBatteryConfig()));
    }

    [Theory]
    [InlineData(8.32, 450.0)]
    [InlineData(7.40, -820.0)]
    [InlineData(8.40, 0.0)]
    public void An_ina219_reads_battery_volts_and_current_both_ways(double volts, double milliamps)
    {
        var fake = new FakeIna219();
        fake.Battery(volts, milliamps);
        using var chip = new Ina219Chip(fake, new UpsBatteryConfig { ShuntOhms = 0.1 });

        var reading = chip.Read();

        Assert.Equal(volts, reading.Volts, precision: 2);
        Assert.Equal(milliamps, reading.Milliamps, precision: 0);
        Assert.Equal(1, fake.Resets);
    }

    [Fact]
    public void The_shunt_voltage_is_signed_whichever_way_the_binding_scales_it()
    {
        Assert.Equal(-0.082, Ina219Chip.ShuntVolts(0.65536 - 0.082), precision: 6);
        Assert.Equal(0.045, Ina219Chip.ShuntVolts(0.045), precision: 6);
        Assert.Equal(-0.045, Ina219Chip.ShuntVolts(-0.045), precision: 6);
    }
}
