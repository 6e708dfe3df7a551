using System.Text;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Mqtt;
using static HomeGateway.Gateway.Tests.Mqtt.InputHarness;

namespace HomeGateway.Gateway.Tests.Mqtt;

// Guards the ESPHome and Tasmota key tables of Mqtt/README.md: ON means what Home Assistant's device class means
// (ESPHome) or a closed circuit (Tasmota), and each profile derives its own availability topics.
public class EspHomeAndTasmotaProfileTests
{
    private static readonly EspHomeProfile EspHome = new();
    private static readonly TasmotaProfile Tasmota = new();

    private static PayloadReading Read(IMqttPayloadProfile profile, SensorConfig sensor, string topic, string payload) =>
        profile.Read(sensor, topic, Encoding.UTF8.GetBytes(payload));

    [Theory]
    [InlineData(SensorKind.Door, "ON", "open")]
    [InlineData(SensorKind.Door, "OFF", "closed")]
    [InlineData(SensorKind.Motion, "ON", "detected")]
    [InlineData(SensorKind.Bed, "OFF", "empty")]
    [InlineData(SensorKind.HelpButton, "ON", "pressed")]
    [InlineData(SensorKind.Power, "OFF", "mains_lost")]
    [InlineData(SensorKind.Gas, "ON", "detected")]
    public void EspHome_binary_sensors(SensorKind kind, string payload, string expected)
    {
        var sensor = Sensor("s", kind, "node1/binary_sensor/s/state", MqttProfiles.EspHome);
        Assert.Null(EspHome.FindProblem(sensor));
        Assert.Equal([new StateReading(kind, expected)], Read(EspHome, sensor, "node1/binary_sensor/s/state", payload).States);
    }

    [Theory]
    [InlineData("on")]
    [InlineData("1")]
    [InlineData("")]
    public void EspHome_refuses_anything_but_ON_and_OFF(string payload) =>
        Assert.NotNull(Read(EspHome, Sensor("s", SensorKind.Door, "n/binary_sensor/s/state", MqttProfiles.EspHome), "n/binary_sensor/s/state", payload).Rejection);

    [Fact]
    public void EspHome_nan_is_no_reading_and_the_status_topic_is_the_nodes()
    {
        var sensor = Sensor("t", SensorKind.Temperature, "home/living/sensor/temp/state", MqttProfiles.EspHome);
        var nan = Read(EspHome, sensor, sensor.Mqtt!.Topic, "nan");
        Assert.Null(nan.Rejection);
        Assert.Empty(nan.States);
        Assert.Contains(new MqttTopic("home/living/status", MqttTopicRole.Availability), EspHome.Topics(sensor.Mqtt));
    }

    [Theory]
    [InlineData(SensorKind.Door, "node/sensor/door/state")]
    [InlineData(SensorKind.Temperature, "node/binary_sensor/t/state")]
    [InlineData(SensorKind.Door, "node/binary_sensor/door")]
    [InlineData(SensorKind.Medication, "node/binary_sensor/pills/state")]
    public void EspHome_topic_shape_and_kind_are_checked(SensorKind kind, string topic) =>
        Assert.NotNull(EspHome.FindProblem(Sensor("s", kind, topic, MqttProfiles.EspHome)));

    [Theory]
    [InlineData(SensorKind.Door, """{"Switch1":"ON"}""", "closed")]
    [InlineData(SensorKind.Door, """{"Switch1":"OFF"}""", "open")]
    [InlineData(SensorKind.WaterLeak, """{"Switch1":"ON"}""", "detected")]
    [InlineData(SensorKind.HelpButton, """{"Switch1":"ON"}""", "pressed")]
    public void Tasmota_switches(SensorKind kind, string payload, string expected)
    {
        var sensor = Sensor("s", kind, "tele/dev/SENSOR", MqttProfiles.Tasmota, key: "Switch1");
        Assert.Equal([new StateReading(kind, expected)], Read(Tasmota, sensor, "tele/dev/SENSOR", payload).States);
    }

    [Fact]
    public void Tasmota_reads_a_nested_value_and_explains_an_object()
    {
        var exact = Sensor("t", SensorKind.Temperature, "tele/dev/SENSOR", MqttProfiles.Tasmota, key: "AM2301.Temperature");
        Assert.Equal(19.2, Assert.Single(Read(Tasmota, exact, "tele/dev/SENSOR", """{"AM2301":{"Temperature":19.2,"Humidity":40.1}}""").States).Value);
        var vague = exact with { Mqtt = exact.Mqtt! with { Key = "AM2301" } };
        Assert.Contains("AM2301.Temperature", Read(Tasmota, vague, "tele/dev/SENSOR", """{"AM2301":{"Temperature":19.2}}""").Rejection, StringComparison.Ordinal);
    }

    [Fact]
    public void Tasmota_topics_are_the_lwt_and_the_result_of_the_same_device()
    {
        Assert.Equal(
            [new("tele/kitchen/SENSOR", MqttTopicRole.State), new("tele/kitchen/LWT", MqttTopicRole.Availability), new("stat/kitchen/RESULT", MqttTopicRole.State)],
            Tasmota.Topics(new MqttInputConfig("tele/kitchen/SENSOR", MqttProfiles.Tasmota) { Key = "Switch1" }));
    }

    [Theory]
    [InlineData("tele/kitchen/STATE", "Switch1")]
    [InlineData("tele/kitchen/SENSOR", null)]
    [InlineData("tele/kitchen/SENSOR", "Switch 1")]
    public void Tasmota_needs_the_telemetry_topic_and_a_key(string topic, string? key) =>
        Assert.NotNull(Tasmota.FindProblem(Sensor("s", SensorKind.Door, topic, MqttProfiles.Tasmota, key: key)));

    [Theory]
    [InlineData("""{"Switch1":"TOGGLE"}""")]
    [InlineData("""{"Switch1":2}""")]
    [InlineData("""{"Switch1":{"State":1}}""")]
    public void Tasmota_refuses_values_that_are_no_switch_state(string payload) =>
        Assert.NotNull(Read(Tasmota, Sensor("s", SensorKind.Door, "tele/d/SENSOR", MqttProfiles.Tasmota, key: "Switch1"), "tele/d/SENSOR", payload).Rejection);
}
