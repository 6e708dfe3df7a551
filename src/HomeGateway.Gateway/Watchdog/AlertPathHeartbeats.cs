namespace HomeGateway.Gateway.Watchdog;

/// <summary>
/// The heartbeats of the loops an alert travels through, read by <see cref="SystemdWatchdog"/>:
/// <see cref="Pipeline"/> — the alert pipeline's loop, which journals every sensor event and ticks the rules' timers
/// (the journal has no loop of its own: the pipeline writes it); <see cref="Uplink"/> — the dispatch uplink's
/// supervisor loop, alive whether or not dispatch answers (dispatch being down is no reason to restart).
/// </summary>
public sealed class AlertPathHeartbeats
{
    /// <summary>How often the pipeline wakes (and beats) when nothing happens.</summary>
    public static readonly TimeSpan PipelineWake = TimeSpan.FromSeconds(5);

    // A journal batch on a slow SD card takes a second or two; six missed wakes is a loop that no longer runs.
    private static readonly TimeSpan PipelineSilence = TimeSpan.FromSeconds(30);

    // The uplink beats between reconnects (at most 30 s of backoff), while it waits for Welcome (15 s) and at every
    // stream heartbeat: two minutes, or three stream heartbeats if those are set longer, is a stuck loop.
    private static readonly TimeSpan UplinkSilence = TimeSpan.FromMinutes(2);

    /// <param name="uplinkStreamHeartbeat">Gateway:Dispatch:HeartbeatSeconds: how long the uplink may idle on a healthy stream.</param>
    public AlertPathHeartbeats(TimeProvider time, TimeSpan uplinkStreamHeartbeat)
    {
        Pipeline = new LoopHeartbeat("alert pipeline (journal and rules)", PipelineSilence, time);
        var uplinkSilence = uplinkStreamHeartbeat * 3 > UplinkSilence ? uplinkStreamHeartbeat * 3 : UplinkSilence;
        Uplink = new LoopHeartbeat("dispatch uplink supervisor", uplinkSilence, time);
    }

    public LoopHeartbeat Pipeline { get; }

    public LoopHeartbeat Uplink { get; }

    public IEnumerable<LoopHeartbeat> All => [Pipeline, Uplink];

    /// <summary>The loops that stalled; empty when all are healthy.</summary>
    public IReadOnlyList<LoopHeartbeat> Stalled() => [.. All.Where(loop => !loop.IsHealthy)];
}
