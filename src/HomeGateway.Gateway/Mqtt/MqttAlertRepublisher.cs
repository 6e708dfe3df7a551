using System.Buffers;
using System.Text.Json;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Rules;
using HomeGateway.Gateway.Pipeline;
using MQTTnet;
using MQTTnet.Protocol;

namespace HomeGateway.Gateway.Mqtt;

/// <summary>
/// Republishes every committed alert step on the home's broker (embedded or external) (<c>homegateway/&lt;home-id&gt;/alerts</c>, QoS 1,
/// not retained) so that local displays, a speaker or Home Assistant in the home can react even when dispatch is
/// out of reach. Not retained: a subscriber that connects later must not take an old alert for a new one.
/// </summary>
public sealed class MqttAlertRepublisher(LocalAlertCopies copies, HomeConfig home) : IAlertObserver
{
    private readonly string _topic = AlertTopics.For(home.HomeId);

    /// <summary>Queues the copy (<see cref="LocalAlertCopies"/>) and returns at once: the pipeline never waits for the broker.</summary>
    public ValueTask OnAlertCommittedAsync(long seq, AlertEvent alert, CancellationToken cancellationToken)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(_topic)
            .WithPayload(ToJson(seq, alert))
            .WithContentType("application/json")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(false)
            .Build();
        copies.Post(message, alert.AlertId);
        return ValueTask.CompletedTask;
    }

    /// <summary>The JSON of one alert step; field names and values are a published format (see Mqtt/README.md).</summary>
    public static byte[] ToJson(long seq, AlertEvent alert)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("alertId", alert.AlertId);
            json.WriteNumber("seq", seq);
            json.WriteString("kind", AlertTypeNames.ToName(alert.Kind));
            json.WriteString("type", AlertTypeNames.ToName(alert.Type));
            json.WriteString("priority", AlertTypeNames.ToName(alert.Priority));
            json.WriteString("homeId", alert.HomeId);
            json.WriteString("sensorId", alert.SensorId);
            json.WriteString("at", alert.At);
            json.WriteString("evidenceAt", alert.EvidenceAt);
            json.WriteNumber("count", alert.Count);
            json.WriteString("summary", alert.Summary);
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
