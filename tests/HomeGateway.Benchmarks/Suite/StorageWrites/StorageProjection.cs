namespace HomeGateway.Benchmarks.Suite.StorageWrites;

/// <summary>
/// A day of storage writes from two measurements: a paced replay of the busy hour's sensor events (the cost per event)
/// and a quiet stretch with no event at all (what time alone costs: checkpoints, heartbeats, saves on a timer, logs).
/// The background goes on during the busy hours too, so a busy hour is its events plus an idle hour; the day is
/// <see cref="BusyHours"/> such hours plus the rest idle.
/// </summary>
public sealed record StorageProjection(
    int Events, long ReplayBytes, TimeSpan ReplayTime, long IdleBytes, TimeSpan IdleTime, int EventsPerBusyHour, int BusyHours)
{
    /// <summary>Bytes per event, less what the background would have written during the replay anyway (never below 0).</summary>
    public double BytesPerEvent => Events == 0 ? 0 : Math.Max(0, ReplayBytes - IdleBytesPerSecond * ReplayTime.TotalSeconds) / Events;

    public double IdleBytesPerSecond => IdleTime <= TimeSpan.Zero ? 0 : IdleBytes / IdleTime.TotalSeconds;

    public double IdleBytesPerHour => IdleBytesPerSecond * 3600;

    public double BusyHourBytes => EventsPerBusyHour * BytesPerEvent + IdleBytesPerHour;

    public double BytesPerDay => BusyHours * BusyHourBytes + (24 - BusyHours) * IdleBytesPerHour;

    /// <summary>Megabytes (10^6, as card makers count them) per day.</summary>
    public double MegabytesPerDay => BytesPerDay / 1e6;

    public StorageProjection Validate() =>
        Events < 0 || EventsPerBusyHour < 0 || BusyHours is < 0 or > 24
            ? throw new ArgumentOutOfRangeException(nameof(BusyHours), "events must not be negative and busy hours lie in 0..24")
            : this;
}
