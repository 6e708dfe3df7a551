using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using HomeGateway.Contracts.V1;
using HomeGateway.Dispatch.Credentials;
using HomeGateway.Dispatch.Hosting;
using HomeGateway.Dispatch.Store;
using Microsoft.Extensions.DependencyInjection;
using CoreAlerts = HomeGateway.Core.Alerts;
using CoreEvents = HomeGateway.Core.Events;

namespace HomeGateway.Dispatch.Tests;

/// <summary>A data directory that is deleted afterwards.</summary>
public sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("hgd-test-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A pooled SQLite handle may still be closing; the OS temp cleaner gets it.
        }
    }
}

/// <summary>Journal records as a gateway would send them.</summary>
public static class Records
{
    public static readonly DateTimeOffset T0 = new(2026, 3, 1, 21, 0, 0, TimeSpan.Zero);

    public static CoreAlerts.AlertEvent Alert(
        string alertId,
        CoreAlerts.AlertEventKind kind = CoreAlerts.AlertEventKind.Raised,
        CoreAlerts.AlertType type = CoreAlerts.AlertType.Fall,
        CoreAlerts.AlertPriority priority = CoreAlerts.AlertPriority.Critical,
        string homeId = "home-1",
        int count = 1,
        string summary = "Fall detected in the bedroom",
        int minutes = 0) =>
        new(alertId, kind, type, priority, homeId, "bedroom_radar", T0.AddMinutes(minutes), T0.AddMinutes(minutes), count, summary);

    public static CoreEvents.SensorEvent Sensor(string homeId = "home-1", int minutes = 0) =>
        new(homeId, "front_door", CoreEvents.SensorKind.Door, "open", T0.AddMinutes(minutes), "gpio:17");

    public static JournalRecord Wire(long seq, CoreAlerts.AlertEvent alert) =>
        new() { Seq = (ulong)seq, RecordedAt = Timestamp.FromDateTimeOffset(alert.At), AlertEvent = alert.ToWire() };

    public static JournalRecord Wire(long seq, CoreEvents.SensorEvent e) =>
        new() { Seq = (ulong)seq, RecordedAt = Timestamp.FromDateTimeOffset(e.At), SensorEvent = e.ToWire() };

    public static GatewayMessage Message(JournalRecord record) => new() { Record = record };

    public static GatewayMessage Hello(string gatewayId, string homeId = "home-1", ulong lastSeq = 0, ulong appliedAckSeq = 0) =>
        new() { Hello = new Hello { GatewayId = gatewayId, HomeId = homeId, SoftwareVersion = "test", LastSeq = lastSeq, AppliedAckSeq = appliedAckSeq } };
}

/// <summary>A real dispatch server on 127.0.0.1 port 0 with its own data directory.</summary>
public sealed class DispatchServer : IAsyncDisposable
{
    private readonly TempDirectory data = new();
    private readonly List<GrpcChannel> channels = [];

    private DispatchServer()
    {
    }

    public RunningDispatch Running { get; private set; } = null!;

    public string DataDirectory => data.Path;

    public IDispatchStore Store => (IDispatchStore)Running.Services.GetService(typeof(IDispatchStore))!;

    public static async Task<DispatchServer> StartAsync(TimeProvider? clock = null, string? dataDirectory = null)
    {
        var server = new DispatchServer();
        server.Running = await StartRunningAsync(dataDirectory ?? server.data.Path, clock);
        return server;
    }

    /// <summary>
    /// Stops this dispatch and starts a new one on the same data directory and clock: a restart, with the fake
    /// clock moved on by <paramref name="downFor"/> while nothing runs.
    /// </summary>
    public async Task RestartAsync(Microsoft.Extensions.Time.Testing.FakeTimeProvider clock, TimeSpan downFor)
    {
        foreach (var channel in channels)
        {
            channel.Dispose();
        }

        channels.Clear();
        await Running.DisposeAsync();
        clock.Advance(downFor);
        Running = await StartRunningAsync(data.Path, clock);
    }

    private static Task<RunningDispatch> StartRunningAsync(string dataDirectory, TimeProvider? clock) =>
        DispatchApp.StartAsync(new DispatchOptions
        {
            DataDirectory = dataDirectory,
            WebUrl = "http://127.0.0.1:0",
            GrpcUrl = "http://127.0.0.1:0",
        }, clock is null ? null : builder => builder.Services.AddSingleton(clock));

    public T Service<T>()
        where T : notnull => (T)Running.Services.GetService(typeof(T))!;

    /// <summary>Registers a gateway as <c>gateways add</c> does and returns its token.</summary>
    public async Task<string> AddGatewayAsync(string gatewayId, string homeId = "home-1")
    {
        var token = Secrets.NewGatewayToken();
        await Store.SetGatewayCredentialAsync(gatewayId, homeId, Secrets.Hash(token));
        return token;
    }

    public async Task<string> AddApiTokenAsync(string name)
    {
        var token = Secrets.NewApiToken();
        Assert.True(await Store.AddApiTokenAsync(name, Secrets.Hash(token)));
        return token;
    }

    public GatewayUplink.GatewayUplinkClient UplinkClient()
    {
        var channel = GrpcChannel.ForAddress(Running.GrpcUri);
        channels.Add(channel);
        return new GatewayUplink.GatewayUplinkClient(channel);
    }

    public async Task<UplinkStream> ConnectAsync(string? token)
    {
        var headers = new Metadata();
        if (token is not null)
        {
            headers.Add("authorization", "Bearer " + token);
        }

        return new UplinkStream(UplinkClient().Connect(headers, cancellationToken: new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token));
    }

    public HttpClient WebClient(System.Net.CookieContainer? cookies = null) =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = cookies is not null, CookieContainer = cookies ?? new() })
        {
            BaseAddress = Running.WebUri,
            Timeout = TimeSpan.FromSeconds(20),
        };

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in channels)
        {
            channel.Dispose();
        }

        await Running.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        data.Dispose();
    }
}

/// <summary>One uplink call, with reads that give up after a generous timeout instead of hanging the run.</summary>
public sealed class UplinkStream(AsyncDuplexStreamingCall<GatewayMessage, DispatchMessage> call) : IDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    public Task SendAsync(GatewayMessage message) => call.RequestStream.WriteAsync(message);

    public async Task<DispatchMessage> ReadAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        Assert.True(await call.ResponseStream.MoveNext(timeout.Token), "the server ended the stream");
        return call.ResponseStream.Current;
    }

    public async Task<Welcome> HelloAsync(string gatewayId, string homeId = "home-1", ulong appliedAckSeq = 0)
    {
        await SendAsync(Records.Hello(gatewayId, homeId, appliedAckSeq: appliedAckSeq));
        var reply = await ReadAsync();
        Assert.Equal(DispatchMessage.BodyOneofCase.Welcome, reply.BodyCase);
        return reply.Welcome;
    }

    /// <summary>Sends one record and returns the ack that answers it.</summary>
    public async Task<ulong> SendRecordAsync(JournalRecord record)
    {
        await SendAsync(Records.Message(record));
        var reply = await ReadAsync();
        Assert.Equal(DispatchMessage.BodyOneofCase.Ack, reply.BodyCase);
        return reply.Ack.ThroughSeq;
    }

    /// <summary>The status the server ended the call with.</summary>
    public async Task<RpcException> FailureAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        return await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(timeout.Token))
            {
            }
        });
    }

    public void Dispose() => call.Dispose();
}
