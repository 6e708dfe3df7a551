using System.Collections.Concurrent;
using HomeGateway.Dispatch.Hosting;
using HomeGateway.Dispatch.LiveFeed;
using HomeGateway.Dispatch.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HomeGateway.Dispatch.Supervision;

/// <summary>
/// Flags a gateway that missed its reporting time: a "gateway offline" alert (gateway health, high priority) at
/// exactly its last contact + <see cref="SupervisionOptions.ReportingSeconds"/>, once per outage, cleared as
/// "restored" with the outage's length at its next contact. Contacts are hellos, records and heartbeats.
///
/// Only registered gateways that have said hello at least once are supervised (one not installed yet is not
/// "offline"). Outages and last contacts live in the store, so a dispatch restart keeps an offline gateway offline
/// and still detects one that never comes back. A gateway cannot reach a dispatch that is down, so after a restart
/// every deadline is at least start + reporting time: a restart never floods the queue with false outages.
///
/// With several nodes on one PostgreSQL, only the node holding the <see cref="ISupervisionLease"/> runs passes, and
/// each pass first re-reads every gateway's last contact and outage from the store (the contacts other nodes saw).
/// A contact after a long silence restores the gateway on whichever node it reaches.
/// </summary>
internal sealed class GatewaySupervisor(
    IDispatchStore store,
    IAlertFeed feed,
    ISupervisionLease lease,
    IOptions<DispatchOptions> options,
    TimeProvider time,
    ILogger<GatewaySupervisor> logger) : BackgroundService
{
    /// <summary>How often a node without the lease asks for it: the longest a dead supervisor goes unreplaced.</summary>
    internal static readonly TimeSpan LeaseRetry = TimeSpan.FromSeconds(5);

    private readonly TimeSpan reporting = TimeSpan.FromSeconds(options.Value.Supervision.ReportingSeconds);
    private readonly ConcurrentDictionary<string, DateTimeOffset> lastContact = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> offline = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim pass = new(1, 1);
    private readonly TaskCompletionSource loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DateTimeOffset startedAt;

    /// <summary>Gateways currently flagged offline.</summary>
    public IReadOnlyCollection<string> Offline => offline.Keys.ToList();

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        startedAt = time.GetUtcNow();
        foreach (var gateway in await store.ListSupervisedGatewaysAsync(cancellationToken))
        {
            if (gateway.LastContactAt is { } last)
            {
                lastContact[gateway.GatewayId] = last;
            }

            if (gateway.OpenOutageAlertId is { } alertId)
            {
                offline[gateway.GatewayId] = alertId;
            }
        }

        loaded.TrySetResult();
        SupervisionLog.Started(logger, lastContact.Count, offline.Count, (int)reporting.TotalSeconds);
        await base.StartAsync(cancellationToken);
    }

    /// <summary>The gateway was heard from (hello, record, heartbeat): restores it if it was flagged offline.</summary>
    public async Task ContactAsync(string gatewayId, CancellationToken ct)
    {
        await loaded.Task.WaitAsync(ct);
        var now = time.GetUtcNow();
        var known = lastContact.TryGetValue(gatewayId, out var previous);
        lastContact[gatewayId] = now;
        // Another node may have flagged it: after a silence of a whole reporting time, ask the store to restore it.
        var mayBeFlaggedElsewhere = lease.Shared && (!known || now - previous >= reporting);
        if (offline.ContainsKey(gatewayId) || mayBeFlaggedElsewhere)
        {
            // Under the pass lock: a pass's refresh from the store between our in-memory removal and the store's restore
            // would put the gateway back into the offline set, and it would stay flagged although it is back.
            await pass.WaitAsync(ct);
            try
            {
                offline.TryRemove(gatewayId, out _);
                await RestoreAsync(gatewayId, now, ct);
            }
            finally
            {
                pass.Release();
            }

            known = false;
        }

        if (!known)
        {
            // Its deadline may be earlier than the one the loop sleeps towards.
            Interlocked.Exchange(ref wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var signal = Volatile.Read(ref wake).Task;
            DateTimeOffset? next;
            try
            {
                if (!await lease.HoldAsync(stoppingToken))
                {
                    // Another node supervises; ask again shortly, to take over when it is gone.
                    await Task.Delay(LeaseRetry, time, stoppingToken);
                    continue;
                }

                next = await SuperviseAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // The store may be briefly unavailable; supervision must keep going, so try again shortly.
                SupervisionLog.PassFailed(logger, ex);
                next = time.GetUtcNow() + TimeSpan.FromSeconds(5);
            }

            using var sleep = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var waits = new List<Task> { signal };
            if (next is { } due)
            {
                var delay = due - time.GetUtcNow();
                waits.Add(delay > TimeSpan.Zero ? Task.Delay(delay, time, sleep.Token) : Task.CompletedTask);
            }

            waits.Add(Task.Delay(Timeout.InfiniteTimeSpan, stoppingToken));
            await Task.WhenAny(waits);
            await sleep.CancelAsync();
        }
    }

    /// <summary>
    /// One pass: raises every gateway whose deadline has come. Returns the next deadline, or null when no
    /// supervised gateway is online.
    /// </summary>
    internal async Task<DateTimeOffset?> SuperviseAsync(CancellationToken ct)
    {
        await loaded.Task.WaitAsync(ct);
        await pass.WaitAsync(ct);
        try
        {
            if (lease.Shared)
            {
                await RefreshAsync(ct);
            }

            var now = time.GetUtcNow();
            DateTimeOffset? next = null;
            foreach (var (gatewayId, last) in lastContact)
            {
                if (offline.ContainsKey(gatewayId))
                {
                    continue;
                }

                var due = (last > startedAt ? last : startedAt) + reporting;
                if (now < due)
                {
                    next = next is null || due < next ? due : next;
                    continue;
                }

                var step = await store.RaiseGatewayOfflineAsync(gatewayId, last, due, (int)reporting.TotalSeconds, ct);
                if (step is not null)
                {
                    offline[gatewayId] = step.Alert.AlertId;
                    feed.Publish(step);
                    SupervisionLog.Offline(logger, gatewayId, step.Alert.HomeId, last);
                }

                // A contact that raced the raise: it is back already.
                if (lastContact.TryGetValue(gatewayId, out var latest) && latest > last && offline.TryRemove(gatewayId, out _))
                {
                    await RestoreAsync(gatewayId, latest, ct);
                }
            }

            return next;
        }
        finally
        {
            pass.Release();
        }
    }

    /// <summary>Takes in what other nodes saw: later contacts, and outages raised or restored elsewhere.</summary>
    private async Task RefreshAsync(CancellationToken ct)
    {
        foreach (var gateway in await store.ListSupervisedGatewaysAsync(ct))
        {
            if (gateway.LastContactAt is { } last)
            {
                lastContact.AddOrUpdate(gateway.GatewayId, last, (_, known) => known > last ? known : last);
            }

            if (gateway.OpenOutageAlertId is { } alertId)
            {
                offline[gateway.GatewayId] = alertId;
            }
            else
            {
                offline.TryRemove(gateway.GatewayId, out _);
            }
        }
    }

    private async Task RestoreAsync(string gatewayId, DateTimeOffset at, CancellationToken ct)
    {
        if (await store.RestoreGatewayAsync(gatewayId, at, ct) is { } step)
        {
            feed.Publish(step);
            SupervisionLog.Restored(logger, gatewayId, step.Alert.HomeId, DispatchStore.Outage(at - step.Alert.EvidenceAt));
        }
    }

    public override void Dispose()
    {
        pass.Dispose();
        base.Dispose();
    }
}

