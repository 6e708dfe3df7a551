using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using HomeGateway.Gateway.Journal;

namespace HomeGateway.Gateway.Tests.Journal;

/// <summary>
/// Invariant: a message's fingerprint is the first 16 bytes of SHA-256 over its topic (UTF-8), a zero byte and its payload,
/// however the payload arrived (one piece or several, small or large): receipts journalled by an earlier version must still
/// recognise a redelivery after an upgrade.
/// </summary>
public sealed class MessageReceiptTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(300)]
    [InlineData(64 * 1024)]
    [InlineData(200_000)]
    public void The_fingerprint_is_sha256_of_topic_zero_and_payload_in_one_piece_or_several(int size)
    {
        var payload = new byte[size];
        new Random(size).NextBytes(payload);
        const string topic = "zigbee2mqtt/etuovi_ö";
        var expected = SHA256.HashData([.. Encoding.UTF8.GetBytes(topic), 0, .. payload])[..16];

        var whole = MessageReceipt.ForMqtt("z2m", 7, topic, new ReadOnlySequence<byte>(payload), redelivered: false);
        var pieces = MessageReceipt.ForMqtt("z2m", 7, topic, InPieces(payload), redelivered: true);

        Assert.Equal(expected, whole.Fingerprint);
        Assert.Equal(expected, pieces.Fingerprint);
        Assert.True(whole.SameMessageAs(pieces));
        Assert.False(whole.SameMessageAs(MessageReceipt.ForMqtt("z2m", 7, topic + "x", new ReadOnlySequence<byte>(payload), false)));
    }

    private static ReadOnlySequence<byte> InPieces(byte[] payload)
    {
        var cut = payload.Length / 3;
        var first = new Piece(payload.AsMemory(0, cut));
        var last = first.Then(payload.AsMemory(cut));
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Piece : ReadOnlySequenceSegment<byte>
    {
        public Piece(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Piece Then(ReadOnlyMemory<byte> memory)
        {
            var next = new Piece(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
