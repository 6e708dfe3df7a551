using System.Text.Json;
using System.Text.Json.Serialization;

namespace HomeGateway.Gateway.Status;

/// <summary>
/// What the running service writes to <c>status.json</c> for the technician's commands (<c>homegateway sensors</c>):
/// a published format, version 1. Fields are only ever added. Holds client data (door and bed states): the file is
/// readable by the service user and its group only.
/// </summary>
public sealed record GatewayStatus
{
    public const int CurrentVersion = 1;

    public int Version { get; init; } = CurrentVersion;

    /// <summary>When the service wrote this; an old value means the service is stopped or stuck.</summary>
    public DateTimeOffset WrittenAt { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    public string HomeId { get; init; } = "";

    public string GatewayId { get; init; } = "";

    public string Software { get; init; } = "";

    public UplinkStatus Uplink { get; init; } = new();

    /// <summary>The link to the home's MQTT broker (embedded, or external in client mode).</summary>
    public MqttStatus? Mqtt { get; init; }

    /// <summary>Messages on MQTT topics of no sensor in the home file, since start.</summary>
    public long UnknownTopicMessages { get; init; }

    public IReadOnlyList<SensorStatus> Sensors { get; init; } = [];

    /// <summary>Telemetry to InfluxDB; null while it is off (<c>Gateway:Telemetry:Enabled</c>).</summary>
    public TelemetryStatus? Telemetry { get; init; }

    /// <summary>What the client sees and hears at home (null when no LED or buzzer is configured).</summary>
    public FeedbackStatus? Feedback { get; init; }

    /// <summary>
    /// Set while the care plan in force is not the home file on disk (the file was refused on a reload, or the service
    /// started from the last good copy); null while they are the same.
    /// </summary>
    public HomeFileStatus? HomeFile { get; init; }
}

/// <summary>The home file on disk was refused: the gateway runs an earlier, valid plan.</summary>
public sealed record HomeFileStatus
{
    public string Path { get; init; } = "";

    /// <summary><c>last-good-copy</c> (the service started with a broken file) or <c>earlier-file</c> (a reload was refused).</summary>
    public string InForce { get; init; } = "";

    /// <summary>The file's problems, each as FILE:LINE: field: problem.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    public DateTimeOffset RefusedAt { get; init; }
}

/// <summary>The telemetry writer's health: it never affects alerts, but a technician wants to see why graphs are empty.</summary>
/// <summary>The home's LED and buzzer, and the alerts behind them.</summary>
public sealed record FeedbackStatus
{
    /// <summary>The LED's pattern: steady (help is coming), alarm-pending, alarm-delivered, offline, heartbeat, dark.</summary>
    public string Led { get; init; } = "";

    public string Buzzer { get; init; } = "";

    /// <summary>The alerts the LED shows as an alarm (raised, not yet acknowledged, cleared or resolved).</summary>
    public IReadOnlyList<string> Alarms { get; init; } = [];

    /// <summary>The alert whose acknowledgement the LED shows as "help is coming", while it does.</summary>
    public string? HelpComingFor { get; init; }
}

public sealed record TelemetryStatus
{
    /// <summary><c>idle</c> (nothing written yet), <c>writing</c> (the last write went through) or <c>waiting</c> (backing off after a failure).</summary>
    public string State { get; init; } = "";
    public string Url { get; init; } = "";

    /// <summary>Points waiting in memory for InfluxDB.</summary>
    public long Buffered { get; init; }

    /// <summary>Since start: lines written, lines InfluxDB refused (dropped), points dropped because the buffer was full.</summary>
    public long Written { get; init; }
    public long Rejected { get; init; }
    public long Dropped { get; init; }
    public DateTimeOffset? LastWriteAt { get; init; }
    public string? LastError { get; init; }
    public DateTimeOffset? LastErrorAt { get; init; }
}

/// <summary>The link to dispatch and what is waiting for it.</summary>
public sealed record UplinkStatus
{
    /// <summary><c>disabled</c>, <c>connecting</c>, <c>connected</c> or <c>waiting</c> (backing off before a retry).</summary>
    public string State { get; init; } = "";

