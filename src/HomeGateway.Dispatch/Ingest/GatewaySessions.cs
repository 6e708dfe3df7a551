using System.Collections.Concurrent;

namespace HomeGateway.Dispatch.Ingest;

/// <summary>
/// The live uplink stream of each gateway on this node. A gateway that reconnects (its old TCP connection
/// may be half-dead for minutes) replaces its previous stream: the old one is cancelled, so two streams
/// never interleave acks for the same gateway. With several nodes, <see cref="StreamOpened"/> tells the other nodes
/// (through the live feed), and a newer stream elsewhere ends this node's (<see cref="ReplacedElsewhere"/>).
/// </summary>
internal sealed class GatewaySessions(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, GatewaySession> live = new(StringComparer.Ordinal);

    /// <summary>A gateway opened a stream on this node (gateway id, when).</summary>
    public event Action<string, DateTimeOffset>? StreamOpened;

    public GatewaySession Open(string gatewayId, CancellationToken callAborted)
    {
        var session = new GatewaySession(this, gatewayId, time.GetUtcNow(), callAborted);
        GatewaySession? previous = null;
        live.AddOrUpdate(gatewayId, session, (_, old) =>
        {
            previous = old;
            return session;
        });
        previous?.Replace();
        StreamOpened?.Invoke(gatewayId, session.OpenedAt);
        return session;
    }

    /// <summary>
    /// The gateway opened a stream on another node at <paramref name="openedAt"/>: a stream here that is older is the
    /// half-dead one it left behind, and is ended (a newer one here is the gateway's latest choice and stays).
    /// </summary>
    public void ReplacedElsewhere(string gatewayId, DateTimeOffset openedAt)
    {
        if (live.TryGetValue(gatewayId, out var session) && session.OpenedAt <= openedAt)
        {
            session.Replace();
        }
    }

    public int Count => live.Count;

    /// <summary>
    /// Tells the gateway's live stream on this node that it has a new acknowledgement to send; a gateway without
    /// a stream here learns it when it next connects (Hello carries how far it has applied). With several nodes,
    /// the node that stored the acknowledgement reaches the others through the live feed's NOTIFY.
    /// </summary>
    public void WakeAcknowledgements(string gatewayId)
    {
        if (live.TryGetValue(gatewayId, out var session))
        {
            session.WakeAcknowledgements();
        }
    }

    internal void Close(GatewaySession session) =>
        live.TryRemove(new KeyValuePair<string, GatewaySession>(session.GatewayId, session));
}

internal sealed class GatewaySession(GatewaySessions owner, string gatewayId, DateTimeOffset openedAt, CancellationToken callAborted) : IDisposable
{
    private readonly CancellationTokenSource cancel = CancellationTokenSource.CreateLinkedTokenSource(callAborted);
    private readonly Lock gate = new();
    private TaskCompletionSource acknowledgements = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool disposed;

    public string GatewayId => gatewayId;

    public DateTimeOffset OpenedAt => openedAt;

    /// <summary>Cancelled when the call ends or a newer stream from the same gateway replaces this one.</summary>
    public CancellationToken Token => cancel.Token;

    public bool WasReplaced { get; private set; }

    /// <summary>Completes at the next <see cref="WakeAcknowledgements"/>; take it before reading the store.</summary>
    public Task NextAcknowledgementSignal => Volatile.Read(ref acknowledgements).Task;

    public void WakeAcknowledgements() =>
        Interlocked.Exchange(ref acknowledgements, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    internal void Replace()
    {
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            WasReplaced = true;
            cancel.Cancel();
        }
    }

    public void Dispose()
    {
        owner.Close(this);
        lock (gate)
        {
            disposed = true;
            cancel.Dispose();
        }
    }
}
