using HomeGateway.Core.Configuration;
using HomeGateway.Gateway.Configuration;

namespace HomeGateway.Gateway.Tests.Mqtt;

// Guards the mqtt: block of the home file: every profile name and mqtt.key are accepted where they fit, and a wrong
// profile, key or model is reported with the sensor and its line (what `homegateway config validate` prints).
public class MqttHomeFileTests
{
    private static string Home(string sensors) => "home: { id: a, timezone: UTC }\nsensors:\n" + sensors + "rules: {}\n";

    private static ConfigProblem Single(string sensors) =>
        Assert.Single(Assert.Throws<HomeConfigException>(() => HomeConfigLoader.Parse(Home(sensors), "h.yaml")).Problems);

    [Fact]
    public void All_four_profiles_and_tasmota_keys_load()
    {
        var home = HomeConfigLoader.Parse(Home("""
              - { id: door, kind: door, mqtt: { topic: zigbee2mqtt/door, profile: zigbee2mqtt } }
              - { id: pir, kind: motion, mqtt: { topic: hall/binary_sensor/pir/state, profile: esphome } }
              - { id: back_door, kind: door, mqtt: { topic: tele/kitchen/SENSOR, profile: tasmota, key: Switch1 } }
              - { id: kitchen_temp, kind: temperature, mqtt: { topic: tele/kitchen/SENSOR, profile: tasmota, key: DS18B20.Temperature } }
              - { id: pills, kind: medication, mqtt: { topic: homegateway/a/pills, profile: homegateway } }
              - { id: ups, kind: power, mqtt: { topic: homegateway/a/ups, profile: homegateway } }

            """), "h.yaml");
        Assert.Equal("DS18B20.Temperature", home.FindSensor("kitchen_temp")!.Mqtt!.Key);
        Assert.Equal(MqttProfiles.EspHome, home.FindSensor("pir")!.Mqtt!.Profile);
    }

    [Fact]
    public void A_tasmota_sensor_without_a_key_is_named_at_its_line()
    {
        var problem = Single("  - id: back_door\n    kind: door\n    mqtt: { topic: tele/kitchen/SENSOR, profile: tasmota }\n");
        Assert.Equal(("sensors[0].mqtt.key", 5), (problem.Field, problem.Line));
        Assert.Contains("sensor 'back_door'", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_key_is_reported_at_the_key_line()
    {
        var problem = Single("  - id: t\n    kind: temperature\n    mqtt:\n      topic: tele/x/SENSOR\n      profile: tasmota\n      key: \"DS18B20 Temperature\"\n");
        Assert.Equal(("sensors[0].mqtt.key", 8), (problem.Field, problem.Line));
        Assert.Contains("dotted path", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_on_another_profile_is_refused()
    {
        var problem = Single("  - { id: d, kind: door, mqtt: { topic: z/d, profile: zigbee2mqtt, key: contact } }\n");
        Assert.Equal("sensors[0].mqtt.key", problem.Field);
        Assert.Contains("only used by the tasmota profile", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_tasmota_sensors_on_one_key_collide_but_different_keys_share_the_topic()
    {
        var problem = Single("""
              - { id: a1, kind: door, mqtt: { topic: tele/k/SENSOR, profile: tasmota, key: Switch1 } }
              - { id: a2, kind: door, mqtt: { topic: tele/k/SENSOR, profile: tasmota, key: Switch1 } }

            """);
        Assert.Contains("already used by sensor 'a1'", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ id: s, kind: door, mqtt: { topic: n/sensor/s/state, profile: esphome } }", "sensors[0].mqtt.topic", "binary_sensor")]
    [InlineData("{ id: s, kind: medication, mqtt: { topic: n/binary_sensor/s/state, profile: esphome } }", "sensors[0].kind", "cannot be read from ESPHome")]
    [InlineData("{ id: s, kind: door, mqtt: { topic: z/s, profile: zigbe2mqtt } }", "sensors[0].mqtt.profile", "unknown profile 'zigbe2mqtt'")]
    [InlineData("{ id: s, kind: fall, mqtt: { topic: z/s, profile: zigbee2mqtt, model: aqara-fp1 } }", "sensors[0].mqtt.model", "model 'aqara-fp1'")]
    public void Wrong_profile_topic_kind_or_model_is_named(string sensor, string field, string message)
    {
        var problem = Single("  - " + sensor + "\n");
        Assert.Equal((field, 3), (problem.Field, problem.Line));
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
    }
}
