using Microsoft.Data.Sqlite;

namespace HomeGateway.Gateway.Journal;

/// <summary>
/// Message receipts: the receipt of a message rides in the journal row of the last event it yielded (written in the same
/// commit, so it is durable exactly when the events are), and moves to <c>message_receipts</c> — one row per publisher and
/// packet identifier, the latest message under it — when that row is pruned or dropped. Bounded by what MQTT bounds
/// (65,535 packet identifiers per publisher) and by age.
/// </summary>
public sealed partial class Journal
{
    /// <summary>
    /// How long a receipt is kept: longer than any redelivery can come late (an external broker keeps the gateway's session,
    /// and its unacknowledged messages, for at most 30 days — `SessionExpirySeconds`; a device reconnects to the embedded
    /// broker within seconds of a restart).
    /// </summary>
    internal static readonly TimeSpan ReceiptRetention = TimeSpan.FromDays(31);

    /// <summary>
    /// How far back among the records still in the journal a redelivery is looked for (newest first) before the moved
    /// receipts: a sender resends what was in flight when its link dropped, so the original is among the last records
    /// unless the sender stayed away while this many others were journalled and none was pruned (dispatch unreachable too);
    /// then the copy is journalled again — delivered twice, never lost. Bounds the read a redelivery costs (~3 MB).
    /// </summary>
    internal const long RecentReceiptRows = 10_000;

    private static readonly TimeSpan ReceiptPruneEvery = TimeSpan.FromHours(1);
    private long receiptsPrunedAtMs;

    /// <summary>
    /// The sequence number of the event journalled for this message when an earlier arrival of it (same publisher,
    /// packet identifier and content) is in the journal; null when none is.
    /// </summary>
    public long? FindJournalled(MessageReceipt receipt)
    {
        lock (gate)
        {
            using var recent = connection.CreateCommand();
            recent.CommandText = """
                SELECT receipt_fingerprint, seq FROM journal
                WHERE seq > $from AND receipt_publisher = $publisher AND receipt_packet_id = $packet
                ORDER BY seq DESC LIMIT 1;
                """;
            recent.Parameters.AddWithValue("$from", LastSeq - RecentReceiptRows);
            recent.Parameters.AddWithValue("$publisher", receipt.Publisher);
            recent.Parameters.AddWithValue("$packet", (int)receipt.PacketId);
            using (var reader = recent.ExecuteReader())
            {
                if (reader.Read())
                {
                    // The latest message under this identifier decides: an older one with the same content is not this one.
                    return ((byte[])reader.GetValue(0)).AsSpan().SequenceEqual(receipt.Fingerprint) ? reader.GetInt64(1) : null;
                }
            }

            using var command = connection.CreateCommand();
            command.CommandText = "SELECT fingerprint, seq FROM message_receipts WHERE publisher = $publisher AND packet_id = $packet;";
            command.Parameters.AddWithValue("$publisher", receipt.Publisher);
            command.Parameters.AddWithValue("$packet", (int)receipt.PacketId);
            using var moved = command.ExecuteReader();
            return moved.Read() && ((byte[])moved.GetValue(0)).AsSpan().SequenceEqual(receipt.Fingerprint) ? moved.GetInt64(1) : null;
        }
    }

    /// <summary>Receipts kept, in journal rows and moved (for tests).</summary>
    public long ReceiptCount
    {
        get
        {
            lock (gate)
            {
                return Scalar(connection, "SELECT (SELECT COUNT(*) FROM message_receipts) + (SELECT COUNT(*) FROM journal WHERE receipt_packet_id IS NOT NULL);");
            }
        }
    }

    /// <summary>
    /// The receipt to keep with this event's row: the message's, once this is the last of its events to be committed. A
    /// message's events may be spread over commits (other devices' events interleave, a batch ends): until all are in, a
    /// redelivery must not be taken for a copy. Under the lock, in the commit that writes the row.
    /// </summary>
    private static MessageReceipt? ReceiptCompletedBy(MessageReceipt? receipt) =>
        receipt is not null && ++receipt.EventsCommitted >= receipt.EventCount ? receipt : null;

    /// <summary>The receipts of the rows <paramref name="fromSeq"/>..<paramref name="throughSeq"/>, about to be deleted, into <c>message_receipts</c> (in order: the latest per identifier wins).</summary>
    private void MoveReceiptsOut(WriteTransaction transaction, long fromSeq, long throughSeq)
    {
        var move = Statement("""
            INSERT INTO message_receipts (publisher, packet_id, fingerprint, seq, received_at_ms)
            SELECT receipt_publisher, receipt_packet_id, receipt_fingerprint, seq, recorded_at_ms FROM journal
            WHERE seq >= $from AND seq <= $through AND receipt_packet_id IS NOT NULL ORDER BY seq
            ON CONFLICT (publisher, packet_id) DO UPDATE SET fingerprint = excluded.fingerprint, seq = excluded.seq, received_at_ms = excluded.received_at_ms;
            """, transaction);
        move.Parameters.AddWithValue("$from", fromSeq);
        move.Parameters.AddWithValue("$through", throughSeq);
        move.ExecuteNonQuery();
    }

    /// <summary>Moved receipts older than <see cref="ReceiptRetention"/>, at most once an hour, in a commit that writes marks anyway.</summary>
    private void PruneOldReceipts(WriteTransaction transaction)
    {
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (nowMs - receiptsPrunedAtMs < (long)ReceiptPruneEvery.TotalMilliseconds)
        {
            return;
        }

        receiptsPrunedAtMs = nowMs;
        var prune = Statement("DELETE FROM message_receipts WHERE received_at_ms < $before;", transaction);
        prune.Parameters.AddWithValue("$before", nowMs - (long)ReceiptRetention.TotalMilliseconds);
        prune.ExecuteNonQuery();
    }
}
