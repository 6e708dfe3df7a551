using Microsoft.Data.Sqlite;

namespace HomeGateway.Gateway.Journal;

/// <summary>
/// Message receipts: one row per publisher and packet identifier (the latest message under it), written in the same commit
/// as the events the message yielded. Bounded by what MQTT bounds (65,535 packet identifiers per publisher) and by age.
/// </summary>
public sealed partial class Journal
{
    /// <summary>
    /// How long a receipt is kept: longer than any redelivery can come late (an external broker keeps the gateway's session,
    /// and its unacknowledged messages, for at most 30 days — `SessionExpirySeconds`; a device reconnects to the embedded
    /// broker within seconds of a restart).
    /// </summary>
    internal static readonly TimeSpan ReceiptRetention = TimeSpan.FromDays(31);

    private static readonly TimeSpan ReceiptPruneEvery = TimeSpan.FromHours(1);
    private long receiptsPrunedAtMs;

    /// <summary>
    /// The sequence number of the first event journalled for this message when an earlier arrival of it (same publisher,
    /// packet identifier and content) is in the journal; null when none is.
    /// </summary>
    public long? FindJournalled(MessageReceipt receipt)
    {
        lock (gate)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT fingerprint, seq FROM message_receipts WHERE publisher = $publisher AND packet_id = $packet;";
            command.Parameters.AddWithValue("$publisher", receipt.Publisher);
            command.Parameters.AddWithValue("$packet", (int)receipt.PacketId);
            using var reader = command.ExecuteReader();
            return reader.Read() && ((byte[])reader.GetValue(0)).AsSpan().SequenceEqual(receipt.Fingerprint) ? reader.GetInt64(1) : null;
        }
    }

    /// <summary>Receipts kept (for the status and tests).</summary>
    public long ReceiptCount
    {
        get
        {
            lock (gate)
            {
                return Scalar(connection, "SELECT COUNT(*) FROM message_receipts;");
            }
        }
    }

    /// <summary>
    /// Writes the receipt of each message once, with the commit that makes its last event durable (the seq of that event),
    /// inside the caller's transaction. A message's events may be spread over commits (other devices' events interleave,
    /// a batch ends): until all are in, a redelivery must not be taken for a copy.
    /// </summary>
    private void KeepReceipts(SqliteTransaction transaction, IReadOnlyList<MessageReceipt?> receipts, long firstSeq, long nowMs)
    {
        using var upsert = connection.CreateCommand();
        upsert.Transaction = transaction;
        upsert.CommandText = """
            INSERT INTO message_receipts (publisher, packet_id, fingerprint, seq, received_at_ms) VALUES ($publisher, $packet, $fingerprint, $seq, $at)
            ON CONFLICT (publisher, packet_id) DO UPDATE SET fingerprint = excluded.fingerprint, seq = excluded.seq, received_at_ms = excluded.received_at_ms;
            """;
        var publisher = upsert.Parameters.Add("$publisher", SqliteType.Text);
        var packet = upsert.Parameters.Add("$packet", SqliteType.Integer);
        var fingerprint = upsert.Parameters.Add("$fingerprint", SqliteType.Blob);
        var seq = upsert.Parameters.Add("$seq", SqliteType.Integer);
        upsert.Parameters.AddWithValue("$at", nowMs);
        for (var i = 0; i < receipts.Count; i++)
        {
            // The events of one message share one receipt instance: one row, when the last of them is committed.
            if (receipts[i] is not { } receipt || ++receipt.EventsCommitted < receipt.EventCount)
            {
                continue;
            }

            publisher.Value = receipt.Publisher;
            packet.Value = (int)receipt.PacketId;
            fingerprint.Value = receipt.Fingerprint;
            seq.Value = firstSeq + i;
            upsert.ExecuteNonQuery();
        }

        if (nowMs - receiptsPrunedAtMs >= (long)ReceiptPruneEvery.TotalMilliseconds)
        {
            receiptsPrunedAtMs = nowMs;
            using var prune = connection.CreateCommand();
            prune.Transaction = transaction;
            prune.CommandText = "DELETE FROM message_receipts WHERE received_at_ms < $before;";
            prune.Parameters.AddWithValue("$before", nowMs - (long)ReceiptRetention.TotalMilliseconds);
            prune.ExecuteNonQuery();
        }
    }
}
