using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Pipeline;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet.Server;

namespace HomeGateway.Gateway.Mqtt;

/// <summary>
/// Reads every message published into the embedded broker: finds the sensor by topic (the state topic, or
/// <c>&lt;topic&gt;/availability</c>), lets the sensor's profile normalise the payload and hands the resulting
/// <see cref="SensorEvent"/>s to the pipeline. A bad message is counted and logged and goes no further;
/// it never stops other messages. Holds no rule logic.
/// </summary>
public sealed class MqttSensorInput
{
    private const string AvailabilitySuffix = "/availability";

    private readonly HomeConfig _home;
    private readonly ISensorEventSink _sink;
    private readonly SensorInputStats _stats;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _maxPayloadBytes;
    private readonly string _gatewayTopicPrefix;
    private readonly Dictionary<string, Route> _routes = new(StringComparer.Ordinal);
    private readonly LogGate _logGate;

    // The last tamper state per sensor: Zigbee2MQTT repeats the full state (tamper: false) in every message,
    // and one journal record per message for an unchanged side state is noise, not information.
    private readonly ConcurrentDictionary<string, string> _lastTamper = new(StringComparer.Ordinal);

    public MqttSensorInput(
        HomeConfig home,
        IOptions<GatewayOptions> options,
        ISensorEventSink sink,
        SensorInputStats stats,
        TimeProvider time,
        ILogger<MqttSensorInput> logger)
    {
        var problems = MqttPayloadProfiles.FindProblems(home);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("The home file has MQTT sensors the gateway cannot read:" + Environment.NewLine + string.Join(Environment.NewLine, problems));
        }

        _home = home;
        _sink = sink;
        _stats = stats;
        _time = time;
        _logger = logger;
        _maxPayloadBytes = options.Value.Mqtt.MaxPayloadBytes;
        _gatewayTopicPrefix = AlertTopics.For(home.HomeId);
        _logGate = new LogGate(time, TimeSpan.FromMinutes(1));