internal static partial class SupervisionLog
{
    [LoggerMessage(5000, LogLevel.Information, "Gateway supervision: {Supervised} gateway(s) with a last contact, {Offline} offline; reporting time {ReportingSeconds} s")]
    public static partial void Started(ILogger logger, int supervised, int offline, int reportingSeconds);

    [LoggerMessage(5001, LogLevel.Warning, "Gateway {GatewayId} (home {HomeId}) is offline: no contact since {LastContactAt:O}")]
    public static partial void Offline(ILogger logger, string gatewayId, string homeId, DateTimeOffset lastContactAt);

    [LoggerMessage(5002, LogLevel.Information, "Gateway {GatewayId} (home {HomeId}) restored after {Outage} without contact")]
    public static partial void Restored(ILogger logger, string gatewayId, string homeId, string outage);

    [LoggerMessage(5003, LogLevel.Error, "A gateway supervision pass failed; retrying in 5 s")]
    public static partial void PassFailed(ILogger logger, Exception exception);

    [LoggerMessage(5004, LogLevel.Information, "This dispatch node now supervises the gateways (it holds the supervision lease)")]
    public static partial void LeaseTaken(ILogger logger);

    [LoggerMessage(5005, LogLevel.Warning, "This dispatch node lost the supervision lease; another node takes over")]
    public static partial void LeaseLost(ILogger logger, Exception exception);
}
