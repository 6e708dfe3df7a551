using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace HomeGateway.Gateway.Journal;

/// <summary>
/// What identifies one message an input received with a delivery promise (MQTT QoS 1 or 2): who sent it, under which
/// packet identifier, and a fingerprint of what it said. The journal keeps the latest receipt per publisher and packet
/// identifier beside the events the message yielded, so a redelivery (MQTT DUP: the sender never saw our PUBACK because
/// the gateway crashed or the link was cut after the commit) is recognised and not decided a second time.
/// One instance stands for one arrival: the events of one message share it, a redelivery is another instance.
/// </summary>
public sealed class MessageReceipt
{
    /// <summary>The longest publisher key kept as text; a longer MQTT client id is kept as its hash.</summary>
    internal const int MaxPublisherLength = 128;

    private MessageReceipt(string publisher, ushort packetId, byte[] fingerprint, bool redelivered)
    {
        Publisher = publisher;
        PacketId = packetId;
        Fingerprint = fingerprint;
        Redelivered = redelivered;
    }

    /// <summary>Whose packet identifiers these are: the publishing client of the embedded broker, or the external broker's session for the gateway.</summary>
    public string Publisher { get; }

    public ushort PacketId { get; }

    /// <summary>The first 16 bytes of SHA-256 over the topic and the payload.</summary>
    public byte[] Fingerprint { get; }

    /// <summary>The sender marked it as a redelivery (MQTT DUP): only then may it be a message already journalled.</summary>
    public bool Redelivered { get; }

    /// <summary>
    /// How many events the message yielded (a Tasmota message carries several sensors): set by the input before it hands
    /// them over. The receipt is kept only in the commit that makes the last of them durable — a crash between two commits
    /// of one message leaves no receipt, so its redelivery is journalled again (at worst twice, never lost).
    /// </summary>
    public int EventCount { get; set; } = 1;

    // Events of this arrival committed so far; only the journal touches it, under its lock.
    internal int EventsCommitted { get; set; }

    /// <summary>
    /// The receipt of one MQTT message. Packet identifiers are the sender's (MQTT reuses one only after its PUBACK) and a
    /// resend keeps the original one (MQTT 3.1.1 §4.4, 5.0 §4.4), so publisher + packet id + fingerprint names the message.
    /// </summary>
    public static MessageReceipt ForMqtt(string publisher, ushort packetId, string topic, ReadOnlySequence<byte> payload, bool redelivered)
    {
        var key = PlainOrHashed(publisher);
        var length = Encoding.UTF8.GetByteCount(topic) + 1 + payload.Length;
        if (length > OneShotLimit)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            hash.AppendData(Encoding.UTF8.GetBytes(topic));
            hash.AppendData([0]);
            foreach (var segment in payload)
            {
                hash.AppendData(segment.Span);
            }

            return new MessageReceipt(key, packetId, hash.GetHashAndReset()[..16], redelivered);
        }

        // The same bytes in one call: a hash object per message (created, fed, disposed) was ~1 % of the gateway's CPU on
        // the bench's busy flow, for messages that are a few hundred bytes.
        var buffer = ArrayPool<byte>.Shared.Rent((int)length);
        try
        {
            var written = Encoding.UTF8.GetBytes(topic, buffer);
            buffer[written] = 0;
            payload.CopyTo(buffer.AsSpan(written + 1));
            Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(buffer.AsSpan(0, (int)length), digest);
            return new MessageReceipt(key, packetId, digest[..16].ToArray(), redelivered);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // Larger messages are hashed piece by piece rather than copied.
    private const int OneShotLimit = 64 * 1024;

    /// <summary>
    /// A peer's name (an MQTT client id: up to 65,535 bytes of anything) as it may be kept and logged: itself when it is
    /// short and plain printable ASCII, otherwise <c>sha256:</c> and its hash.
    /// </summary>
    internal static string PlainOrHashed(string name) =>
        name.Length <= MaxPublisherLength && name.All(c => c is > ' ' and <= '~')
            ? name
            : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)));

    /// <summary>Same sender, same packet identifier, same content: a copy of that message (not necessarily the same arrival).</summary>
    internal bool SameMessageAs(MessageReceipt other) =>
        PacketId == other.PacketId
        && string.Equals(Publisher, other.Publisher, StringComparison.Ordinal)
        && Fingerprint.AsSpan().SequenceEqual(other.Fingerprint);
}
