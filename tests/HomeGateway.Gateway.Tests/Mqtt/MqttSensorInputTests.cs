using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Mqtt;
using static HomeGateway.Gateway.Tests.Mqtt.InputHarness;

namespace HomeGateway.Gateway.Tests.Mqtt;

// Guards the routing of Mqtt/README.md: each profile's own topics reach the right sensors (one topic may feed several),
// availability follows the device and any bridge it sits behind, and bad input is counted per sensor, never thrown.
public class MqttSensorInputTests
{
    private static InputHarness ZigbeeHome() => new(
        Sensor("front_door", SensorKind.Door, "zigbee2mqtt/hall/front door", MqttProfiles.Zigbee2Mqtt),
        Sensor("radar", SensorKind.Fall, "zigbee2mqtt/bedroom_radar", MqttProfiles.Zigbee2Mqtt, Zigbee2MqttProfile.TuyaMirHe200),
        Sensor("other_base", SensorKind.Motion, "z2m_garage/motion", MqttProfiles.Zigbee2Mqtt));

    [Fact]
    public async Task A_friendly_name_with_a_slash_is_one_topic()
    {
        var h = ZigbeeHome();
        var e = Assert.Single(await h.SendAsync("zigbee2mqtt/hall/front door", """{"contact":false,"linkquality":90}"""));
        Assert.Equal(("front_door", SensorKind.Door, SensorStates.Open, "mqtt:zigbee2mqtt/hall/front door"), (e.SensorId, e.Kind, e.State, e.Source));
        Assert.Contains("zigbee2mqtt/bridge/state", h.Input.SubscriptionTopics);
        Assert.Contains("zigbee2mqtt/hall/front door/availability", h.Input.SubscriptionTopics);
    }

    [Fact]
    public async Task Bridge_offline_takes_every_sensor_under_its_base_offline_and_online_brings_back_only_those_not_offline_themselves()
    {
        var h = ZigbeeHome();
        Assert.Single(await h.SendAsync("zigbee2mqtt/bedroom_radar/availability", """{"state":"offline"}"""));

        var down = await h.SendAsync("zigbee2mqtt/bridge/state", """{"state":"offline"}""");
        // The radar was already offline: only the door changes. The garage is under another base topic.
        var door = Assert.Single(down);
        Assert.Equal(("front_door", SensorKind.Availability, SensorStates.Offline, "mqtt:zigbee2mqtt/bridge/state"), (door.SensorId, door.Kind, door.State, door.Source));

        var up = Assert.Single(await h.SendAsync("zigbee2mqtt/bridge/state", "online"));
        Assert.Equal(("front_door", SensorStates.Online), (up.SensorId, up.State));

        var radarBack = Assert.Single(await h.SendAsync("zigbee2mqtt/bedroom_radar/availability", "online"));
        Assert.Equal(("radar", SensorStates.Online), (radarBack.SensorId, radarBack.State));
    }

    [Fact]
    public async Task A_repeated_availability_report_adds_no_event()
    {
        var h = ZigbeeHome();
        Assert.Single(await h.SendAsync("zigbee2mqtt/bedroom_radar/availability", "online"));
        Assert.Empty(await h.SendAsync("zigbee2mqtt/bedroom_radar/availability", """{"state":"online"}"""));
        Assert.Equal(SensorStates.Offline, Assert.Single(await h.SendAsync("zigbee2mqtt/bedroom_radar/availability", "OFFLINE")).State);
    }

    [Fact]
    public async Task An_esphome_node_status_covers_all_its_sensors()
    {
        var h = new InputHarness(
            Sensor("hall_door", SensorKind.Door, "hallnode/binary_sensor/door/state", MqttProfiles.EspHome),
            Sensor("hall_pir", SensorKind.Motion, "hallnode/binary_sensor/pir/state", MqttProfiles.EspHome),
            Sensor("hall_temp", SensorKind.Temperature, "hallnode/sensor/temperature/state", MqttProfiles.EspHome));

        var offline = await h.SendAsync("hallnode/status", "offline");
        Assert.Equal(["hall_door", "hall_pir", "hall_temp"], offline.Select(e => e.SensorId).Order());
        Assert.All(offline, e => Assert.Equal((SensorKind.Availability, SensorStates.Offline), (e.Kind, e.State)));

        Assert.Equal(SensorStates.Open, Assert.Single(await h.SendAsync("hallnode/binary_sensor/door/state", "ON")).State);
        Assert.Equal(21.5, Assert.Single(await h.SendAsync("hallnode/sensor/temperature/state", "21.5")).Value);
    }

