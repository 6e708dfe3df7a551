using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.I2c;
using HomeGateway.Gateway.Journal;

namespace HomeGateway.Gateway.Pipeline;

/// <summary>
/// Which sensor reports the journal may let an earlier record stand for. Many devices restate their state on a timer —
/// a mmWave radar says "detected" every 5 s, smoke and leak detectors check in with "clear", a thermometer repeats the
/// same reading — and each journalled report is an fsync'd commit on the SD card. A report that repeats, unchanged, the
/// last journalled report of the same sensor and kind is therefore not journalled again until <see cref="Interval"/> has
/// passed since that record; the rules still decide it, and the input is told it is durable with the sequence number of
/// the record it repeats, whose content it is (the time of arrival is what is not kept).
/// <para>
/// "Unchanged" is the state, value, battery (percentage and flag), detail, source and publisher; the link quality and the
/// time may differ. A thermometer's value counts as unchanged within <see cref="JournalThinning.TemperatureStep"/> of the
/// journalled one and on the same side of every limit of the temperature rule, as a wired thermometer's readings are
/// thinned (<see cref="JournalThinning"/>): a Zigbee thermometer restating 21.3, 21.4, 21.3 °C every 30 s would otherwise
/// be a quarter of a busy home's commits. The rules still see every reading; the journal, and so dispatch, keeps one
/// that differs from it by less than half a degree. Never a stand-in: a help button, medication, visit or mains-power report; a fall, tamper, smoke, leak,
/// gas or CO report of anything but "clear"; and an event that shares its message with others (a Tasmota message
/// carrying several sensors: its receipt is kept with the last of them).
/// </para>
/// Used by the pipeline's loop only: not thread-safe.
/// </summary>
public sealed class RepeatedReports
{
    /// <summary>The default: a radar reporting every 5 s is journalled 12 times an hour instead of 720.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMinutes(5);

    /// <summary>The longest allowed: a restart after a crash may lose the arrival times of repeats this far back.</summary>
    public static readonly TimeSpan MaxInterval = TimeSpan.FromHours(1);

    private readonly Dictionary<(string SensorId, SensorKind Kind), Journalled> last = [];

    public RepeatedReports(TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(interval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(interval, MaxInterval);
        Interval = interval;
    }

    /// <summary>How long a journalled report may stand for unchanged repeats of it; zero journals every report.</summary>
    public TimeSpan Interval { get; }

    /// <summary>Reports the journal let an earlier record stand for, since start.</summary>
    public long StoodFor { get; private set; }

    /// <summary>
    /// For each event of a batch, in order: the sequence number of the journalled record it repeats unchanged (so it is not
    /// journalled), or null (journal it). <paramref name="firstSeq"/> is the number the batch's first journalled event will
    /// get: an event may repeat one journalled earlier in the same batch.
    /// </summary>
    /// <paramref name="temperatureRule"/> is the care plan's (its limits are journalled when crossed).
    public long?[] Classify(
        IReadOnlyList<SensorEvent> events, IReadOnlyList<MessageReceipt?> receipts, long firstSeq, DateTimeOffset now,
        TemperatureRuleConfig? temperatureRule = null)
    {
        var standIns = new long?[events.Count];
        if (Interval <= TimeSpan.Zero)
        {
            return standIns;
        }

        Dictionary<(string, SensorKind), (SensorEvent Event, long Seq)>? inBatch = null;
        var next = firstSeq;
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            var key = (e.SensorId, e.Kind);
            if (MayStandIn(e, receipts[i]))
            {
                if (inBatch is not null && inBatch.TryGetValue(key, out var earlier))
                {
                    if (Unchanged(earlier.Event, e, temperatureRule))
                    {
                        standIns[i] = earlier.Seq;
                        continue;
                    }
                }
                else if (last.TryGetValue(key, out var journalled) && now - journalled.At < Interval && Unchanged(journalled.Event, e, temperatureRule))
                {
                    standIns[i] = journalled.Seq;
                    continue;
                }
            }

            (inBatch ??= [])[key] = (e, next++);
        }

        return standIns;
    }

    /// <summary>
    /// The batch committed: its journalled events are what later repeats are compared with. <paramref name="seqs"/> is each
    /// event's number (a stand-in's: the record it repeats).
    /// </summary>
    public void Committed(IReadOnlyList<SensorEvent> events, long?[] standIns, IReadOnlyList<long> seqs, DateTimeOffset now)
    {
        for (var i = 0; i < events.Count; i++)
        {
            if (standIns[i] is not null)
            {
                StoodFor++;
                continue;
            }

            var e = events[i];
            last[(e.SensorId, e.Kind)] = new Journalled(e, seqs[i], now);
        }
    }

    private static bool MayStandIn(SensorEvent e, MessageReceipt? receipt)
    {
        if (receipt is { EventCount: > 1 })
        {
            return false;
        }

        return e.Kind switch
        {
            SensorKind.Door or SensorKind.Motion or SensorKind.Presence or SensorKind.Bed or SensorKind.Chair
                or SensorKind.Temperature or SensorKind.Availability => true,
            // An alarm kind only in its resting state: a radar's "no fall" with every presence report, a detector's check-in.
            SensorKind.Fall or SensorKind.Smoke or SensorKind.WaterLeak or SensorKind.Gas or SensorKind.CarbonMonoxide or SensorKind.Tamper
                => e.State == SensorStates.Clear,
            _ => false,
        };
    }

    private static bool Unchanged(SensorEvent journalled, SensorEvent e, TemperatureRuleConfig? temperatureRule) =>
        journalled.State == e.State
        && (journalled.Value == e.Value
            || (e.Kind == SensorKind.Temperature && journalled.Value is { } before && e.Value is { } reading
                && double.IsFinite(before) && double.IsFinite(reading) && JournalThinning.IsWithinStep(temperatureRule, before, reading)))
        && journalled.BatteryPercent == e.BatteryPercent
        && journalled.BatteryLow == e.BatteryLow
        && journalled.Detail == e.Detail
        && journalled.Source == e.Source
        && journalled.Publisher == e.Publisher
        && journalled.HomeId == e.HomeId;

    private readonly record struct Journalled(SensorEvent Event, long Seq, DateTimeOffset At);
}
