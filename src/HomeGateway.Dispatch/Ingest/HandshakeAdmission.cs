using HomeGateway.Dispatch.Hosting;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HomeGateway.Dispatch.Ingest;

/// <summary>
/// Bounds the TLS handshakes in progress on the gateway endpoint. A whole fleet reconnecting within seconds opens
/// thousands of connections at once; Kestrel would start every handshake together, on two cores each would take seconds,
/// and many would pass the handshake timeout and be done again — the storm feeds itself (measured by the bench's
/// <c>reconnect</c> scenario: 5,000 gateways, 5,033 failed handshakes). At most
/// <see cref="AdmissionOptions.MaxConcurrentHandshakes"/> run at once; a new connection waits its turn, before TLS, when
/// the connections already waiting should get theirs within 5 s at the rate handshakes complete (a waiting TCP connection
/// costs nothing but a descriptor, and sending it away makes the gateway connect again); otherwise, or when its turn has
/// not come in 5 s, it is closed at once, before TLS, and the gateway tries again within its backoff's 5 s. A gRPC status
/// with a hint cannot be sent before TLS; the stream set-up behind it answers with one (<see cref="StreamAdmission"/>,
/// whose queue and rate this shares). Installed as two connection middlewares around <c>UseHttps</c>:
/// <see cref="BeforeTls"/> takes a slot, <see cref="AfterTls"/> gives it back once the handshake is done (or the connection
/// ends, whichever is first).
/// </summary>
internal sealed class HandshakeAdmission(IOptions<DispatchOptions> options, TimeProvider time, ILogger<HandshakeAdmission> logger)
{
    private readonly StreamAdmission gate = new(
        options.Value.Admission.MaxConcurrentHandshakes, time, (closed, _, limit) => IngestLog.HandshakesRefused(logger, closed, limit));

    /// <summary>Handshakes in progress now.</summary>
    public int InHandshake => gate.InSetup;

    public ConnectionDelegate BeforeTls(ConnectionDelegate next) => async connection =>
    {
        StreamAdmission.SetupSlot? slot;
        try
        {
            (slot, _) = await gate.EnterAsync(connection.ConnectionClosed).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The client left while waiting for its turn.
            return;
        }

        if (slot is null)
        {
            // Not calling next closes the connection: no TLS, no HTTP, nothing else spent on it.
            return;
        }

        connection.Items[typeof(StreamAdmission.SetupSlot)] = slot;
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            slot.Dispose();
        }
    };

    public static ConnectionDelegate AfterTls(ConnectionDelegate next) => connection =>
    {
        if (connection.Items.TryGetValue(typeof(StreamAdmission.SetupSlot), out var slot))
        {
            // The handshake is done: the slot goes to the next connection, and counts towards the rate.
            ((StreamAdmission.SetupSlot)slot!).Complete();
        }

        return next(connection);
    };
}
