using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using HomeGateway.Core.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace HomeGateway.Gateway.Mqtt;

/// <summary>
/// The MQTT broker inside the gateway that Zigbee2MQTT and our own devices publish to. Every client must log in
/// with a login from <see cref="MqttCredentialStore"/> and may publish, subscribe and receive only where that login's
/// <see cref="MqttPermissions"/> allow; a client id belongs to the login connected with it. Every allowed message goes
/// through <see cref="MqttSensorInput"/> on its way in. A plain listener (loopback by default), a TLS listener, or both,
/// both ours (<see cref="GuardedMqttListeners"/>) so that nothing is allocated for a client beyond a few KiB before it
/// has logged in. Idle in external mode (<see cref="ExternalMqttBrokerClient"/>).
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
    private readonly LogGate _accessLog;
    private readonly ConcurrentDictionary<string, string> _clientIdOwners = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _connectedLogins = new(StringComparer.Ordinal);
    private HashSet<string> _sensorTopics = new(StringComparer.Ordinal);
    private GuardedMqttListeners? _listeners;
    private int _reportedGeneration = -1;
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
        _accessLog = new LogGate(time, TimeSpan.FromMinutes(1));
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
        var endpoints = new List<MqttListenerEndpoint>();
        if (_options.PlainListener)
        {
            endpoints.Add(new MqttListenerEndpoint(address, _options.Port, null));
        }

        if (_options.Tls.Port is { } configuredTlsPort)
        {
            // Same login check as the plain listener: TLS protects the link, the device still has to log in.
            _certificate = MqttCertificates.LoadServerCertificate(_options.Tls);
            endpoints.Add(new MqttListenerEndpoint(address, configuredTlsPort, _certificate));
        }

        _sensorTopics = [.. _input.SubscriptionTopics];
        ReportCredentialsFile();

        // Our own listeners instead of MQTTnet's: they bound what MQTTnet would allocate before anyone logged in.
        _listeners = new GuardedMqttListeners(endpoints, _options.MaxPacketBytes, _options.MaxConnections,
            new ConnectionAttemptLimiter(_time, _options.ConnectionAttemptsPerMinute), _time, GuardRefused);
        var factory = new MqttServerFactory();
        var serverOptions = factory.CreateServerOptionsBuilder().WithoutDefaultEndpoint().Build();
        var server = factory.CreateMqttServer(serverOptions, [_listeners], new MqttNetLogBridge(_logger, time: _time));
        server.ValidatingConnectionAsync += ValidateConnectionAsync;
        server.ClientConnectedAsync += OnClientConnectedAsync;
        server.ClientDisconnectedAsync += OnClientDisconnectedAsync;
        server.InterceptingInboundPacketAsync += DurableAcknowledgements.OnInboundAsync;
        server.InterceptingPublishAsync += InterceptPublishAsync;
        server.InterceptingSubscriptionAsync += InterceptSubscriptionAsync;
        server.InterceptingClientEnqueueAsync += InterceptDeliveryAsync;
        server.InterceptingOutboundPacketAsync += HoldAcknowledgementUntilDurableAsync;
        await server.StartAsync().ConfigureAwait(false);
        _server = server;
        var ports = _listeners.BoundPorts;
        var port = _options.PlainListener ? ports[0] : 0;
        var tlsPort = _options.Tls.Port is not null ? ports[^1] : 0;
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
            _input.StopHandingOver();
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
        ReportCredentialsFile();
        var v5 = args.ProtocolVersion == MqttProtocolVersion.V500;
        if (v5 && string.IsNullOrEmpty(args.ClientId))
        {
            // MQTT 5 §3.1.3.1: the server assigns one and names it in the CONNACK (3.1.1 clients got theirs in the listener).
            args.AssignedClientIdentifier = AssignedClientIds.Next();
        }

        var clientId = string.IsNullOrEmpty(args.ClientId) ? args.AssignedClientIdentifier ?? "" : args.ClientId;

        // Anonymous clients are not allowed at all ("not authorized"); a wrong name or password is "bad user name or password".
        if (string.IsNullOrEmpty(args.UserName))
        {
            Refuse(args, MqttConnectReasonCode.NotAuthorized, "no user name: anonymous clients are not allowed");
        }
        else if (!_credentials.Verify(args.UserName, args.Password))
        {
            Refuse(args, MqttConnectReasonCode.BadUserNameOrPassword, "unknown user or wrong password");
        }
        else if (clientId.Length == 0)
        {
            Refuse(args, MqttConnectReasonCode.ClientIdentifierNotValid, "an empty client id needs clean session (MQTT 3.1.1 §3.1.3.1)");
        }
        else if (string.Equals(clientId, GatewayClientId, StringComparison.Ordinal))
        {
            Refuse(args, MqttConnectReasonCode.ClientIdentifierNotValid, $"client id '{GatewayClientId}' is the gateway's own");
        }
        else if (_clientIdOwners.TryGetValue(clientId, out var owner) && !string.Equals(owner, args.UserName, StringComparison.Ordinal))
        {
            // A takeover (MQTT §3.1.4) is a login replacing its own connection after a network blip; another login using
            // the same client id would cut a device off and step into its session.
            Refuse(args, MqttConnectReasonCode.ClientIdentifierNotValid, $"client id '{clientId}' is connected under another login ('{owner}'): a login may take over only its own sessions");
        }
        else if (Volatile.Read(ref _connections) >= _options.MaxConnections && !_clientIdOwners.ContainsKey(clientId))
        {
            // 3.1.1 has no "quota exceeded": its nearest is 3, server unavailable (MQTTnet would send 1, "unacceptable protocol version").
            Refuse(args, v5 ? MqttConnectReasonCode.QuotaExceeded : MqttConnectReasonCode.ServerUnavailable, $"connection limit reached ({_options.MaxConnections})");
        }
        else
        {
            // The slot is taken here, not when MQTTnet reports the client connected (after its CONNACK is on the way):
            // a client connecting right after the last free slot was given must already see it taken.
            args.ReasonCode = MqttConnectReasonCode.Success;
            Interlocked.Increment(ref _connections);
        }

        return Task.CompletedTask;
    }

    /// <summary>The gateway's own injected messages: no login, the reserved client id.</summary>
    private static bool IsGateway(string? clientId, string? userName) =>
        userName is null && string.Equals(clientId, GatewayClientId, StringComparison.Ordinal);

    private MqttPermissions PermissionsOf(string? userName) =>
        (userName is null ? null : _credentials.PermissionsOf(userName)) ?? new MqttPermissions(MqttRoles.Custom, []);

    /// <summary>A publish the login may not make is dropped before the input sees it: not journalled, not forwarded.</summary>
    private async Task InterceptPublishAsync(InterceptingPublishEventArgs args)
    {
        var topic = args.ApplicationMessage.Topic ?? "";
        if (!IsGateway(args.ClientId, args.UserName) && !PermissionsOf(args.UserName).MayPublish(topic, args.UserName ?? "", args.ClientId, _sensorTopics))
        {
            args.ProcessPublish = false;

            // MQTT 5: PUBACK/PUBREC 0x87. MQTT 3.1.1 has no refusal in a PUBACK; as mosquitto, the message is acknowledged
            // and dropped rather than the client disconnected, which would only make it reconnect and send it again.
            args.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            if (_accessLog.TryPass("publish:" + args.UserName, out var held))
            {
                MqttLog.PublishDenied(_logger, args.UserName ?? "", args.ClientId, topic, held);
            }

            return;
        }

        await _input.OnPublishAsync(args).ConfigureAwait(false);
    }

    private Task InterceptSubscriptionAsync(InterceptingSubscriptionEventArgs args)
    {
        var filter = args.TopicFilter.Topic ?? "";
        if (!PermissionsOf(args.UserName).MaySubscribe(filter, args.UserName ?? "", args.ClientId, _sensorTopics))
        {
            args.ProcessSubscription = false;
            args.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            if (_accessLog.TryPass("subscribe:" + args.UserName, out var held))
            {
                MqttLog.SubscribeDenied(_logger, args.UserName ?? "", args.ClientId, filter, held);
            }
        }

        return Task.CompletedTask;
    }

    // Checked again at each delivery: a login's permissions may have been narrowed since it subscribed.
    private Task InterceptDeliveryAsync(InterceptingClientApplicationMessageEnqueueEventArgs args)
    {
        var topic = args.ApplicationMessage.Topic ?? "";
        var login = _connectedLogins.GetValueOrDefault(args.ReceiverClientId);
        if (!PermissionsOf(login).MaySubscribe(topic, login ?? "", args.ReceiverClientId, _sensorTopics))
        {
            args.AcceptEnqueue = false;
            if (_accessLog.TryPass("deliver:" + login, out var held))
            {
                MqttLog.DeliveryDenied(_logger, args.ReceiverClientId, login ?? "", topic, held);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Logs, once per version of the credentials file, its unreadable lines and its logins without permissions.</summary>
    private void ReportCredentialsFile()
    {
        _credentials.Refresh();
        var generation = _credentials.Generation;
        if (Interlocked.Exchange(ref _reportedGeneration, generation) == generation)
        {
            return;
        }

        foreach (var line in _credentials.InvalidLines)
        {
            MqttLog.CredentialLineInvalid(_logger, _credentials.Path, line);
        }

        foreach (var login in _credentials.LegacyLogins)
        {
            MqttLog.LegacyLogin(_logger, login, _credentials.Path, _credentials.PermissionsOf(login)?.Describe() ?? "nothing");
        }
    }

    private void GuardRefused(EndPoint? remote, string reason)
    {
        var endpoint = remote?.ToString() ?? "?";
        var host = remote is IPEndPoint ip ? ip.Address.ToString() : endpoint;
        if (_refusalLog.TryPass("guard:" + host, out var suppressed))
        {
            MqttLog.ConnectionClosedByGuard(_logger, endpoint, reason, suppressed);
        }
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
        _clientIdOwners[args.ClientId] = args.UserName ?? "";
        _connectedLogins[args.ClientId] = args.UserName ?? "";
        MqttLog.ClientConnected(_logger, args.ClientId, args.UserName ?? "");
        return Task.CompletedTask;
    }

    private Task OnClientDisconnectedAsync(ClientDisconnectedEventArgs args)
    {
        Interlocked.Decrement(ref _connections);
        if (args.DisconnectType != MqttClientDisconnectType.Takeover)
        {
            // The connection that took over is still there under the same login: its binding stays.
            _clientIdOwners.TryRemove(args.ClientId, out _);
            _connectedLogins.TryRemove(args.ClientId, out _);
        }

        MqttLog.ClientDisconnected(_logger, args.ClientId, args.DisconnectType.ToString());
        return Task.CompletedTask;
    }
}