    [Fact]
    public async Task One_tasmota_message_feeds_each_sensor_its_key_and_the_result_topic_reports_switches_at_once()
    {
        var h = new InputHarness(
            Sensor("back_door", SensorKind.Door, "tele/kitchen/SENSOR", MqttProfiles.Tasmota, key: "Switch1"),
            Sensor("kitchen_temp", SensorKind.Temperature, "tele/kitchen/SENSOR", MqttProfiles.Tasmota, key: "DS18B20.Temperature"));

        var both = await h.SendAsync("tele/kitchen/SENSOR", """{"Time":"2026-11-25T12:00:00","Switch1":"OFF","DS18B20":{"Id":"0316A279C3FF","Temperature":21.5},"TempUnit":"C"}""");
        Assert.Equal([("back_door", SensorStates.Open), ("kitchen_temp", SensorStates.Measured)], both.Select(e => (e.SensorId, e.State)).Order());

        var closed = Assert.Single(await h.SendAsync("stat/kitchen/RESULT", """{"Switch1":{"Action":"ON"}}"""));
        Assert.Equal(("back_door", SensorStates.Closed, "mqtt:stat/kitchen/RESULT"), (closed.SensorId, closed.State, closed.Source));
        Assert.Empty(await h.SendAsync("stat/kitchen/RESULT", """{"POWER":"ON"}"""));

        var lwt = await h.SendAsync("tele/kitchen/LWT", "Offline");
        Assert.Equal(2, lwt.Count(e => e.State == SensorStates.Offline));
    }

    [Fact]
    public async Task Battery_low_and_voltage_reach_the_event_and_the_technicians_snapshot()
    {
        var h = ZigbeeHome();
        var e = Assert.Single(await h.SendAsync("zigbee2mqtt/hall/front door", """{"battery":null,"battery_low":true,"contact":true,"linkquality":87,"voltage":2800}"""));
        Assert.Equal((true, (int?)87, (int?)null), (e.BatteryLow, e.LinkQuality, e.BatteryPercent));

        await h.SendAsync("zigbee2mqtt/hall/front door", """{"contact":"ajar"}""");
        var line = Assert.Single(h.Stats.Snapshot(), s => s.SensorId == "front_door");
        Assert.Equal((1L, 1L, true, (int?)87, (int?)2800, (int?)null), (line.Accepted, line.Rejected, line.BatteryLow, line.LinkQuality, line.VoltageMillivolts, line.BatteryPercent));
        Assert.Contains("'contact' must be true or false", line.LastRejectionReason, StringComparison.Ordinal);
        Assert.Equal(h.Clock.GetUtcNow(), line.LastRejectedAt);
        Assert.Equal(h.Clock.GetUtcNow(), line.LastSeen);
    }

    public static TheoryData<string, byte[]> BadInput => new()
    {
        { "malformed JSON", "{\"contact\":"u8.ToArray() },
        { "not an object", "[true]"u8.ToArray() },
        { "wrong type", "{\"contact\":\"true\"}"u8.ToArray() },
        { "not UTF-8", [0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d] },
        { "nested too deep", System.Text.Encoding.UTF8.GetBytes(new string('[', 200) + new string(']', 200)) },
        { "nested object too deep", System.Text.Encoding.UTF8.GetBytes("{\"contact\":true,\"x\":" + string.Concat(Enumerable.Repeat("{\"a\":", 40)) + "1" + new string('}', 41)) },
        { "over the limit", System.Text.Encoding.UTF8.GetBytes("{\"contact\":true,\"pad\":\"" + new string('x', MaxPayloadBytes) + "\"}") },
        { "empty", [] },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task Bad_input_is_counted_for_its_sensor_with_a_reason_and_the_next_message_still_works(string what, byte[] payload)
    {
        var h = ZigbeeHome();
        Assert.Empty(await h.SendAsync("zigbee2mqtt/hall/front door", payload));
        var line = h.Stats.Snapshot("front_door");
        Assert.True(line is { Rejected: 1, Accepted: 0 }, what);
        Assert.False(string.IsNullOrWhiteSpace(line!.LastRejectionReason));
        Assert.Equal(0, h.Stats.RejectedMessages("radar"));
        Assert.Single(await h.SendAsync("zigbee2mqtt/bedroom_radar", """{"fall_down_status":"fall"}"""));
    }

    [Fact]
    public async Task A_huge_number_is_refused_not_rounded()
    {
        var h = new InputHarness(Sensor("t", SensorKind.Temperature, "zigbee2mqtt/t", MqttProfiles.Zigbee2Mqtt));
        Assert.Empty(await h.SendAsync("zigbee2mqtt/t", """{"temperature":1e400}"""));
        Assert.Equal(1, h.Stats.RejectedMessages("t"));
    }

    [Fact]
    public async Task Topics_of_no_sensor_are_counted_apart()
    {
        var h = ZigbeeHome();
        Assert.Empty(await h.SendAsync("zigbee2mqtt/kitchen_plug", """{"state":"ON"}"""));
        Assert.Equal(1, h.Stats.UnknownTopicMessages("zigbee2mqtt/kitchen_plug"));
        Assert.Empty(h.Stats.Snapshot());
    }

    [Fact]
    public async Task A_garbled_bridge_state_is_counted_on_the_sensors_behind_it()
    {
        var h = ZigbeeHome();
        Assert.Empty(await h.SendAsync("zigbee2mqtt/bridge/state", "rebooting"));
        Assert.Equal(1, h.Stats.RejectedMessages("front_door"));
        Assert.Equal(0, h.Stats.RejectedMessages("other_base"));
    }
}
