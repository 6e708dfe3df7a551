using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HomeGateway.Contracts.V1;
using AlertEventKind = HomeGateway.Core.Alerts.AlertEventKind;
using AlertType = HomeGateway.Core.Alerts.AlertType;

namespace HomeGateway.Dispatch.Tests.Acknowledgements;

/// <summary>
/// Invariant: the alert's life is shared with the gateway: a resolution at dispatch goes down the gateway's stream after
/// the alert's acknowledgement, in the one per-gateway numbering, and again after a reconnect until the gateway says it
/// applied it; new evidence on a resolved alert puts it back into the live queue.
/// </summary>
public abstract partial class AcknowledgeTests
{
    [Fact]
    public async Task A_resolution_follows_the_acknowledgement_down_the_stream_and_is_resent_until_applied()
    {
        using var web = Api(apiToken);
        using (var uplink = await server.ConnectAsync(gatewayToken))
        {
            await uplink.HelloAsync("gw-1");
            await uplink.SendRecordAsync(Records.Wire(1, Records.Alert("help-1", type: AlertType.Help)));
            Assert.Equal(HttpStatusCode.OK, (await web.PostAsJsonAsync("/api/alerts/help-1/resolve", new { outcome = "false_alarm" })).StatusCode);

            var acknowledged = await uplink.ReadAsync();
            var resolved = await uplink.ReadAsync();
            Assert.Equal(("help-1", 1UL), (acknowledged.AlertAcknowledged.AlertId, acknowledged.AlertAcknowledged.AckSeq));
            Assert.Equal(DispatchMessage.BodyOneofCase.AlertResolved, resolved.BodyCase);
            var resolution = resolved.AlertResolved;
            Assert.Equal(("help-1", 2UL, 1UL, "integration", "false_alarm"),
                (resolution.AlertId, resolution.AckSeq, resolution.EvidenceThroughSeq, resolution.By, resolution.Outcome));
        }

        // It applied the acknowledgement only: the resolution comes again.
        using var back = await server.ConnectAsync(gatewayToken);
        await back.HelloAsync("gw-1", appliedAckSeq: 1);
        Assert.Equal(2UL, (await back.ReadAsync()).AlertResolved.AckSeq);

        // The client pressed again before the resolution arrived: the alert is live again, to be taken again.
        await back.SendRecordAsync(Records.Wire(2, Records.Alert("help-1", AlertEventKind.Repeated, AlertType.Help, count: 2, minutes: 1)));
        var queue = JsonDocument.Parse(await web.GetStringAsync("/api/alerts")).RootElement;
        var live = Assert.Single(queue.EnumerateArray());
        Assert.Equal("help-1", live.GetProperty("alertId").GetString());
        Assert.Equal(HttpStatusCode.OK, (await web.PostAsync("/api/alerts/help-1/acknowledge", null)).StatusCode);
        // Numbered after the resolution: the forgotten acknowledgement's number is never given again.
        Assert.Equal(3UL, (await back.ReadAsync()).AlertAcknowledged.AckSeq);
    }
}
