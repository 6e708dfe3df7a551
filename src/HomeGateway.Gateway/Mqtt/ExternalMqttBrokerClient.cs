using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using HomeGateway.Core.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace HomeGateway.Gateway.Mqtt;

/// <summary>
/// External mode: the gateway listens on nothing and is a client of the home's existing broker (typically the mosquitto
/// Zigbee2MQTT publishes to). MQTTnet 5 has no managed client, so this is the supervision loop: connect, subscribe to
/// <see cref="MqttSensorInput.SubscriptionTopics"/> at QoS 1, ping to find half-open links, and after any loss connect
/// again with backoff and jitter, for as long as the gateway runs. The session is persistent (clean start off, a
/// session expiry), so QoS 1 messages published while the gateway was away are delivered when it is back.
/// </summary>
public sealed class ExternalMqttBrokerClient : IHostedService, IAsyncDisposable, ILocalMqttPublisher
{
    private static readonly TimeSpan CommunicationTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan GracefulDisconnectTimeout = TimeSpan.FromSeconds(3);

    private readonly GatewayOptions _gatewayOptions;
    private readonly ExternalBrokerOptions _options;
    private readonly MqttSensorInput _input;
    private readonly MqttLinkHealth _health;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly LogGate _logGate;
    private readonly bool _enabled;
    private CancellationTokenSource? _stopping;
    private Task? _supervision;
    private volatile IMqttClient? _connected;

    // PUBACKs wait for the journal; chained so that they still go in the order the messages came.
    private readonly Lock _ackOrder = new();
    private Task _lastAck = Task.CompletedTask;

    // Set by the certificate check of the attempt in progress; the TLS stack only says "authentication failed".
    private string? _tlsFailure;

    public ExternalMqttBrokerClient(
        IOptions<GatewayOptions> options,
        HomeConfig home,
        MqttSensorInput input,
        MqttLinkHealth health,
        TimeProvider time,
        ILogger<ExternalMqttBrokerClient> logger)
    {
        _gatewayOptions = options.Value;
        _options = _gatewayOptions.Mqtt.External;
        _enabled = _gatewayOptions.Mqtt.Enabled && _gatewayOptions.Mqtt.IsExternal;
        _input = input;
        _health = health;
        _time = time;
        _logger = logger;
        _logGate = new LogGate(time, TimeSpan.FromMinutes(1));
        ClientId = ExternalBrokerSettings.ClientId(_options, home.HomeId);
        Broker = $"{_options.Host}:{ExternalBrokerSettings.Port(_options)}";
    }

    /// <summary>The client id the broker keeps the gateway's session under.</summary>
    public string ClientId { get; }

    /// <summary>host:port of the broker.</summary>
    public string Broker { get; }

