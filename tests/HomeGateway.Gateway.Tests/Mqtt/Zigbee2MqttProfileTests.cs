using System.Text;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Mqtt;

namespace HomeGateway.Gateway.Tests.Mqtt;

// Guards the key table of Mqtt/README.md: device payloads (shaped as Zigbee2MQTT publishes them) become normalised states.
public class Zigbee2MqttProfileTests
{
    private static readonly Zigbee2MqttProfile Profile = new();

    private static SensorConfig Sensor(SensorKind kind, string? model = null) =>
        new("s1", kind) { Mqtt = new MqttInputConfig("zigbee2mqtt/s1", MqttProfiles.Zigbee2Mqtt) { Model = model } };

    private static PayloadReading Read(SensorConfig sensor, string json) => Profile.Read(sensor, Encoding.UTF8.GetBytes(json));

    [Theory]
    [InlineData("""{"battery":100,"battery_low":false,"contact":false,"linkquality":141,"tamper":false,"voltage":3025}""", "open")]
    [InlineData("""{"battery":97,"battery_low":false,"contact":true,"linkquality":87,"tamper":false,"voltage":3005}""", "closed")]
    public void Door_contact_is_inverted(string json, string expected)
    {
        var reading = Read(Sensor(SensorKind.Door), json);
        Assert.Null(reading.Rejection);
        Assert.Contains(reading.States, s => s.Kind == SensorKind.Door && s.State == expected);
    }

    [Fact]
    public void Battery_and_link_quality_are_carried()
    {
        var reading = Read(Sensor(SensorKind.Door), """{"battery":64.5,"contact":true,"linkquality":141}""");
        Assert.InRange(reading.BatteryPercent!.Value, 64, 65);
        Assert.Equal(141, reading.LinkQuality);
    }

    [Theory]
    [InlineData("fall_alarm", "fall")]
    [InlineData("fall_warning", "suspected_fall")]
    [InlineData("normal", "clear")]
    public void Heiman_fall_status(string value, string expected)
    {
        var reading = Read(Sensor(SensorKind.Fall, Zigbee2MqttProfile.HeimanHs2fdEf1), $$"""{"fall_status":"{{value}}","presence":true,"linkquality":120}""");
        Assert.Equal([new StateReading(SensorKind.Fall, expected)], reading.States);
    }

    [Theory]
    [InlineData("fall", "fall")]
    [InlineData("maybe_fall", "suspected_fall")]
    [InlineData("none", "clear")]
    public void Tuya_fall_down_status(string value, string expected)
    {
        var reading = Read(Sensor(SensorKind.Fall, Zigbee2MqttProfile.TuyaMirHe200), $$"""{"fall_down_status":"{{value}}","presence_state":"presence","linkquality":90}""");
        Assert.Equal([new StateReading(SensorKind.Fall, expected)], reading.States);
    }

    [Fact]
    public void Heiman_key_on_a_tuya_radar_is_no_fall()
    {
        var reading = Read(Sensor(SensorKind.Fall, Zigbee2MqttProfile.TuyaMirHe200), """{"fall_status":"fall_alarm"}""");
        Assert.Empty(reading.States);
    }

    [Fact]
    public void Fall_sensor_without_a_known_model_is_a_config_problem()
    {
        Assert.Equal("mqtt.model", Profile.FindProblem(Sensor(SensorKind.Fall))!.Field);
        Assert.Contains("mqtt.model", Profile.FindProblem(Sensor(SensorKind.Fall))!.Message);
        Assert.Contains("aqara-fp1", Profile.FindProblem(Sensor(SensorKind.Fall, "aqara-fp1"))!.Message);
        Assert.Null(Profile.FindProblem(Sensor(SensorKind.Fall, Zigbee2MqttProfile.HeimanHs2fdEf1)));
    }

    [Theory]
    [InlineData("""{"action":"single","battery":100,"linkquality":60}""", "pressed")]
    [InlineData("""{"action":"hold"}""", "pressed")]
    [InlineData("""{"action":"release"}""", "released")]
    [InlineData("""{"sos":true,"battery":88}""", "pressed")]
    public void Help_button(string json, string expected) =>
        Assert.Equal([new StateReading(SensorKind.HelpButton, expected)], Read(Sensor(SensorKind.HelpButton), json).States);

    [Theory]
    [InlineData("""{"action":"","battery":100}""")]
    [InlineData("""{"action":null,"sos":false}""")]
    public void Button_idle_reports_are_no_press(string json) => Assert.Empty(Read(Sensor(SensorKind.HelpButton), json).States);

    [Theory]
    [InlineData(SensorKind.Motion, """{"occupancy":true}""", "detected")]
    [InlineData(SensorKind.Presence, """{"presence":false,"occupancy":true}""", "clear")]
    [InlineData(SensorKind.Presence, """{"occupancy":true}""", "detected")]
    [InlineData(SensorKind.Smoke, """{"smoke":true}""", "detected")]
    [InlineData(SensorKind.WaterLeak, """{"water_leak":false}""", "clear")]
    [InlineData(SensorKind.Tamper, """{"tamper":true}""", "detected")]
    [InlineData(SensorKind.Bed, """{"occupancy":true}""", "occupied")]
    public void Binary_kinds(SensorKind kind, string json, string expected) =>
        Assert.Equal([new StateReading(kind, expected)], Read(Sensor(kind), json).States);

    [Fact]
    public void Temperature_is_a_value()
    {
        var reading = Read(Sensor(SensorKind.Temperature), """{"temperature":21.5,"humidity":40,"battery":90}""");
        var state = Assert.Single(reading.States);
        Assert.Equal(21.5, state.Value);
    }

    [Fact]
    public void Tamper_rides_along_with_the_door()
    {
        var reading = Read(Sensor(SensorKind.Door), """{"contact":true,"tamper":true}""");
        Assert.Equal([new StateReading(SensorKind.Door, "closed"), new StateReading(SensorKind.Tamper, "detected")], reading.States);
    }

    [Fact]
    public void Battery_only_message_yields_no_state()
    {
        var reading = Read(Sensor(SensorKind.Door), """{"battery":50,"linkquality":33}""");
        Assert.Null(reading.Rejection);
        Assert.Empty(reading.States);
        Assert.Equal(50, reading.BatteryPercent);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1,2]")]
    [InlineData("""{"contact":"yes"}""")]
    [InlineData("""{"contact":1}""")]
    public void Bad_door_payloads_are_rejected(string json) => Assert.NotNull(Read(Sensor(SensorKind.Door), json).Rejection);

    [Theory]
    [InlineData("""{"fall_down_status":"sleeping"}""")]
    [InlineData("""{"fall_down_status":3}""")]
    public void Unknown_fall_values_are_rejected(string json) =>
        Assert.NotNull(Read(Sensor(SensorKind.Fall, Zigbee2MqttProfile.TuyaMirHe200), json).Rejection);
}
