using Grpc.Core;
using HomeGateway.Contracts.V1;
using AlertEventKind = HomeGateway.Core.Alerts.AlertEventKind;
using AlertType = HomeGateway.Core.Alerts.AlertType;
using WireAlertType = HomeGateway.Contracts.V1.AlertType;
using HomeGateway.Dispatch.Store;

namespace HomeGateway.Dispatch.Tests.Ingest;

public sealed class SqliteGatewayUplinkTests() : GatewayUplinkTests(StoreProvider.Sqlite);

public sealed class PostgresGatewayUplinkTests() : GatewayUplinkTests(StoreProvider.PostgreSql);

/// <summary>
/// Invariant: a gateway is only acked for what is stored, only a gateway with a certificate from dispatch's CA can
/// store (and only as itself), and a bad frame ends that one call with a reason while the server keeps serving.
/// Real Kestrel, real mutual-TLS channel. The certificate refusals themselves: <see cref="GatewayCertificateTests"/>.
/// </summary>
public abstract class GatewayUplinkTests(StoreProvider provider) : IAsyncLifetime
{
    private DispatchServer server = null!;

    public async Task InitializeAsync() => server = await DispatchServer.StartAsync(provider);

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task Hello_gets_Welcome_and_each_record_gets_a_cumulative_ack()
    {
        var token = await server.AddGatewayAsync("gw-1");
        using var stream = await server.ConnectAsync(token);

        var welcome = await stream.HelloAsync("gw-1");
        Assert.Equal(0UL, welcome.StoredThroughSeq);
        Assert.Equal(20U, welcome.HeartbeatSeconds);

        Assert.Equal(1UL, await stream.SendRecordAsync(Records.Wire(1, Records.Sensor())));
        Assert.Equal(2UL, await stream.SendRecordAsync(Records.Wire(2, Records.Alert("fall-1"))));
        await stream.SendAsync(new GatewayMessage { Heartbeat = new Heartbeat { LastSeq = 2 } });
        Assert.Equal(3UL, await stream.SendRecordAsync(Records.Wire(3, Records.Alert("fall-1", AlertEventKind.Repeated, count: 2, minutes: 1))));

        var row = Assert.Single(await server.Store.ListAlertsAsync(null));
        Assert.Equal(("gw-1", "fall-1", 2), (row.GatewayId, row.AlertId, row.Count));
    }

    [Fact]
    public async Task A_record_batch_is_stored_as_its_records_with_one_ack_through_the_last_and_a_resent_batch_stores_nothing_twice()
    {
        var token = await server.AddGatewayAsync("gw-batch");
        using (var stream = await server.ConnectAsync(token))
        {
            var welcome = await stream.HelloAsync("gw-batch");
            Assert.True(welcome.AcceptsRecordBatches);

            await stream.SendAsync(Batch(
                Records.Wire(1, Records.Sensor()),
                Records.Wire(2, Records.Alert("fall-b")),
                Records.Wire(3, Records.Alert("fall-b", AlertEventKind.Repeated, count: 2, minutes: 1))));
            var reply = await stream.ReadAsync();
            Assert.Equal((DispatchMessage.BodyOneofCase.Ack, 3UL), (reply.BodyCase, reply.Ack.ThroughSeq));
        }

        // At-least-once on the wire: a batch the gateway was not sure about comes again, partly, with the next record.
        using var again = await server.ConnectAsync(token);
        Assert.Equal(3UL, (await again.HelloAsync("gw-batch")).StoredThroughSeq);
        await again.SendAsync(Batch(
            Records.Wire(3, Records.Alert("fall-b", AlertEventKind.Repeated, count: 2, minutes: 1)),
            Records.Wire(4, Records.Sensor())));
        Assert.Equal(4UL, (await again.ReadAsync()).Ack.ThroughSeq);

        var row = Assert.Single(await server.Store.ListAlertsAsync(null));
        Assert.Equal(("gw-batch", "fall-b", 2), (row.GatewayId, row.AlertId, row.Count));
        Assert.Equal(4, (await server.Store.FindGatewayAsync("gw-batch"))!.StoredThroughSeq);
    }

