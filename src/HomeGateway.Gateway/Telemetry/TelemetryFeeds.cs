using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Configuration;
using HomeGateway.Gateway.Pipeline;
using HomeGateway.Gateway.Uplink;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HomeGateway.Gateway.Telemetry;

/// <summary>
/// Turns every sensor event the inputs hand over into a <c>sensor</c> point (state, value, battery, link quality).
/// Sees events as the inbox accepts them, before the journal: it only copies, and <see cref="InfluxWriter.Enqueue"/>
/// never waits, so the alert path is not slowed.
/// </summary>
public sealed class SensorTelemetry : ISensorEventObserver
{
    public const string Measurement = "sensor";

    private readonly InfluxWriter _writer;
    private readonly Func<string, string?> _locationOf;

    public SensorTelemetry(InfluxWriter writer, HomeConfigSource home)
        : this(writer, sensorId => home.Current.FindSensor(sensorId)?.Location)
    {
    }

    internal SensorTelemetry(InfluxWriter writer, Func<string, string?> locationOf)
    {
        _writer = writer;
        _locationOf = locationOf;
    }

    public void OnSensorEvent(SensorEvent sensorEvent)
    {
        if (_writer.Enabled)
        {
            _writer.Enqueue(ToPoint(sensorEvent, _locationOf(sensorEvent.SensorId)));
        }
    }

    internal static TelemetryPoint ToPoint(SensorEvent e, string? location)
    {
        var tags = new List<KeyValuePair<string, string>>(4)
        {
            new("home", e.HomeId),
            new("sensor", e.SensorId),
            new("kind", SensorKindNames.ToName(e.Kind)),
            new("location", location ?? ""),
        };
        var fields = new List<KeyValuePair<string, FieldValue>>(5) { new("state", FieldValue.Of(e.State)) };
        if (e.Value is { } value)
        {
            fields.Add(new("value", FieldValue.Of(value)));
        }

        if (e.BatteryPercent is { } battery)
        {
            fields.Add(new("battery_percent", FieldValue.Of((long)battery)));
        }

        if (e.BatteryLow is { } low)
        {
            fields.Add(new("battery_low", FieldValue.Of(low)));
        }

        if (e.LinkQuality is { } link)
        {
            fields.Add(new("link_quality", FieldValue.Of((long)link)));
        }

        return new TelemetryPoint(Measurement, tags, fields, e.At);
    }
}

/// <summary>
/// Writes a <c>gateway_health</c> point every <c>HealthIntervalSeconds</c>: CPU temperature (when the board exposes it),
/// process memory, outbox depth, uplink state and the telemetry points dropped so far.
/// </summary>
public sealed class GatewayHealthTelemetry(
    IOptions<GatewayOptions> options,
    InfluxWriter writer,
    HomeConfigSource home,
    Journal.Journal journal,
    DispatchUplink uplink,
    TimeProvider time,
    ILogger<GatewayHealthTelemetry> logger) : BackgroundService
{
    public const string Measurement = "gateway_health";

    /// <summary>The SoC temperature in millidegrees on a Raspberry Pi (and most Linux boards).</summary>
    internal const string CpuTemperatureFile = "/sys/class/thermal/thermal_zone0/temp";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!writer.Enabled)
        {
            return;
        }

        // The first point after one interval, not at start: the other services (the uplink) are still starting then.
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.Telemetry.HealthIntervalSeconds), time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                writer.Enqueue(Snapshot());
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                TelemetryLog.HealthFailed(logger, ex);
            }
        }
    }

    internal TelemetryPoint Snapshot()
    {
        var fields = new List<KeyValuePair<string, FieldValue>>(8);
        if (ReadCpuTemperature(CpuTemperatureFile) is { } celsius)
        {
            fields.Add(new("cpu_temperature_c", FieldValue.Of(celsius)));
        }

        using var process = System.Diagnostics.Process.GetCurrentProcess();
        fields.Add(new("memory_bytes", FieldValue.Of(process.WorkingSet64)));
        fields.Add(new("managed_heap_bytes", FieldValue.Of(GC.GetTotalMemory(forceFullCollection: false))));
        fields.Add(new("outbox_depth", FieldValue.Of(journal.OutboxDepth)));
        fields.Add(new("uplink_state", FieldValue.Of(uplink.State.ToString().ToLowerInvariant())));
        fields.Add(new("telemetry_dropped", FieldValue.Of(writer.Dropped)));
        fields.Add(new("telemetry_rejected", FieldValue.Of(writer.Rejected)));
        var tags = new List<KeyValuePair<string, string>>(2) { new("home", home.Current.HomeId), new("gateway", uplink.GatewayId) };
        return new TelemetryPoint(Measurement, tags, fields, time.GetUtcNow());
    }

    /// <summary>Degrees Celsius from a thermal zone file (millidegrees), or null where there is none (a VM, a laptop).</summary>
    internal static double? ReadCpuTemperature(string path)
    {
        try
        {
            return long.TryParse(File.ReadAllText(path).Trim(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var milli)
                ? milli / 1000.0
                : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