    /// <summary>True while connected and subscribed.</summary>
    public bool IsConnected => _connected?.IsConnected == true;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_enabled)
        {
            return Task.CompletedTask;
        }

        _health.Starting(MqttOptions.ExternalMode, Broker);
        _stopping = new CancellationTokenSource();
        var stopping = _stopping.Token;
        _supervision = Task.Run(() => SuperviseAsync(stopping), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopping is null || _supervision is null)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _supervision.WaitAsync(cancellationToken).ConfigureAwait(false);
        MqttLog.ExternalStopped(_logger, Broker);
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping is { } stopping)
        {
            await stopping.CancelAsync().ConfigureAwait(false);
            if (_supervision is { } supervision)
            {
                await supervision.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            stopping.Dispose();
            _stopping = null;
        }
    }

    /// <summary>Publishes the gateway's own message (QoS as given) to the external broker; false when not connected or refused.</summary>
    public async Task<bool> PublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken)
    {
        if (_connected is not { IsConnected: true } client)
        {
            return false;
        }

        try
        {
            var result = await client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
            if (result.IsSuccess)
            {
                return true;
            }

            if (_logGate.TryPass("publish:" + message.Topic, out var suppressed))
            {
                MqttLog.ExternalPublishRefused(_logger, Broker, message.Topic, result.ReasonCode.ToString(), suppressed);
            }

            return false;
        }
        catch (Exception ex) when (ex is MqttCommunicationException or ObjectDisposedException)
        {
            // The link went down between the check and the send: the same as not connected.
            return false;
        }
    }

    private async Task SuperviseAsync(CancellationToken stopping)
    {
        var backoff = new ReconnectBackoff();
        while (!stopping.IsCancellationRequested)
        {
            var client = new MqttClientFactory().CreateMqttClient(new MqttNetLogBridge(_logger, problemsReportedByCaller: true));
            var lost = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            client.DisconnectedAsync += args =>
            {
                if (args.ClientWasConnected)
                {
                    lost.TrySetResult(DescribeDisconnect(args));
                }

                return Task.CompletedTask;
            };
            client.ApplicationMessageReceivedAsync += args => OnMessageAsync(args, stopping);
            try
            {
                var attempt = await ConnectAsync(client, stopping).ConfigureAwait(false);
                if (attempt.Failure is { } failure)
                {
                    var wait = backoff.Next();
                    ReportConnectFailure(failure, attempt.CredentialsRefused, wait);
                    await Task.Delay(wait, _time, stopping).ConfigureAwait(false);
                    continue;
                }

                var connectedAt = _time.GetTimestamp();
                var subscribed = await SubscribeAsync(client, stopping).ConfigureAwait(false);
                _connected = client;
                ReportConnected(attempt.SessionPresent, subscribed);

                var reason = await WatchAsync(client, lost.Task, stopping).ConfigureAwait(false);
                _connected = null;
                _health.Lost(reason);
                if (_logGate.TryPass("lost", out var suppressed))
                {
                    MqttLog.ExternalLost(_logger, Broker, reason, suppressed);
                }

                backoff.AfterConnection(_time.GetElapsedTime(connectedAt));
                await Task.Delay(backoff.Next(), _time, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                _connected = null;
                await DisconnectGracefullyAsync(client).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Anything unexpected (a subscribe that timed out, a library surprise) costs one reconnect, never the loop.
                _connected = null;
                var reason = Describe(ex);
                _health.Lost(reason);
                if (_logGate.TryPass("lost", out var suppressed))
                {
                    MqttLog.ExternalLost(_logger, Broker, reason, suppressed);
                }

                await DelayUnlessStoppingAsync(backoff.Next(), stopping).ConfigureAwait(false);
            }
            finally
            {
                client.Dispose();
            }
        }
    }

    private async Task<ConnectAttempt> ConnectAsync(IMqttClient client, CancellationToken stopping)
    {
        _tlsFailure = null;
        MqttClientOptions options;
        try
        {
            options = BuildClientOptions();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            // A password or certificate file that went missing or bad after start: keep trying, it may be fixed.
            return new ConnectAttempt("settings: " + ex.Message, false, false);
        }

        try
        {
            var result = await client.ConnectAsync(options, stopping).ConfigureAwait(false);
            return result.ResultCode == MqttClientConnectResultCode.Success
                ? new ConnectAttempt(null, false, result.IsSessionPresent)
                : new ConnectAttempt(Describe(result.ResultCode, result.ReasonString), IsCredentialsRefusal(result.ResultCode), false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            return new ConnectAttempt(Describe(ex), false, false);
        }
    }

    private MqttClientOptions BuildClientOptions()
    {
        var host = _options.Host ?? "";
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(host, ExternalBrokerSettings.Port(_options))
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(ClientId)
            .WithCredentials(_options.UserName, MqttCertificates.ReadSecretFile(ExternalBrokerSettings.PasswordFile(_gatewayOptions)))
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(_options.KeepAliveSeconds))
            .WithTimeout(CommunicationTimeout)
            // The persistent session: the broker keeps our subscriptions and queues QoS 1 messages while we are away.
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)_options.SessionExpirySeconds);

        if (ExternalBrokerSettings.UsesTls(_options))
        {
            var tls = _options.Tls;
            var authorities = tls.CaFile is { Length: > 0 } ca ? MqttCertificates.LoadCertificateAuthorities(ca) : null;
            var tlsOptions = new MqttClientTlsOptionsBuilder()
                .UseTls(true)
                .WithTargetHost(host)
                .WithCertificateValidationHandler(args => CheckServerCertificate(args, authorities, host));
            if (tls.ClientCertificateFile is { Length: > 0 } certificate && tls.ClientKeyFile is { Length: > 0 } key)
            {
                tlsOptions = tlsOptions.WithClientCertificates([MqttCertificates.LoadPemPair(certificate, key)]);
            }

            builder = builder.WithTlsOptions(tlsOptions.Build());
        }

        return builder.Build();
    }

    /// <summary>
    /// With a CA file: the broker's chain must end at that CA (and only there), and the name must match. Without one: the
    /// system's verdict. The reason is kept for the health state, since the TLS stack reports only "authentication failed".
    /// </summary>
    private bool CheckServerCertificate(MqttClientCertificateValidationEventArgs args, X509Certificate2Collection? authorities, string host)
    {
        if (args.Certificate is null)
        {
            return Fail("TLS: the broker sent no certificate");
        }

        if ((args.SslPolicyErrors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            return Fail($"TLS: the broker's certificate is not issued for '{host}'");
        }

        if (authorities is null)
        {
            return (args.SslPolicyErrors & SslPolicyErrors.RemoteCertificateChainErrors) == 0
                || Fail("TLS: certificate not trusted by the system's CAs (" + ChainStatus(args.Chain) + "); set Gateway:Mqtt:External:Tls:CaFile to the broker's CA");
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        // A home broker's private CA publishes no revocation list; trust is the CA file the technician installed.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (args.Chain is { } presented)
        {
            foreach (var element in presented.ChainElements.Skip(1))
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        var leaf = args.Certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(args.Certificate.GetRawCertData());
        return chain.Build(leaf)
            || Fail($"TLS: certificate not trusted by {_options.Tls.CaFile} ({ChainStatus(chain)})");

        bool Fail(string reason)
        {
            _tlsFailure = reason;
            return false;
        }
    }

    private static string ChainStatus(X509Chain? chain) =>
        chain is null || chain.ChainStatus.Length == 0
            ? "no chain"
            : string.Join(", ", chain.ChainStatus.Select(s => s.Status.ToString()).Distinct(StringComparer.Ordinal));

    private async Task<int> SubscribeAsync(IMqttClient client, CancellationToken stopping)
    {
        var topics = _input.SubscriptionTopics;
        if (topics.Count == 0)
        {
            return 0;
        }

        // Subscribed on every connection, session or not: after a broker restart without persistence the session is gone,
        // and subscribing again to the same topic is harmless when it is not.
        var request = new MqttClientSubscribeOptionsBuilder();
        foreach (var topic in topics)
        {
            request = request.WithTopicFilter(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        }

        var result = await client.SubscribeAsync(request.Build(), stopping).ConfigureAwait(false);
        var granted = 0;
        foreach (var item in result.Items)
        {
            if (item.ResultCode is MqttClientSubscribeResultCode.GrantedQoS1 or MqttClientSubscribeResultCode.GrantedQoS2)
            {
                granted++;
                continue;
            }

            if (item.ResultCode is MqttClientSubscribeResultCode.GrantedQoS0)
            {
                // Works, but the broker will not keep this topic's messages while the gateway is away.
                granted++;
                if (_logGate.TryPass("qos0:" + item.TopicFilter.Topic, out var held))
                {
                    MqttLog.ExternalSubscriptionDowngraded(_logger, Broker, item.TopicFilter.Topic, held);
                }

                continue;
            }

            var reason = $"subscription to '{item.TopicFilter.Topic}' refused: {item.ResultCode}";
            _health.Problem(reason);
            if (_logGate.TryPass("subscribe:" + item.TopicFilter.Topic, out var suppressed))
            {
                MqttLog.ExternalSubscriptionRefused(_logger, Broker, item.TopicFilter.Topic, item.ResultCode.ToString(), suppressed);
            }
        }

        return granted;
    }

    /// <summary>Waits for the connection to end: the client noticing, or a ping without answer (a half-open link). Returns why.</summary>
    private async Task<string> WatchAsync(IMqttClient client, Task<string> lost, CancellationToken stopping)
    {
        var interval = TimeSpan.FromSeconds(_options.KeepAliveSeconds);
        while (true)
        {
            var tick = Task.Delay(interval, _time, stopping);
            if (await Task.WhenAny(tick, lost).ConfigureAwait(false) == lost)
            {
                return await lost.ConfigureAwait(false);
            }

            await tick.ConfigureAwait(false);
            if (!client.IsConnected)
            {
                return lost.IsCompleted ? await lost.ConfigureAwait(false) : "disconnected";
            }

            if (!await client.TryPingAsync(stopping).ConfigureAwait(false))
            {
                stopping.ThrowIfCancellationRequested();
                return "no answer to a ping (half-open link)";
            }
        }
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs args, CancellationToken stopping)
    {
        _health.MessageReceived();
        var message = args.ApplicationMessage;

        // The PUBACK is sent by us, only once the message's events are durably journalled: acknowledged on hand-over, a
        // crash a moment later would lose a message the broker believes delivered.
        args.AutoAcknowledge = false;
        var journalled = new List<Task>();

        // The broker resends a message we did not acknowledge (crash, cut) with DUP set and its original packet identifier,
        // which are our session's: the receipt lets the pipeline recognise one it already journalled.
        var receipt = message.QualityOfServiceLevel > MqttQualityOfServiceLevel.AtMostOnce
            ? Journal.MessageReceipt.ForMqtt($"external/{ClientId}@{Broker}", args.PacketIdentifier, message.Topic ?? "", message.Payload, message.Dup)
            : null;
        try
        {
            // The login that published on the home's broker is the broker's knowledge: what the gateway can say honestly is which broker.
            await _input.HandleAsync(message.Topic ?? "", message.Payload, null, stopping, journalled, receipt, "broker:" + Broker).ConfigureAwait(false);
        }
        catch (Exception ex) when (!stopping.IsCancellationRequested)
        {
            // Bad payloads are the input's business and never throw; this is a bug or a broken sink. The loop goes on,
            // and the message is acknowledged: redelivering a message that breaks the handler would break it again.
            if (_logGate.TryPass("handler:" + message.Topic, out var suppressed))
            {
                MqttLog.ExternalHandlerFailed(_logger, message.Topic ?? "", suppressed, ex);
            }
        }

        if (stopping.IsCancellationRequested)
        {
            // Not handed over: no PUBACK, so the broker delivers it again from the session on the next connection.
            return;
        }

        // Not awaited here: the next message is read (and joins the same group commit) while this one is being journalled.
        // The chain keeps the PUBACKs in the order the messages came, as MQTT requires for QoS 1.
        lock (_ackOrder)
        {
            _lastAck = AcknowledgeWhenJournalledAsync(_lastAck, journalled, args, stopping);
        }
    }

    private async Task AcknowledgeWhenJournalledAsync(Task previous, List<Task> journalled, MqttApplicationMessageReceivedEventArgs args,
        CancellationToken stopping)
    {
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        try
        {
            await Task.WhenAll(journalled).WaitAsync(stopping).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Not journalled (the gateway is stopping, or the journal failed): no PUBACK, so the broker delivers it again.
            if (!stopping.IsCancellationRequested && _logGate.TryPass("journal:" + args.ApplicationMessage.Topic, out var suppressed))
            {
                MqttLog.ExternalHandlerFailed(_logger, args.ApplicationMessage.Topic ?? "", suppressed, ex);
            }

            return;
        }

        try
        {
            await args.AcknowledgeAsync(stopping).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MqttCommunicationException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // The link went down meanwhile: the broker delivers it again from the session, so the journal may hold it
            // twice (at-least-once, as QoS 1 promises), never not at all.
        }
    }

    private void ReportConnected(bool sessionPresent, int subscribed)
    {
        var downtime = _health.Connected();
        if (downtime is { } down)
        {
            if (_logGate.TryPass("restored", out var suppressed))
            {
                MqttLog.ExternalRestored(_logger, Broker, down.TotalSeconds, sessionPresent, suppressed);
            }
        }
        else
        {
            MqttLog.ExternalConnected(_logger, Broker, ClientId, _options.UserName ?? "", sessionPresent, subscribed);
        }
    }

    private void ReportConnectFailure(string failure, bool credentialsRefused, TimeSpan wait)
    {
        _health.ConnectFailed(failure);
        if (credentialsRefused)
        {
            if (_logGate.TryPass("credentials", out var suppressed))
            {
                MqttLog.ExternalCredentialsRefused(_logger, Broker, _options.UserName ?? "", failure, suppressed);
            }
        }
        else if (_logGate.TryPass("connect:" + failure, out var suppressed))
        {
            MqttLog.ExternalConnectFailed(_logger, Broker, failure, wait.TotalSeconds, suppressed);
        }
    }

    private async Task DisconnectGracefullyAsync(IMqttClient client)
    {
        if (!client.IsConnected)
        {
            return;
        }

        // A normal DISCONNECT keeps the session (its expiry was set at connect): messages go on being queued for us.
        using var timeout = new CancellationTokenSource(GracefulDisconnectTimeout);
        try
        {
            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), timeout.Token)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MqttCommunicationException or OperationCanceledException or ObjectDisposedException)
        {
            // Going away anyway; the broker notices the closed socket.
        }
    }

    private async Task DelayUnlessStoppingAsync(TimeSpan wait, CancellationToken stopping)
    {
        try
        {
            await Task.Delay(wait, _time, stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private static bool IsCredentialsRefusal(MqttClientConnectResultCode code) =>
        code is MqttClientConnectResultCode.BadUserNameOrPassword or MqttClientConnectResultCode.NotAuthorized;

    private static string Describe(MqttClientConnectResultCode code, string? reasonString)
    {
        var text = code switch
        {
            MqttClientConnectResultCode.NotAuthorized => "not authorized",
            MqttClientConnectResultCode.BadUserNameOrPassword => "not authorized: bad user name or password",
            MqttClientConnectResultCode.ClientIdentifierNotValid => "client id refused by the broker",
            MqttClientConnectResultCode.ServerUnavailable => "broker unavailable",
            MqttClientConnectResultCode.ServerBusy => "broker busy",
            MqttClientConnectResultCode.Banned => "banned by the broker",
            MqttClientConnectResultCode.QuotaExceeded => "broker connection limit reached",
            _ => "refused by the broker: " + code,
        };
        return reasonString is { Length: > 0 } ? $"{text} ({reasonString})" : text;
    }

    private string DescribeDisconnect(MqttClientDisconnectedEventArgs args)
    {
        if (args.Exception is { } ex)
        {
            return Describe(ex);
        }

        var reason = args.Reason == MqttClientDisconnectReason.NormalDisconnection ? "closed by the broker" : "broker disconnected us: " + args.Reason;
        return args.ReasonString is { Length: > 0 } text ? $"{reason} ({text})" : reason;
    }

    private string Describe(Exception ex)
    {
        if (_tlsFailure is { } tls)
        {
            return tls;
        }

        for (var e = ex; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused }:
                    return "connection refused";
                case SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData }:
                    return $"host '{_options.Host}' not found";
                case SocketException { SocketErrorCode: SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.HostDown }:
                    return "host unreachable";
                case SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.ConnectionAborted }:
                    return "connection closed by the broker";
                case SocketException socket:
                    return "network: " + socket.SocketErrorCode;
                case AuthenticationException authentication:
                    return "TLS: " + authentication.Message;
                case MqttCommunicationTimedOutException or TimeoutException:
                    return "timed out";
                default:
                    break;
            }
        }

        return ex.Message.Split('\n')[0].Trim();
    }

    private readonly record struct ConnectAttempt(string? Failure, bool CredentialsRefused, bool SessionPresent);
}
