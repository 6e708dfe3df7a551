using System.Collections.Concurrent;
using HomeGateway.Core.Events;

namespace HomeGateway.Gateway.Status;

/// <summary>
/// The last thing each sensor said, for the technician (<c>homegateway sensors</c>): its own state, its availability,
/// its tamper switch, and the last battery and link quality it reported. Fed with every event the inputs hand over.
/// Thread-safe; one entry per sensor id, so bounded by the home file (events for unknown ids never get this far).
/// </summary>
public sealed class SensorBoard
{
    private readonly ConcurrentDictionary<string, SensorReport> _reports = new(StringComparer.Ordinal);

    public void Record(SensorEvent e) =>
        _reports.AddOrUpdate(e.SensorId, _ => Apply(new SensorReport(), e), (_, old) => Apply(old, e));

    public SensorReport? Find(string sensorId) => _reports.GetValueOrDefault(sensorId);

    private static SensorReport Apply(SensorReport report, SensorEvent e)
    {
        report = e.Kind switch
        {
            SensorKind.Availability => report with { Availability = e.State, AvailabilityAt = e.At },
            // Kept apart: a door's tamper report must not overwrite the door's open/closed (a tamper sensor's own
            // state is read from here by the status view).
            SensorKind.Tamper => report with { Tamper = e.State },
            _ => report with { State = e.State, Value = e.Value, StateAt = e.At, Source = e.Source },
        };
        return report with
        {
            LastEventAt = e.At,
            BatteryPercent = e.BatteryPercent ?? report.BatteryPercent,
            LinkQuality = e.LinkQuality ?? report.LinkQuality,
        };
    }
}

/// <summary>What <see cref="SensorBoard"/> knows of one sensor; nulls for what it never reported.</summary>
public sealed record SensorReport
{
    public string? State { get; init; }
    public double? Value { get; init; }
    public DateTimeOffset? StateAt { get; init; }
    public string? Source { get; init; }
    public string? Availability { get; init; }
    public DateTimeOffset? AvailabilityAt { get; init; }
    public string? Tamper { get; init; }
    public DateTimeOffset? LastEventAt { get; init; }
    public int? BatteryPercent { get; init; }
    public int? LinkQuality { get; init; }
}
