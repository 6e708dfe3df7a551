using System.Text;
using System.Text.Json;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Mqtt;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace HomeGateway.Gateway.Tests.Mqtt;

// A real broker and real clients: only device users get in, and what they publish reaches the pipeline normalised.
public sealed class EmbeddedMqttBrokerTests : IAsyncLifetime
{
    private BrokerFixture _f = null!;

    public async Task InitializeAsync() => _f = await BrokerFixture.StartAsync();

    public async Task DisposeAsync() => await _f.DisposeAsync();

    private static Task PublishAsync(IMqttClient client, string topic, string payload) =>
        client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

    [Theory]
    [InlineData(MqttProtocolVersion.V500)]
    [InlineData(MqttProtocolVersion.V311)]
    public async Task Anonymous_client_is_refused(MqttProtocolVersion version)
    {
        var (client, result) = await _f.ConnectAsync(null, null, version);
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, result);
        Assert.False(client.IsConnected);
        Assert.Contains(_f.Logs.WithEventId(2110), e => e.Message.Contains("anonymous", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Wrong_password_and_unknown_user_are_refused_and_the_right_one_gets_in()
    {
        var password = _f.Credentials.AddUser("zigbee2mqtt", BrokerFixture.Everything);
        var (_, wrong) = await _f.ConnectAsync("zigbee2mqtt", password + "x");
        var (_, unknown) = await _f.ConnectAsync("someone", password);
        var (client, right) = await _f.ConnectAsync("zigbee2mqtt", password);

        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, wrong);
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, unknown);
        Assert.Equal(MqttClientConnectResultCode.Success, right);
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task Door_contact_false_is_open_and_true_is_closed_with_battery_and_link_quality()
    {
        var device = await _f.DeviceAsync();
        await PublishAsync(device, "zigbee2mqtt/front_door", """{"battery":91,"battery_low":false,"contact":false,"linkquality":132,"tamper":false,"voltage":3000}""");
        await PublishAsync(device, "zigbee2mqtt/front_door", """{"battery":91,"battery_low":false,"contact":true,"linkquality":129,"tamper":false,"voltage":3000}""");

        var open = await _f.Sink.NextAsync();
        var closed = await _f.Sink.NextAsync();
        Assert.Equal(("front_door", SensorKind.Door, "open"), (open.SensorId, open.Kind, open.State));
        Assert.Equal(("front_door", SensorKind.Door, "closed"), (closed.SensorId, closed.Kind, closed.State));
        Assert.Equal(BrokerFixture.HomeId, open.HomeId);
        Assert.Equal("mqtt:zigbee2mqtt/front_door", open.Source);
        Assert.Equal(91, open.BatteryPercent);
        Assert.Equal(132, open.LinkQuality);
        Assert.Equal(129, closed.LinkQuality);
    }

    [Fact]
    public async Task Both_fall_radar_models_including_suspected_falls()
    {
        var device = await _f.DeviceAsync();
        await PublishAsync(device, "zigbee2mqtt/hall_radar", """{"fall_status":"fall_warning","linkquality":100}""");
        await PublishAsync(device, "zigbee2mqtt/hall_radar", """{"fall_status":"fall_alarm","linkquality":100}""");
        await PublishAsync(device, "zigbee2mqtt/bedroom_radar", """{"fall_down_status":"maybe_fall"}""");
        await PublishAsync(device, "zigbee2mqtt/bedroom_radar", """{"fall_down_status":"fall"}""");
        await PublishAsync(device, "zigbee2mqtt/bedroom_radar", """{"fall_down_status":"none"}""");

        var seen = new List<(string, string)>();
        for (var i = 0; i < 5; i++)
        {
            var e = await _f.Sink.NextAsync();
            Assert.Equal(SensorKind.Fall, e.Kind);
            seen.Add((e.SensorId, e.State));
        }

        Assert.Equal(
            [("hall_radar", "suspected_fall"), ("hall_radar", "fall"), ("bedroom_radar", "suspected_fall"), ("bedroom_radar", "fall"), ("bedroom_radar", "clear")],
            seen);
    }

    [Fact]
    public async Task Help_action_and_availability()
    {
        var device = await _f.DeviceAsync();
        await PublishAsync(device, "zigbee2mqtt/help", """{"action":"single","battery":77,"linkquality":54}""");
        await PublishAsync(device, "zigbee2mqtt/help/availability", """{"state":"offline"}""");
        await PublishAsync(device, "zigbee2mqtt/help/availability", "online");

        var press = await _f.Sink.NextAsync();
        Assert.Equal((SensorKind.HelpButton, "pressed", 77), (press.Kind, press.State, press.BatteryPercent));
        var offline = await _f.Sink.NextAsync();
        Assert.Equal(("help", SensorKind.Availability, "offline"), (offline.SensorId, offline.Kind, offline.State));
        var online = await _f.Sink.NextAsync();
        Assert.Equal((SensorKind.Availability, "online"), (online.Kind, online.State));
    }

    [Fact]
    public async Task Bad_messages_are_counted_and_logged_and_the_next_good_one_still_arrives()
    {
        var device = await _f.DeviceAsync();
        await PublishAsync(device, "zigbee2mqtt/front_door", "{\"contact\": fal");
        await PublishAsync(device, "zigbee2mqtt/hall_radar", """{"fall_status":42}""");
        await PublishAsync(device, "zigbee2mqtt/help", "{\"action\":\"single\",\"pad\":\"" + new string('x', BrokerFixture.MaxPayloadBytes) + "\"}");
        await PublishAsync(device, "zigbee2mqtt/kitchen_plug", """{"state":"ON"}""");
        await PublishAsync(device, "zigbee2mqtt/front_door", """{"contact":false}""");

        var next = await _f.Sink.NextAsync();
        Assert.Equal(("front_door", "open"), (next.SensorId, next.State));
        Assert.Equal(1, _f.Stats.RejectedMessages("front_door"));
        Assert.Equal(1, _f.Stats.RejectedMessages("hall_radar"));
        Assert.Equal(1, _f.Stats.RejectedMessages("help"));
        Assert.Equal(1, _f.Stats.UnknownTopicMessages("zigbee2mqtt/kitchen_plug"));
        var rejections = _f.Logs.WithEventId(2120).Select(e => e.Message).ToList();
        Assert.Contains(rejections, m => m.Contains("front_door", StringComparison.Ordinal) && m.Contains("malformed JSON", StringComparison.Ordinal));
        Assert.Contains(rejections, m => m.Contains("hall_radar", StringComparison.Ordinal) && m.Contains("must be a string", StringComparison.Ordinal));
        Assert.Contains(rejections, m => m.Contains("help", StringComparison.Ordinal) && m.Contains("larger than the limit", StringComparison.Ordinal));
        Assert.Single(_f.Logs.WithEventId(2121));
    }

    [Fact]
    public async Task Rejections_of_one_sensor_are_logged_once_per_minute_but_all_counted()
    {
        var device = await _f.DeviceAsync();
        for (var i = 0; i < 20; i++)
        {
            await PublishAsync(device, "zigbee2mqtt/front_door", "garbage");
        }

        await PublishAsync(device, "zigbee2mqtt/front_door", """{"contact":true}""");
        await _f.Sink.NextAsync();
        Assert.Equal(20, _f.Stats.RejectedMessages("front_door"));
        Assert.Single(_f.Logs.WithEventId(2120));
    }

    [Fact]
    public async Task Alert_steps_are_republished_as_json_to_local_subscribers()
    {
        var subscriber = await _f.DeviceAsync("display");
        var received = new TaskCompletionSource<MqttApplicationMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        subscriber.ApplicationMessageReceivedAsync += args =>
        {
            received.TrySetResult(args.ApplicationMessage);
            return Task.CompletedTask;
        };
        await subscriber.SubscribeAsync(AlertTopics.For(BrokerFixture.HomeId), MqttQualityOfServiceLevel.AtLeastOnce);

        var at = new DateTimeOffset(2026, 1, 15, 3, 12, 0, TimeSpan.FromHours(2));
        var alert = new AlertEvent("fall-hall_radar-20260115T011200000Z", AlertEventKind.Raised, AlertType.Fall, AlertPriority.Critical,
            BrokerFixture.HomeId, "hall_radar", at, at.AddSeconds(-1), 1, "Fall reported by hall_radar");
        var republisher = (MqttAlertRepublisher)_f.Services.GetService(typeof(MqttAlertRepublisher))!;
        await republisher.OnAlertCommittedAsync(42, alert, CancellationToken.None);

        var message = await received.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("homegateway/test-home/alerts", message.Topic);
        Assert.False(message.Retain);
        using var json = JsonDocument.Parse(Encoding.UTF8.GetString(message.Payload));
        var root = json.RootElement;
        Assert.Equal(
            ["alertId", "seq", "kind", "type", "priority", "homeId", "sensorId", "at", "evidenceAt", "count", "summary"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("fall-hall_radar-20260115T011200000Z", root.GetProperty("alertId").GetString());
        Assert.Equal(42, root.GetProperty("seq").GetInt64());
        Assert.Equal("raised", root.GetProperty("kind").GetString());
        Assert.Equal("fall", root.GetProperty("type").GetString());
        Assert.Equal("critical", root.GetProperty("priority").GetString());
        Assert.Equal("2026-01-15T03:12:00+02:00", root.GetProperty("at").GetString());
        Assert.Equal(at.AddSeconds(-1), root.GetProperty("evidenceAt").GetDateTimeOffset());
        Assert.Equal(1, root.GetProperty("count").GetInt32());

        // The republished alert is the gateway's own message: it must not come back in as sensor input.
        Assert.Equal(0, _f.Stats.TotalUnknownTopicMessages);
    }

    [Fact]
    public async Task A_device_cannot_publish_on_the_gateway_alert_topic()
    {
        var subscriber = await _f.DeviceAsync("display");
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        subscriber.ApplicationMessageReceivedAsync += args =>
        {
            received.TrySetResult(args.ApplicationMessage.Topic);
            return Task.CompletedTask;
        };
        await subscriber.SubscribeAsync("#");
        var device = await _f.DeviceAsync();

        await PublishAsync(device, AlertTopics.For(BrokerFixture.HomeId), """{"alertId":"forged"}""");
        await PublishAsync(device, "zigbee2mqtt/front_door", """{"contact":true}""");

        // Messages from one client arrive in order: the first one through must be the door, not the forged alert.
        Assert.Equal("zigbee2mqtt/front_door", await received.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Single(_f.Logs.WithEventId(2122));
    }
}
