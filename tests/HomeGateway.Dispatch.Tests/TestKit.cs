using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using HomeGateway.Contracts.Api;
using HomeGateway.Contracts.V1;
using HomeGateway.Dispatch.Credentials;
using HomeGateway.Dispatch.Hosting;
using HomeGateway.Dispatch.Store;
using Microsoft.Extensions.Configuration;
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

/// <summary>The databases the dispatch tests run against: the same behaviour is expected of both.</summary>
public enum StoreProvider
{
    Sqlite,
    PostgreSql,
}

/// <summary>A fresh store of either kind for store-level tests.</summary>
public static class TestStores
{
    /// <summary>A new store: SQLite in <paramref name="dataDirectory"/>, or a fresh database in the run's private PostgreSQL cluster.</summary>
    public static async Task<StoreOptions> OptionsAsync(StoreProvider provider) =>
        provider == StoreProvider.PostgreSql
            ? new StoreOptions { Provider = StoreOptions.PostgreSql, ConnectionString = await HomeGateway.Tests.Shared.PostgresCluster.CreateDatabaseAsync() }
            : new StoreOptions();
}

/// <summary>A real dispatch server on 127.0.0.1 port 0 with its own data directory (and so its own CA) and its own store.</summary>
public sealed class DispatchServer : IAsyncDisposable
{
    private readonly TempDirectory data;
    private readonly bool ownsData;
    private readonly List<IDisposable> owned = [];
    private readonly Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? configure;
    private readonly StoreOptions store;

    private DispatchServer(StoreOptions store, Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? configure, TempDirectory? sharedData = null)
    {
        this.store = store;
        this.configure = configure;
        ownsData = sharedData is null;
        data = sharedData ?? new TempDirectory();
    }

    public RunningDispatch Running { get; private set; } = null!;

    public string DataDirectory => data.Path;

