using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using HomeGateway.Contracts.V1;
using HomeGateway.Gateway.Uplink;

namespace HomeGateway.Benchmarks.Suite.FanIn;

/// <summary>
/// One simulated gateway: its own TLS connection (its own certificate, so its own <see cref="SocketsHttpHandler"/>) from
/// its own loopback source address, one uplink stream spoken as <c>DispatchUplink</c> speaks it (Hello with its ids,
/// Welcome, then records and heartbeats up, acks read down). It has no timer of its own: the fleet's one scheduler
/// tells it when to send a heartbeat.
/// </summary>
internal sealed class SimulatedGateway(GatewayIdentity identity, IPAddress source) : IAsyncDisposable
{
    private static readonly TimeSpan WelcomeTimeout = TimeSpan.FromSeconds(60);

    private readonly SemaphoreSlim writeGate = new(1, 1);
    private GrpcChannel? channel;
    private AsyncDuplexStreamingCall<GatewayMessage, DispatchMessage>? call;
    private Task reading = Task.CompletedTask;
    private long lastSeq;
    private volatile bool held;
    private volatile bool closing;

    public string GatewayId => identity.GatewayId;

    /// <summary>Stream open and Welcome received, and not ended since.</summary>
    public bool IsHeld => held;

    /// <summary>The stream ended (or a write failed) while the bench still held it: dispatch dropped it.</summary>
    public bool WasDropped { get; private set; }

    public string? DropReason { get; private set; }

    public long AcksReceived;

    public async Task ConnectAsync(Uri dispatch, X509Certificate2 ca, CancellationToken ct)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(60),
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            // Dispatch's own HTTP/2 pings (every 30 s) keep each connection checked; client pings would add a timer per
            // handler in this process, which the brief keeps to one scheduler. Application heartbeats are sent below.
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            ConnectCallback = (context, token) => ConnectFromAsync(source, context.DnsEndPoint, token),
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = [identity.Certificate],
                LocalCertificateSelectionCallback = (_, _, _, _, _) => identity.Certificate,
                // As the gateway: trust only dispatch's CA, never the system store.
                RemoteCertificateValidationCallback = (_, certificate, _, errors) => DispatchCredentials.IsDispatch(ca, certificate, errors),
            },
        };
        channel = GrpcChannel.ForAddress(dispatch, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true, MaxReceiveMessageSize = 1024 * 1024 });
        call = new GatewayUplink.GatewayUplinkClient(channel).Connect(cancellationToken: CancellationToken.None);
        await call.RequestStream.WriteAsync(new GatewayMessage
        {
            Hello = new Hello { GatewayId = identity.GatewayId, HomeId = identity.HomeId, SoftwareVersion = "fanin-bench", LastSeq = 0, AppliedAckSeq = 0 },
        }, ct).ConfigureAwait(false);
        using var welcomeTimeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        welcomeTimeout.CancelAfter(WelcomeTimeout);
        if (!await call.ResponseStream.MoveNext(welcomeTimeout.Token).ConfigureAwait(false)
            || call.ResponseStream.Current.BodyCase != DispatchMessage.BodyOneofCase.Welcome)
        {
            throw new InvalidOperationException($"dispatch did not answer {identity.GatewayId}'s Hello with Welcome");
        }

        held = true;
        reading = ReadAsync(call.ResponseStream);
    }

    public async Task HeartbeatAsync(CancellationToken ct) =>
        await WriteAsync(new GatewayMessage
        {
            Heartbeat = new Heartbeat { SentAt = Timestamp.FromDateTimeOffset(TimeProvider.System.GetUtcNow()), LastSeq = (ulong)Interlocked.Read(ref lastSeq) },
        }, null, ct).ConfigureAwait(false);

    /// <summary>Sends a raised fall alert as the gateway journals it; <paramref name="sending"/> runs just before the write.</summary>
    public async Task SendAlertAsync(string alertId, Action sending, CancellationToken ct)
    {
        var now = Timestamp.FromDateTimeOffset(TimeProvider.System.GetUtcNow());
        await WriteAsync(new GatewayMessage
        {
            Record = new JournalRecord
            {
                Seq = (ulong)Interlocked.Increment(ref lastSeq),
                RecordedAt = now,
                AlertEvent = new AlertEvent
                {
                    AlertId = alertId,
                    Kind = AlertEventKind.Raised,
                    Type = AlertType.Fall,
                    Priority = AlertPriority.Critical,
                    HomeId = identity.HomeId,
                    SensorId = "bedroom_radar",
                    At = now,
                    EvidenceAt = now,
                    Count = 1,
                    Summary = "Fall detected by bedroom_radar",
                },
            },
        }, sending, ct).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        closing = true;
        held = false;
        if (call is not null)
        {
            try
            {
                await call.RequestStream.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RpcException or InvalidOperationException or TimeoutException or IOException)
            {
                // Already gone: nothing to close politely.
            }

            call.Dispose();
        }

        try
        {
            await reading.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The channel's disposal below ends it.
        }

        channel?.Dispose();
        writeGate.Dispose();
    }

    private async Task WriteAsync(GatewayMessage message, Action? sending, CancellationToken ct)
    {
        if (!held || call is null)
        {
            return;
        }

        await writeGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            sending?.Invoke();
            await call.RequestStream.WriteAsync(message, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException or IOException && !ct.IsCancellationRequested)
        {
            Dropped("write failed: " + e.Message);
        }
        finally
        {
            writeGate.Release();
        }
    }

    private async Task ReadAsync(IAsyncStreamReader<DispatchMessage> responses)
    {
        try
        {
            while (await responses.MoveNext(CancellationToken.None).ConfigureAwait(false))
            {
                if (responses.Current.BodyCase == DispatchMessage.BodyOneofCase.Ack)
                {
                    Interlocked.Increment(ref AcksReceived);
                }
            }

            Dropped("dispatch ended the stream");
        }
        catch (RpcException e)
        {
            Dropped($"{e.StatusCode}: {e.Status.Detail}");
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException)
        {
            Dropped(e.Message);
        }
    }

    private void Dropped(string reason)
    {
        if (closing)
        {
            return;
        }

        held = false;
        WasDropped = true;
        DropReason ??= reason;
    }

    internal static async ValueTask<Stream> ConnectFromAsync(IPAddress source, DnsEndPoint target, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            // IP_BIND_ADDRESS_NO_PORT: choose the source port at connect time, per destination, so a bound socket does not
            // reserve a port of its source address for every destination.
            socket.SetRawSocketOption(0, 24, BitConverter.GetBytes(1));
            socket.Bind(new IPEndPoint(source, 0));
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(target.Host), target.Port), ct).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