        foreach (var sensor in home.Sensors)
        {
            if (sensor.Mqtt is { } mqtt)
            {
                var profile = MqttPayloadProfiles.Find(mqtt.Profile)!;
                _routes[mqtt.Topic] = new Route(sensor, profile, IsAvailability: false);
                _routes.TryAdd(mqtt.Topic + AvailabilitySuffix, new Route(sensor, profile, IsAvailability: true));
            }
        }
    }

    /// <summary>Every topic this input reads (state and availability topics of the home file's MQTT sensors): what a client of an external broker subscribes to.</summary>
    public IReadOnlyCollection<string> SubscriptionTopics => _routes.Keys;

    /// <summary>The embedded broker's publish interceptor. Runs on the publishing client's loop: one slow sensor never holds up another.</summary>
    internal async Task OnPublishAsync(InterceptingPublishEventArgs args)
    {
        var message = args.ApplicationMessage;
        args.ProcessPublish = await HandleAsync(message.Topic ?? "", message.Payload, args.ClientId, args.CancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// One message from any broker (the embedded one, or an external one the gateway subscribes to): routed to its
    /// sensor, read by the sensor's profile, handed to the pipeline. Never throws for bad input.
    /// </summary>
    /// <param name="publisherClientId">The MQTT client that published it when known (embedded broker); null from an external broker.</param>
    /// <returns>False when the message must not be passed on to other subscribers (oversized, or a forged gateway topic).</returns>
    public async Task<bool> HandleAsync(string topic, ReadOnlySequence<byte> payload, string? publisherClientId, CancellationToken cancellationToken)
    {
        if (AlertTopics.IsGatewayTopic(topic, _gatewayTopicPrefix))
        {
            // The gateway's own topics: only the gateway may publish there, and they are not sensor input.
            if (publisherClientId is not null && !string.Equals(publisherClientId, EmbeddedMqttBroker.GatewayClientId, StringComparison.Ordinal))
            {
                if (_logGate.TryPass("reserved:" + publisherClientId, out var held))
                {
                    MqttLog.ReservedTopic(_logger, publisherClientId, topic, held);
                }

                return false;
            }

            return true;
        }

        if (!_routes.TryGetValue(topic, out var route))
        {
            _stats.CountUnknownTopic(topic);
            if (_logGate.TryPass("topic:" + topic, out var held))
            {
                MqttLog.UnknownTopic(_logger, topic, held);
            }

            return true;
        }

        if (payload.Length > _maxPayloadBytes)
        {
            // Not forwarded to subscribers either: an oversized message is refused at the broker.
            Reject(route.Sensor, topic, $"payload of {payload.Length} bytes is larger than the limit of {_maxPayloadBytes}");
            return false;
        }

        var events = Normalise(route, topic, payload.IsSingleSegment ? payload.First : payload.ToArray());
        foreach (var e in events)
        {
            try
            {
                await _sink.PublishAsync(e, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return true;
            }
            catch (Exception ex)
            {
                MqttLog.SinkFailed(_logger, route.Sensor.Id, ex);
            }
        }

        return true;
    }

    /// <summary>The events one message yields (none when it was refused or carried nothing new). Counts and logs refusals.</summary>
    internal IReadOnlyList<SensorEvent> Normalise(string topic, ReadOnlyMemory<byte> payload) =>
        _routes.TryGetValue(topic, out var route) ? Normalise(route, topic, payload) : [];

    private List<SensorEvent> Normalise(Route route, string topic, ReadOnlyMemory<byte> payload)
    {
        var sensor = route.Sensor;
        var at = _time.GetUtcNow();
        var source = "mqtt:" + topic;
        if (route.IsAvailability)
        {
            if (ReadAvailability(payload.Span) is not { } state)
            {
                Reject(sensor, topic, "availability must be online or offline (plain or {\"state\":...})");
                return [];
            }

            _stats.CountAccepted(sensor.Id, at);
            return [new SensorEvent(_home.HomeId, sensor.Id, SensorKind.Availability, state, at, source)];
        }

        PayloadReading reading;
        try
        {
            reading = route.Profile.Read(sensor, payload);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A profile bug on one odd payload must not take the broker's client loop down.
            reading = PayloadReading.Rejected($"could not be read ({ex.GetType().Name})");
        }

        if (reading.Rejection is { } reason)
        {
            Reject(sensor, topic, reason);
            return [];
        }

        _stats.CountAccepted(sensor.Id, at);
        var events = new List<SensorEvent>(reading.States.Count);
        foreach (var state in reading.States)
        {
            if (state.Kind == SensorKind.Tamper && sensor.Kind != SensorKind.Tamper && !TamperChanged(sensor.Id, state.State))
            {
                continue;
            }

            events.Add(new SensorEvent(_home.HomeId, sensor.Id, state.Kind, state.State, at, source)
            {
                Value = state.Value,
                BatteryPercent = reading.BatteryPercent,
                LinkQuality = reading.LinkQuality,
            });
        }

        return events;
    }

    private bool TamperChanged(string sensorId, string state)
    {
        var previous = _lastTamper.GetValueOrDefault(sensorId);
        _lastTamper[sensorId] = state;
        // The first report counts only if it is a tamper: "clear" at start tells nothing new.
        return previous is null ? state != SensorStates.Clear : previous != state;
    }

    private static string? ReadAvailability(ReadOnlySpan<byte> payload)
    {
        var text = Encoding.UTF8.GetString(payload).Trim();
        if (text.StartsWith('{'))
        {
            try
            {
                using var document = JsonDocument.Parse(text);
                text = document.RootElement.ValueKind == JsonValueKind.Object
                    && document.RootElement.TryGetProperty("state", out var state)
                    && state.ValueKind == JsonValueKind.String
                        ? state.GetString() ?? ""
                        : "";
            }
            catch (JsonException)
            {
                return null;
            }
        }

        // ESPHome and Tasmota capitalise differently ("Online"); the meaning is the same.
        return text.ToLowerInvariant() switch
        {
            "online" => SensorStates.Online,
            "offline" => SensorStates.Offline,
            _ => null,
        };
    }

    private void Reject(SensorConfig sensor, string topic, string reason)
    {
        _stats.CountRejected(sensor.Id);
        if (_logGate.TryPass("sensor:" + sensor.Id, out var held))
        {
            MqttLog.MessageRejected(_logger, sensor.Id, topic, reason, held);
        }
    }

    private sealed record Route(SensorConfig Sensor, IMqttPayloadProfile Profile, bool IsAvailability);
}

/// <summary>The topics the gateway itself publishes on.</summary>
public static class AlertTopics
{
    /// <summary><c>homegateway/&lt;home-id&gt;/alerts</c>: every committed alert step, as JSON.</summary>
    public static string For(string homeId) => $"homegateway/{homeId}/alerts";

    internal static bool IsGatewayTopic(string topic, string alertTopic) =>
        topic.StartsWith(alertTopic, StringComparison.Ordinal)
        && (topic.Length == alertTopic.Length || topic[alertTopic.Length] == '/');
}
