using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using HomeGateway.Contracts.V1;
using HomeGateway.Dispatch.LiveFeed;
using HomeGateway.Dispatch.Store;
using AlertType = HomeGateway.Core.Alerts.AlertType;

namespace HomeGateway.Dispatch.Tests.LiveFeed;

/// <summary>
/// Invariant: two dispatch nodes on one PostgreSQL act as one. A change stored on either node reaches the live
/// subscribers of both exactly once; an acknowledgement taken on one node reaches the gateway's stream on the other;
/// a gateway's new stream on one node ends its older stream on the other.
/// </summary>
public sealed class TwoNodeTests : IAsyncLifetime
{
    private DispatchServer nodeA = null!;
    private DispatchServer nodeB = null!;
    private X509Certificate2 gateway = null!;

    public async Task InitializeAsync()
    {
        nodeA = await DispatchServer.StartAsync(StoreProvider.PostgreSql);
        nodeB = await nodeA.StartAnotherNodeAsync();
        gateway = await nodeA.AddGatewayAsync("gw-1");
    }

    public async Task DisposeAsync()
    {
        await nodeB.DisposeAsync();
        await nodeA.DisposeAsync();
    }

    [Fact]
    public async Task An_alert_stored_on_one_node_reaches_the_subscribers_of_both_exactly_once()
    {
        using var onA = nodeA.Service<IAlertFeed>().Subscribe();
        using var onB = nodeB.Service<IAlertFeed>().Subscribe();
        using var uplink = await nodeA.ConnectAsync(gateway);
        await uplink.HelloAsync("gw-1");

        await uplink.SendRecordAsync(Records.Wire(1, Records.Alert("fall-1")));
        await uplink.SendRecordAsync(Records.Wire(1, Records.Alert("fall-1"))); // a resend: nothing new
        await uplink.SendRecordAsync(Records.Wire(2, Records.Alert("help-2", type: AlertType.Help)));

        foreach (var subscription in new[] { onA, onB })
        {
            Assert.Equal(["fall-1", "help-2"], [await NextAlertIdAsync(subscription), await NextAlertIdAsync(subscription)]);
        }

        // Nothing more on either: a marker published after the steps is the next thing both see.
        nodeB.Service<IAlertFeed>().Publish(new StoredAlertStep("gw-marker", 0, Records.Alert("marker"), Records.T0));
        Assert.Equal("marker", await NextAlertIdAsync(onA));
        Assert.Equal("marker", await NextAlertIdAsync(onB));
    }

    [Fact]
    public async Task A_mass_outage_published_on_one_node_reaches_the_other_whole_in_order_without_a_reload()
    {
        using var onA = nodeA.Service<IAlertFeed>().Subscribe();
        using var onB = nodeB.Service<IAlertFeed>().Subscribe();
        var steps = Enumerable.Range(0, 1000)
            .Select(i => new StoredAlertStep($"gw-{i:D4}", 0, Records.Alert($"gateway-offline-gw-{i:D4}", type: AlertType.GatewayHealth), Records.T0))
            .ToList();

        // Far over one NOTIFY payload (8000 bytes): once sent as "reload", which ended every console on the other node.
        nodeA.Service<IAlertFeed>().Publish(new OutageBatch(HomeGateway.Core.Alerts.AlertEventKind.Raised, steps));
        nodeA.Service<IAlertFeed>().Publish(new StoredAlertStep("gw-marker", 0, Records.Alert("marker"), Records.T0));

        Assert.Equal(steps, Assert.IsType<OutageBatch>(await NextAsync(onA)).Steps);
        Assert.Equal("marker", await NextAlertIdAsync(onA));
        var received = new List<string>();
        while (received.Count < steps.Count)
        {
            var change = await NextAsync(onB);
            received.AddRange(change is OutageBatch batch ? batch.Steps.Select(s => s.Alert.AlertId) : [Assert.IsType<StoredAlertStep>(change).Alert.AlertId]);
        }

        Assert.Equal(steps.Select(s => s.Alert.AlertId), received);
        Assert.Equal("marker", await NextAlertIdAsync(onB));
        Assert.False(onB.Reader.Completion.IsCompleted, "node B's subscriber was told to reload");
    }

