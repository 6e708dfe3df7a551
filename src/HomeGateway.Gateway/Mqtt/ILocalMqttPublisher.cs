using MQTTnet;

namespace HomeGateway.Gateway.Mqtt;

/// <summary>
/// Publishes the gateway's own messages (alert steps, status, Home Assistant discovery) on the home's MQTT broker:
/// the embedded one, or the external broker the gateway is a client of.
/// </summary>
public interface ILocalMqttPublisher
{
    /// <summary>False when the broker is not reachable right now; the message is then dropped (these are courtesy copies, the journal holds the truth).</summary>
    Task<bool> PublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken);
}
