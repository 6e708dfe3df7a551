using System.Collections.Concurrent;
using HomeGateway.Dispatch.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HomeGateway.Dispatch.Ingest;

/// <summary>
/// Stores the last contact that heartbeats bring in batches, one transaction every <see cref="FlushInterval"/>, instead
/// of one fsync'd transaction per heartbeat. Heartbeats are most of what a fleet sends (K / HeartbeatSeconds a second)
/// and the store has one writer at a time: at about 2 ms a commit, some 10,000 gateways' heartbeats alone kept SQLite's
/// write lock busy, and alerts and hellos queued behind them (measured by the bench's fan-in scenario).
/// Supervision does not wait for this: it keeps contacts in memory at each heartbeat (<c>GatewaySupervisor.ContactAsync</c>).
/// The stored last contact serves the fleet page, a restart and the other nodes, for which a second's delay is nothing
/// against a reporting time of 20 s or more. Hellos and records still store their contact at once, in their own
/// transactions; a contact that fails to store is kept for the next batch.
/// </summary>
internal sealed class HeartbeatContacts(IDispatchStore store, TimeProvider time, ILogger<HeartbeatContacts> logger) : BackgroundService
{
    internal static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, DateTimeOffset> pending = new(StringComparer.Ordinal);

    /// <summary>The gateway sent a heartbeat now; stored with the next batch.</summary>
    public void Seen(string gatewayId) => pending[gatewayId] = time.GetUtcNow();

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // The last interval's contacts too, so a clean stop loses none.
        await FlushAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(FlushInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            await FlushAsync(stoppingToken);
        }
    }

    /// <summary>Stores every contact collected so far in one transaction.</summary>
    internal async Task FlushAsync(CancellationToken ct)
    {
        var batch = new List<KeyValuePair<string, DateTimeOffset>>();
        foreach (var gatewayId in pending.Keys)
        {
            if (pending.TryRemove(gatewayId, out var seenAt))
            {
                batch.Add(new(gatewayId, seenAt));
            }
        }

        if (batch.Count == 0)
        {
            return;
        }

        try
        {
            await store.MarkSeenAsync(batch, ct);
        }
        catch (Exception ex)
        {
            // Kept for the next batch unless a later contact of the same gateway came in meanwhile.
            foreach (var (gatewayId, seenAt) in batch)
            {
                pending.AddOrUpdate(gatewayId, seenAt, (_, later) => later > seenAt ? later : seenAt);
            }

            if (ex is OperationCanceledException && ct.IsCancellationRequested)
            {
                throw;
            }

            IngestLog.ContactsNotStored(logger, batch.Count, ex.Message);
        }
    }
}
