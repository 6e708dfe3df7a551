using HomeGateway.Dispatch.Hosting;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HomeGateway.Dispatch.Ingest;

/// <summary>
/// Bounds the TLS handshakes in progress on the gateway endpoint. A whole fleet reconnecting within seconds opens
/// thousands of connections at once; Kestrel would start every handshake together, on two cores each would take seconds,
/// and many would pass the handshake timeout and be done again — the storm feeds itself (measured by the bench's
/// <c>reconnect</c> scenario: 5,000 gateways, 5,033 failed handshakes). Beyond
/// <see cref="AdmissionOptions.MaxConcurrentHandshakes"/> a new connection is closed at once, before TLS: that costs a TCP
/// accept and close, and the gateway tries again within its backoff's 5 s. A gRPC status with a hint cannot be sent
/// before TLS; the stream set-up behind it answers with one (<see cref="StreamAdmission"/>).
/// Installed as two connection middlewares around <c>UseHttps</c>: <see cref="BeforeTls"/> takes a slot,
/// <see cref="AfterTls"/> gives it back once the handshake is done (or the connection ends, whichever is first).
/// </summary>
internal sealed class HandshakeAdmission(IOptions<DispatchOptions> options, TimeProvider time, ILogger<HandshakeAdmission> logger)
{
    private readonly int limit = options.Value.Admission.MaxConcurrentHandshakes;
    private readonly Lock gate = new();
    private int inHandshake;
    private int closedThisSecond;
    private long second;

    /// <summary>Handshakes in progress now.</summary>
    public int InHandshake => Volatile.Read(ref inHandshake);

    public ConnectionDelegate BeforeTls(ConnectionDelegate next) => async connection =>
    {
        if (!TryEnter())
        {
            // Not calling next closes the connection: no TLS, no HTTP, nothing else spent on it.
            return;
        }

        var slot = new Slot(this);
        connection.Items[typeof(Slot)] = slot;
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            slot.Release();
        }
    };

    public static ConnectionDelegate AfterTls(ConnectionDelegate next) => connection =>
    {
        if (connection.Items.TryGetValue(typeof(Slot), out var slot))
        {
            ((Slot)slot!).Release();
        }

        return next(connection);
    };

    internal bool TryEnter()
    {
        lock (gate)
        {
            if (inHandshake < limit)
            {
                inHandshake++;
                return true;
            }

            var now = time.GetUtcNow().UtcTicks / TimeSpan.TicksPerSecond;
            if (now != second)
            {
                if (closedThisSecond > 0)
                {
                    IngestLog.HandshakesRefused(logger, closedThisSecond, limit);
                }

                second = now;
                closedThisSecond = 0;
            }

            closedThisSecond++;
            return false;
        }
    }

    private void Exit()
    {
        lock (gate)
        {
            inHandshake--;
        }
    }

    /// <summary>One connection's handshake slot, given back once.</summary>
    internal sealed class Slot(HandshakeAdmission owner)
    {
        private int released;

        public void Release()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                owner.Exit();
            }
        }
    }
}
