using HomeGateway.Core.Alerts;
using HomeGateway.Dispatch.Store;
using Microsoft.Extensions.Time.Testing;

namespace HomeGateway.Dispatch.Tests.Store;

/// <summary>
/// Several dispatch nodes write one PostgreSQL database at once: two store instances (two pools, as two processes
/// have) race on the same gateway, and every "once" rule still holds.
/// </summary>
public sealed class PostgresConcurrencyTests : IAsyncLifetime
{
    private const string Gateway = "gw-1";
    private const int Records = 40;
    private readonly TempDirectory data = new();
    private readonly FakeTimeProvider time = new(Tests.Records.T0.AddSeconds(5));
    private DispatchStore nodeA = null!;
    private DispatchStore nodeB = null!;

    public async Task InitializeAsync()
    {
        var options = await TestStores.OptionsAsync(StoreProvider.PostgreSql);
        nodeA = options.CreateStore(data.Path, time);
        nodeB = options.CreateStore(data.Path, time);
        await Task.WhenAll(nodeA.MigrateAsync(), nodeB.MigrateAsync());
        await nodeA.AddGatewayAsync(Gateway, "home-1");
    }

    public Task DisposeAsync()
    {
        nodeA.Dispose();
        nodeB.Dispose();
        data.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task The_same_records_stored_through_two_nodes_at_once_are_stored_once_and_the_ack_covers_them_all()
    {
        // Both nodes get every record (a gateway resending to a new node while the old one still works through its
        // buffer), in opposite orders so they collide on the same sequences.
        var ascending = Enumerable.Range(1, Records).Select(seq => Store(nodeA, seq));
        var descending = Enumerable.Range(1, Records).Reverse().Select(seq => Store(nodeB, seq));

        var outcomes = await Task.WhenAll(ascending.Concat(descending));

        Assert.Equal(Records, outcomes.Count(o => o.IsNew));
        Assert.Equal(Records, outcomes.Max(o => o.StoredThroughSeq));
        Assert.Equal(Records, (await nodeB.FindGatewayAsync(Gateway))!.StoredThroughSeq);
        var queue = await nodeA.ListAlertsAsync(null);
        Assert.Equal(Records / 2, queue.Count);
        Assert.All(queue, row => Assert.Equal(1, row.Count));
    }

    [Fact]
    public async Task Two_nodes_acknowledging_the_same_alerts_at_once_keep_the_first_and_number_them_densely()
    {
        for (var seq = 1; seq <= Records; seq += 2)
        {
            await Store(nodeA, seq);
        }

        var alertIds = (await nodeA.ListAlertsAsync(null)).Select(a => a.AlertId).ToList();
        var fromA = alertIds.Select(id => nodeA.AcknowledgeAsync(Gateway, id, "anna", "dispatcher"));
        var fromB = alertIds.AsEnumerable().Reverse().Select(id => nodeB.AcknowledgeAsync(Gateway, id, "bert", "dispatcher"));

        var outcomes = await Task.WhenAll(fromA.Concat(fromB));

        Assert.Equal(alertIds.Count, outcomes.Count(o => o.Result == AcknowledgeResult.Acknowledged));
        Assert.Equal(alertIds.Count, outcomes.Count(o => o.Result == AcknowledgeResult.AlreadyAcknowledged));
        var delivered = await nodeB.ListAcknowledgementsAfterAsync(Gateway, 0, 1000);
        Assert.Equal(Enumerable.Range(1, alertIds.Count).Select(n => (long?)n), delivered.Select(a => a.AckSeq));
        Assert.Equal(alertIds.Order(), delivered.Select(a => a.AlertId).Order());
        // Whoever lost the race is told who won, and the audit has one "acknowledged" per alert.
        foreach (var repeat in outcomes.Where(o => o.Result == AcknowledgeResult.AlreadyAcknowledged))
        {
            Assert.Contains(delivered, d => d.AlertId == repeat.Acknowledgement!.AlertId && d.AcknowledgedBy == repeat.Acknowledgement.AcknowledgedBy);
        }

        Assert.Equal(alertIds.Count, (await nodeA.ListAuditAsync(Gateway, null)).Count(e => e.Action == "acknowledged"));
    }

    [Fact]
    public async Task Two_nodes_raising_the_same_gateway_offline_at_once_open_one_outage()
    {
        await nodeA.MarkSeenAsync(Gateway, "1.0");
        var lastContact = time.GetUtcNow();
        time.Advance(TimeSpan.FromMinutes(2));

        var raised = await Task.WhenAll(
            Enumerable.Range(0, 8).Select(i => (i % 2 == 0 ? nodeA : nodeB).RaiseGatewayOfflineAsync(Gateway, lastContact, time.GetUtcNow(), 90)));

        Assert.Single(raised, step => step is not null);
        Assert.Single(await nodeB.ListAlertsAsync(AlertStatus.Open));
        var restored = await Task.WhenAll(nodeA.RestoreGatewayAsync(Gateway, time.GetUtcNow()), nodeB.RestoreGatewayAsync(Gateway, time.GetUtcNow()));
        Assert.Single(restored, step => step is not null);
    }

    /// <summary>Odd sequences are alerts (raised), even ones sensor events.</summary>
    private static Task<StoreOutcome> Store(DispatchStore node, int seq)
    {
        var alert = seq % 2 == 1 ? Tests.Records.Alert($"fall-{seq}", minutes: seq) : null;
        return node.StoreAsync(new IncomingRecord(Gateway, seq, Tests.Records.T0.AddMinutes(seq), alert, alert is null ? Tests.Records.Sensor(minutes: seq) : null));
    }
}
