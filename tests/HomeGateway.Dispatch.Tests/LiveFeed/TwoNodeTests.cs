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

    private static async Task<string> NextAlertIdAsync(AlertSubscription subscription)
    {
        using var timeout = new CancellationTokenSource(UplinkStream.Patience);
        var change = await subscription.Reader.ReadAsync(timeout.Token);
        return Assert.IsType<StoredAlertStep>(change).Alert.AlertId;
    }
}
