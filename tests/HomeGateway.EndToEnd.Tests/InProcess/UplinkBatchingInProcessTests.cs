using System.Collections.Concurrent;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Core.Interceptors;
using HomeGateway.Contracts.V1;
using HomeGateway.Core.Configuration;
using HomeGateway.Dispatch.Hosting;
using HomeGateway.Gateway;
using HomeGateway.Gateway.Uplink;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using CoreAlerts = HomeGateway.Core.Alerts;
using CoreEvents = HomeGateway.Core.Events;

namespace HomeGateway.EndToEnd.Tests.InProcess;

/// <summary>
/// What goes over the wire, recorded where dispatch reads it (a gRPC interceptor in a real dispatch, behind real mutual
/// TLS): records travel several to a message once dispatch says it takes them; a record waits at most the batch window
/// (on the gateway's clock, which only the test moves) for company; an alert step of critical priority goes at once and
/// takes the waiting records along; a dispatch that does not take batches gets one record per message, each at once.
/// </summary>
public sealed class UplinkBatchingInProcessTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    private readonly string work = Built.NewWorkDirectory("batching");
    private readonly UplinkFrameRecorder recorder = new();
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private RunningDispatch? dispatch;
    private HomeGateway.Gateway.Journal.Journal? journal;
    private DispatchUplink? uplink;

    public async Task InitializeAsync()
    {
        var dispatchData = Path.Combine(work, "dispatch");
        var gatewayData = Path.Combine(work, "gateway");
        Directory.CreateDirectory(gatewayData);
        dispatch = await DispatchApp.StartAsync(new DispatchOptions
        {
            DataDirectory = dispatchData,
            WebUrl = "http://127.0.0.1:0",
            GrpcUrl = "https://127.0.0.1:0",
        }, builder =>
        {
            builder.Services.AddSingleton(recorder);
            builder.Services.Configure<GrpcServiceOptions>(grpc => grpc.Interceptors.Add<UplinkFrameRecorder>());
        });
        await InProcessDispatch.EnrolAsync(dispatch, dispatchData, gatewayData);
        journal = HomeGateway.Gateway.Journal.Journal.Open(Path.Combine(gatewayData, "journal.db"), clock);
    }

    public async Task DisposeAsync()
    {
        if (uplink is not null)
        {
            await uplink.StopAsync(CancellationToken.None);
            uplink.Dispose();
        }

        journal?.Dispose();
        await InProcessDispatch.StopAsync(null, dispatch, work);
    }

    [Fact]
    public async Task Records_wait_for_company_up_to_the_window_and_a_critical_alert_step_takes_them_along_at_once()
    {
        await StartUplinkAsync();

        journal!.Append([Door("open"), Door("closed"), Door("open")], null);
        // Real time passes, the gateway's does not: the window has not ended, so nothing may have gone.
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Empty(recorder.RecordFrames);
        Assert.Equal(0, journal.AckedSeq);

        clock.Advance(TimeSpan.FromMilliseconds(250));
        var first = await recorder.NextRecordFrameAsync(Patience);
        Assert.Equal([1UL, 2UL, 3UL], first.RecordBatch.Records.Select(r => r.Seq));
        await WaitUntilAsync(() => journal.AckedSeq == 3, "dispatch's ack of the first batch");

        journal.Append(Door("closed"));
        journal.Append([Alert("help-1", CoreAlerts.AlertType.Help, CoreAlerts.AlertPriority.Critical)]);
        var urgent = await recorder.NextRecordFrameAsync(Patience);
        Assert.Equal([4UL, 5UL], urgent.RecordBatch.Records.Select(r => r.Seq));

        // A normal-priority step waits like telemetry.
        journal.Append([Alert("door-1", CoreAlerts.AlertType.DoorLeftOpen, CoreAlerts.AlertPriority.Normal)]);
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.Equal(2, recorder.RecordFrames.Count);
        clock.Advance(TimeSpan.FromMilliseconds(250));
        Assert.Equal([6UL], (await recorder.NextRecordFrameAsync(Patience)).RecordBatch.Records.Select(r => r.Seq));

        await WaitUntilAsync(() => journal.AckedSeq == 6, "dispatch's ack of everything");
        Assert.All(recorder.RecordFrames, frame => Assert.Equal(GatewayMessage.BodyOneofCase.RecordBatch, frame.BodyCase));
        var stored = await dispatch!.Services.GetRequiredService<HomeGateway.Dispatch.Store.IDispatchStore>().ListAlertsAsync(null);
        Assert.Equal(["door-1", "help-1"], stored.Select(a => a.AlertId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_dispatch_that_does_not_take_batches_gets_one_record_per_message_each_as_soon_as_it_is_journalled()
    {
        recorder.PlayOlderDispatch = true;
        await StartUplinkAsync();

        journal!.Append([Door("open"), Door("closed")], null);
        journal.Append([Alert("door-1", CoreAlerts.AlertType.DoorLeftOpen, CoreAlerts.AlertPriority.Normal)]);

        // The gateway's clock never moves: nothing here waits for a window.
        var frames = new List<GatewayMessage>();
        for (var i = 0; i < 3; i++)
        {
            frames.Add(await recorder.NextRecordFrameAsync(Patience));
        }

        Assert.All(frames, frame => Assert.Equal(GatewayMessage.BodyOneofCase.Record, frame.BodyCase));
        Assert.Equal([1UL, 2UL, 3UL], frames.Select(f => f.Record.Seq));
        await WaitUntilAsync(() => journal.AckedSeq == 3, "dispatch's ack");
    }

    private async Task StartUplinkAsync()
    {
        var home = new HomeConfig("kotka-0042", "Europe/Helsinki", [], new RulesConfig());
        var settings = new GatewayOptions
        {
            DataDirectory = Path.Combine(work, "gateway"),
            Dispatch = { Url = dispatch!.GrpcUri.ToString(), BatchWindowMilliseconds = 250 },
        };
        uplink = new DispatchUplink(journal!, home, Options.Create(settings), clock, NullLogger<DispatchUplink>.Instance);
        await uplink.StartAsync(CancellationToken.None);
        // Connected: the heartbeat right after Welcome has arrived.
        await WaitUntilAsync(() => recorder.Received.Any(m => m.BodyCase == GatewayMessage.BodyOneofCase.Heartbeat), "the first heartbeat");
    }

    private CoreEvents.SensorEvent Door(string state) =>
        new("kotka-0042", "front_door", CoreEvents.SensorKind.Door, state, clock.GetUtcNow(), "mqtt:zigbee2mqtt/front_door");

    private CoreAlerts.AlertEvent Alert(string id, CoreAlerts.AlertType type, CoreAlerts.AlertPriority priority) =>
        new(id, CoreAlerts.AlertEventKind.Raised, type, priority, "kotka-0042", "front_door", clock.GetUtcNow(), clock.GetUtcNow(), 1, "test");

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (!condition())
        {
            Assert.False(timeout.IsCancellationRequested, $"timed out waiting for {what}");
            await Task.Delay(20);
        }
    }
}

/// <summary>
/// Records every message a gateway sends on the uplink, as dispatch reads it; can also play a dispatch from before record
/// batches (its Welcome then says it does not take them).
/// </summary>
internal sealed class UplinkFrameRecorder : Interceptor
{
    private readonly SemaphoreSlim arrived = new(0);
    private int recordFramesTaken;

    public ConcurrentQueue<GatewayMessage> Received { get; } = new();

    public bool PlayOlderDispatch { get; set; }

    /// <summary>The messages that carried records (a Record or a RecordBatch), in order.</summary>
    public List<GatewayMessage> RecordFrames =>
        Received.Where(m => m.BodyCase is GatewayMessage.BodyOneofCase.Record or GatewayMessage.BodyOneofCase.RecordBatch).ToList();

    /// <summary>The next message that carried records and was not handed out before.</summary>
    public async Task<GatewayMessage> NextRecordFrameAsync(TimeSpan patience)
    {
        using var timeout = new CancellationTokenSource(patience);
        while (true)
        {
            var frames = RecordFrames;
            if (frames.Count > recordFramesTaken)
            {
                return frames[recordFramesTaken++];
            }

            try
            {
                await arrived.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"no record message after the {recordFramesTaken} already seen");
            }
        }
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (requestStream is IAsyncStreamReader<GatewayMessage> gateway && responseStream is IServerStreamWriter<DispatchMessage> toGateway)
        {
            return continuation((IAsyncStreamReader<TRequest>)(object)new RecordingReader(gateway, this), (IServerStreamWriter<TResponse>)(object)new WelcomeWriter(toGateway, this), context);
        }

        return continuation(requestStream, responseStream, context);
    }

    private sealed class RecordingReader(IAsyncStreamReader<GatewayMessage> inner, UplinkFrameRecorder recorder) : IAsyncStreamReader<GatewayMessage>
    {
        public GatewayMessage Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            if (!await inner.MoveNext(cancellationToken))
            {
                return false;
            }

            recorder.Received.Enqueue(inner.Current.Clone());
            recorder.arrived.Release();
            return true;
        }
    }

    private sealed class WelcomeWriter(IServerStreamWriter<DispatchMessage> inner, UplinkFrameRecorder recorder) : IServerStreamWriter<DispatchMessage>
    {
        public WriteOptions? WriteOptions
        {
            get => inner.WriteOptions;
            set => inner.WriteOptions = value;
        }

        public Task WriteAsync(DispatchMessage message) => inner.WriteAsync(Older(message));

        public Task WriteAsync(DispatchMessage message, CancellationToken cancellationToken) => inner.WriteAsync(Older(message), cancellationToken);

        private DispatchMessage Older(DispatchMessage message)
        {
            if (!recorder.PlayOlderDispatch || message.BodyCase != DispatchMessage.BodyOneofCase.Welcome)
            {
                return message;
            }

            var older = message.Clone();
            older.Welcome.AcceptsRecordBatches = false;
            return older;
        }
    }
}
