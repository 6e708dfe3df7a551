namespace HomeGateway.Gateway.Mqtt;

/// <summary>
/// The wait before the next connection attempt: doubles from <see cref="Initial"/> to <see cref="Cap"/>, with jitter so that
/// the gateway and Zigbee2MQTT (and every other client) do not all hit a restarted broker in the same second.
/// Reset after a connection that stayed up for <see cref="StableAfter"/>, so one blip after days of uptime is retried quickly.
/// </summary>
internal sealed class ReconnectBackoff(Func<double> random)
{
    public static readonly TimeSpan Initial = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan Cap = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan StableAfter = TimeSpan.FromSeconds(60);

    private TimeSpan _next = Initial;

    public ReconnectBackoff()
        : this(Random.Shared.NextDouble)
    {
    }

    /// <summary>The next wait: between half and all of the current step (never zero), then the step doubles up to the cap.</summary>
    public TimeSpan Next()
    {
        var step = _next;
        _next = TimeSpan.FromTicks(Math.Min(step.Ticks * 2, Cap.Ticks));
        return TimeSpan.FromTicks((long)(step.Ticks * (0.5 + (random() * 0.5))));
    }

    public void Reset() => _next = Initial;

    /// <summary>Resets when the connection that just ended had been up long enough to count as stable.</summary>
    public void AfterConnection(TimeSpan uptime)
    {
        if (uptime >= StableAfter)
        {
            Reset();
        }
    }
}
