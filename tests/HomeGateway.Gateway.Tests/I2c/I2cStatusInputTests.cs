using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Status;

namespace HomeGateway.Gateway.Tests.I2c;

/// <summary>`homegateway sensors` names where a wired sensor is read, as it does for GPIO and MQTT: bus, address, chip.</summary>
public sealed class I2cStatusInputTests
{
    [Fact]
    public void A_wired_sensor_is_described_by_its_bus_address_and_chip()
    {
        var bme = new SensorConfig("room_temp", SensorKind.Temperature) { I2c = new I2cInputConfig(1, 0x76, "bme280") };
        var ups = new SensorConfig("ups", SensorKind.Power) { I2c = new I2cInputConfig(1, 0x42, "ina219") };

        Assert.Equal("i2c:1/0x76 (bme280)", StatusFileWriter.DescribeInput(bme));
        Assert.Equal("i2c:1/0x42 (ina219)", StatusFileWriter.DescribeInput(ups));
    }
}
