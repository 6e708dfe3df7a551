using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using HomeGateway.Core.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace HomeGateway.Gateway.Mqtt;

/// <summary>
/// The MQTT broker inside the gateway that Zigbee2MQTT and our own devices publish to. Every client must log in
/// with a device user from <see cref="MqttCredentialStore"/>; every published message goes through
/// <see cref="MqttSensorInput"/> on its way in. A plain listener (loopback by default), a TLS listener, or both. Idle in
/// external mode (<see cref="ExternalMqttBrokerClient"/>).
/// </summary>
public sealed class EmbeddedMqttBroker : IHostedService, IAsyncDisposable, ILocalMqttPublisher
{
    /// <summary>The client id the gateway itself publishes under (alert republish); no device may use it.</summary>
    internal const string GatewayClientId = "homegateway";

    private readonly MqttOptions _options;
    private readonly MqttCredentialStore _credentials;
    private readonly MqttSensorInput _input;
    private readonly ILogger _logger;
    private readonly LogGate _refusalLog;
    private readonly TimeProvider _time;
    private readonly MqttLinkHealth _health;
    private int _connections;
    private MqttServer? _server;
    private X509Certificate2? _certificate;

    public EmbeddedMqttBroker(
        IOptions<GatewayOptions> options,
        MqttCredentialStore credentials,
        MqttSensorInput input,
        MqttLinkHealth health,
        TimeProvider time,
        ILogger<EmbeddedMqttBroker> logger)
    {
        _options = options.Value.Mqtt;
        _credentials = credentials;
        _input = input;
        _health = health;
        _logger = logger;
        _refusalLog = new LogGate(time, TimeSpan.FromMinutes(1));
        _time = time;
    }

    /// <summary>The TCP port the plain listener is on once started (the chosen one when the options said 0); 0 when it is off.</summary>
    public int Port { get; private set; }

    /// <summary>The TLS listener's port once started (the chosen one when the options said 0); 0 when there is none.</summary>
    public int TlsPort { get; private set; }

    /// <summary>True between a successful start and stop.</summary>
    public bool IsRunning => _server?.IsStarted == true;

    internal MqttServer? Server => _server;

