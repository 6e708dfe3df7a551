using HomeGateway.Gateway.I2c;
using UnitsNet;

namespace HomeGateway.Gateway.Tests.I2c;

/// <summary>Guards the drivers' quantities read as °C and V without UnitsNet's reflection-filled converter (NativeAOT).</summary>
public sealed class UnitsTests
{
    [Theory]
    [InlineData(21.5, 21.5)]
    public void Celsius_is_read_as_is(double value, double expected) =>
        Assert.Equal(expected, Units.Celsius(Temperature.FromDegreesCelsius(value)), 9);

    [Fact]
    public void Other_temperature_units_are_converted_here()
    {
        Assert.Equal(21.5, Units.Celsius(Temperature.FromKelvins(294.65)), 9);
        Assert.Equal(20.0, Units.Celsius(Temperature.FromDegreesFahrenheit(68)), 9);
        Assert.Equal(21.5, Units.Celsius(Temperature.FromMillidegreesCelsius(21_500)), 9);
        Assert.Throws<IOException>(() => Units.Celsius(Temperature.FromDegreesRankine(500)));
    }

    [Fact]
    public void Volts_are_read_from_volts_millivolts_and_microvolts()
    {
        Assert.Equal(4.12, Units.Volts(ElectricPotential.FromVolts(4.12)), 9);
        Assert.Equal(-0.085, Units.Volts(ElectricPotential.FromMillivolts(-85)), 9);
        Assert.Equal(0.00001, Units.Volts(ElectricPotential.FromMicrovolts(10)), 12);
        Assert.Throws<IOException>(() => Units.Volts(ElectricPotential.FromKilovolts(1)));
    }
}
