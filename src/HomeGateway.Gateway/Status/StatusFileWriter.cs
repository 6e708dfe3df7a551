using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Configuration;
using HomeGateway.Gateway.Mqtt;
using HomeGateway.Gateway.Uplink;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HomeGateway.Gateway.Status;

/// <summary>
/// Writes <see cref="GatewayStatus"/> to <c>status.json</c> atomically (a reader never sees half a file): looked at
/// every <see cref="Interval"/>, rewritten when anything but its time changed and at least every <see cref="Heartbeat"/>,
/// so a live gateway's file is never older than readers' staleness rule while a quiet home's costs a write per
/// heartbeat instead of one per 5 s. It goes to the runtime directory (<c>/run/homegateway</c> under systemd: RAM, no
/// SD-card wear) so the technician's commands can read it without talking to the service; outside systemd it is in
/// the data directory, where make bench (storageWrites, --status-dir data) measured a quiet gateway writing 9.3 MB an
/// hour with a rewrite every 5 s, 4.1 MB with this rule.
/// </summary>
public sealed class StatusFileWriter(
    IOptions<GatewayOptions> options,
    HomeConfigSource homeSource,
    SensorBoard board,
    SensorInputStats mqttStats,
    Journal.Journal journal,
    DispatchUplink uplink,
    MqttLinkHealth mqttHealth,
    Telemetry.InfluxWriter telemetry,
    TimeProvider time,
    ILogger<StatusFileWriter> logger,
    Feedback.ClientFeedback? feedback = null) : BackgroundService
{
    public const string FileName = "status.json";

    /// <summary>How often the status is looked at (and the file rewritten when it changed); readers call a file older than a few of these stale.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    /// <summary>The longest a live gateway leaves the file unwritten; below the readers' staleness rule (Cli.StatusFile.StaleAfter).</summary>
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(20);

    /// <summary>The outbox snapshot counts the backlog (a scan): refreshed at most this often, not every write.</summary>
    private static readonly TimeSpan OutboxRefresh = TimeSpan.FromSeconds(30);

    private readonly DateTimeOffset _startedAt = time.GetUtcNow();
    private Journal.OutboxSnapshot? _outbox;
    private DateTimeOffset _outboxAt;
    private bool _failing;
    private byte[]? _lastContent;
    private DateTimeOffset _lastWrittenAt;
    private string? _lastPath;

    /// <summary>Where the file goes: <c>Gateway:RuntimeDirectory</c>, else systemd's <c>RUNTIME_DIRECTORY</c>, else the data directory.</summary>
    public static string PathFor(GatewayOptions options) =>
        Path.Combine(
            options.RuntimeDirectory is { Length: > 0 } configured ? configured
            : Environment.GetEnvironmentVariable("RUNTIME_DIRECTORY") is { Length: > 0 } systemd ? systemd.Split(':')[0]
            : options.DataDirectory,
            FileName);

    public GatewayStatus Snapshot()
    {
        var home = homeSource.Current;
        var sensors = new List<SensorStatus>(home.Sensors.Count);
        foreach (var sensor in home.Sensors)
        {
            var report = board.Find(sensor.Id);
            var input = mqttStats.Snapshot(sensor.Id);
            var messageSeen = input?.LastSeen;
            var lastSeen = report?.LastEventAt is { } e && (messageSeen is null || e > messageSeen) ? e : messageSeen;
            sensors.Add(new SensorStatus
            {
                Id = sensor.Id,
                Kind = SensorKindNames.ToName(sensor.Kind),
                Location = sensor.Location,
                Input = DescribeInput(sensor),
                State = sensor.Kind == SensorKind.Tamper ? report?.Tamper : report?.State,
                Value = report?.Value,
                StateAt = report?.StateAt,
                Availability = report?.Availability,
                Tamper = sensor.Kind == SensorKind.Tamper ? null : report?.Tamper,
                LastSeen = lastSeen,
                BatteryPercent = input?.BatteryPercent ?? report?.BatteryPercent,
                BatteryLow = input?.BatteryLow,
                LinkQuality = input?.LinkQuality ?? report?.LinkQuality,
                VoltageMillivolts = input?.VoltageMillivolts,
                Accepted = input?.Accepted ?? 0,
                Rejected = input?.Rejected ?? 0,
                LastRejection = input?.LastRejectionReason,
                LastRejectedAt = input?.LastRejectedAt,
                LastPublisher = input?.LastPublisher,
                Dropped = input?.Dropped ?? 0,
            });
        }

        var link = mqttHealth.Current;
        var now = time.GetUtcNow();
        if (_outbox is null || now - _outboxAt >= OutboxRefresh || (journal.OutboxDepth == 0) != (_outbox.Depth == 0))
        {
            _outbox = journal.Outbox;
            _outboxAt = now;
        }

        var outbox = _outbox;
        return new GatewayStatus
        {
            Mqtt = new MqttStatus
            {
                Mode = link.Mode,
                Broker = link.Broker,
                Connected = link.IsConnected,
                Since = link.Since,
                LastError = link.LastError,
                LastErrorAt = link.LastErrorAt,
                Reconnects = link.Reconnects,
            },
            WrittenAt = time.GetUtcNow(),
            StartedAt = _startedAt,
            HomeId = home.HomeId,
            GatewayId = uplink.GatewayId,
            Software = DispatchUplink.SoftwareVersion,
            Uplink = new UplinkStatus { State = uplink.State.ToString().ToLowerInvariant(), OutboxDepth = journal.OutboxDepth, LastSeq = journal.LastSeq, AckedSeq = journal.AckedSeq,
                OldestPendingAt = journal.OutboxDepth == 0 ? null : outbox.OldestPendingAt,
                DroppedTelemetry = outbox.Dropped,
                JournalBytes = outbox.UsedBytes,
                JournalMaxBytes = outbox.MaxBytes,
                JournalSetAside = journal.Recovery is { } r ? $"{r.MovedTo} ({r.Reason}, {r.At:O})" : null,
                JournalDamage = journal.LastCheck is { Damage: { } damage } check ? $"{damage} (found {check.At:O})" : null,
                JournalCheckedAt = journal.LastIntactAt,
            },
            UnknownTopicMessages = mqttStats.TotalUnknownTopicMessages,
            Sensors = sensors,
            Telemetry = telemetry.Enabled
                ? new TelemetryStatus
                {
                    State = telemetry.State.ToString().ToLowerInvariant(),
                    Url = options.Value.Telemetry.Url ?? "",
                    Buffered = telemetry.Buffered,
                    Written = telemetry.Written,
                    Rejected = telemetry.Rejected,
                    Dropped = telemetry.Dropped,
                    LastWriteAt = telemetry.LastWriteAt,
                    LastError = telemetry.LastError,
                    LastErrorAt = telemetry.LastErrorAt,
                }
                : null,
            Feedback = feedback?.Snapshot(),
            HomeFile = homeSource.FileProblem is { } refused
                ? new HomeFileStatus { Path = homeSource.HomeFilePath, InForce = refused.StartedFromLastGood ? "last-good-copy" : "earlier-file", Problems = refused.Lines, RefusedAt = refused.At }
                : null,
        };
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var path = PathFor(options.Value);
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            WriteIfChanged(path);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        // One last write, so the file shows the state at shutdown rather than up to 5 s before it.
        Write(PathFor(options.Value));
    }

    /// <summary>Writes the file when anything but its time changed since the last write, or the last is a <see cref="Heartbeat"/> old; true when it wrote.</summary>
    internal bool WriteIfChanged(string path)
    {
        var snapshot = Snapshot();
        var content = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(snapshot with { WrittenAt = default }, StatusJsonContext.Default.GatewayStatus);
        if (path == _lastPath && _lastContent is not null && content.AsSpan().SequenceEqual(_lastContent) && snapshot.WrittenAt - _lastWrittenAt < Heartbeat)
        {
            return false;
        }

        if (Write(path, snapshot))
        {
            (_lastPath, _lastContent, _lastWrittenAt) = (path, content, snapshot.WrittenAt);
        }

        return true;
    }

    internal void Write(string path) => Write(path, Snapshot());

    private bool Write(string path, GatewayStatus snapshot)
    {
        try
        {
            var bytes = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(snapshot, StatusJsonContext.Default.GatewayStatus);
            // In RAM under systemd, and rewritten at least every heartbeat: no fsync.
            AtomicFile.Write(path, bytes, AtomicFile.GroupReadable, durable: false);
            if (_failing)
            {
                _failing = false;
                StatusLog.WritingAgain(logger, path);
            }

            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The status file is a convenience: failing to write it must never touch the alarm path. Logged once per outage.
            if (!_failing)
            {
                _failing = true;
                StatusLog.WriteFailed(logger, path, ex.Message);
            }

            return false;
        }
    }

    internal static string DescribeInput(SensorConfig sensor) =>
        sensor.Gpio is { } gpio ? $"gpio:{gpio.Pin}"
        : sensor.Mqtt is { } mqtt ? $"mqtt:{mqtt.Topic} ({mqtt.Profile})"
        : sensor.I2c is { } i2c ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"i2c:{i2c.Bus}/0x{i2c.Address:x2} ({i2c.Chip})")
        : "none";
}

internal static partial class StatusLog
{
    [LoggerMessage(2700, LogLevel.Warning, "Cannot write the status file {Path} ({Problem}); `homegateway sensors` will show old data until it can")]
    public static partial void WriteFailed(ILogger logger, string path, string problem);

    [LoggerMessage(2701, LogLevel.Information, "Writing the status file {Path} again")]
    public static partial void WritingAgain(ILogger logger, string path);
}
