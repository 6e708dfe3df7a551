namespace HomeGateway.Dispatch.Hosting;

/// <summary>
/// The loop of a background service that acts at deadlines on <see cref="TimeProvider"/>: run a pass, then sleep until
/// the next deadline it names or until something wakes it, whichever is first. A failed pass is logged and retried
/// shortly, because the service must keep going when the store is briefly unavailable.
/// </summary>
internal static class DeadlineLoop
{
    public static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(5);

    /// <param name="pass">Acts on everything due; returns the next deadline, or null when nothing is pending.</param>
    /// <param name="wakeSignal">
    /// Called before each pass: a task that completes when something changed (taken before the pass, so a change during
    /// the pass is not missed).
    /// </param>
    public static async Task RunAsync(
        Func<CancellationToken, Task<DateTimeOffset?>> pass,
        Func<CancellationToken, Task> wakeSignal,
        Action<Exception> failed,
        TimeProvider time,
        CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            using var sleep = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var signal = wakeSignal(sleep.Token);
            DateTimeOffset? next;
            try
            {
                next = await pass(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failed(ex);
                next = time.GetUtcNow() + RetryAfterFailure;
            }

            var waits = new List<Task> { signal, Task.Delay(Timeout.InfiniteTimeSpan, sleep.Token) };
            if (next is { } due)
            {
                var delay = due - time.GetUtcNow();
                waits.Add(delay > TimeSpan.Zero ? Task.Delay(delay, time, sleep.Token) : Task.CompletedTask);
            }

            await Task.WhenAny(waits);
            await sleep.CancelAsync();
        }
    }
}
