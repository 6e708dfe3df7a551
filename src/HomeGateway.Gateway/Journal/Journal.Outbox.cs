using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using HomeGateway.Contracts.V1;
using Microsoft.Data.Sqlite;

namespace HomeGateway.Gateway.Journal;

/// <summary>The outbox: delivery states, the disk budget, and what the budget drops.</summary>
public sealed partial class Journal
{
    // Fixed cost of one row beside its record bytes (cell header, key, columns): only for deciding how much to drop.
    private const int RowOverheadBytes = 24;

    /// <summary>The outbox as it is now: depth, age, counts per state and disk use. Counts kept in memory and a few indexed queries.</summary>
    public OutboxSnapshot Outbox
    {
        get
        {
            lock (gate)
            {
                using var command = connection.CreateCommand();
                command.CommandText = """
                    SELECT
                        (SELECT recorded_at_ms FROM journal WHERE seq > $acked ORDER BY seq LIMIT 1),
                        (SELECT COALESCE(SUM(count), 0) FROM telemetry_gaps),
                        (SELECT COALESCE(SUM(MAX(0, MIN(through_seq, $acked) - from_seq + 1)), 0) FROM telemetry_gaps);
                    """;
                command.Parameters.AddWithValue("$acked", AckedSeq);
                using var reader = command.ExecuteReader();
                reader.Read();
                var oldest = reader.IsDBNull(0) ? (DateTimeOffset?)null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0));
                var dropped = reader.GetInt64(1);
                var droppedAndAcked = reader.GetInt64(2);
                return new OutboxSnapshot(
                    Depth: PendingRows,
                    PendingAlertSteps: pendingByKind[(int)RecordKind.AlertEvent],
                    PendingSensorEvents: pendingByKind[(int)RecordKind.SensorEvent],
                    PendingGapRecords: pendingByKind[(int)RecordKind.TelemetryGap],
                    OldestPendingAt: oldest,
                    Acknowledged: AckedSeq - droppedAndAcked,
                    Dropped: dropped,
                    AckedSeq: AckedSeq,
                    LastSeq: LastSeq,
                    UsedBytes: UsedBytes(),
                    MaxBytes: maxBytes);
            }
        }
    }

    /// <summary>
    /// The delivery state of the record with sequence <paramref name="seq"/>; null for a number never used. A sequence in a
    /// telemetry gap is <see cref="OutboxState.Dropped"/> (the gap record carrying the run's last number is itself delivered
    /// like any record); otherwise at or below the acknowledged sequence it is acknowledged, above it pending.
    /// </summary>
    public OutboxState? StateOf(long seq)
    {
        lock (gate)
        {
            if (seq < 1 || seq > LastSeq)
            {
                return null;
            }

            using var command = connection.CreateCommand();
            command.CommandText = "SELECT EXISTS (SELECT 1 FROM telemetry_gaps WHERE from_seq <= $seq AND through_seq >= $seq);";
            command.Parameters.AddWithValue("$seq", seq);
            if (Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 1)
            {
                return OutboxState.Dropped;
            }

            return seq <= AckedSeq ? OutboxState.Acknowledged : OutboxState.Pending;
        }
    }

    /// <summary>Bytes of the file in use (pages holding data; freed pages are reused before the file grows).</summary>
    /// <remarks>
    /// SQLite parses "PRAGMA page_count;" anew each time (it marks it to run only once; its table-valued function parses
    /// both pragmas on each call instead): read after every append, the two were ~2.5 % of the gateway's CPU on the
    /// bench's busy flow (make bench nodeRed). <see cref="KeepWithinBudget"/> reads them only when the appends since the
    /// last reading may have used half the room that was left.
    /// </remarks>
    private long UsedBytes() =>
        (StatementScalar("PRAGMA page_count;") - StatementScalar("PRAGMA freelist_count;")) * pageSize;

    // The room under the budget at the last reading (negative over it: then every append reads again), and the most the
    // appends since may have used of it.
    private long roomWhenMeasured;
    private long grownSinceMeasured;

    private long MeasureUsedBytes()
    {
        var used = UsedBytes();
        roomWhenMeasured = maxBytes - used;
        grownSinceMeasured = 0;
        return used;
    }

    /// <summary>
    /// Called under the lock after each append. Over budget: drops the oldest unacknowledged sensor events the rules have
    /// already decided until a tenth of the budget is free again (so that not every append pays for a search), each
    /// contiguous run replaced by one <see cref="TelemetryGap"/> record at the run's last sequence number. Alert steps are
    /// never dropped: when only they are left, the journal grows past the budget and says so loudly.
    /// </summary>
    private void KeepWithinBudget(long mayHaveGrownBy)
    {
        // A commit grows the file by at most the pages it writes, and the caller's bound (twice its rows' bytes and two
        // pages) is well above that: while the commits since the last reading cannot have used half the room left then,
        // the file is within its budget without asking SQLite.
        grownSinceMeasured += mayHaveGrownBy;
        if (roomWhenMeasured > 0 && grownSinceMeasured * 2 < roomWhenMeasured)
        {
            return;
        }

        var used = MeasureUsedBytes();
        if (used <= maxBytes)
        {
            overBudgetWithAlertsOnly = false;
            return;
        }

        // Only what the state on disk has decided may be dropped, and pruning follows the marks on disk: write them first.
        FlushMarks();
        used = MeasureUsedBytes();
        if (used <= maxBytes)
        {
            overBudgetWithAlertsOnly = false;
            return;
        }

        var excess = used - (maxBytes - (maxBytes / 10));
        var runs = FindTelemetryToDrop(excess);
        if (runs.Count > 0)
        {
            DropRuns(runs);
            used = MeasureUsedBytes();
        }

        if (used > maxBytes)
        {
            if (!overBudgetWithAlertsOnly)
            {
                overBudgetWithAlertsOnly = true;
                JournalLog.OverBudgetWithAlertsOnly(logger, used, maxBytes, PendingRows);
            }
        }
        else
        {
            overBudgetWithAlertsOnly = false;
        }
    }

    private List<DropRun> FindTelemetryToDrop(long excess)
    {
        var runs = new List<DropRun>();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT seq, kind, recorded_at_ms, length(record) FROM journal
            WHERE seq > $from AND seq <= $through ORDER BY seq;
            """;
        command.Parameters.AddWithValue("$from", Math.Max(AckedSeq, undroppableThroughSeq));
        command.Parameters.AddWithValue("$through", ruleThroughSeq);
        using var reader = command.ExecuteReader();
        long freed = 0;
        DropRun? run = null;
        var scannedThrough = undroppableThroughSeq;
        while (reader.Read())
        {
            var seq = reader.GetInt64(0);
            if (freed >= excess)
            {
                break;
            }

            scannedThrough = seq;
            if (reader.GetInt32(1) != (int)RecordKind.SensorEvent)
            {
                // An alert step or an earlier gap record ends a run: a gap covers only telemetry.
                if (run is not null)
                {
                    runs.Add(run);
                    run = null;
                }

                continue;
            }

            var at = reader.GetInt64(2);
            if (run is not null && run.Through == seq - 1)
            {
                run.Through = seq;
                run.LastAtMs = at;
            }
            else
            {
                if (run is not null)
                {
                    runs.Add(run);
                }

                run = new DropRun(seq, seq, at, at);
            }

            freed += reader.GetInt64(3) + RowOverheadBytes;
        }

        if (run is not null)
        {
            runs.Add(run);
        }

        // Everything scanned is an alert step, a gap record, or about to be dropped: no later search needs to see it again.
        undroppableThroughSeq = Math.Max(undroppableThroughSeq, scannedThrough);
        return runs;
    }

    private void DropRuns(List<DropRun> runs)
    {
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        using var transaction = BeginWrite();
        using var delete = connection.CreateCommand();
        delete.CommandText = "DELETE FROM journal WHERE seq >= $from AND seq <= $through;";
        var deleteFrom = delete.Parameters.Add("$from", SqliteType.Integer);
        var deleteThrough = delete.Parameters.Add("$through", SqliteType.Integer);

        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO journal (seq, kind, recorded_at_ms, record) VALUES ($seq, $kind, $at, $record);";
        var insertSeq = insert.Parameters.Add("$seq", SqliteType.Integer);
        insert.Parameters.AddWithValue("$kind", (int)RecordKind.TelemetryGap);
        var insertAt = insert.Parameters.Add("$at", SqliteType.Integer);
        var insertRecord = insert.Parameters.Add("$record", SqliteType.Blob);

        using var remember = connection.CreateCommand();
        remember.CommandText = "INSERT INTO telemetry_gaps (from_seq, through_seq, count, dropped_at_ms) VALUES ($from, $through, $count, $at);";
        var rememberFrom = remember.Parameters.Add("$from", SqliteType.Integer);
        var rememberThrough = remember.Parameters.Add("$through", SqliteType.Integer);
        var rememberCount = remember.Parameters.Add("$count", SqliteType.Integer);
        remember.Parameters.AddWithValue("$at", nowMs);

        long dropped = 0;
        foreach (var run in runs)
        {
            var count = run.Through - run.From + 1;
            deleteFrom.Value = run.From;
            deleteThrough.Value = run.Through;
            // Dropped unsent, but received: a redelivery of one of these messages is still recognised.
            MoveReceiptsOut(transaction, run.From, run.Through);
            delete.ExecuteNonQuery();

            // The gap takes the run's last number: a resend that starts anywhere inside the run still carries it.
            var lastAt = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(run.LastAtMs));
            var record = new JournalRecord
            {
                Seq = (ulong)run.Through,
                RecordedAt = lastAt,
                TelemetryGap = new TelemetryGap
                {
                    FromSeq = (ulong)run.From,
                    ThroughSeq = (ulong)run.Through,
                    Count = (ulong)count,
                    FirstRecordedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(run.FirstAtMs)),
                    LastRecordedAt = lastAt,
                },
            };
            insertSeq.Value = run.Through;
            insertAt.Value = run.LastAtMs;
            insertRecord.Value = record.ToByteArray();
            insert.ExecuteNonQuery();

            rememberFrom.Value = run.From;
            rememberThrough.Value = run.Through;
            rememberCount.Value = count;
            remember.ExecuteNonQuery();
            dropped += count;
        }

        transaction.Commit();
        Commits++;
        pendingByKind[(int)RecordKind.SensorEvent] -= dropped;
        pendingByKind[(int)RecordKind.TelemetryGap] += runs.Count;
        JournalLog.TelemetryDropped(logger, dropped, runs[0].From, runs[^1].Through, maxBytes);
    }

    private sealed class DropRun(long from, long through, long firstAtMs, long lastAtMs)
    {
        public long From { get; } = from;

        public long Through { get; set; } = through;

        public long FirstAtMs { get; } = firstAtMs;

        public long LastAtMs { get; set; } = lastAtMs;
    }
}

/// <summary>
/// Where a journalled record is on its way to dispatch. Derived, not stored: the acknowledged sequence is cumulative, so a
/// record is pending above it and acknowledged at or below it; dropped telemetry is remembered by range. The names are
/// frozen (status, docs, tests).
/// </summary>
public enum OutboxState
{
    /// <summary>Journalled, not yet acknowledged by dispatch.</summary>
    Pending = 1,

    /// <summary>Dispatch stored it (and the journal may have pruned it since).</summary>
    Acknowledged = 2,

    /// <summary>A sensor event dropped unsent under the disk budget; dispatch learns of it through a telemetry gap record.</summary>
    Dropped = 3,
}

public static class OutboxStateNames
{
    public static string ToName(OutboxState state) => state switch
    {
        OutboxState.Pending => "pending",
        OutboxState.Acknowledged => "acknowledged",
        OutboxState.Dropped => "dropped",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };
}

/// <summary>The outbox at one moment.</summary>
/// <param name="Depth">Records waiting for dispatch's acknowledgement (alert steps + sensor events + gap records).</param>
/// <param name="PendingAlertSteps">Of those, alert steps.</param>
/// <param name="PendingSensorEvents">Of those, sensor events.</param>
/// <param name="PendingGapRecords">Of those, telemetry gap records.</param>
/// <param name="OldestPendingAt">When the oldest waiting record was journalled; null when nothing waits.</param>
/// <param name="Acknowledged">Sequence numbers dispatch has acknowledged, not counting dropped telemetry.</param>
/// <param name="Dropped">Sensor events ever dropped under the disk budget.</param>
/// <param name="AckedSeq">Everything up to and including this sequence is stored at dispatch.</param>
/// <param name="LastSeq">The highest sequence number journalled.</param>
/// <param name="UsedBytes">Bytes of the journal file holding data.</param>
/// <param name="MaxBytes">The budget.</param>
public sealed record OutboxSnapshot(
    long Depth,
    long PendingAlertSteps,
    long PendingSensorEvents,
    long PendingGapRecords,
    DateTimeOffset? OldestPendingAt,
    long Acknowledged,
    long Dropped,
    long AckedSeq,
    long LastSeq,
    long UsedBytes,
    long MaxBytes);
