using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Rules;
using HomeGateway.Gateway.Mqtt;
using HomeGateway.Gateway.Pipeline;
using HomeGateway.Gateway.Uplink;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;

namespace HomeGateway.Gateway.HomeAssistant;

/// <summary>
/// Optional (<c>Gateway:HomeAssistant:Enabled</c>): makes the gateway's own alert and status entities appear in a
/// Home Assistant that uses the home's MQTT broker, through MQTT discovery. Entities, all on one device:
/// an event entity (each alert step), a "last alert" sensor, a dispatch-link connectivity sensor and the number of
/// records waiting for dispatch. Discovery is published retained at start and again whenever Home Assistant announces
/// itself on <c>&lt;prefix&gt;/status</c>. Home Assistant only mirrors: alerts reach dispatch the same with or without it.
/// </summary>
public sealed partial class HomeAssistantBridge : BackgroundService, IAlertObserver
{
    /// <summary>How often link state and backlog are checked and published when changed.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly HomeAssistantOptions _options;
    private readonly HomeConfig home;
    private readonly ILocalMqttPublisher publisher;
    private readonly LocalAlertCopies copies;
    private readonly DispatchUplink uplink;
    private readonly Journal.Journal journal;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly string _node;
    private readonly string _base;
    private readonly SemaphoreSlim _wake = new(0);
    private Task? _wakeWait;
    private volatile bool _discoveryPublished;
    private string? _lastLink;
    private long? _lastOutbox;

    public HomeAssistantBridge(
        IOptions<GatewayOptions> options,
        HomeConfig home,
        ILocalMqttPublisher publisher,
        LocalAlertCopies copies,
        HomeAssistantBirth birth,
        DispatchUplink uplink,
        Journal.Journal journal,
        TimeProvider time,
        ILogger<HomeAssistantBridge> logger)
    {
        _options = options.Value.HomeAssistant;
        this.home = home;
        this.publisher = publisher;
        this.copies = copies;
        this.uplink = uplink;
        this.journal = journal;
        this.time = time;
        this.logger = logger;
        _node = NodeId(home.HomeId);
        _base = GatewayTopics.For(home.HomeId);
        birth.CameOnline += Rediscover;
    }

    public bool Enabled => _options.Enabled;

    public string AvailabilityTopic => _base + "/availability";

    public string AlertTopic => _base + "/alert";

    public string LastAlertTopic => _base + "/last_alert";

    public string DispatchLinkTopic => _base + "/dispatch_link";

    public string OutboxTopic => _base + "/outbox";

    /// <summary>Home Assistant (re)started: it may have forgotten what it discovered and the states; publish all again.</summary>
    private void Rediscover()
    {
        _discoveryPublished = false;
        _lastLink = null;
        _lastOutbox = null;
        _wake.Release();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PublishStateAsync(stoppingToken).ConfigureAwait(false);
                // One pending wait across rounds: a wait abandoned on a timeout would swallow the next wake-up.
                _wakeWait ??= _wake.WaitAsync(stoppingToken);
                await Task.WhenAny(_wakeWait, Task.Delay(Interval, time, stoppingToken)).ConfigureAwait(false);
                if (_wakeWait.IsCompleted)
                {
                    await _wakeWait.ConfigureAwait(false);
                    _wakeWait = null;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (Enabled)
        {
            // Home Assistant shows the entities as unavailable rather than frozen at their last value.
            await PublishAsync(AvailabilityTopic, "offline"u8.ToArray(), retain: true, cancellationToken).ConfigureAwait(false);
        }
    }

    public ValueTask OnAlertCommittedAsync(long seq, AlertEvent alert, CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return ValueTask.CompletedTask;
        }

        // Queued (LocalAlertCopies): the pipeline does not wait for the broker.
        var json = AlertJson(seq, alert);
        copies.Post(Message(AlertTopic, json, retain: false), alert.AlertId);
        copies.Post(Message(LastAlertTopic, json, retain: true), alert.AlertId);
        return ValueTask.CompletedTask;
    }

    private async Task PublishStateAsync(CancellationToken cancellationToken)
    {
        if (!_discoveryPublished)
        {
            var all = true;
            foreach (var (topic, config) in DiscoveryMessages())
            {
                all &= await PublishAsync(topic, config, retain: true, cancellationToken).ConfigureAwait(false);
            }

            all &= await PublishAsync(AvailabilityTopic, "online"u8.ToArray(), retain: true, cancellationToken).ConfigureAwait(false);
            _discoveryPublished = all;
            if (all)
            {
                HomeAssistantLog.DiscoveryPublished(logger, _options.DiscoveryPrefix, _node);
            }
        }

        var link = uplink.State == UplinkState.Connected ? "ON" : "OFF";
        if (link != _lastLink && await PublishAsync(DispatchLinkTopic, Encoding.UTF8.GetBytes(link), retain: true, cancellationToken).ConfigureAwait(false))
        {
            _lastLink = link;
        }

        var outbox = journal.OutboxDepth;
        if (outbox != _lastOutbox && await PublishAsync(OutboxTopic, Encoding.UTF8.GetBytes(outbox.ToString(System.Globalization.CultureInfo.InvariantCulture)), retain: true, cancellationToken).ConfigureAwait(false))
        {
            _lastOutbox = outbox;
        }
    }

