using System.Device.I2c;
using System.Globalization;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Mqtt;
using HomeGateway.Gateway.Status;
using Microsoft.Extensions.Logging;

namespace HomeGateway.Gateway.I2c;

/// <summary>
/// One I2C sensor, one reading at a time: opens the chip when it has none, reads it, and says which events go to the
/// pipeline (the journal: see <see cref="JournalThinning"/>) and how long to wait before the next reading. Every reading
/// updates <c>homegateway sensors</c> (the sensor board and input counters), journalled or not.
/// A chip that does not answer (NACK, wrong id, a garbled value) is one problem, reported once: a warning in the log, the
/// reason on the sensor's status entry, and an availability <c>offline</c> event (the offline rule raises it to dispatch).
/// It is tried again after <see cref="Poll"/>'s back-off: the sensor's interval, doubled each time up to
/// <see cref="LongestRetry"/>; when it answers again that is logged and an <c>online</c> event journalled.
/// Not thread-safe: one loop owns it.
/// </summary>
public sealed class I2cSensorPoller(
    string homeId,
    SensorConfig sensor,
    TemperatureRuleConfig? temperatureRule,
    I2cDeviceFactory openDevice,
    SensorBoard board,
    SensorInputStats stats,
    TimeProvider time,
    ILogger logger) : IDisposable
{
    /// <summary>The longest wait between attempts at a chip that does not answer.</summary>
    public static readonly TimeSpan LongestRetry = TimeSpan.FromMinutes(5);

    private readonly I2cInputConfig _config = sensor.I2c ?? throw new ArgumentException($"sensor '{sensor.Id}' has no i2c input", nameof(sensor));
    private readonly JournalThinning _thinning = new(temperatureRule);
    private readonly UpsBattery? _ups = sensor.I2c.Chip == I2cChips.Ina219 ? new UpsBattery(sensor.I2c.Battery ?? new UpsBatteryConfig()) : null;
    private I2cChip? _chip;
    private DateTimeOffset? _failingSince;
    private int _failures;
    private TimeSpan _retry;

    public string Source => $"i2c:{_config.Bus}/{I2cChips.Hex(_config.Address)}";

    /// <summary>True while the chip does not answer.</summary>
    public bool Failing => _failingSince is not null;

    /// <summary>Reads once. Returns the events for the pipeline (often none) and the wait until the next reading.</summary>
    public (IReadOnlyList<SensorEvent> Events, TimeSpan Next) Poll()
    {
        var events = new List<SensorEvent>(2);
        try
        {
            _chip ??= Open();
            var now = time.GetUtcNow();
            if (Failing)
            {
                // The first reading after an outage is journalled whatever it is: dispatch saw the sensor go offline.
                _thinning.Reset();
            }

            var reading = _chip switch
            {
                Bme280Chip bme => Temperature(bme.ReadCelsius(), now),
                Ina219Chip ina => Power(ina.Read(), now),
                _ => throw new InvalidOperationException($"no reader for {_chip.GetType().Name}"),
            };

            if (_failingSince is { } since)
            {
                I2cLog.ChipBack(logger, sensor.Id, Durations.Describe(Round(now - since)), _failures);
                events.Add(Event(SensorKind.Availability, SensorStates.Online, now));
                _failingSince = null;
                _failures = 0;
            }

            board.Record(reading.Event);
            stats.CountAccepted(sensor.Id, now);
            if (reading.Journal)
            {
                events.Add(reading.Event);
            }

            return (events, _config.Every);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException
            or ArgumentException or PlatformNotSupportedException or TimeoutException)
        {
            // ArgumentException: I2cDevice.Create for a bus that does not exist; PlatformNotSupported: not Linux.
            _chip?.Dispose();
            _chip = null;
            return (Failed(ex, events), _retry);
        }
    }

    private I2cChip Open()
    {
        var device = openDevice(new I2cConnectionSettings(_config.Bus, _config.Address));
        try
        {
            return I2cChip.Open(_config, device);
        }
        catch
        {
            // The binding talks to the chip as it is made: a chip that does not answer must not leave /dev/i2c-N open,
            // or every retry leaks a file handle.
            device.Dispose();
            throw;
        }
    }

    private List<SensorEvent> Failed(Exception ex, List<SensorEvent> events)
    {
        var now = time.GetUtcNow();
        _failures++;
        _retry = _failingSince is null ? Max(_config.Every, TimeSpan.FromSeconds(5)) : Min(_retry * 2, LongestRetry);
        if (_failingSince is null)
        {
            _failingSince = now;
            var problem = Describe(ex);
            I2cLog.ChipFailed(logger, sensor.Id, _config.Chip, I2cChips.Hex(_config.Address), _config.Bus, problem, Durations.Describe(_retry));
            stats.CountRejected(sensor.Id, $"I2C: the {_config.Chip} at {I2cChips.Hex(_config.Address)} on bus {_config.Bus} does not answer: {problem}", now);
            events.Add(Event(SensorKind.Availability, SensorStates.Offline, now) with { Detail = "i2c=no_answer" });
        }

        return events;
    }

    private (SensorEvent Event, bool Journal) Temperature(double celsius, DateTimeOffset now)
    {
        var e = Event(SensorKind.Temperature, SensorStates.Measured, now) with { Value = Math.Round(celsius, 2) };
        return (e, _thinning.ShouldJournal(celsius, now));
    }

    private (SensorEvent Event, bool Journal) Power(BatteryReading reading, DateTimeOffset now)
    {
        var before = _ups!.Current;
        var state = _ups.Observe(reading);
        if (state.OnBattery != before.OnBattery)
        {
            if (state.OnBattery)
            {
                I2cLog.MainsLost(logger, sensor.Id, reading.Volts, state.Percent, -reading.Milliamps,
                    state.Runtime is { } runtime ? $", about {Durations.Describe(Round(runtime))} left" : "");
            }
            else
            {
                I2cLog.MainsRestored(logger, sensor.Id, reading.Volts, state.Percent);
            }
        }

        stats.RecordHealth(sensor.Id, state.Percent, state.Low, null, (int)Math.Round(reading.Volts * 1000));
        var detail = string.Create(CultureInfo.InvariantCulture, $"battery_v={reading.Volts:0.00} current_ma={reading.Milliamps:0}")
            + (state.Runtime is { } left ? string.Create(CultureInfo.InvariantCulture, $" runtime_min={left.TotalMinutes:0}") : "");
        var e = Event(SensorKind.Power, state.OnBattery ? SensorStates.MainsLost : SensorStates.MainsRestored, now) with
        {
            BatteryPercent = state.Percent,
            BatteryLow = state.Low,
            Value = Math.Round(reading.Volts, 2),
            Detail = detail,
        };
        return (e, _thinning.ShouldJournal(state, now));
    }

    private SensorEvent Event(SensorKind kind, string state, DateTimeOffset at) => new(homeId, sensor.Id, kind, state, at, Source);

    /// <summary>
    /// The reason a chip is offline when the service may not open <c>/dev/i2c-N</c>; doctor recognises it by these words
    /// (the status file carries the reason), so keep them.
    /// </summary>
    internal const string PermissionDenied = "permission denied opening the bus: add the service user to the i2c group";

    /// <summary>What the technician reads: the driver's words, without a stack.</summary>
    private static string Describe(Exception ex) => ex switch
    {
        IOException { Message: { Length: > 0 } m } when m.Contains("chip with id", StringComparison.Ordinal) => $"another chip answers ({m})",
        UnauthorizedAccessException => PermissionDenied,
        // The Linux driver opens /dev/i2c-N at the first transfer and words a refused open "Error 13. Can not open I2C
        // device file …" (EACCES: not in the group; EPERM, error 1: the unit's DeviceAllow).
        IOException { Message: { } m } when m.StartsWith("Error 13.", StringComparison.Ordinal) || m.StartsWith("Error 1.", StringComparison.Ordinal)
            => $"{PermissionDenied} ({m})",
        _ when ex.Message.Length > 0 => ex.Message,
        _ => ex.GetType().Name,
    };

    // Minutes for a long outage, seconds for a short one: what a log line should say.
    private static TimeSpan Round(TimeSpan span) =>
        span >= TimeSpan.FromMinutes(2) ? TimeSpan.FromMinutes(Math.Round(span.TotalMinutes)) : TimeSpan.FromSeconds(Math.Max(1, Math.Round(span.TotalSeconds)));

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    public void Dispose()
    {
        _chip?.Dispose();
        _chip = null;
    }
}
