using System.Device.I2c;
using HomeGateway.Core.Configuration;
using Iot.Device.Adc;
using Iot.Device.Bmxx80;
using Iot.Device.Bmxx80.PowerMode;

namespace HomeGateway.Gateway.I2c;

/// <summary>
/// Opens the I2C device of a sensor. The gateway's is <see cref="I2cDevice.Create"/> (<c>/dev/i2c-BUS</c>); the tests
/// hand in a fake <see cref="I2cDevice"/> that answers a chip's registers.
/// </summary>
public delegate I2cDevice I2cDeviceFactory(I2cConnectionSettings settings);

/// <summary>
/// One chip behind the dotnet/iot binding that reads it. Opening it talks to the chip (a BME280 must answer its id
/// 0x60 and its calibration), so a missing or wrong chip fails here: IOException for a NACK or a wrong id.
/// </summary>
public abstract class I2cChip : IDisposable
{
    public static I2cChip Open(I2cInputConfig config, I2cDevice device) => config.Chip switch
    {
        I2cChips.Bme280 => new Bme280Chip(device),
        I2cChips.Ina219 => new Ina219Chip(device, config.Battery ?? new UpsBatteryConfig()),
        _ => throw new ArgumentException($"unknown chip '{config.Chip}'", nameof(config)),
    };

    public abstract void Dispose();
}

/// <summary>A BME280: temperature in °C, one forced measurement per read (the chip sleeps in between: no self-heating).</summary>
public sealed class Bme280Chip : I2cChip
{
    private readonly I2cDevice _device;
    private readonly Bme280 _bme;

    public Bme280Chip(I2cDevice device)
    {
        _device = device;
        _bme = new Bme280(device);
    }

    public double ReadCelsius()
    {
        _bme.SetPowerMode(Bmx280PowerMode.Forced);
        Thread.Sleep(_bme.GetMeasurementDuration());
        if (!_bme.TryReadTemperature(out var temperature) || !double.IsFinite(Units.Celsius(temperature)))
        {
            throw new IOException("the BME280 returned no temperature");
        }

        // A BME280 works from -40 to 85 °C; a value outside is a garbled read, not a temperature.
        var celsius = Units.Celsius(temperature);
        return celsius is >= -40 and <= 85 ? celsius : throw new IOException($"the BME280 returned {celsius:0.0} °C, outside its range");
    }

    public override void Dispose()
    {
        _bme.Dispose();
        _device.Dispose();
    }
}

/// <summary>
/// An INA219 on a UPS: battery (bus) voltage and battery current from the shunt voltage. The current is worked out here
/// from the shunt voltage and the configured shunt, so the chip's calibration register (which a large load step can reset)
/// plays no part.
/// </summary>
public sealed class Ina219Chip : I2cChip
{
    private readonly I2cDevice _device;
    private readonly Ina219 _ina;
    private readonly UpsBatteryConfig _battery;

    public Ina219Chip(I2cDevice device, UpsBatteryConfig battery)
    {
        _device = device;
        _battery = battery;
        _ina = new Ina219(device);
        // Reset once: the power-on configuration (32 V range, ±320 mV shunt range, continuous) is what a UPS needs, and it
        // answers with an ACK, so a missing chip fails here rather than at the first reading.
        _ina.Reset();
    }

    public BatteryReading Read()
    {
        var volts = Units.Volts(_ina.ReadBusVoltage());
        var shuntVolts = ShuntVolts(Units.Volts(_ina.ReadShuntVoltage()));
        return new BatteryReading(volts, shuntVolts / _battery.ShuntOhms * 1000);
    }

    /// <summary>
    /// The shunt register is a signed 16-bit number (10 µV a step), but the 4.2.0 binding scales it as unsigned: a
    /// discharging battery (negative) reads as 0.33–0.66 V (−0.085 V came back as 0.57036 V). Folded back here; at most
    /// ±0.32 V is possible at any gain, so a value above it can only be a negative one.
    /// </summary>
    internal static double ShuntVolts(double asRead) => asRead > 0.32768 ? asRead - 0.65536 : asRead;

    public override void Dispose()
    {
        _ina.Dispose();
        _device.Dispose();
    }
}

/// <summary>
/// A driver's quantity as the number the gateway works in, without UnitsNet's converter: its default conversion table is
/// filled by reflection, which the NativeAOT build trims away (the IL2075 the csproj vets). The drivers hand back °C and V;
/// the other units are here so that a driver changing its unit still reads right rather than failing on the device.
/// </summary>
internal static class Units
{
    public static double Celsius(UnitsNet.Temperature t) => t.Unit switch
    {
        UnitsNet.Units.TemperatureUnit.DegreeCelsius => t.Value,
        UnitsNet.Units.TemperatureUnit.Kelvin => t.Value - 273.15,
        UnitsNet.Units.TemperatureUnit.MillidegreeCelsius => t.Value / 1000,
        UnitsNet.Units.TemperatureUnit.DegreeFahrenheit => (t.Value - 32) * 5 / 9,
        _ => throw new IOException($"the driver returned a temperature in {t.Unit}, which the gateway does not read"),
    };

    public static double Volts(UnitsNet.ElectricPotential v) => v.Unit switch
    {
        UnitsNet.Units.ElectricPotentialUnit.Volt => v.Value,
        UnitsNet.Units.ElectricPotentialUnit.Millivolt => v.Value / 1000,
        UnitsNet.Units.ElectricPotentialUnit.Microvolt => v.Value / 1_000_000,
        _ => throw new IOException($"the driver returned a voltage in {v.Unit}, which the gateway does not read"),
    };
}
