using System.Collections;
using System.Collections.Concurrent;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace HomeGateway.Gateway.Mqtt;

/// <summary>
/// The embedded broker's promise: a PUBACK (QoS 1) or PUBREC (QoS 2) goes to the device only once every event its message
/// yielded is durably in the journal. MQTTnet acknowledges as soon as the publish interceptor returns, so the wait cannot
/// sit there without costing group commit: the client's receive loop would stop at each message until its own fsync, and
/// a burst from one device would pay one fsync per message. Instead the interceptor only queues the events and leaves the
/// task that completes on commit here, keyed by the packet identifier; the client's send loop holds the acknowledgement
/// (the outbound packet interceptor) until that task completes. The receive loop meanwhile reads the next messages, which
/// join the same commit, and the acknowledgements still leave in the order the messages came, as MQTT requires.
/// A message whose events could not be journalled is never acknowledged: the client is disconnected so that it sends the
/// message again on its next connection.
/// </summary>
internal sealed class DurableAcknowledgements
{
    private const string SessionKey = "homegateway.durable-acknowledgements";

    // Per client session: the packet being dispatched right now (the receive loop handles one at a time) and what waits.
    private readonly ConcurrentDictionary<ushort, Task> _held = new();
    private ushort _current;
    private bool _currentRedelivered;

    /// <summary>
    /// Inbound packet interceptor (the client's receive loop): remembers the packet identifier and DUP flag of a QoS 1/2
    /// PUBLISH, which the publish interceptor called next for this very packet does not otherwise see.
    /// </summary>
    public static Task OnInboundAsync(InterceptingPacketEventArgs args)
    {
        if (args.Packet is MqttPublishPacket { QualityOfServiceLevel: > MqttQualityOfServiceLevel.AtMostOnce } publish && args.SessionItems is { } items)
        {
            var ledger = Of(items, create: true)!;
            ledger._current = publish.PacketIdentifier;
            ledger._currentRedelivered = publish.Dup;
        }

        return Task.CompletedTask;
    }

    /// <summary>The packet identifier and DUP flag of the QoS 1/2 message being dispatched on this session; null for QoS 0 or an injected message.</summary>
    public static (ushort PacketId, bool Redelivered)? CurrentPacket(InterceptingPublishEventArgs args) =>
        args.ApplicationMessage.QualityOfServiceLevel > MqttQualityOfServiceLevel.AtMostOnce && args.SessionItems is { } items && Of(items, create: false) is { } ledger
            ? (ledger._current, ledger._currentRedelivered)
            : null;

    /// <summary>Holds the acknowledgement of <paramref name="packetId"/> on this session until <paramref name="durable"/> completes.</summary>
    public static void Hold(InterceptingPublishEventArgs args, ushort packetId, Task durable)
    {
        if (args.SessionItems is { } items && Of(items, create: true) is { } ledger)
        {
            // A client that reuses an identifier still in flight (a protocol error) gets no acknowledgement before both are durable.
            ledger._held.AddOrUpdate(packetId, durable, (_, earlier) => Task.WhenAll(earlier, durable));
        }
    }

    /// <summary>
    /// Outbound packet interceptor (the client's send loop): a PUBACK or PUBREC whose message is not yet durable waits here.
    /// Returns false when the acknowledgement must not be sent (the events were not journalled).
    /// </summary>
    public static async Task<bool> ReleaseWhenDurableAsync(InterceptingPacketEventArgs args)
    {
        var packetId = args.Packet switch
        {
            MqttPubAckPacket ack => ack.PacketIdentifier,
            MqttPubRecPacket rec => rec.PacketIdentifier,
            _ => (ushort)0,
        };
        if (packetId == 0 || args.SessionItems is not { } items || Of(items, create: false) is not { } ledger
            || !ledger._held.TryRemove(packetId, out var durable))
        {
            return true;
        }

        try
        {
            await durable.WaitAsync(args.CancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception)
        {
            // Not journalled (the pipeline stopped, the journal failed) or the connection is going: no acknowledgement.
            return false;
        }
    }

    private static DurableAcknowledgements? Of(IDictionary items, bool create)
    {
        if (items[SessionKey] is DurableAcknowledgements ledger)
        {
            return ledger;
        }

        if (!create)
        {
            return null;
        }

        // Only the session's receive loop creates it, before any acknowledgement of the session can be looked up.
        ledger = new DurableAcknowledgements();
        items[SessionKey] = ledger;
        return ledger;
    }
}
