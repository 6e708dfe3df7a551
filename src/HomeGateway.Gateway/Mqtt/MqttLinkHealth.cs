namespace HomeGateway.Gateway.Mqtt;

/// <summary>
/// How the gateway's MQTT link is doing, for whoever needs to know (status LED, watchdog, diagnostics). In external mode:
/// the client connection to the home's broker; in embedded mode: whether the broker is listening. Thread-safe; read
/// <see cref="Current"/> for a consistent snapshot.
/// </summary>
public sealed class MqttLinkHealth(TimeProvider time)
{
    private readonly Lock _gate = new();
    private MqttLinkState _state = new("", "", false, null, null, null, 0, 0, null);

    public MqttLinkState Current
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    internal void Starting(string mode, string broker)
    {
        lock (_gate)
        {
            _state = _state with { Mode = mode, Broker = broker, Since = time.GetUtcNow() };
        }
    }

    /// <summary>Connected (or listening); returns how long the link was down, null on the first connection.</summary>
    internal TimeSpan? Connected()
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            var wasUp = _state.EverConnected;
            var downtime = wasUp && _state.Since is { } since ? now - since : (TimeSpan?)null;
            _state = _state with
            {
                IsConnected = true,
                Since = now,
                Reconnects = wasUp ? _state.Reconnects + 1 : _state.Reconnects,
                EverConnected = true,
            };
            return downtime;
        }
    }

    internal void Lost(string reason)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            _state = _state with { IsConnected = false, Since = now, LastError = reason, LastErrorAt = now };
        }
    }

    internal void ConnectFailed(string reason)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            _state = _state with { LastError = reason, LastErrorAt = now, FailedAttempts = _state.FailedAttempts + 1 };
        }
    }

    /// <summary>A problem that does not take the link down (e.g. the broker refused one subscription).</summary>
    internal void Problem(string reason)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            _state = _state with { LastError = reason, LastErrorAt = now };
        }
    }

    internal void MessageReceived()
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            _state = _state with { LastMessageAt = now };
        }
    }
}

/// <summary>One consistent view of the MQTT link.</summary>
/// <param name="Mode"><c>embedded</c> or <c>external</c>; empty before start (or with MQTT disabled).</param>
/// <param name="Broker">host:port of the broker (external) or the listeners (embedded).</param>
/// <param name="IsConnected">Connected to the broker (external) or listening (embedded).</param>
/// <param name="Since">When the link last went up or down.</param>
/// <param name="LastError">The last problem in plain words ("not authorized", "connection refused", "TLS: certificate not trusted …"); kept after recovery.</param>
/// <param name="LastErrorAt">When <paramref name="LastError"/> happened.</param>
/// <param name="Reconnects">Connections after the first one (each one follows an outage).</param>
/// <param name="FailedAttempts">Connection attempts that failed, since start.</param>
/// <param name="LastMessageAt">When the last message from the broker arrived (external mode).</param>
public sealed record MqttLinkState(
    string Mode,
    string Broker,
    bool IsConnected,
    DateTimeOffset? Since,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    long Reconnects,
    long FailedAttempts,
    DateTimeOffset? LastMessageAt)
{
    internal bool EverConnected { get; init; }
}
