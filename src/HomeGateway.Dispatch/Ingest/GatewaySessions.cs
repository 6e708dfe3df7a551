using System.Collections.Concurrent;

namespace HomeGateway.Dispatch.Ingest;

/// <summary>
/// The live uplink stream of each gateway on this node. A gateway that reconnects (its old TCP connection
/// may be half-dead for minutes) replaces its previous stream: the old one is cancelled, so two streams
/// never interleave acks for the same gateway.
/// </summary>
internal sealed class GatewaySessions
{
    private readonly ConcurrentDictionary<string, GatewaySession> live = new(StringComparer.Ordinal);

    public GatewaySession Open(string gatewayId, CancellationToken callAborted)
    {
        var session = new GatewaySession(this, gatewayId, callAborted);
        GatewaySession? previous = null;
        live.AddOrUpdate(gatewayId, session, (_, old) =>
        {
            previous = old;
            return session;
        });
        previous?.Replace();
        return session;
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

internal sealed class GatewaySession(GatewaySessions owner, string gatewayId, CancellationToken callAborted) : IDisposable
{
    private readonly CancellationTokenSource cancel = CancellationTokenSource.CreateLinkedTokenSource(callAborted);
    private readonly Lock gate = new();
    private TaskCompletionSource acknowledgements = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool disposed;

    public string GatewayId => gatewayId;

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
