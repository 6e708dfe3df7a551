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
/// Reads every message published into the embedded broker (or an external one): finds the sensors fed by the topic
/// (a topic may feed several: a Tasmota message carries all sensors of the device, an ESPHome node's status covers all
/// its sensors, a Zigbee2MQTT bridge all devices behind it), lets each sensor's profile normalise the payload and hands
/// the resulting <see cref="SensorEvent"/>s to the pipeline. A bad message is counted and logged and goes no further;
/// it never stops other messages. Holds no rule logic.
/// </summary>
public sealed class MqttSensorInput
{
    private readonly HomeConfig _home;
    private readonly ISensorEventSink _sink;
    private readonly SensorInputStats _stats;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _maxPayloadBytes;
    private readonly Dictionary<string, List<Route>> _routes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Availability> _availability = new(StringComparer.Ordinal);
    private readonly LogGate _logGate;
    private readonly string[] _gatewayTopicPrefixes;
    private readonly Dictionary<string, IMqttTopicHandler> _handlers = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();

    // The last tamper state per sensor: Zigbee2MQTT repeats the full state (tamper: false) in every message,
    // and one journal record per message for an unchanged side state is noise, not information.
    private readonly ConcurrentDictionary<string, string> _lastTamper = new(StringComparer.Ordinal);

    public MqttSensorInput(
        HomeConfig home,
        IOptions<GatewayOptions> options,
        ISensorEventSink sink,
        SensorInputStats stats,
        TimeProvider time,
        ILogger<MqttSensorInput> logger,
        IEnumerable<IMqttTopicHandler>? handlers = null)
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
        _gatewayTopicPrefixes = [AlertTopics.For(home.HomeId), GatewayTopics.For(home.HomeId)];
        _logGate = new LogGate(time, TimeSpan.FromMinutes(1));

        foreach (var handler in handlers ?? [])
        {
            foreach (var topic in handler.Topics)
            {
                _handlers[topic] = handler;
            }
        }

