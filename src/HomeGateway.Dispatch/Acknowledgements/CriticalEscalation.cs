using HomeGateway.Dispatch.Hosting;
using HomeGateway.Dispatch.LiveFeed;
using HomeGateway.Dispatch.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HomeGateway.Dispatch.Acknowledgements;

/// <summary>
/// A critical alert nobody acknowledged within <see cref="EscalationOptions.CriticalUnacknowledgedMinutes"/> of its
/// arrival at dispatch is marked escalated at exactly that time (actor <c>dispatch</c>), published live and audited.
/// The time runs on dispatch's clock from when it first received the alert: nobody here could act on it earlier, and a
/// gateway's clock may be off (the gateway escalates locally on its own clock anyway). The mark is set
/// in the store only when not yet set and only while unacknowledged, so a second runner (another node, a restart)
/// changes nothing. It wakes at the next deadline and whenever the queue changes.
/// </summary>
internal sealed class CriticalEscalation(
    IDispatchStore store,
    IAlertFeed feed,
    AlertLifecycle lifecycle,
    IOptions<DispatchOptions> options,
    TimeProvider time,
    ILogger<CriticalEscalation> logger) : BackgroundService
{
    public const string Actor = "dispatch";

    private readonly int minutes = options.Value.Escalation.CriticalUnacknowledgedMinutes;

    private TimeSpan Limit => TimeSpan.FromMinutes(minutes);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LifecycleLog.EscalationStarted(logger, minutes);
        var subscription = feed.Subscribe();
        try
        {
            // Any change to the queue may be a new critical alert: the next pass looks at the store.
            await DeadlineLoop.RunAsync(EscalateDueAsync, ct =>
            {
                while (subscription.Reader.TryRead(out _))
                {
                }

                // Dropped for falling behind: subscribe again (the pass reads the store, so nothing is missed).
                if (subscription.Reader.Completion.IsCompleted)
                {
                    subscription.Dispose();
                    subscription = feed.Subscribe();
                }

                return subscription.Reader.WaitToReadAsync(ct).AsTask();
            }, ex => LifecycleLog.EscalationPassFailed(logger, ex), time, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            subscription.Dispose();
        }
    }

    /// <summary>One pass: escalates every candidate whose time has come; returns the next deadline, or null.</summary>
    internal async Task<DateTimeOffset?> EscalateDueAsync(CancellationToken ct)
    {
        DateTimeOffset? next = null;
        var now = time.GetUtcNow();
        foreach (var candidate in await store.ListUnacknowledgedCriticalAsync(ct))
        {
            var due = candidate.ReceivedAt + Limit;
            if (due > now)
            {
                next = next is { } earlier && earlier < due ? earlier : due;
                continue;
            }

            var outcome = await store.EscalateAsync(candidate.GatewayId, candidate.AlertId,
                $"critical and not acknowledged within {minutes} min", Actor, onlyIfUnacknowledged: true, ct);
            if (outcome.Result == LifecycleResult.Done)
            {
                LifecycleLog.EscalatedAutomatically(logger, candidate.GatewayId, candidate.AlertId, minutes);
                lifecycle.Publish(outcome, "escalated", Actor);
            }
        }

        return next;
    }
}
