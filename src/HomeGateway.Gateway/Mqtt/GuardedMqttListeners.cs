using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Implementations;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace HomeGateway.Gateway.Mqtt;

/// <summary>One TCP listener of the embedded broker: plain when <paramref name="Certificate"/> is null, TLS otherwise.</summary>
internal sealed record MqttListenerEndpoint(IPAddress Address, int Port, X509Certificate2? Certificate);

/// <summary>
/// The embedded broker's TCP listeners, in place of MQTTnet's own, for what must happen before MQTTnet reads a byte:
/// connection attempts limited per source address (<see cref="ConnectionAttemptLimiter"/>), at most
/// <c>maxWaiting</c> connections that have not logged in yet, a TLS handshake and a CONNECT that must each arrive within
/// <see cref="LoginDeadline"/>, and every packet's declared size checked before MQTTnet allocates it
/// (<see cref="BoundedMqttStream"/>). Also assigns a client id to an MQTT 3.1.1 client that sent an empty one with clean
/// session, as 3.1.1 §3.1.3.1 allows (MQTTnet refuses it; MQTT 5 clients get theirs in the CONNACK instead).
/// </summary>
internal sealed class GuardedMqttListeners(
    IReadOnlyList<MqttListenerEndpoint> endpoints,
    int maxPacketBytes,
    int maxWaiting,
    ConnectionAttemptLimiter attempts,
    TimeProvider time,
    Action<EndPoint?, string> refused) : IMqttServerAdapter
{
    /// <summary>How long a new connection has for its TLS handshake, and then for its CONNECT.</summary>
    public static readonly TimeSpan LoginDeadline = TimeSpan.FromSeconds(10);

    private readonly List<Socket> _sockets = [];
    private CancellationTokenSource? _stopping;
    private IMqttNetLogger _mqttLogger = new MqttNetNullLogger();
    private int _waiting;

    public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

    /// <summary>The port each endpoint listens on once started (the OS's choice where the endpoint said 0).</summary>
    public IReadOnlyList<int> BoundPorts { get; private set; } = [];

    public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger)
    {
        _mqttLogger = logger;
        _stopping = new CancellationTokenSource();
        var ports = new List<int>();
        foreach (var endpoint in endpoints)
        {
            var socket = new Socket(endpoint.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(endpoint.Address, endpoint.Port));
                socket.Listen(100);
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            _sockets.Add(socket);
            ports.Add(((IPEndPoint)socket.LocalEndPoint!).Port);
            _ = AcceptAsync(socket, endpoint, _stopping.Token);
        }

        BoundPorts = ports;
        return Task.CompletedTask;
    }

    public Task StopAsync()
    {
        _stopping?.Cancel();
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        _sockets.Clear();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        StopAsync();
        _stopping?.Dispose();
    }

    private async Task AcceptAsync(Socket listener, MqttListenerEndpoint endpoint, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stopping).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                // A connection reset while still in the backlog: nothing to do for it, the next one may be fine.
                continue;
            }

            _ = Task.Run(() => HandleAsync(client, endpoint, stopping), CancellationToken.None);
        }
    }

    private async Task HandleAsync(Socket socket, MqttListenerEndpoint endpoint, CancellationToken stopping)
    {
        var remote = socket.RemoteEndPoint;
        if (remote is IPEndPoint ip && !attempts.TryAcquire(ip.Address))
        {
            refused(remote, "too many connection attempts from this address (Gateway:Mqtt:ConnectionAttemptsPerMinute)");
            socket.Dispose();
            return;
        }

        var waiting = 1;
        void LoggedIn()
        {
            if (Interlocked.Exchange(ref waiting, 0) == 1)
            {
                Interlocked.Decrement(ref _waiting);
            }
        }

        if (Interlocked.Increment(ref _waiting) > maxWaiting)
        {
            LoggedIn();
            refused(remote, $"too many connections waiting to log in ({maxWaiting})");
            socket.Dispose();
            return;
        }

        socket.NoDelay = true;
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            if (endpoint.Certificate is { } certificate)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                using var handshake = new CancellationTokenSource(LoginDeadline, time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(handshake.Token, stopping);
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = certificate,
                    EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                    EncryptionPolicy = EncryptionPolicy.RequireEncryption,
                    CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                }, linked.Token).ConfigureAwait(false);
            }

            var bounded = new BoundedMqttStream(stream, maxPacketBytes, reason => refused(remote, reason), LoggedIn);
            stream = bounded;

            // A client that connects and then sends nothing (or a CONNECT a byte at a time) would hold its slot for MQTTnet's
            // 100 s; the CONNECT is due within the deadline.
            await using var deadline = time.CreateTimer(_ =>
            {
                if (!bounded.FirstPacketRead)
                {
                    refused(remote, $"no CONNECT within {LoginDeadline.TotalSeconds:0} s");
                    bounded.Abort();
                }
            }, null, LoginDeadline, Timeout.InfiniteTimeSpan);

            if (ClientHandler is { } handler)
            {
                var channel = new MqttTcpChannel(bounded, socket.LocalEndPoint, remote, null);
                using var adapter = new ClientIdAssigningAdapter(new MqttChannelAdapter(channel, new MqttPacketFormatterAdapter(new MqttBufferWriter(4096, 65535)), _mqttLogger),
                    reason => refused(remote, reason));
                await handler(adapter).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or AuthenticationException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The client went, or its TLS handshake failed or took too long: MQTT never started, nothing to tell it.
        }
        finally
        {
            LoggedIn();
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Gives an MQTT 3.1.1 CONNECT with an empty client id and clean session an id of the server's choice.</summary>
    private sealed class ClientIdAssigningAdapter(MqttChannelAdapter inner, Action<string> refused) : IMqttChannelAdapter
    {
        private bool _first = true;

        public long BytesReceived => inner.BytesReceived;

        public long BytesSent => inner.BytesSent;

        public X509Certificate2 ClientCertificate => inner.ClientCertificate;

        public EndPoint RemoteEndPoint => inner.RemoteEndPoint;

        public EndPoint LocalEndPoint => inner.LocalEndPoint;

        public bool IsSecureConnection => inner.IsSecureConnection;

        public MqttPacketFormatterAdapter PacketFormatterAdapter => inner.PacketFormatterAdapter;

        public Task ConnectAsync(CancellationToken cancellationToken) => inner.ConnectAsync(cancellationToken);

        public Task DisconnectAsync(CancellationToken cancellationToken) => inner.DisconnectAsync(cancellationToken);

        public async Task<MqttPacket> ReceivePacketAsync(CancellationToken cancellationToken)
        {
            MqttPacket packet;
            if (!_first)
            {
                return await inner.ReceivePacketAsync(cancellationToken).ConfigureAwait(false);
            }

            _first = false;
            try
            {
                packet = await inner.ReceivePacketAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (MqttProtocolViolationException ex)
            {
                // A stranger's malformed CONNECT is a refusal to log (rate-limited, as a warning), not the broker's error.
                refused("not a valid CONNECT: " + ex.Message);
                if (ex.Message.Contains("MQTT-3.1.3-7", StringComparison.Ordinal))
                {
                    // MQTT 3.1.1 §3.1.3.1: an empty client id without clean session is answered 0x02, identifier rejected.
                    await inner.SendPacketAsync(new MqttConnAckPacket { ReturnCode = MqttConnectReturnCode.ConnectionRefusedIdentifierRejected, ReasonCode = MqttConnectReasonCode.ClientIdentifierNotValid }, cancellationToken).ConfigureAwait(false);
                }

                // MQTTnet ends a connection whose first packet did not come as one that was cancelled.
                throw new OperationCanceledException(ex.Message, ex);
            }

            if (packet is MqttConnectPacket { CleanSession: true } connect && string.IsNullOrEmpty(connect.ClientId)
                && inner.PacketFormatterAdapter.ProtocolVersion != MQTTnet.Formatter.MqttProtocolVersion.V500)
            {
                connect.ClientId = AssignedClientIds.Next();
            }

            return packet;
        }

        public void ResetStatistics() => inner.ResetStatistics();

        public Task SendPacketAsync(MqttPacket packet, CancellationToken cancellationToken) => inner.SendPacketAsync(packet, cancellationToken);

        public void Dispose() => inner.Dispose();
    }
}

/// <summary>Client ids the broker gives clients that sent none (MQTT 3.1.1 with clean session, MQTT 5).</summary>
internal static class AssignedClientIds
{
    public const string Prefix = "auto-";

    public static string Next() => Prefix + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
}