    /// <summary>Journal records dispatch has not acknowledged yet.</summary>
    public long OutboxDepth { get; init; }

    /// <summary>The last sequence number journalled, and the last one dispatch acknowledged as stored.</summary>
    public long LastSeq { get; init; }
    public long AckedSeq { get; init; }

    /// <summary>When the oldest record still waiting for dispatch was journalled.</summary>
    public DateTimeOffset? OldestPendingAt { get; init; }

    /// <summary>Sensor events dropped unsent under the disk budget since the journal began (alerts are never dropped).</summary>
    public long DroppedTelemetry { get; init; }

    /// <summary>Bytes the journal uses, and its budget (<c>Gateway:Journal:MaxBytes</c>).</summary>
    public long JournalBytes { get; init; }
    public long JournalMaxBytes { get; init; }

    /// <summary>Set when the journal file was unreadable at start and moved aside: where it went and why.</summary>
    public string? JournalSetAside { get; init; }

    /// <summary>Set when the running check found the journal damaged: what SQLite said, and when (a restart sets the file aside).</summary>
    public string? JournalDamage { get; init; }

    /// <summary>
    /// When the service last read the whole journal and found it intact (at its start after a stop that was not clean, or
    /// in its running check); null before either and once damage was found. The service holds the file's lock, so
    /// <c>homegateway doctor</c> reports this instead of reading the file itself while the service runs.
    /// </summary>
    public DateTimeOffset? JournalCheckedAt { get; init; }
}

/// <summary>The MQTT side: which broker, and in client mode whether the gateway is connected to it.</summary>
public sealed record MqttStatus
{
    /// <summary><c>embedded</c> or <c>external</c>.</summary>
    public string Mode { get; init; } = "";
    public string Broker { get; init; } = "";
    public bool Connected { get; init; }
    public DateTimeOffset? Since { get; init; }
    public string? LastError { get; init; }
    public DateTimeOffset? LastErrorAt { get; init; }
    public long Reconnects { get; init; }
}

/// <summary>One sensor of the home file with what it last said; nulls for what it never reported.</summary>
public sealed record SensorStatus
{
    /// <summary>Who handed over its last MQTT message: <c>login:NAME</c> (embedded broker) or <c>broker:HOST:PORT</c> (external).</summary>
    public string? LastPublisher { get; init; }

    /// <summary>MQTT messages read from it that never reached the journal (the gateway was stopping).</summary>
    public long Dropped { get; init; }

    public string Id { get; init; } = "";
    public string Kind { get; init; } = "";
    public string? Location { get; init; }

    /// <summary><c>gpio:17</c> or <c>mqtt:zigbee2mqtt/front_door (zigbee2mqtt)</c>.</summary>
    public string Input { get; init; } = "";

    public string? State { get; init; }
    public double? Value { get; init; }
    public DateTimeOffset? StateAt { get; init; }

    /// <summary><c>online</c>/<c>offline</c> as its network last reported it.</summary>
    public string? Availability { get; init; }

    public string? Tamper { get; init; }

    /// <summary>The last readable message or event from it.</summary>
    public DateTimeOffset? LastSeen { get; init; }

    public int? BatteryPercent { get; init; }

    /// <summary>The device's own low-battery flag (Zigbee2MQTT <c>battery_low</c>), when it has one.</summary>
    public bool? BatteryLow { get; init; }

    public int? LinkQuality { get; init; }

    /// <summary>The last battery or supply voltage the device reported, in mV.</summary>
    public int? VoltageMillivolts { get; init; }

    /// <summary>Messages read / refused since the service started (MQTT sensors).</summary>
    public long Accepted { get; init; }
    public long Rejected { get; init; }

    /// <summary>Why the last refused message was refused, and when.</summary>
    public string? LastRejection { get; init; }
    public DateTimeOffset? LastRejectedAt { get; init; }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(GatewayStatus))]
internal sealed partial class StatusJsonContext : JsonSerializerContext;