    /// <summary>The discovery config of each entity: topic and JSON.</summary>
    internal IEnumerable<(string Topic, byte[] Config)> DiscoveryMessages()
    {
        var prefix = _options.DiscoveryPrefix;
        yield return ($"{prefix}/event/{_node}/alert/config", Config("alert", "Alert", json =>
        {
            json.WriteString("state_topic", AlertTopic);
            json.WriteStartArray("event_types");
            foreach (var type in Enum.GetValues<AlertType>().Where(t => t != AlertType.Unknown))
            {
                json.WriteStringValue(AlertTypeNames.ToName(type));
            }

            json.WriteEndArray();
            json.WriteString("icon", "mdi:alarm-light");
        }));
        yield return ($"{prefix}/sensor/{_node}/last_alert/config", Config("last_alert", "Last alert", json =>
        {
            json.WriteString("state_topic", LastAlertTopic);
            json.WriteString("value_template", "{{ value_json.summary[:255] }}");
            json.WriteString("json_attributes_topic", LastAlertTopic);
            json.WriteString("icon", "mdi:message-alert");
        }));
        yield return ($"{prefix}/binary_sensor/{_node}/dispatch_link/config", Config("dispatch_link", "Dispatch link", json =>
        {
            json.WriteString("state_topic", DispatchLinkTopic);
            json.WriteString("device_class", "connectivity");
            json.WriteString("entity_category", "diagnostic");
        }));
        yield return ($"{prefix}/sensor/{_node}/outbox/config", Config("outbox", "Waiting for dispatch", json =>
        {
            json.WriteString("state_topic", OutboxTopic);
            json.WriteString("state_class", "measurement");
            json.WriteString("unit_of_measurement", "records");
            json.WriteString("entity_category", "diagnostic");
            json.WriteString("icon", "mdi:tray-full");
        }));
    }

    private byte[] Config(string objectId, string name, Action<Utf8JsonWriter> specific)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("name", name);
            json.WriteString("unique_id", $"{_node}_{objectId}");
            json.WriteString("availability_topic", AvailabilityTopic);
            specific(json);
            json.WriteStartObject("device");
            json.WriteStartArray("identifiers");
            json.WriteStringValue(_node);
            json.WriteEndArray();
            json.WriteString("name", $"HomeGateway {home.HomeId}");
            json.WriteString("manufacturer", "HomeGateway");
            json.WriteString("model", "Home-care alarm gateway");
            json.WriteString("sw_version", DispatchUplink.SoftwareVersion);
            json.WriteEndObject();
            json.WriteStartObject("origin");
            json.WriteString("name", "HomeGateway");
            json.WriteString("sw_version", DispatchUplink.SoftwareVersion);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The alert step as Home Assistant's event entity wants it: <c>event_type</c> plus attributes.</summary>
    private static byte[] AlertJson(long seq, AlertEvent alert)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("event_type", AlertTypeNames.ToName(alert.Type));
            json.WriteString("kind", AlertTypeNames.ToName(alert.Kind));
            json.WriteString("priority", AlertTypeNames.ToName(alert.Priority));
            json.WriteString("alert_id", alert.AlertId);
            json.WriteNumber("seq", seq);
            json.WriteString("sensor_id", alert.SensorId);
            json.WriteString("at", alert.At);
            json.WriteNumber("count", alert.Count);
            json.WriteString("summary", alert.Summary);
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private async Task<bool> PublishAsync(string topic, byte[] payload, bool retain, CancellationToken cancellationToken)
    {
        try
        {
            return await publisher.PublishAsync(Message(topic, payload, retain), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception ex)
        {
            // A mirror for the home's own displays: never a reason to disturb the alarm path.
            HomeAssistantLog.PublishFailed(logger, topic, ex.Message);
            return false;
        }
    }

    private static MqttApplicationMessage Message(string topic, byte[] payload, bool retain) =>
        new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain)
            .Build();

    /// <summary>A discovery node id from the home id: only the characters Home Assistant allows in a topic level.</summary>
    internal static string NodeId(string homeId) => "homegateway_" + NotAllowed().Replace(homeId, "_");

    [GeneratedRegex("[^a-zA-Z0-9_-]")]
    private static partial Regex NotAllowed();
}

/// <summary>
/// Listens for Home Assistant's birth message (<c>&lt;prefix&gt;/status</c> = <c>online</c>). Apart from the bridge, so
/// the MQTT input can depend on it without a cycle (the bridge publishes through the broker that feeds the input).
/// </summary>
public sealed class HomeAssistantBirth(IOptions<GatewayOptions> options) : IMqttTopicHandler
{
    private readonly HomeAssistantOptions _options = options.Value.HomeAssistant;

    public event Action? CameOnline;

    public string StatusTopic => _options.DiscoveryPrefix + "/status";

    public IReadOnlyCollection<string> Topics => _options.Enabled ? [StatusTopic] : [];

    public Task HandleAsync(string topic, ReadOnlySequence<byte> payload, CancellationToken cancellationToken)
    {
        if (_options.Enabled && topic == StatusTopic && payload.Length < 64 && Encoding.UTF8.GetString(payload).Trim() == "online")
        {
            CameOnline?.Invoke();
        }

        return Task.CompletedTask;
    }
}

internal static partial class HomeAssistantLog
{
    [LoggerMessage(2800, LogLevel.Information, "Home Assistant discovery published under {Prefix} for device {Node}")]
    public static partial void DiscoveryPublished(ILogger logger, string prefix, string node);

    [LoggerMessage(2801, LogLevel.Warning, "Could not publish {Topic} for Home Assistant: {Problem}")]
    public static partial void PublishFailed(ILogger logger, string topic, string problem);
}
