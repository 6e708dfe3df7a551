using HomeGateway.Dispatch.Hosting;
using HomeGateway.Dispatch.LiveFeed;
using HomeGateway.Dispatch.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HomeGateway.Dispatch.Responders;

/// <summary>
/// A request nobody accepted by its accept deadline is ended (<c>not_accepted</c>) and, when it came from the home's
/// cascade, the next step is asked in the same transaction; when no step is left the queue says "nobody accepted" and a
/// dispatcher acts. The time runs on dispatch's clock. Several nodes may run this at once on one PostgreSQL: the store
/// ends a request only while it is still open and unaccepted, under the alert's gateway lock, so exactly one of them
/// asks the next step (the others get Unchanged). It wakes at the next deadline and whenever the queue changes (a new
/// request is an alert change).
/// </summary>
internal sealed class CascadeSupervisor(
    IDispatchStore store,
    IAlertFeed feed,
    ResponderDispatch responders,
    TimeProvider time,
    ILogger<CascadeSupervisor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ResponderLog.CascadeStarted(logger);
        var subscription = feed.Subscribe();
        try
        {
            await DeadlineLoop.RunAsync(ExpireDueAsync, ct =>
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
            }, ex => ResponderLog.CascadePassFailed(logger, ex), time, stoppingToken);
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

    /// <summary>One pass: ends every request whose accept time is over; returns the next deadline, or null.</summary>
    internal async Task<DateTimeOffset?> ExpireDueAsync(CancellationToken ct)
    {
        DateTimeOffset? next = null;
        var now = time.GetUtcNow();
        foreach (var deadline in await store.ListAcceptDeadlinesAsync(ct))
        {
            if (deadline.AcceptDeadline > now)
            {
                next = next is { } earlier && earlier < deadline.AcceptDeadline ? earlier : deadline.AcceptDeadline;
                continue;
            }

            var outcome = await responders.ExpireAsync(deadline.RequestId, ct);
            // The next step's deadline, asked just now, is the next thing to wait for.
            if (outcome.Request is { IsOpen: true, AcceptedAt: null } asked && (next is null || asked.AcceptDeadline < next))
            {
                next = asked.AcceptDeadline;
            }
        }

        return next;
    }
}
