using System.Text;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Mqtt;

namespace HomeGateway.Gateway.Tests.Mqtt;

public class HomeGatewayProfileTests
{
    private static PayloadReading Read(SensorKind kind, string json) =>
        new HomeGatewayProfile().Read(new SensorConfig("d", kind) { Mqtt = new("homegateway/h/d", MqttProfiles.HomeGateway) }, Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Dispenser_event_becomes_the_state() =>
        Assert.Equal([new StateReading(SensorKind.Medication, "dose_taken")], Read(SensorKind.Medication, """{"event":"dose_taken","battery":80}""").States);

    [Fact]
    public void Generic_state_must_be_a_known_word()
    {
        Assert.Equal([new StateReading(SensorKind.Door, "open")], Read(SensorKind.Door, """{"state":"open"}""").States);
        Assert.NotNull(Read(SensorKind.Door, """{"state":"ajar"}""").Rejection);
        Assert.NotNull(Read(SensorKind.Medication, """{"event":"DROP TABLE"}""").Rejection);
    }
}