    /// <summary>The settings an admin command needs to reach this server's store (its data directory and database).</summary>
    public IConfiguration Settings =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Dispatch:DataDirectory"] = data.Path,
            ["Dispatch:Store:Provider"] = store.Provider,
            ["Dispatch:Store:ConnectionString"] = store.ConnectionString,
        }).Build();

    public IDispatchStore Store => (IDispatchStore)Running.Services.GetService(typeof(IDispatchStore))!;

    public DispatchAuthority Authority => (DispatchAuthority)Running.Services.GetService(typeof(DispatchAuthority))!;

    public GatewayEnrolment Enrolment => (GatewayEnrolment)Running.Services.GetService(typeof(GatewayEnrolment))!;

    public static Task<DispatchServer> StartAsync(Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? configure = null) =>
        StartAsync(StoreProvider.Sqlite, configure);

    public static async Task<DispatchServer> StartAsync(StoreProvider provider, Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? configure = null)
    {
        var server = new DispatchServer(await TestStores.OptionsAsync(provider), configure);
        server.Running = await server.StartRunningAsync();
        return server;
    }

    /// <summary>
    /// Another dispatch node beside this one: the same data directory (CA, cookie keys) and the same database (PostgreSQL),
    /// its own ports. Dispose it before this one.
    /// </summary>
    public async Task<DispatchServer> StartAnotherNodeAsync()
    {
        var node = new DispatchServer(store, configure, data);
        node.Running = await node.StartRunningAsync();
        return node;
    }

    /// <summary>A dispatch on <paramref name="clock"/> (a fake clock for supervision tests).</summary>
    public static Task<DispatchServer> StartAsync(TimeProvider clock) => StartAsync(StoreProvider.Sqlite, clock);

    public static Task<DispatchServer> StartAsync(StoreProvider provider, TimeProvider clock) =>
        StartAsync(provider, builder => builder.Services.AddSingleton(clock));

    public T Service<T>()
        where T : notnull => (T)Running.Services.GetService(typeof(T))!;

    /// <summary>Stops dispatch and starts it again on the same data directory (new ports, same CA and store).</summary>
    public async Task RestartAsync()
    {
        await Running.DisposeAsync();
        Running = await StartRunningAsync();
    }

    /// <summary>
    /// A restart with the fake clock moved on by <paramref name="downFor"/> while nothing runs (the server must have
    /// been started on <paramref name="clock"/>).
    /// </summary>
    public async Task RestartAsync(Microsoft.Extensions.Time.Testing.FakeTimeProvider clock, TimeSpan downFor)
    {
        await Running.DisposeAsync();
        clock.Advance(downFor);
        Running = await StartRunningAsync();
    }

    /// <summary>Enrols a gateway the way <c>homegateway enroll</c> does and returns its certificate with its key.</summary>
    public async Task<X509Certificate2> AddGatewayAsync(string gatewayId, string homeId = "home-1")
    {
        var issued = await Enrolment.IssueCodeAsync(gatewayId, homeId);
        Assert.True(EnrolmentCode.TryParse(issued.Code, out var token, out _));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var enrolled = await Enrolment.EnrolAsync(token, Csr(key));
        return Own(X509Certificate2.CreateFromPem(enrolled.CertificatePem).CopyWithPrivateKey(key));
    }

    public async Task<string> AddApiTokenAsync(string name)
    {
        var token = Secrets.NewApiToken();
        Assert.True(await Store.AddApiTokenAsync(name, Secrets.Hash(token)));
        return token;
    }

    /// <summary>A PKCS#10 request for <paramref name="key"/>, naming <paramref name="commonName"/> if given.</summary>
    public static string Csr(ECDsa key, string? commonName = null) =>
        new CertificateRequest(new X500DistinguishedName(commonName is null ? "" : $"CN={commonName}"), key, HashAlgorithmName.SHA256)
            .CreateSigningRequestPem();

    /// <summary>An HTTPS client for the gateway endpoint that trusts only this dispatch's CA, optionally presenting a certificate.</summary>
    public HttpClient GatewayEndpointClient(X509Certificate2? clientCertificate = null) =>
        Own(new HttpClient(Own(Handler(clientCertificate))) { BaseAddress = Running.GrpcUri, Timeout = TimeSpan.FromSeconds(20) });

    /// <summary>POST /enroll as a gateway sends it.</summary>
    public async Task<HttpResponseMessage> PostEnrolmentAsync(string token, string csr) =>
        await GatewayEndpointClient().PostAsJsonAsync("/enroll", new { token, csr });

    public GatewayUplink.GatewayUplinkClient UplinkClient(X509Certificate2? clientCertificate)
    {
        var channel = Own(GrpcChannel.ForAddress(Running.GrpcUri, new GrpcChannelOptions { HttpHandler = Handler(clientCertificate) }));
        return new GatewayUplink.GatewayUplinkClient(channel);
    }

    /// <summary>An uplink call presenting <paramref name="certificate"/> (none when null) over TLS that trusts only this dispatch's CA.</summary>
    public Task<UplinkStream> ConnectAsync(X509Certificate2? certificate) =>
        Task.FromResult(new UplinkStream(UplinkClient(certificate).Connect(cancellationToken: new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token)));

    /// <summary>
    /// A client of the integration gRPC API over TLS that trusts only this dispatch's CA, sending
    /// <paramref name="apiToken"/> as <c>authorization: Bearer</c> on every call (none when null).
    /// </summary>
    public HomeGateway.Contracts.DispatchApiV1.DispatchApi.DispatchApiClient ApiClient(string? apiToken, Uri? address = null)
    {
        var credentials = ChannelCredentials.SecureSsl;
        if (apiToken is not null)
        {
            credentials = ChannelCredentials.Create(credentials, CallCredentials.FromInterceptor((_, metadata) =>
            {
                metadata.Add("authorization", "Bearer " + apiToken);
                return Task.CompletedTask;
            }));
        }

        var channel = Own(GrpcChannel.ForAddress(address ?? Running.ApiUri!, new GrpcChannelOptions
        {
            HttpHandler = Handler(null),
            Credentials = credentials,
        }));
        return new HomeGateway.Contracts.DispatchApiV1.DispatchApi.DispatchApiClient(channel);
    }

    public HttpClient WebClient(System.Net.CookieContainer? cookies = null) =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = cookies is not null, CookieContainer = cookies ?? new() })
        {
            BaseAddress = Running.WebUri,
            Timeout = TimeSpan.FromSeconds(20),
        };

    /// <summary>
    /// A web client whose connections come from <paramref name="source"/> (another loopback address, e.g. 127.0.0.2): to
    /// dispatch, a client at another place.
    /// </summary>
    public HttpClient WebClientFrom(System.Net.IPAddress source, System.Net.CookieContainer cookies) =>
        new(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = true,
            CookieContainer = cookies,
            ConnectCallback = async (context, ct) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                try
                {
                    socket.Bind(new System.Net.IPEndPoint(source, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        })
        {
            BaseAddress = Running.WebUri,
            Timeout = TimeSpan.FromSeconds(20),
        };

    public async ValueTask DisposeAsync()
    {
        foreach (var disposable in owned)
        {
            disposable.Dispose();
        }

        await Running.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (ownsData)
        {
            data.Dispose();
        }
    }

    private Task<RunningDispatch> StartRunningAsync() =>
        DispatchApp.StartAsync(new DispatchOptions
        {
            DataDirectory = data.Path,
            WebUrl = "http://127.0.0.1:0",
            GrpcUrl = "https://127.0.0.1:0",
            ApiUrl = "https://127.0.0.1:0",
            Store = store,
        }, configure);

    /// <summary>A TLS handler that trusts only this dispatch's CA and presents <paramref name="clientCertificate"/>.</summary>
    public SocketsHttpHandler GatewayHandler(X509Certificate2 clientCertificate) => Own(Handler(clientCertificate));

    private SocketsHttpHandler Handler(X509Certificate2? clientCertificate)
    {
        var ca = X509CertificateLoader.LoadCertificate(Authority.CaCertificate.RawData);
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return certificate is X509Certificate2 leaf && chain.Build(leaf)
                && (errors & System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch) == 0;
        };
        if (clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [clientCertificate];
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate;
        }

        return handler;
    }

    private T Own<T>(T disposable)
        where T : IDisposable
    {
        owned.Add(disposable);
        return disposable;
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

    /// <summary>Ends the gateway's side and waits until the server has ended the call (it has handled every frame sent).</summary>
    public async Task CompleteAsync()
    {
        await call.RequestStream.CompleteAsync();
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            while (await call.ResponseStream.MoveNext(timeout.Token))
            {
            }
        }
        catch (RpcException)
        {
            // However it ended, it has.
        }
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
