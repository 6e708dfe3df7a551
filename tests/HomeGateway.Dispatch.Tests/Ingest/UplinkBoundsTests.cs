using System.Collections.Concurrent;
using System.Security.Claims;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using HomeGateway.Contracts.DispatchApiV1;
using HomeGateway.Contracts.V1;
using HomeGateway.Dispatch.Acknowledgements;
using HomeGateway.Dispatch.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using AlertEventKind = HomeGateway.Core.Alerts.AlertEventKind;

namespace HomeGateway.Dispatch.Tests.Ingest;

/// <summary>
/// Invariant: whatever one gateway sends, it cannot stop dispatch serving others — not the integrations (an oversized
/// alert failed ListAlerts and WatchAlerts for every integration), not its own stream (an unsendable acknowledgement
/// wedged it after every Welcome), not the log (a stack trace per unreadable frame) — and "online" means a stream that
/// works, not a Hello. Real Kestrel, real mutual TLS, a real SQLite store.
/// </summary>
public sealed class UplinkBoundsTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<(EventId Id, LogLevel Level, string Message, Exception? Exception)> logs = new();
    private DispatchServer server = null!;

    public async Task InitializeAsync() => server = await DispatchServer.StartAsync(builder => builder.Logging.AddProvider(new CapturingProvider(logs)));

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task A_70000_character_summary_is_stored_cut_and_marked_and_every_integration_still_lists_and_watches()
    {
        var certificate = await server.AddGatewayAsync("gw-1");
        using var stream = await server.ConnectAsync(certificate);
        await stream.HelloAsync("gw-1");

        // A fall with an oversized summary still reaches a dispatcher: acked, stored bounded, marked.
        Assert.Equal(1UL, await stream.SendRecordAsync(Records.Wire(1, Records.Alert("fall-1", summary: new string('x', 70_000)))));

        var stored = Assert.Single(await server.Store.ListAlertsAsync(null)).Summary;
        Assert.True(stored.Length <= UplinkLimits.MaxSummaryLength, $"{stored.Length} characters stored");
        Assert.EndsWith("[cut: 70000 characters]", stored, StringComparison.Ordinal);
        Assert.Contains(logs, l => l.Id.Id == 1401 && l.Message.Contains("alert_event.summary: 70000 characters, at most 500", StringComparison.Ordinal));

        var api = server.ApiClient(await server.AddApiTokenAsync("alarm-centre"));
        Assert.Equal(stored, Assert.Single((await api.ListAlertsAsync(new ListAlertsRequest())).Alerts).Summary);
        using var watch = api.WatchAlerts(new WatchAlertsRequest(), cancellationToken: new CancellationTokenSource(UplinkStream.Patience).Token);
        Assert.True(await watch.ResponseStream.MoveNext());
        Assert.Equal(stored, watch.ResponseStream.Current.Snapshot.Summary);
        Assert.True(await watch.ResponseStream.MoveNext());
        Assert.Equal(1U, watch.ResponseStream.Current.SnapshotComplete.Alerts);
    }

    [Fact]
    public async Task An_oversized_alert_stored_before_the_bounds_is_still_listed_and_watched_bounded()
    {
        await server.AddGatewayAsync("gw-old");
        // A row an earlier dispatch stored whole: one integration call failed for every integration while it was kept.
        await server.Store.StoreAsync([new IncomingRecord("gw-old", 1, Records.T0, Records.Alert("fall-old", summary: new string('y', 70_000)), null)]);
        var api = server.ApiClient(await server.AddApiTokenAsync("wallboard"));

        var listed = Assert.Single((await api.ListAlertsAsync(new ListAlertsRequest())).Alerts).Summary;
        Assert.EndsWith("[cut: 70000 characters]", listed, StringComparison.Ordinal);
        using var watch = api.WatchAlerts(new WatchAlertsRequest(), cancellationToken: new CancellationTokenSource(UplinkStream.Patience).Token);
        Assert.True(await watch.ResponseStream.MoveNext());
        Assert.Equal(listed, watch.ResponseStream.Current.Snapshot.Summary);
    }

    public static TheoryData<string, Action<HomeGateway.Contracts.V1.AlertEvent>, string> OutOfContractIds() => new()
    {
        { "long alert id", a => a.AlertId = new string('a', 70_000), "JournalRecord 1: alert_event.alert_id: 70000 characters, at most 128" },
        { "newline in an alert id", a => a.AlertId = "fall-1\nforged", "alert_event.alert_id: character 7 is U+000A" },
        { "space in a sensor id", a => a.SensorId = "bedroom radar", "alert_event.sensor_id: character 8 is U+0020" },
        { "long home id", a => a.HomeId = new string('h', 200), "alert_event.home_id: 200 characters, at most 128" },
    };

    [Theory]
    [MemberData(nameof(OutOfContractIds))]
    public async Task An_id_outside_the_contract_is_refused_with_the_field_and_nothing_is_stored(string why, Action<HomeGateway.Contracts.V1.AlertEvent> change, string reason)
    {
        var certificate = await server.AddGatewayAsync("gw-ids");
        using var stream = await server.ConnectAsync(certificate);
        await stream.HelloAsync("gw-ids");
        var record = Records.Wire(1, Records.Alert("fall-1"));
        change(record.AlertEvent);
        await stream.SendAsync(Records.Message(record));

        var refused = await stream.FailureAsync();

        Assert.True(refused.StatusCode == StatusCode.InvalidArgument, $"{why}: {refused.Status}");
        Assert.Contains(reason, refused.Status.Detail, StringComparison.Ordinal);
        Assert.True(refused.Status.Detail.Length < 300, $"{why}: the reason is {refused.Status.Detail.Length} characters");
        Assert.Empty(await server.Store.ListAlertsAsync(null));
    }

    [Fact]
    public async Task Records_before_a_refused_one_are_stored_so_the_refusal_names_the_one_that_blocks()
    {
        var certificate = await server.AddGatewayAsync("gw-before");
        using (var stream = await server.ConnectAsync(certificate))
        {
            await stream.HelloAsync("gw-before");
            var bad = Records.Wire(3, Records.Alert("fall-3"));
            bad.AlertEvent.AlertId = "fall 3";
            await stream.SendAsync(Records.Message(Records.Wire(1, Records.Alert("fall-1"))));
            await stream.SendAsync(Records.Message(Records.Wire(2, Records.Sensor())));
            await stream.SendAsync(Records.Message(bad));

            var refused = await stream.FailureAsync();
            Assert.Contains("JournalRecord 3: alert_event.alert_id", refused.Status.Detail, StringComparison.Ordinal);
        }

        using var again = await server.ConnectAsync(certificate);
        Assert.Equal(2UL, (await again.HelloAsync("gw-before")).StoredThroughSeq);
    }

    [Fact]
    public async Task An_acknowledgement_dispatch_cannot_send_does_not_stall_the_gateways_stream()
    {
        var certificate = await server.AddGatewayAsync("gw-wedge");
        // An alert stored before ids were bounded (today's ingest refuses it), then taken by a dispatcher.
        var longId = new string('w', 70_000);
        await server.Store.StoreAsync([new IncomingRecord("gw-wedge", 1, Records.T0, Records.Alert(longId), null)]);
        await server.Store.StoreAsync([new IncomingRecord("gw-wedge", 2, Records.T0, Records.Alert("help-2"), null)]);
        var dispatcher = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "anna"), new Claim(ClaimTypes.Role, "dispatcher")], "test"));
        var acknowledgements = server.Service<AlertAcknowledgements>();
        Assert.Equal(AcknowledgeResult.Acknowledged, (await acknowledgements.AcknowledgeAsync(dispatcher, "gw-wedge", longId, CancellationToken.None)).Result);
        Assert.Equal(AcknowledgeResult.Acknowledged, (await acknowledgements.AcknowledgeAsync(dispatcher, "gw-wedge", "help-2", CancellationToken.None)).Result);

        using var stream = await server.ConnectAsync(certificate);
        await stream.HelloAsync("gw-wedge");

        // The unsendable one is skipped; the next acknowledgement and the record's ack still come.
        var acknowledged = await stream.ReadAsync();
        Assert.Equal(DispatchMessage.BodyOneofCase.AlertAcknowledged, acknowledged.BodyCase);
        Assert.Equal(("help-2", 2UL), (acknowledged.AlertAcknowledged.AlertId, acknowledged.AlertAcknowledged.AckSeq));
        Assert.Equal(3UL, await stream.SendRecordAsync(Records.Wire(3, Records.Alert("help-2", AlertEventKind.Repeated, count: 2))));
        Assert.Contains(logs, l => l.Id.Id == 1402 && l.Message.Contains("alert_id: 70000 characters", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_gateway_whose_stream_ends_after_Welcome_is_not_online_and_one_that_beats_is()
    {
        var certificate = await server.AddGatewayAsync("gw-hello");
        using (var stream = await server.ConnectAsync(certificate))
        {
            await stream.HelloAsync("gw-hello");
        }

        // Let the server finish the call it just lost.
        await Task.Delay(500);
        var fleet = Assert.Single(await server.Store.ListFleetAsync(20));
        Assert.Equal(GatewayState.NotYetConnected, fleet.State);
        Assert.Null(fleet.LastSeenAt);

        using (var stream = await server.ConnectAsync(certificate))
        {
            await stream.HelloAsync("gw-hello");
            await stream.SendAsync(new GatewayMessage { Heartbeat = new Heartbeat { LastSeq = 0 } });
            await stream.CompleteAsync();
        }

        fleet = Assert.Single(await server.Store.ListFleetAsync(20));
        Assert.Equal(GatewayState.Online, fleet.State);
        Assert.Equal("test", fleet.SoftwareVersion);
    }

    [Fact]
    public async Task Unreadable_frames_are_refused_with_InvalidArgument_in_one_log_line_without_a_stack_trace()
    {
        var certificate = await server.AddGatewayAsync("gw-garbage");
        var other = await server.AddGatewayAsync("gw-other");
        using var channel = GrpcChannel.ForAddress(server.Running.GrpcUri, new GrpcChannelOptions { HttpHandler = server.GatewayHandler(certificate) });
        var hello = Records.Hello("gw-garbage").ToByteArray();
        // A length that runs past the end, a varint that never ends, a wire type that does not exist, after a Hello too.
        byte[][][] frames =
        [
            [new byte[] { 0x0A, 0x05, 0x01 }],
            [new byte[] { 0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }],
            [new byte[] { 0x0F, 0x00 }],
            [hello, new byte[] { 0x12, 0x7F, 0x08 }],
        ];
        for (var round = 0; round < 5; round++)
        {
            foreach (var frame in frames)
            {
                var status = await RawStreamAsync(channel, frame);
                Assert.True(status.StatusCode == StatusCode.InvalidArgument, status.ToString());
                Assert.Contains("not a GatewayMessage", status.Detail, StringComparison.Ordinal);
            }
        }

        // Another gateway is served all along.
        using var good = await server.ConnectAsync(other);
        await good.HelloAsync("gw-other");
        Assert.Equal(1UL, await good.SendRecordAsync(Records.Wire(1, Records.Sensor())));

        var lines = logs.Where(l => l.Level >= LogLevel.Warning && l.Message.Contains("gw-garbage", StringComparison.Ordinal) || l.Exception is not null).ToList();
        Assert.True(lines.Count == 1, $"{lines.Count} lines for 20 unreadable streams:{Environment.NewLine}{string.Join(Environment.NewLine, lines.Select(l => $"{l.Id} {l.Level} {l.Message} {l.Exception?.GetType().Name}"))}");
        Assert.Equal(1400, lines[0].Id.Id);
        Assert.Null(lines[0].Exception);
    }

    /// <summary>One uplink call that sends <paramref name="frames"/> as they are (no serialiser) and returns how it ended.</summary>
    internal static async Task<Status> RawStreamAsync(GrpcChannel channel, IEnumerable<byte[]> frames)
    {
        var bytes = Marshallers.Create<byte[]>(b => b, b => b);
        var method = new Method<byte[], byte[]>(MethodType.DuplexStreaming, "homegateway.v1.GatewayUplink", "Connect", bytes, bytes);
        using var timeout = new CancellationTokenSource(UplinkStream.Patience);
        using var call = channel.CreateCallInvoker().AsyncDuplexStreamingCall(method, null, new CallOptions(cancellationToken: timeout.Token));
        try
        {
            foreach (var frame in frames)
            {
                await call.RequestStream.WriteAsync(frame);
            }

            await call.RequestStream.CompleteAsync();
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException)
        {
            // The server may end the call before everything is written.
        }

        try
        {
            while (await call.ResponseStream.MoveNext(timeout.Token))
            {
            }

            return call.GetStatus();
        }
        catch (RpcException ex)
        {
            return ex.Status;
        }
    }

    private sealed class CapturingProvider(ConcurrentQueue<(EventId Id, LogLevel Level, string Message, Exception? Exception)> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(lines, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<(EventId Id, LogLevel Level, string Message, Exception? Exception)> lines, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue((eventId, logLevel, $"[{category}] {formatter(state, exception)}", exception));
        }
    }
}