    /// <summary>Clients connected right now.</summary>
    public int ConnectionCount => Volatile.Read(ref _connections);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.Enabled)
        {
            MqttLog.BrokerDisabled(_logger);
            return;
        }

        if (_options.IsExternal)
        {
            // External mode: the gateway is a client of the home's broker and listens on nothing.
            return;
        }

        var address = IPAddress.Parse(_options.ListenAddress);
        var factory = new MqttServerFactory();
        var builder = factory.CreateServerOptionsBuilder();
        var port = 0;
        if (_options.PlainListener)
        {
            port = _options.Port == 0 ? FindFreePort(address) : _options.Port;
            builder = builder.WithDefaultEndpoint().WithDefaultEndpointPort(port);
            builder = address.AddressFamily == AddressFamily.InterNetworkV6
                ? builder.WithDefaultEndpointBoundIPV6Address(address).WithDefaultEndpointBoundIPAddress(IPAddress.None)
                : builder.WithDefaultEndpointBoundIPAddress(address).WithDefaultEndpointBoundIPV6Address(IPAddress.None);
        }
        else
        {
            builder = builder.WithoutDefaultEndpoint();
        }

        var tlsPort = 0;
        if (_options.Tls.Port is { } configuredTlsPort)
        {
            // Same credentials check as the plain listener: TLS protects the link, the device user still has to log in.
            tlsPort = configuredTlsPort == 0 ? FindFreePort(address) : configuredTlsPort;
            _certificate = MqttCertificates.LoadServerCertificate(_options.Tls);
            builder = builder.WithEncryptedEndpoint()
                .WithEncryptedEndpointPort(tlsPort)
                .WithEncryptionCertificate(_certificate)
                .WithEncryptionSslProtocol(SslProtocols.Tls12 | SslProtocols.Tls13);
            builder = address.AddressFamily == AddressFamily.InterNetworkV6
                ? builder.WithEncryptedEndpointBoundIPV6Address(address).WithEncryptedEndpointBoundIPAddress(IPAddress.None)
                : builder.WithEncryptedEndpointBoundIPAddress(address).WithEncryptedEndpointBoundIPV6Address(IPAddress.None);
        }

        var server = factory.CreateMqttServer(builder.Build(), new MqttNetLogBridge(_logger, time: _time));
        server.ValidatingConnectionAsync += ValidateConnectionAsync;
        server.ClientConnectedAsync += OnClientConnectedAsync;
        server.ClientDisconnectedAsync += OnClientDisconnectedAsync;
        server.InterceptingInboundPacketAsync += DurableAcknowledgements.OnInboundAsync;
        server.InterceptingPublishAsync += _input.OnPublishAsync;
        server.InterceptingOutboundPacketAsync += HoldAcknowledgementUntilDurableAsync;
        await server.StartAsync().ConfigureAwait(false);
        _server = server;
        Port = port;
        TlsPort = tlsPort;
        var listeners = new List<string>();
        if (_options.PlainListener)
        {
            MqttLog.BrokerStarted(_logger, address.ToString(), port);
            listeners.Add($"{address}:{port}");
        }
        else
        {
            MqttLog.BrokerPlainListenerOff(_logger);
        }

        if (_options.Tls.Port is not null)
        {
            MqttLog.BrokerTlsStarted(_logger, address.ToString(), tlsPort);
            listeners.Add($"{address}:{tlsPort} (TLS)");
        }

        _health.Starting(MqttOptions.EmbeddedMode, string.Join(", ", listeners));
        _health.Connected();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is { } server)
        {
            await server.StopAsync().ConfigureAwait(false);
            _health.Lost("stopped");
            MqttLog.BrokerStopped(_logger);
        }
    }

    public ValueTask DisposeAsync()
    {
        _server?.Dispose();
        _server = null;
        _certificate?.Dispose();
        _certificate = null;
        return ValueTask.CompletedTask;
    }

    /// <summary>Publishes a message from the gateway itself to the clients subscribed to its topic.</summary>
    public async Task<bool> PublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken)
    {
        if (_server is not { IsStarted: true } server)
        {
            return false;
        }

        await server.InjectApplicationMessage(
            new InjectedMqttApplicationMessage(message) { SenderClientId = GatewayClientId },
            cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// A PUBACK/PUBREC leaves only once its message's events are journalled (<see cref="DurableAcknowledgements"/>). One that
    /// never will be is dropped and the client disconnected: an MQTT client sends an unacknowledged message again when it
    /// reconnects, so the message is not lost with the acknowledgement.
    /// </summary>
    private async Task HoldAcknowledgementUntilDurableAsync(InterceptingPacketEventArgs args)
    {
        if (await DurableAcknowledgements.ReleaseWhenDurableAsync(args).ConfigureAwait(false))
        {
            return;
        }

        args.ProcessPacket = false;
        if (!args.CancellationToken.IsCancellationRequested && _server is { IsStarted: true } server)
        {
            MqttLog.AcknowledgementWithheld(_logger, Journal.MessageReceipt.PlainOrHashed(args.ClientId));
            var clientId = args.ClientId;

            // Not awaited on the client's send loop, which the disconnect ends.
            _ = Task.Run(async () =>
            {
                try
                {
                    await server.DisconnectClientAsync(clientId, new MqttServerClientDisconnectOptions { ReasonCode = MqttDisconnectReasonCode.UnspecifiedError })
                        .ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // Already gone: it reconnects and sends the message again all the same.
                }
            });
        }
    }

    private Task ValidateConnectionAsync(ValidatingConnectionEventArgs args)
    {
        // Anonymous clients are not allowed at all ("not authorized"); a wrong name or password is "bad user name or password".
        if (string.IsNullOrEmpty(args.UserName))
        {
            Refuse(args, MqttConnectReasonCode.NotAuthorized, "no user name: anonymous clients are not allowed");
        }
        else if (!_credentials.Verify(args.UserName, args.Password))
        {
            Refuse(args, MqttConnectReasonCode.BadUserNameOrPassword, "unknown user or wrong password");
        }
        else if (string.Equals(args.ClientId, GatewayClientId, StringComparison.Ordinal))
        {
            Refuse(args, MqttConnectReasonCode.ClientIdentifierNotValid, $"client id '{GatewayClientId}' is the gateway's own");
        }
        else if (Volatile.Read(ref _connections) >= _options.MaxConnections)
        {
            Refuse(args, MqttConnectReasonCode.QuotaExceeded, $"connection limit reached ({_options.MaxConnections})");
        }
        else
        {
            args.ReasonCode = MqttConnectReasonCode.Success;
        }

        return Task.CompletedTask;
    }

    private void Refuse(ValidatingConnectionEventArgs args, MqttConnectReasonCode code, string reason)
    {
        args.ReasonCode = code;
        var endpoint = args.RemoteEndPoint?.ToString() ?? "?";
        // One line per remote address per minute, however fast someone guesses.
        var host = args.RemoteEndPoint is IPEndPoint ip ? ip.Address.ToString() : endpoint;
        if (_refusalLog.TryPass(host, out var suppressed))
        {
            MqttLog.ConnectionRefused(_logger, endpoint, args.ClientId ?? "", args.UserName ?? "", reason, suppressed);
        }
    }

    private Task OnClientConnectedAsync(ClientConnectedEventArgs args)
    {
        Interlocked.Increment(ref _connections);
        MqttLog.ClientConnected(_logger, args.ClientId, args.UserName ?? "");
        return Task.CompletedTask;
    }

    private Task OnClientDisconnectedAsync(ClientDisconnectedEventArgs args)
    {
        Interlocked.Decrement(ref _connections);
        MqttLog.ClientDisconnected(_logger, args.ClientId, args.DisconnectType.ToString());
        return Task.CompletedTask;
    }

    // MQTTnet does not report the port it bound, so port 0 is resolved here: ask the OS for a free port and use it.
    // Another process could take it in between; port 0 is meant for tests, where that is acceptable.
    private static int FindFreePort(IPAddress address)
    {
        using var probe = new TcpListener(address, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}
