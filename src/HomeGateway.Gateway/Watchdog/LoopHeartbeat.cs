namespace HomeGateway.Gateway.Watchdog;

/// <summary>
/// A loop's sign of life for the systemd watchdog: the loop calls <see cref="Beat"/> each time round, and the loop
/// counts as stalled when no beat came for <see cref="AllowedSilence"/>. Measured on <see cref="TimeProvider"/>'s
/// monotonic timestamp, so a clock step (NTP at boot) neither hides nor fakes a stall.
/// </summary>
public sealed class LoopHeartbeat
{
    private readonly TimeProvider time;
    private long lastBeat;
    private int retired;

    public LoopHeartbeat(string name, TimeSpan allowedSilence, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(allowedSilence, TimeSpan.Zero);
        Name = name;
        AllowedSilence = allowedSilence;
        this.time = time;
        // Counted from creation: a loop that never gets going (a journal that hangs on open) is a stall too.
        lastBeat = time.GetTimestamp();
    }

    /// <summary>The loop's name, as the log says it when it stalls.</summary>
    public string Name { get; }

    public TimeSpan AllowedSilence { get; }

    /// <summary>Time since the last beat (or since the heartbeat was made).</summary>
    public TimeSpan Silence => time.GetElapsedTime(Volatile.Read(ref lastBeat));

    /// <summary>True while the loop beats in time, or after it ended on purpose.</summary>
    public bool IsHealthy => Volatile.Read(ref retired) == 1 || Silence <= AllowedSilence;

    public void Beat() => Volatile.Write(ref lastBeat, time.GetTimestamp());

    /// <summary>
    /// The loop ended on purpose (the uplink with no dispatch configured): nothing is left to watch. A loop that
    /// ends by failing must not call this — its silence is what restarts the service.
    /// </summary>
    public void Retire() => Volatile.Write(ref retired, 1);
}
