using System.Collections.Concurrent;
using HomeGateway.Core.Alerts;
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
/// "restored" with the outage's length at its next contact. Contacts are records, heartbeats and a stream's first frame
/// after Welcome — not a Hello: a stream that ends after Welcome is no working link (<c>GatewayUplinkService</c>).
///
/// Only registered gateways that have been in contact at least once are supervised (one not installed yet is not
/// "offline"). Outages and last contacts live in the store, so a dispatch restart keeps an offline gateway offline
/// and still detects one that never comes back. A gateway cannot reach a dispatch that is down, so after a restart
/// every deadline is at least start + reporting time: a restart never floods the queue with false outages.
///
/// With several nodes on one PostgreSQL, only the node holding the <see cref="ISupervisionLease"/> runs passes, and
/// each pass first re-reads every gateway's last contact and outage from the store (the contacts other nodes saw).
/// A contact after a long silence restores the gateway on whichever node it reaches.
///
/// A mass outage (an operator's network fault silences thousands of gateways at once) must not drown the queue or the
/// consoles: the gateways due in one pass are raised in store transactions of at most <see cref="MaxOutageBatch"/>, and
/// each transaction is published as one <see cref="OutageBatch"/>. Published one step at a time, any console reading
/// slower than dispatch committed (a browser busy rendering, a loaded machine) fell 256 changes behind and was dropped:
/// in the bench (5,000 gateways, a queue page open on the same 2 cores) all 20 consoles were, each to reload 5,000 rows
/// just when the dispatchers needed the queue. Batched, a console's backlog is a few changes however slow it is.
/// Restores are group-committed the same way: contacts that arrive while a restore transaction runs are restored
/// together in the next one (a returning fleet's hellos queue behind one fsync, not 5,000).
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

    /// <summary>
    /// At most this many gateways in one store transaction: the store has one writer, so a care alarm that arrives during
    /// a mass outage waits for one batch (tens of milliseconds on SQLite), not for thousands of outages.
    /// </summary>
    internal const int MaxOutageBatch = 500;

    private readonly TimeSpan reporting = TimeSpan.FromSeconds(options.Value.Supervision.ReportingSeconds);
    private readonly Lock restoreGate = new();
    private Dictionary<string, PendingRestore> pendingRestores = new(StringComparer.Ordinal);
    private bool restoring;
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

    /// <summary>The gateway was heard from (a stream's first frame after Welcome, a record, a heartbeat): restores it if it was flagged offline.</summary>
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
            // Returns once the restore is committed (and published), as before batching: the frame is handled after.
            await RestoreAsync(gatewayId, now).WaitAsync(ct);
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
            var due = new List<GatewayOfflineDue>();
            foreach (var (gatewayId, last) in lastContact)
            {
                if (offline.ContainsKey(gatewayId))
                {
                    continue;
                }

                var deadline = (last > startedAt ? last : startedAt) + reporting;
                if (now < deadline)
                {
                    next = next is null || deadline < next ? deadline : next;
                    continue;
                }

                due.Add(new GatewayOfflineDue(gatewayId, last, deadline));
            }

            if (due.Count > 1)
            {
                SupervisionLog.ManyOffline(logger, due.Count, MaxOutageBatch);
            }

            foreach (var batch in due.Chunk(MaxOutageBatch))
            {
                var steps = await store.RaiseGatewaysOfflineAsync(batch, (int)reporting.TotalSeconds, ct);
                foreach (var step in steps)
                {
                    offline[step.GatewayId] = step.Alert.AlertId;
                    SupervisionLog.Offline(logger, step.GatewayId, step.Alert.HomeId, step.Alert.EvidenceAt);
                }

                Publish(AlertEventKind.Raised, steps);

                // Contacts that raced the raise: they are back already.
                var back = new List<KeyValuePair<string, DateTimeOffset>>();
                foreach (var raised in batch)
                {
                    if (lastContact.TryGetValue(raised.GatewayId, out var latest) && latest > raised.LastContactAt && offline.ContainsKey(raised.GatewayId))
                    {
                        back.Add(new(raised.GatewayId, latest));
                    }
                }

                await RestoreHeldPassAsync(back, ct);
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

    /// <summary>
    /// Queues the gateway's restore for the next restore transaction and completes when it is committed. Contacts that
    /// arrive while one transaction runs share the next: a fleet coming back costs a few transactions and a few
    /// published changes, not one of each per gateway. A second contact before the commit keeps the first one's time.
    /// </summary>
    private Task RestoreAsync(string gatewayId, DateTimeOffset at)
    {
        PendingRestore pending;
        var start = false;
        lock (restoreGate)
        {
            if (pendingRestores.TryGetValue(gatewayId, out var queued))
            {
                return queued.Done.Task;
            }

            pending = new PendingRestore(at, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            pendingRestores[gatewayId] = pending;
            if (!restoring)
            {
                restoring = true;
                start = true;
            }
        }

        if (start)
        {
            _ = Task.Run(DrainRestoresAsync);
        }

        return pending.Done.Task;
    }

    /// <summary>Restores what is queued, one transaction at a time, until nothing is; the only restorer outside a pass.</summary>
    private async Task DrainRestoresAsync()
    {
        while (true)
        {
            Dictionary<string, PendingRestore> queued;
            lock (restoreGate)
            {
                if (pendingRestores.Count == 0)
                {
                    restoring = false;
                    return;
                }

                queued = pendingRestores;
                pendingRestores = new(StringComparer.Ordinal);
            }

            try
            {
                // Under the pass lock: a pass's refresh from the store between our in-memory removal and the store's
                // restore would put the gateway back into the offline set, and it would stay flagged although it is back.
                await pass.WaitAsync();
                try
                {
                    await RestoreHeldPassAsync(queued.Select(q => new KeyValuePair<string, DateTimeOffset>(q.Key, q.Value.At)).ToList(), CancellationToken.None);
                }
                finally
                {
                    pass.Release();
                }

                foreach (var done in queued.Values)
                {
                    done.Done.TrySetResult();
                }
            }
            catch (Exception ex)
            {
                // Each waiting contact fails as its own restore failed before batching (the gateway's call ends and it
                // reconnects). Gateways of a chunk that did commit fail too; their next contact finds them restored.
                foreach (var failed in queued.Values)
                {
                    failed.Done.TrySetException(ex);
                }
            }
        }
    }

    /// <summary>Restores the gateways in transactions of at most <see cref="MaxOutageBatch"/>; the caller holds the pass lock.</summary>
    private async Task RestoreHeldPassAsync(IReadOnlyList<KeyValuePair<string, DateTimeOffset>> back, CancellationToken ct)
    {
        foreach (var batch in back.Chunk(MaxOutageBatch))
        {
            var removed = new List<KeyValuePair<string, string>>();
            foreach (var (gatewayId, _) in batch)
            {
                if (offline.TryRemove(gatewayId, out var alertId))
                {
                    removed.Add(new(gatewayId, alertId));
                }
            }

            IReadOnlyList<StoredAlertStep> steps;
            try
            {
                steps = await store.RestoreGatewaysAsync(batch, ct);
            }
            catch
            {
                // Still flagged in the store: flagged here too, so the gateway's next contact tries again.
                foreach (var (gatewayId, alertId) in removed)
                {
                    offline.TryAdd(gatewayId, alertId);
                }

                throw;
            }

            foreach (var step in steps)
            {
                SupervisionLog.Restored(logger, step.GatewayId, step.Alert.HomeId, DispatchStore.Outage(step.Alert.At - step.Alert.EvidenceAt));
            }

            Publish(AlertEventKind.Cleared, steps);
        }
    }

    /// <summary>One change for the live feed: a lone step as itself (as it always was), several as one batch.</summary>
    private void Publish(AlertEventKind kind, IReadOnlyList<StoredAlertStep> steps)
    {
        if (steps.Count == 1)
        {
            feed.Publish(steps[0]);
        }
        else if (steps.Count > 1)
        {
            feed.Publish(new OutageBatch(kind, steps));
        }
    }

    private sealed record PendingRestore(DateTimeOffset At, TaskCompletionSource Done);

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

    [LoggerMessage(1190, LogLevel.Warning, "{Count} gateways are due offline in one supervision pass: raised in store transactions of at most {BatchSize}, each published to consoles as one outage batch")]
    public static partial void ManyOffline(ILogger logger, int count, int batchSize);
}
