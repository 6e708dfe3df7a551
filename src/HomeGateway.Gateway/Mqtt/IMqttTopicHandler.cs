using System.Buffers;

namespace HomeGateway.Gateway.Mqtt;

/// <summary>
/// A part of the gateway that reads MQTT topics other than sensors' (Home Assistant's birth message). The MQTT input
/// hands it messages on <see cref="Topics"/> (and subscribes to them on an external broker) before sensor routing.
/// </summary>
public interface IMqttTopicHandler
{
    IReadOnlyCollection<string> Topics { get; }

    /// <summary>Must not throw for any payload and must be quick: it runs on the publishing client's loop.</summary>
    Task HandleAsync(string topic, ReadOnlySequence<byte> payload, CancellationToken cancellationToken);
}

/// <summary>
/// <c>homegateway/&lt;home-id&gt;/gateway/…</c>: the gateway's own status topics (Home Assistant state). Like the alert
/// topic, only the gateway may publish there.
/// </summary>
public static class GatewayTopics
{
    public static string For(string homeId) => $"homegateway/{homeId}/gateway";
}