        foreach (var sensor in home.Sensors)
        {
            if (sensor.Mqtt is not { } mqtt)
            {
                continue;
            }

            var profile = MqttPayloadProfiles.Find(mqtt.Profile)!;
            _availability[sensor.Id] = new Availability();
            foreach (var topic in profile.Topics(mqtt))
            {
                if (!_routes.TryGetValue(topic.Topic, out var routes))
                {
                    _routes[topic.Topic] = routes = [];
                }

                // The same sensor twice on one topic would double its events (two bridge candidates never coincide).
                if (!routes.Exists(r => r.Sensor.Id == sensor.Id))
                {
                    routes.Add(new Route(sensor, profile, topic.Role));
                }
            }
        }
    }

    /// <summary>Every topic this input reads (state, availability and bridge topics of the home file's MQTT sensors): what a client of an external broker subscribes to.</summary>
    public IReadOnlyCollection<string> SubscriptionTopics => [.. _routes.Keys, .. _handlers.Keys.Where(t => !_routes.ContainsKey(t))];

    /// <summary>
    /// The embedded broker's publish interceptor. Runs on the publishing client's loop: one slow sensor never holds up another.
    /// A QoS 1/2 message's events are queued with its receipt, and its acknowledgement is held until they are durable
    /// (<see cref="DurableAcknowledgements"/>); the loop goes on to the next message meanwhile, so a burst shares one commit.
    /// </summary>
    internal async Task OnPublishAsync(InterceptingPublishEventArgs args)
    {
        var message = args.ApplicationMessage;
        var topic = message.Topic ?? "";

        // Not the client's token: a message that arrived whole is handed to the journal even if its sender is gone by now
        // (a takeover by its own next connection cancels the old one's token mid-message, which used to lose a QoS 0
        // message already counted as accepted). Only the gateway stopping stops the hand-over.
        var handOver = _stopping.Token;
        var publisher = args.UserName is { Length: > 0 } login ? "login:" + login : null;
        if (DurableAcknowledgements.CurrentPacket(args) is not { } packet)
        {
            args.ProcessPublish = await HandleAsync(topic, message.Payload, args.ClientId, handOver, publisher: publisher).ConfigureAwait(false);
            return;
        }

        var journalled = new List<Task>();
        var receipt = Journal.MessageReceipt.ForMqtt("embedded/" + args.ClientId, packet.PacketId, topic, message.Payload, packet.Redelivered);
        args.ProcessPublish = await HandleAsync(topic, message.Payload, args.ClientId, handOver, journalled, receipt, publisher).ConfigureAwait(false);
        if (journalled.Count > 0)
        {
            DurableAcknowledgements.Hold(args, packet.PacketId, journalled.Count == 1 ? journalled[0] : Task.WhenAll(journalled));
        }
    }

    /// <summary>
    /// One message from any broker (the embedded one, or an external one the gateway subscribes to): routed to its
    /// sensors, read by each sensor's profile, handed to the pipeline. Never throws for bad input.
    /// </summary>
    /// <param name="publisherClientId">The MQTT client that published it when known (embedded broker); null from an external broker.</param>
    /// <param name="journalled">
    /// When given, each event is queued with <see cref="ISensorEventSink.QueueDurablyAsync"/> and the task that completes once it
    /// is durably journalled is added here (an external broker's PUBACK waits for them).
    /// </param>
    /// <param name="receipt">Who sent the message under which packet identifier (QoS 1 and 2), journalled with its events so that a redelivery is recognised.</param>
    /// <param name="publisher">Who handed it over (<see cref="SensorEvent.Publisher"/>): <c>login:NAME</c> or <c>broker:HOST:PORT</c>.</param>
    /// <returns>False when the message must not be passed on to other subscribers (oversized, or a forged gateway topic).</returns>
    public async Task<bool> HandleAsync(string topic, ReadOnlySequence<byte> payload, string? publisherClientId, CancellationToken cancellationToken,
        ICollection<Task>? journalled = null, Journal.MessageReceipt? receipt = null, string? publisher = null)
    {
        if (Array.Exists(_gatewayTopicPrefixes, prefix => AlertTopics.IsGatewayTopic(topic, prefix)))
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

        if (_handlers.TryGetValue(topic, out var handler) && payload.Length <= _maxPayloadBytes)
        {
            try
            {
                await handler.HandleAsync(topic, payload, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                MqttLog.TopicHandlerFailed(_logger, topic, ex);
            }
        }

        if (!_routes.TryGetValue(topic, out var routes))
        {
            if (handler is not null)
            {
                return true;
            }

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
            foreach (var route in routes)
            {
                Reject(route.Sensor, topic, $"payload of {payload.Length} bytes is larger than the limit of {_maxPayloadBytes}");
            }

            return false;
        }

        var events = Normalise(routes, topic, payload.IsSingleSegment ? payload.First : payload.ToArray(), publisher);
        if (receipt is not null)
        {
            receipt.EventCount = events.Count;
        }

        if (publisher is not null)
        {
            for (var i = 0; i < events.Count; i++)
            {
                events[i] = events[i] with { Publisher = publisher };
            }
        }

        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            try
            {
                if (journalled is null)
                {
                    await _sink.PublishAsync(e, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    journalled.Add(await _sink.QueueDurablyAsync(e, receipt, cancellationToken).ConfigureAwait(false));
                }
            }
            catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
            {
                // Not handed over: whoever acknowledges must not (the sender keeps the message and sends it again). It was
                // counted as read; say that it went no further, for each sensor it was for.
                journalled?.Add(Task.FromCanceled(ex.CancellationToken));
                foreach (var lost in events.Skip(i).Select(x => x.SensorId).Distinct(StringComparer.Ordinal))
                {
                    Dropped(lost, topic, journalled is null
                        ? "the gateway is stopping (QoS 0: the sender will not send it again)"
                        : "the gateway is stopping (not acknowledged: the sender sends it again)");
                }

                return true;
            }
            catch (Exception ex)
            {
                MqttLog.SinkFailed(_logger, e.SensorId, ex);
                journalled?.Add(Task.FromException(ex));
            }
        }

        return true;
    }

    /// <summary>The events one message yields (none when it was refused or carried nothing new). Counts and logs refusals.</summary>
    internal IReadOnlyList<SensorEvent> Normalise(string topic, ReadOnlyMemory<byte> payload) =>
        _routes.TryGetValue(topic, out var routes) ? Normalise(routes, topic, payload, null) : [];

    private List<SensorEvent> Normalise(List<Route> routes, string topic, ReadOnlyMemory<byte> payload, string? publisher)
    {
        var events = new List<SensorEvent>();
        string? availability = null;
        var availabilityRead = false;
        foreach (var route in routes)
        {
            if (route.Role == MqttTopicRole.State)
            {
                NormaliseState(route, topic, payload, events, publisher);
                continue;
            }

            if (!availabilityRead)
            {
                availability = ReadAvailability(payload.Span);
                availabilityRead = true;
            }

            if (availability is null)
            {
                Reject(route.Sensor, topic, "availability must be online or offline (plain or {\"state\":...})");
                continue;
            }

            _stats.CountAccepted(route.Sensor.Id, _time.GetUtcNow(), publisher);
            if (_availability[route.Sensor.Id].Report(topic, availability) is { } changed)
            {
                events.Add(new SensorEvent(_home.HomeId, route.Sensor.Id, SensorKind.Availability, changed, _time.GetUtcNow(), "mqtt:" + topic));
            }
        }

        return events;
    }

    private void NormaliseState(Route route, string topic, ReadOnlyMemory<byte> payload, List<SensorEvent> events, string? publisher)
    {
        var sensor = route.Sensor;
        var at = _time.GetUtcNow();
        var source = "mqtt:" + topic;
        PayloadReading reading;
        try
        {
            reading = route.Profile.Read(sensor, topic, payload);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A profile bug on one odd payload must not take the broker's client loop down.
            reading = PayloadReading.Rejected($"could not be read ({ex.GetType().Name})");
        }

        if (reading.Rejection is { } reason)
        {
            Reject(sensor, topic, reason);
            return;
        }

        _stats.CountAccepted(sensor.Id, at, publisher);
        _stats.RecordHealth(sensor.Id, reading.BatteryPercent, reading.BatteryLow, reading.LinkQuality, reading.VoltageMillivolts);
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
                BatteryLow = reading.BatteryLow,
                Detail = state.Detail,
            });
        }
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
        if (PlainText.TryRead(payload, out var text) is not null)
        {
            return null;
        }

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

    private void Dropped(string sensorId, string topic, string reason)
    {
        _stats.CountDropped(sensorId);
        if (_logGate.TryPass("dropped:" + sensorId, out var held))
        {
            MqttLog.MessageDropped(_logger, sensorId, topic, reason, held);
        }
    }

    /// <summary>The embedded broker is stopping: messages still being handed over are dropped (and counted so).</summary>
    internal void StopHandingOver() => _stopping.Cancel();

    private void Reject(SensorConfig sensor, string topic, string reason)
    {
        _stats.CountRejected(sensor.Id, reason, _time.GetUtcNow());
        if (_logGate.TryPass("sensor:" + sensor.Id, out var held))
        {
            MqttLog.MessageRejected(_logger, sensor.Id, topic, reason, held);
        }
    }

    private sealed record Route(SensorConfig Sensor, IMqttPayloadProfile Profile, MqttTopicRole Role);

    /// <summary>
    /// One sensor's availability from all that speak for it: the device's own topic and any bridge it sits behind.
    /// It is offline while any of them says offline, online once one says online and none says offline; an event is
    /// due only when that changes (the first report after start always is one).
    /// </summary>
    private sealed class Availability
    {
        private readonly Dictionary<string, string> _bySource = new(StringComparer.Ordinal);
        private string? _emitted;

        public string? Report(string topic, string state)
        {
            lock (_bySource)
            {
                _bySource[topic] = state;
                var now = _bySource.ContainsValue(SensorStates.Offline) ? SensorStates.Offline : SensorStates.Online;
                if (now == _emitted)
                {
                    return null;
                }

                _emitted = now;
                return now;
            }
        }
    }
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
