using System.Diagnostics;
using System.Text;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;

namespace HomeGateway.Benchmarks.Suite.NodeRed;

/// <summary>Who raised an alert the bench received.</summary>
public enum AlertSource
{
    Gateway,
    NodeRed,
}

/// <summary>One alert step as the bench received it: <see cref="ReceivedAt"/> is a <see cref="Stopwatch"/> timestamp.</summary>
public readonly record struct ReceivedAlert(AlertSource Source, string Type, string Kind, string SensorId, long ReceivedAt);

/// <summary>
/// The bench's one MQTT client on the shared broker: it plays the Zigbee2MQTT sensors (QoS 1, as safety devices should be
/// set up) and reads both sides' alert topics (QoS 1). Each publish returns the instant just before it was sent.
/// </summary>
public sealed class SensorTraffic : IAsyncDisposable
{
    private static readonly byte[] Open = """{"contact":false,"linkquality":120}"""u8.ToArray();
    private static readonly byte[] Closed = """{"contact":true,"linkquality":120}"""u8.ToArray();
    private static readonly byte[] Moving = """{"occupancy":true,"linkquality":120}"""u8.ToArray();
    private static readonly byte[] Still = """{"occupancy":false,"linkquality":120}"""u8.ToArray();
    private readonly IMqttClient client;

    private SensorTraffic(IMqttClient client) => this.client = client;

    /// <summary>Called on MQTTnet's receive loop for every alert step of either side; keep it short.</summary>
    public event Action<ReceivedAlert>? AlertReceived;

    public static async Task<SensorTraffic> ConnectAsync(int port, string user, string password, DoorPlan plan, CancellationToken cancellationToken)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var traffic = new SensorTraffic(client);
        client.ApplicationMessageReceivedAsync += e =>
        {
            var at = Stopwatch.GetTimestamp();
            var source = e.ApplicationMessage.Topic == plan.GatewayAlertTopic ? AlertSource.Gateway : AlertSource.NodeRed;
            using var json = JsonDocument.Parse(Encoding.UTF8.GetString(e.ApplicationMessage.Payload));
            var root = json.RootElement;
            traffic.AlertReceived?.Invoke(new ReceivedAlert(source, Text(root, "type"), Text(root, "kind"), Text(root, "sensorId"), at));
            return Task.CompletedTask;
        };
        await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId("bench-" + Environment.ProcessId)
            .WithCredentials(user, password)
            .WithCleanStart()
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build(), cancellationToken).ConfigureAwait(false);
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(plan.GatewayAlertTopic, MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(plan.NodeRedAlertTopic, MqttQualityOfServiceLevel.AtLeastOnce)
            .Build(), cancellationToken).ConfigureAwait(false);
        return traffic;
    }

    /// <summary>The door reports open (Zigbee2MQTT: contact false); returns the instant before the publish.</summary>
    public Task<long> OpenAsync(string door, CancellationToken cancellationToken) => PublishAsync(DoorPlan.Topic(door), Open, cancellationToken);

    public Task<long> CloseAsync(string door, CancellationToken cancellationToken) => PublishAsync(DoorPlan.Topic(door), Closed, cancellationToken);

    /// <summary>The hall motion sensor sees someone, then clears: the client is back in after a night exit.</summary>
    public async Task ComeBackInAsync(CancellationToken cancellationToken)
    {
        await PublishAsync(DoorPlan.Topic(DoorPlan.Motion), Moving, cancellationToken).ConfigureAwait(false);
        await PublishAsync(DoorPlan.Topic(DoorPlan.Motion), Still, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (client.IsConnected)
        {
            await client.DisconnectAsync().ConfigureAwait(false);
        }

        client.Dispose();
    }

    private async Task<long> PublishAsync(string topic, byte[] payload, CancellationToken cancellationToken)
    {
        var at = Stopwatch.GetTimestamp();
        await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build(), cancellationToken).ConfigureAwait(false);
        return at;
    }

    private static string Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";
}