    [Fact]
    public async Task An_acknowledgement_taken_on_one_node_reaches_the_gateway_streaming_to_the_other()
    {
        using var uplink = await nodeA.ConnectAsync(gateway);
        await uplink.HelloAsync("gw-1");
        await uplink.SendRecordAsync(Records.Wire(1, Records.Alert("help-1", type: AlertType.Help)));
        using var api = nodeB.WebClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await nodeB.AddApiTokenAsync("ops-centre"));

        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync("/api/alerts/help-1/acknowledge", null)).StatusCode);

        var message = await uplink.ReadAsync();
        Assert.Equal(DispatchMessage.BodyOneofCase.AlertAcknowledged, message.BodyCase);
        Assert.Equal(("help-1", 1UL), (message.AlertAcknowledged.AlertId, message.AlertAcknowledged.AckSeq));
    }

    [Fact]
    public async Task A_gateway_reconnecting_to_the_other_node_ends_its_older_stream_and_continues_its_sequence()
    {
        using var old = await nodeA.ConnectAsync(gateway);
        await old.HelloAsync("gw-1");
        Assert.Equal(1UL, await old.SendRecordAsync(Records.Wire(1, Records.Sensor())));

        using var moved = await nodeB.ConnectAsync(gateway);
        var welcome = await moved.HelloAsync("gw-1");

        Assert.Equal(1UL, welcome.StoredThroughSeq);
        Assert.Equal(StatusCode.Aborted, (await old.FailureAsync()).StatusCode);
        Assert.Equal(2UL, await moved.SendRecordAsync(Records.Wire(2, Records.Sensor(minutes: 1))));
    }

    [Fact]
    public async Task A_node_whose_listening_connection_breaks_makes_its_consoles_reload_and_listens_again()
    {
        using var before = nodeB.Service<IAlertFeed>().Subscribe();

        await TerminateListenersAsync();

        // Completed: the subscriber may have missed changes and reloads (the feed's contract).
        using (var guard = new CancellationTokenSource(UplinkStream.Patience))
        {
            await before.Reader.Completion.WaitAsync(guard.Token);
        }

        // The node listens again (with backoff; listening again completes the subscriptions once more, as consoles
        // may have missed changes meanwhile): a change published on node A then reaches a new subscriber on node B.
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        for (var attempt = 0; ; attempt++)
        {
            using var after = nodeB.Service<IAlertFeed>().Subscribe();
            nodeA.Service<IAlertFeed>().Publish(new StoredAlertStep("gw-marker", 0, Records.Alert($"marker-{attempt}"), Records.T0));
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(patience.Token);
            wait.CancelAfter(TimeSpan.FromMilliseconds(500));
            try
            {
                if (await after.Reader.WaitToReadAsync(wait.Token))
                {
                    // Any marker proves it (on a loaded machine one from an earlier attempt may be the first to arrive).
                    Assert.StartsWith("marker-", Assert.IsType<StoredAlertStep>(await after.Reader.ReadAsync()).Alert.AlertId, StringComparison.Ordinal);
                    return;
                }
            }
            catch (OperationCanceledException) when (!patience.IsCancellationRequested)
            {
                // Not listening again yet: try again with another marker.
            }
        }
    }

    /// <summary>Ends every LISTENing session in the database, as a PostgreSQL restart or a dropped connection would.</summary>
    private async Task TerminateListenersAsync()
    {
        var store = nodeA.Service<DispatchStore>();
        await using var connection = await store.Dialect.OpenAsync(default);
        await using var cmd = DispatchStore.Command(connection,
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'");
        Assert.Equal(2L, await cmd.ExecuteScalarAsync());
    }

    private static async Task<string> NextAlertIdAsync(AlertSubscription subscription) =>
        Assert.IsType<StoredAlertStep>(await NextAsync(subscription)).Alert.AlertId;

    private static async Task<QueueChange> NextAsync(AlertSubscription subscription)
    {
        using var timeout = new CancellationTokenSource(UplinkStream.Patience);
        return await subscription.Reader.ReadAsync(timeout.Token);
    }
}