    [Fact]
    public async Task A_refused_record_in_a_batch_ends_the_stream_after_the_records_before_it_are_stored_and_acked()
    {
        var token = await server.AddGatewayAsync("gw-batch-bad");
        using var stream = await server.ConnectAsync(token);
        await stream.HelloAsync("gw-batch-bad");

        await stream.SendAsync(Batch(
            Records.Wire(1, Records.Alert("help-1", type: AlertType.Help)),
            Records.Wire(2, Records.Sensor()),
            WithAlert(3, a => a.AlertId = ""),
            Records.Wire(4, Records.Alert("fall-4"))));

        Assert.Equal(2UL, (await stream.ReadAsync()).Ack.ThroughSeq);
        var refused = await stream.FailureAsync();
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Contains("JournalRecord 3: alert_event.alert_id is empty", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(["help-1"], (await server.Store.ListAlertsAsync(null)).Select(a => a.AlertId));
    }

    private static GatewayMessage Batch(params JournalRecord[] records)
    {
        var batch = new RecordBatch();
        batch.Records.AddRange(records);
        return new GatewayMessage { RecordBatch = batch };
    }

    [Fact]
    public async Task A_gap_holds_the_ack_back()
    {
        var token = await server.AddGatewayAsync("gw-gap");
        using var stream = await server.ConnectAsync(token);
        await stream.HelloAsync("gw-gap");

        Assert.Equal(1UL, await stream.SendRecordAsync(Records.Wire(1, Records.Sensor())));
        Assert.Equal(1UL, await stream.SendRecordAsync(Records.Wire(3, Records.Sensor())));
        Assert.Equal(3UL, await stream.SendRecordAsync(Records.Wire(2, Records.Sensor())));
    }

    [Fact]
    public async Task A_reconnect_resumes_after_what_is_stored_and_replays_store_nothing_twice()
    {
        var token = await server.AddGatewayAsync("gw-2");
        using (var first = await server.ConnectAsync(token))
        {
            await first.HelloAsync("gw-2");
            await first.SendRecordAsync(Records.Wire(1, Records.Alert("help-1", type: AlertType.Help)));
            await first.SendRecordAsync(Records.Wire(2, Records.Sensor()));
        }

        using var second = await server.ConnectAsync(token);
        var welcome = await second.HelloAsync("gw-2");
        Assert.Equal(2UL, welcome.StoredThroughSeq);

        // At-least-once on the wire: the gateway may resend what it was not sure about.
        Assert.Equal(2UL, await second.SendRecordAsync(Records.Wire(1, Records.Alert("help-1", type: AlertType.Help))));
        Assert.Equal(3UL, await second.SendRecordAsync(Records.Wire(3, Records.Alert("help-1", AlertEventKind.Repeated, AlertType.Help, count: 2))));
        var row = Assert.Single(await server.Store.ListAlertsAsync(AlertStatus.Open));
        Assert.Equal(2, row.Count);
    }

    [Fact]
    public async Task A_newer_stream_from_the_same_gateway_replaces_the_old_one()
    {
        var token = await server.AddGatewayAsync("gw-3");
        using var old = await server.ConnectAsync(token);
        await old.HelloAsync("gw-3");

        using var newer = await server.ConnectAsync(token);
        await newer.HelloAsync("gw-3");

        Assert.Equal(StatusCode.Aborted, (await old.FailureAsync()).StatusCode);
        Assert.Equal(1UL, await newer.SendRecordAsync(Records.Wire(1, Records.Sensor())));
    }

    [Fact]
    public async Task Hello_for_another_gateway_is_refused()
    {
        var token = await server.AddGatewayAsync("gw-5");
        await server.AddGatewayAsync("gw-6");
        using var stream = await server.ConnectAsync(token);
        await stream.SendAsync(Records.Hello("gw-6"));

        var refused = await stream.FailureAsync();

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Contains("gw-5", refused.Status.Detail, StringComparison.Ordinal);
    }

    public static TheoryData<string, GatewayMessage[], string> MalformedFrames() => new()
    {
        { "record first", [Records.Message(Records.Wire(1, Records.Sensor()))], "must be Hello" },
        { "empty message first", [new GatewayMessage()], "must be Hello" },
        { "record without body", [Records.Hello("gw-7"), Records.Message(new JournalRecord { Seq = 1 })], "has no body" },
        { "unknown alert type", [Records.Hello("gw-7"), Records.Message(WithAlert(1, a => a.Type = (WireAlertType)99))], "alert_event.type has unknown value 99" },
        { "unspecified priority", [Records.Hello("gw-7"), Records.Message(WithAlert(1, a => a.Priority = HomeGateway.Contracts.V1.AlertPriority.Unspecified))], "alert_event.priority" },
        { "empty alert id", [Records.Hello("gw-7"), Records.Message(WithAlert(1, a => a.AlertId = ""))], "alert_event.alert_id is empty" },
        { "missing time", [Records.Hello("gw-7"), Records.Message(WithAlert(1, a => a.At = null))], "alert_event.at is missing" },
        { "seq zero", [Records.Hello("gw-7"), Records.Message(Records.Wire(0, Records.Sensor()))], "seq is 0" },
        {
            "gap not ending at its seq",
            [Records.Hello("gw-7"), Records.Message(new JournalRecord { Seq = 9, TelemetryGap = new TelemetryGap { FromSeq = 1, ThroughSeq = 5, Count = 5 } })],
            "telemetry_gap must cover"
        },
        { "empty gateway id", [Records.Hello("")], "gateway_id is empty" },
        { "second hello", [Records.Hello("gw-7"), Records.Hello("gw-7")], "second Hello" },
        {
            "batch over the limit",
            [Records.Hello("gw-7"), Batch(Enumerable.Range(1, UplinkLimits.MaxRecordsPerBatch + 1).Select(seq => Records.Wire(seq, Records.Sensor())).ToArray())],
            "RecordBatch: 257 records, at most 256"
        },
        { "bad record in a batch", [Records.Hello("gw-7"), Batch(WithAlert(1, a => a.Type = (WireAlertType)99))], "alert_event.type has unknown value 99" },
    };

    [Theory]
    [MemberData(nameof(MalformedFrames))]
    public async Task A_malformed_frame_is_refused_with_a_reason_and_the_server_keeps_serving(string why, GatewayMessage[] frames, string reason)
    {
        var token = await server.AddGatewayAsync("gw-7");
        using (var bad = await server.ConnectAsync(token))
        {
            foreach (var frame in frames)
            {
                await SendIgnoringClosedStreamAsync(bad, frame);
            }

            var refused = await bad.FailureAsync();
            Assert.True(StatusCode.InvalidArgument == refused.StatusCode, $"{why}: {refused.Status}");
            Assert.Contains(reason, refused.Status.Detail, StringComparison.Ordinal);
        }

        Assert.Empty(await server.Store.ListAlertsAsync(null));
        using var good = await server.ConnectAsync(token);
        await good.HelloAsync("gw-7");
        Assert.Equal(1UL, await good.SendRecordAsync(Records.Wire(1, Records.Alert("fall-9"))));
    }

    [Fact]
    public async Task A_record_for_another_home_is_refused()
    {
        var token = await server.AddGatewayAsync("gw-8", "home-8");
        using var stream = await server.ConnectAsync(token);
        await stream.HelloAsync("gw-8", "home-8");
        await stream.SendAsync(Records.Message(Records.Wire(1, Records.Alert("fall-1", homeId: "home-other"))));

        Assert.Equal(StatusCode.PermissionDenied, (await stream.FailureAsync()).StatusCode);
        Assert.Empty(await server.Store.ListAlertsAsync(null));
    }

    private static JournalRecord WithAlert(long seq, Action<HomeGateway.Contracts.V1.AlertEvent> change)
    {
        var record = Records.Wire(seq, Records.Alert("fall-1"));
        change(record.AlertEvent);
        return record;
    }

    // The server may end the call before the client has written everything; that is the point of the test.
    private static async Task SendIgnoringClosedStreamAsync(UplinkStream stream, GatewayMessage message)
    {
        try
        {
            await stream.SendAsync(message);
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException)
        {
        }
    }
}
