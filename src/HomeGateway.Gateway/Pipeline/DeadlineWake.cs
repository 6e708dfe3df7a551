namespace HomeGateway.Gateway.Pipeline;

/// <summary>
/// A timer kept across a loop's turns while its time stays the same: the pipeline's for the rules engine's next deadline,
/// the uplink's for its batch window and heartbeat. A timer made and cancelled on every turn cost a wake-up of the
/// runtime's timer thread (and, cancelled with CancelAsync, a pool hand-over) per sensor event.
/// </summary>
internal sealed class DeadlineWake(TimeProvider time, CancellationToken stopping) : IDisposable
{
    private DateTimeOffset? due;
    private Task? wake;
    private CancellationTokenSource? cancel;

    /// <summary>
    /// A task that completes at <paramref name="next"/> (at once when that has passed); null when there is no deadline.
    /// The same task while the deadline is unchanged and not reached; a fired one is not handed out again.
    /// </summary>
    public Task? Until(DateTimeOffset? next)
    {
        if (next == due && wake is { IsCompleted: false })
        {
            return wake;
        }

        Cancel();
        due = next;
        if (next is not { } at)
        {
            wake = null;
            return null;
        }

        var delay = at - time.GetUtcNow();
        if (delay <= TimeSpan.Zero)
        {
            wake = Task.CompletedTask;
            return wake;
        }

        // Whole milliseconds, rounded up. The runtime's timers count milliseconds of a coarse clock (4 ms ticks on Linux)
        // and fire up to a tick before the deadline; the loop then asked again with a fraction of a millisecond left, which
        // a timer truncates to nothing, and spun — a thousand turns a second on the busy bench flow (make bench nodeRed).
        // Rounded up, an early timer costs one more short wait, and an alert comes at most a tick late.
        delay = TimeSpan.FromMilliseconds(Math.Ceiling(delay.TotalMilliseconds));
        cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        wake = Task.Delay(delay, time, cancel.Token);
        return wake;
    }

    public void Dispose() => Cancel();

    private void Cancel()
    {
        if (cancel is null)
        {
            return;
        }

        cancel.Cancel();
        cancel.Dispose();
        cancel = null;
    }
}
