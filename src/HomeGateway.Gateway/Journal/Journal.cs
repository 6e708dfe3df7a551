using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using HomeGateway.Contracts.V1;
using HomeGateway.Core.Rules;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using CoreAlerts = HomeGateway.Core.Alerts;
using CoreEvents = HomeGateway.Core.Events;

namespace HomeGateway.Gateway.Journal;

/// <summary>
/// The gateway's durable, ordered record of everything it observed and decided: one SQLite file in WAL mode.
/// Every record gets the next per-gateway sequence number and is committed with <c>synchronous=FULL</c>
/// (the WAL is fsynced at each commit) before an append returns — so nothing is reported, shown or
/// sent that a power cut could take back. An append is one transaction however many records it holds: that is
/// the group commit the pipeline uses for a burst of sensor events. The records are stored as the exact wire bytes
/// (<see cref="JournalRecord"/>), so what is resent after a crash is byte-for-byte what was first sent.
/// The outbox is the part of the journal past the acknowledged sequence (<see cref="Outbox"/>); what dispatch has
/// acknowledged and the rules have decided is pruned, and the disk budget drops the oldest unacknowledged telemetry
/// (never an alert step), leaving a <see cref="TelemetryGap"/> record in its place.
/// </summary>
public sealed partial class Journal : IDisposable
{
    // Frozen: persisted in the file. JournalFormatTests holds these values.
    internal const int SchemaVersion = 6;

    internal enum RecordKind
    {
        SensorEvent = 1,
        AlertEvent = 2,
        TelemetryGap = 3,
    }

    private readonly Lock gate = new();
    private readonly SqliteConnection connection;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly long maxBytes;

    // A row's bytes beyond its values, for the disk budget's bound on what a commit may add (SQLite's own is a few bytes:
    // the cell's header, its pointer, the rowid; this is generous).
    private const long GrowthPerRowBytes = 64;
    private readonly long pageSize;
    private TaskCompletionSource appended = NewSignal();
    private bool disposed;

    // Completed (and replaced) when a commit holds an urgent record (IsUrgent): the uplink waits on it while it holds
    // records back for a batch, rather than being woken by every append.
    private TaskCompletionSource urgentAppended = NewSignal();

    // Rows past the acknowledged sequence, per RecordKind (index 1 sensor events, 2 alert steps, 3 gap records): kept here,
    // not counted per read — a count reads every waiting row, the whole file when dispatch was away long enough.
    private readonly long[] pendingByKind = new long[4];

    private long PendingRows => pendingByKind[1] + pendingByKind[2] + pendingByKind[3];

    // The last sensor event the rules' saved state has seen: nothing after it may be pruned or dropped.
    private long ruleThroughSeq;

    // Everything at or below this is an alert step or a gap record: the budget's search for telemetry starts after it.
    private long undroppableThroughSeq;

    // Set while alert steps alone hold the journal over its budget, so the error is logged once per episode.
    private bool overBudgetWithAlertsOnly;

    // The SD card's life (issue 18): dispatch's acknowledgement and a rules' state that decided no alert promise nothing
    // to anyone, so neither gets a commit (an fsync, a few pages of WAL) of its own; both wait here and ride in a
    // commit that has to happen anyway (a sensor event's) at most once per MarkInterval, in every commit of alert steps
    // (they are committed with the state that decided them), and in Flush/Dispose. Lost in a crash, they cost what a
    // crash between two commits always cost: dispatch's welcome restates what it has stored, and the rules decide again
    // the events after the saved state (RestoreAsync), at most MarkInterval's worth. Pruning follows what is on disk
    // only, so a record is never gone while the mark that lets it go is not.
    private long persistedAckedSeq;
    private (IReadOnlyDictionary<string, byte[]> Entries, long ThroughSeq)? heldRuleState;
    private DateTimeOffset marksWrittenAt;

    // A held state not yet serialised (HoldRuleState): most events change the rules' state without deciding an alert
    // step, and serialising every rule for each of them, to keep only the last within MarkInterval, was ~9 % of the
    // gateway's CPU on a busy flow. It is serialised when a commit writes it.
    // The source says through which event its state is, when it serialises it: the holder's rules may have seen more events
    // by then (those of the very commit that writes it), and a state labelled with an older number would see them twice
    // after a restart (RestoreAsync decides everything after the number again). Null: nothing consistent to write now.
    private Func<(IReadOnlyDictionary<string, byte[]> Entries, long ThroughSeq)?>? heldStateSource;

    // Under the lock: the state waiting for the next commit that writes marks, serialised now if it was held unserialised.
    private (IReadOnlyDictionary<string, byte[]> Entries, long ThroughSeq)? pendingRuleState
    {
        get
        {
            if (heldStateSource is { } source)
            {
                heldStateSource = null;
                heldRuleState = source();
            }

            return heldRuleState;
        }
        set
        {
            heldStateSource = null;
            heldRuleState = value;
        }
    }

    /// <summary>
    /// The default for how often at most a sensor event's commit also carries dispatch's ack and the rules' state (and
    /// prunes what they let go): each such commit writes the state's pages and frees pages, and a busy home commits an
    /// event every few seconds. Measured with the storageWrites bench: every 30 s, 69 MB a day for the busy home; every
    /// 5 min, 50 MB. A power cut costs at most this much re-deciding at the next start (events are journalled).
    /// </summary>
    public static readonly TimeSpan MarkInterval = TimeSpan.FromMinutes(5);

    // MarkInterval unless Gateway:Journal:MarkInterval says otherwise.
    private TimeSpan markInterval = MarkInterval;

    private Journal(SqliteConnection connection, TimeProvider time, ILogger logger, long maxBytes, JournalRecovery? recovery, bool checkedInFull, long[]? pendingAtClose)
    {
        this.connection = connection;
        this.time = time;
        this.logger = logger;
        this.maxBytes = maxBytes;
        Recovery = recovery;
        CheckedInFullAtOpen = checkedInFull;
        pageSize = Scalar(connection, "PRAGMA page_size;");
        var ackedSeq = Scalar(connection, "SELECT acked_seq FROM uplink_state WHERE id = 1;");

        // Pruning removes acknowledged records, so the highest sequence ever used may only survive as the acked mark.
        LastSeq = Math.Max(Scalar(connection, "SELECT COALESCE(MAX(seq), 0) FROM journal;"), ackedSeq);
        AckedSeq = ackedSeq;
        LastUrgentSeq = LastSeq;
        persistedAckedSeq = ackedSeq;
        ruleThroughSeq = Scalar(connection, "SELECT COALESCE(MAX(through_seq), 0) FROM rule_state;");
        // Counting reads every waiting row: after a crash the full check has just read them all anyway; after a clean
        // close the closing service's counts are in the file (the ack it counted against was flushed in the same stop).
        if (pendingAtClose is { Length: 4 })
        {
            pendingAtClose.CopyTo(pendingByKind, 0);
        }
        else
        {
            CountPending(AckedSeq, long.MaxValue, +1);
        }
        undroppableThroughSeq = AckedSeq;
    }

    public string Path => connection.DataSource;

    /// <summary>The highest sequence number committed.</summary>
    public long LastSeq { get; private set; }

    /// <summary>Everything up to and including this sequence is stored at dispatch.</summary>
    public long AckedSeq { get; private set; }

    /// <summary>
    /// The highest sequence number of an urgent record (<see cref="IsUrgent"/>) committed since the journal was opened;
    /// at open, the last sequence number (whatever waits from before a restart is not held back for company).
    /// </summary>
    public long LastUrgentSeq { get; private set; }

    /// <summary>
    /// Whether the uplink sends <paramref name="record"/> without waiting for others to share its message: an alert step
    /// of critical or high priority (a fall, a help call, smoke, a night exit: someone may have to go now).
    /// </summary>
    public static bool IsUrgent(JournalRecord record) =>
        record.BodyCase == JournalRecord.BodyOneofCase.AlertEvent
        && record.AlertEvent.Priority is AlertPriority.Critical or AlertPriority.High;

    /// <summary>Records (alert steps, sensor events, gap records) not yet acknowledged by dispatch.</summary>
    public long OutboxDepth
    {
        get
        {
            lock (gate)
            {
                return PendingRows;
            }
        }
    }

    /// <summary>Durable commits (each one fsync of the WAL) since the journal was opened: what group commit saves.</summary>
    public long Commits { get; private set; }

    /// <summary>The budget in bytes; alert steps may exceed it, telemetry may not.</summary>
    public long MaxBytes => maxBytes;

    /// <summary>Set when the file found at open was unreadable and was set aside for a fresh one; null otherwise.</summary>
    public JournalRecovery? Recovery { get; }

    /// <summary>Whether SQLite's full quick check ran at open (false: the last stop was a clean close, see OpenChecked).</summary>
    internal bool CheckedInFullAtOpen { get; }

    /// <summary>Opens (creating or migrating) the journal with the default budget and no home to report a set-aside file to.</summary>
    public static Journal Open(string path, TimeProvider time) => Open(path, time, null, null, null);

    /// <summary>
    /// Opens the journal at <paramref name="path"/>. A file that is not a readable journal (torn, overwritten, failing
    /// SQLite's quick check, or written by a newer gateway) is moved aside with its WAL and a fresh journal starts, so the
    /// gateway keeps protecting the client; the first record of the fresh journal is a gateway-health alert step that says
    /// so (when <paramref name="homeId"/> is known), and <see cref="Recovery"/> tells the status.
    /// </summary>
    public static Journal Open(string path, TimeProvider time, JournalOptions? options, string? homeId, ILogger? logger)
    {
        logger ??= NullLogger.Instance;
        var maxBytes = options?.MaxBytes ?? JournalOptions.DefaultMaxBytes;
        if (maxBytes <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), maxBytes, "The journal's MaxBytes must be positive.");
        }

        // A client's life at home: the service user's alone, whatever the umask (the directory, the file, -wal, -shm).
        PrivateFiles.PrepareDatabase(path, logger);

        JournalRecovery? recovery = null;
        Journal journal;
        var started = time.GetTimestamp();
        try
        {
            journal = OpenJournal(path, time, logger, maxBytes, null);
        }
        catch (SqliteException ex) when (IsBusy(ex))
        {
            // Another process holds the file's exclusive lock (ConnectionString) beyond SQLite's wait: never written beside it.
            throw new IOException($"The journal {path} is held by another process (another homegateway on the same data directory?): SQLite says '{ex.Message}'. Stop that one first.", ex);
        }
        catch (UnreadableJournalException ex)
        {
            SqliteConnection.ClearAllPools();
            var movedTo = SetAside(path, time.GetUtcNow());
            recovery = new JournalRecovery(movedTo, ex.Message, time.GetUtcNow());
            JournalLog.SetAside(logger, path, movedTo, ex.Message);
            PrivateFiles.PrepareDatabase(path, logger);
            journal = OpenJournal(path, time, logger, maxBytes, recovery);
        }

        JournalLog.Opened(logger, path, journal.CheckedInFullAtOpen
            ? "SQLite's full quick check ran (a new file, or the last stop was not a clean close)"
            : "closed cleanly last time: the full check is left to the background check", (long)time.GetElapsedTime(started).TotalMilliseconds);
        journal.markInterval = options?.MarkInterval ?? MarkInterval;
        if (journal.CheckedInFullAtOpen)
        {
            journal.LastIntactAt = time.GetUtcNow();
        }

        if (recovery is not null && homeId is { Length: > 0 })
        {
            journal.Append([recovery.ToAlertStep(homeId)]);
        }

        journal.StartBackgroundCheck();
        return journal;
    }

    /// <summary>Opens and reads the outbox's marks; a corruption met while reading them makes the file unreadable too.</summary>
    private static Journal OpenJournal(string path, TimeProvider time, ILogger logger, long maxBytes, JournalRecovery? recovery)
    {
        var (connection, checkedInFull, pendingAtClose) = OpenChecked(path);
        return ClosingOnFailure(connection, () => new Journal(connection, time, logger, maxBytes, recovery, checkedInFull, pendingAtClose));
    }

    /// <summary>Commits one sensor event; returns its sequence number.</summary>
    public long Append(CoreEvents.SensorEvent sensorEvent) =>
        (long)Append([new JournalRecord { SensorEvent = sensorEvent.ToWire() }], null, null, [sensorEvent.Publisher])[0].Seq;

    /// <summary>
    /// Commits sensor events in one durable transaction (one fsync for the lot: a Zigbee burst costs what one event
    /// costs); returns the sequence number of each, in order.
    /// </summary>
    public IReadOnlyList<long> Append(IReadOnlyList<CoreEvents.SensorEvent> sensorEvents) => Append(sensorEvents, null);

    /// <summary>
    /// Commits sensor events in one durable transaction, each with the receipt of the message it came from (null for none:
    /// GPIO, QoS 0); the receipts are kept in the same commit, so a redelivery of one of these messages can be recognised
    /// (<see cref="FindJournalled"/>) whenever the events are durable, and never before.
    /// </summary>
    public IReadOnlyList<long> Append(IReadOnlyList<CoreEvents.SensorEvent> sensorEvents, IReadOnlyList<MessageReceipt?>? receipts)
    {
        var committed = Append(sensorEvents, receipts ?? new MessageReceipt?[sensorEvents.Count], [], (IReadOnlyDictionary<string, byte[]>?)null, 0);
        var seqs = new long[committed.Count];
        for (var i = 0; i < seqs.Length; i++)
        {
            seqs[i] = (long)committed[i].Seq;
        }

        return seqs;
    }

    /// <summary>Commits alert steps in one durable transaction; returns them as journalled.</summary>
    public IReadOnlyList<JournalRecord> Append(IEnumerable<CoreAlerts.AlertEvent> alerts) =>
        Append(alerts.Select(a => new JournalRecord { AlertEvent = a.ToWire() }).ToList(), null);

    /// <summary>
    /// Commits sensor events (each with its message's receipt, or null) and the alert steps the rules decided from them in
    /// one durable transaction — the events first, numbered from <see cref="LastSeq"/> + 1 in order, then the steps — with
    /// the rules' state after deciding them when <paramref name="ruleState"/> is given (it must be when there are steps).
    /// </summary>
    public IReadOnlyList<JournalRecord> Append(IReadOnlyList<CoreEvents.SensorEvent> sensorEvents, IReadOnlyList<MessageReceipt?> receipts,
        IReadOnlyList<CoreAlerts.AlertEvent> alerts, byte[]? ruleState, long throughSeq) =>
        Append(sensorEvents, receipts, alerts, ruleState is null ? null : RuleStateEntries.Split(ruleState), throughSeq);

    /// <summary>As <see cref="Append(IReadOnlyList{CoreEvents.SensorEvent}, IReadOnlyList{MessageReceipt?}, IReadOnlyList{CoreAlerts.AlertEvent}, byte[], long)"/>, with the state in entries (<see cref="RulesEngine.SaveStateEntries"/>).</summary>
    public IReadOnlyList<JournalRecord> Append(IReadOnlyList<CoreEvents.SensorEvent> sensorEvents, IReadOnlyList<MessageReceipt?> receipts,
        IReadOnlyList<CoreAlerts.AlertEvent> alerts, IReadOnlyDictionary<string, byte[]>? ruleState, long throughSeq)
    {
        if (receipts.Count != sensorEvents.Count)
        {
            throw new ArgumentException("One receipt (or null) per sensor event.", nameof(receipts));
        }

        if (alerts.Count > 0 && ruleState is null)
        {
            throw new ArgumentException("Alert steps are committed with the state that decided them.", nameof(ruleState));
        }

        var records = new List<JournalRecord>(sensorEvents.Count + alerts.Count);
        var publishers = new string?[sensorEvents.Count];
        for (var i = 0; i < sensorEvents.Count; i++)
        {
            records.Add(new JournalRecord { SensorEvent = sensorEvents[i].ToWire() });
            publishers[i] = sensorEvents[i].Publisher;
        }

        foreach (var alert in alerts)
        {
            records.Add(new JournalRecord { AlertEvent = alert.ToWire() });
        }

        return records.Count == 0 ? records : Append(records, ruleState is null ? null : (ruleState, throughSeq), receipts, publishers);
    }

    /// <summary>
    /// Commits alert steps together with the rules' state after deciding them, in one durable transaction:
    /// after a crash the journal never holds alerts the saved state does not know about, or the reverse.
    /// </summary>
    /// <param name="alerts">The steps decided (may be empty: the state alone is saved).</param>
    /// <param name="ruleState">The rules engine's saved state.</param>
    /// <param name="throughSeq">The last sensor event the state has seen.</param>
    public IReadOnlyList<JournalRecord> Append(IEnumerable<CoreAlerts.AlertEvent> alerts, byte[] ruleState, long throughSeq) =>
        Append(alerts, RuleStateEntries.Split(ruleState), throughSeq);

    /// <summary>As <see cref="Append(IEnumerable{CoreAlerts.AlertEvent}, byte[], long)"/>, with the state in entries (<see cref="RulesEngine.SaveStateEntries"/>).</summary>
    public IReadOnlyList<JournalRecord> Append(IEnumerable<CoreAlerts.AlertEvent> alerts, IReadOnlyDictionary<string, byte[]> ruleState, long throughSeq) =>
        Append(alerts.Select(a => new JournalRecord { AlertEvent = a.ToWire() }).ToList(), (ruleState, throughSeq));

    /// <summary>
    /// The rules' state changed without deciding an alert step: held, not committed, like a state given to
    /// <see cref="Append(IEnumerable{CoreAlerts.AlertEvent}, byte[], long)"/> with no steps, but serialised by calling
    /// <paramref name="save"/> only when a commit writes it (at most once per <see cref="MarkInterval"/>, or at a flush).
    /// <paramref name="save"/> is called under the journal's lock on the thread that commits (the pipeline's, or the one
    /// that flushes at a stop after the pipeline ended), and must return the state as of the latest hold.
    /// </summary>
    public void HoldRuleState(Func<byte[]> save, long throughSeq)
    {
        ArgumentNullException.ThrowIfNull(save);
        HoldRuleStateEntries(() => RuleStateEntries.Split(save()), throughSeq);
    }

    /// <summary>As <see cref="HoldRuleState"/>, with the state in entries (<see cref="RulesEngine.SaveStateEntries"/>).</summary>
    public void HoldRuleStateEntries(Func<IReadOnlyDictionary<string, byte[]>> save, long throughSeq)
    {
        ArgumentNullException.ThrowIfNull(save);
        HoldRuleStateEntries(() => (save(), throughSeq));
    }

    /// <summary>
    /// As <see cref="HoldRuleStateEntries(Func{IReadOnlyDictionary{string, byte[]}}, long)"/> for rules that go on deciding
    /// after the hold: <paramref name="save"/> returns the state as it is when called, with the last sensor event it has seen,
    /// every one of them journalled by the end of the commit that calls it; or null when it cannot say so (events it has
    /// seen are not yet handed to the journal), and then nothing is written and the state on disk stays as it was.
    /// </summary>
    public void HoldRuleStateEntries(Func<(IReadOnlyDictionary<string, byte[]> Entries, long ThroughSeq)?> save)
    {
        ArgumentNullException.ThrowIfNull(save);
        lock (gate)
        {
            heldRuleState = null;
            heldStateSource = save;
        }
    }

    /// <summary>Who handed the gateway the sensor event at <paramref name="seq"/> (<see cref="CoreEvents.SensorEvent.Publisher"/>); null when unknown or gone.</summary>
    public string? PublisherOf(long seq)
    {
        lock (gate)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT publisher FROM journal WHERE seq = $seq;";
            command.Parameters.AddWithValue("$seq", seq);
            return command.ExecuteScalar() as string;
        }
    }

    /// <summary>The rules' state as last saved (or waiting for the next commit), and the last sensor event it had seen; null on a new journal.</summary>
    public (byte[] State, long ThroughSeq)? LoadRuleState()
    {
        lock (gate)
        {
            if (pendingRuleState is { } pending)
            {
                return (RuleStateEntries.Join(pending.Entries), pending.ThroughSeq);
            }

            using var command = connection.CreateCommand();
            command.CommandText = "SELECT state, through_seq FROM rule_state WHERE id = 1;";
            using var reader = command.ExecuteReader();
            if (!reader.Read())
            {
                return null;
            }

            var whole = (byte[])reader.GetValue(0);
            return (whole.Length > 0 ? whole : RuleStateEntries.Join(StoredStateEntries()), reader.GetInt64(1));
        }
    }

    private List<JournalRecord> Append(List<JournalRecord> records, (IReadOnlyDictionary<string, byte[]> Entries, long ThroughSeq)? ruleState,
        IReadOnlyList<MessageReceipt?>? receipts = null, IReadOnlyList<string?>? publishers = null)
    {
        if (records.Count == 0 && ruleState is null)
        {
            return records;
        }

        TaskCompletionSource signal;
        TaskCompletionSource? urgentSignal = null;
        lock (gate)
        {
            if (records.Count == 0)
            {
                // A state that decided nothing: no commit of its own; it rides in the next one (see pendingRuleState).
                pendingRuleState = ruleState;
                return records;
            }

            var now = Timestamp.FromDateTimeOffset(time.GetUtcNow());
            var nowMs = now.ToDateTimeOffset().ToUnixTimeMilliseconds();
            using var transaction = BeginWrite();
            var nowAt = now.ToDateTimeOffset();
            var withMarks = ruleState is not null || nowAt - marksWrittenAt >= markInterval;
            var ackOnDisk = persistedAckedSeq;
            if (withMarks)
            {
                ruleState ??= pendingRuleState;
                ackOnDisk = WritePendingAck(transaction);
            }
            // What this commit may add to the file, for the disk budget: twice the bytes of its rows (a row's own overhead,
            // an index entry, a half-full page after a split) and two pages (b-tree interior pages, the file's header).
            var mayGrowBy = 2 * pageSize;
            if (ruleState is { } saved)
            {
                mayGrowBy += 2 * SaveRuleState(transaction, saved, nowMs);
            }

            // What dispatch has stored and the rules have seen (both as committed now) is needed by nobody: pruned in the same commit.
            var pruneThrough = Math.Min(ackOnDisk, ruleState?.ThroughSeq ?? ruleThroughSeq);
            PruneDecidedAndAcknowledged(transaction, pruneThrough);

            var insert = Statement("""
                INSERT INTO journal (seq, kind, recorded_at_ms, record, publisher, receipt_publisher, receipt_packet_id, receipt_fingerprint)
                VALUES ($seq, $kind, $at, $record, $publisher, $receiptPublisher, $receiptPacket, $receiptFingerprint);
                """, transaction);
            var publisherParameter = insert.Parameters.Add("$publisher", SqliteType.Text);
            var seqParameter = insert.Parameters.Add("$seq", SqliteType.Integer);
            var kindParameter = insert.Parameters.Add("$kind", SqliteType.Integer);
            var atParameter = insert.Parameters.Add("$at", SqliteType.Integer);
            var recordParameter = insert.Parameters.Add("$record", SqliteType.Blob);
            var receiptPublisher = insert.Parameters.Add("$receiptPublisher", SqliteType.Text);
            var receiptPacket = insert.Parameters.Add("$receiptPacket", SqliteType.Integer);
            var receiptFingerprint = insert.Parameters.Add("$receiptFingerprint", SqliteType.Blob);
            atParameter.Value = nowMs;
            var seq = LastSeq;
            for (var i = 0; i < records.Count; i++)
            {
                var record = records[i];
                publisherParameter.Value = (object?)(publishers is not null && i < publishers.Count ? publishers[i] : null) ?? DBNull.Value;
                var receipt = receipts is not null && i < receipts.Count ? ReceiptCompletedBy(receipts[i]) : null;
                receiptPublisher.Value = (object?)receipt?.Publisher ?? DBNull.Value;
                receiptPacket.Value = receipt is null ? DBNull.Value : (int)receipt.PacketId;
                receiptFingerprint.Value = (object?)receipt?.Fingerprint ?? DBNull.Value;
                record.Seq = (ulong)++seq;
                record.RecordedAt = now;
                seqParameter.Value = seq;
                kindParameter.Value = (int)KindOf(record);
                var bytes = record.ToByteArray();
                recordParameter.Value = bytes;
                insert.ExecuteNonQuery();
                mayGrowBy += 2 * (bytes.Length + GrowthPerRowBytes + (receipt is null ? 0 : receipt.Publisher.Length + receipt.Fingerprint.Length) + (publishers is not null && i < publishers.Count ? publishers[i]?.Length ?? 0 : 0));
            }

            transaction.Commit();
            Commits++;
            prunedThroughSeq = Math.Max(prunedThroughSeq, pruneThrough);
            // Only now on disk: a commit that failed (a full card) left the marks waiting, and pruning on the old ones.
            persistedAckedSeq = ackOnDisk;
            if (withMarks)
            {
                marksWrittenAt = nowAt;
            }

            if (ruleState is { } committed)
            {
                ruleThroughSeq = committed.ThroughSeq;
                pendingRuleState = null;
                RuleStateCommitted();
            }

            LastSeq = seq;
            foreach (var record in records)
            {
                pendingByKind[(int)KindOf(record)]++;
                if (IsUrgent(record))
                {
                    LastUrgentSeq = (long)record.Seq;
                    urgentSignal = urgentAppended;
                }
            }
            KeepWithinBudget(mayGrowBy);
            signal = appended;
            appended = NewSignal();
            if (urgentSignal is not null)
            {
                urgentAppended = NewSignal();
            }
        }

        signal.TrySetResult();
        urgentSignal?.TrySetResult();
        return records;
    }

    /// <summary>Records after <paramref name="afterSeq"/>, in order, at most <paramref name="max"/>.</summary>
    public IReadOnlyList<JournalRecord> ReadAfter(long afterSeq, int max)
    {
        lock (gate)
        {
            var command = Statement("SELECT record FROM journal WHERE seq > $after ORDER BY seq LIMIT $max;");
            command.Parameters.AddWithValue("$after", afterSeq);
            command.Parameters.AddWithValue("$max", max);
            using var reader = command.ExecuteReader();
            var records = new List<JournalRecord>();
            while (reader.Read())
            {
                records.Add(JournalRecord.Parser.ParseFrom((byte[])reader.GetValue(0)));
            }

            return records;
        }
    }

    /// <summary>
    /// Dispatch has stored everything up to <paramref name="throughSeq"/>. Never moves backwards. Records both
    /// acknowledged and already decided by the rules are pruned in the same commit.
    /// </summary>
    public void Acknowledge(long throughSeq)
    {
        lock (gate)
        {
            // Dispatch cannot have stored what was never journalled; an ack past LastSeq is a protocol error upstream.
            var acked = Math.Min(throughSeq, LastSeq);
            if (acked <= AckedSeq)
            {
                return;
            }

            CountPending(AckedSeq, acked, -1);

            // Held for the next commit (see persistedAckedSeq): an ack is dispatch's promise, not one the gateway gives.
            AckedSeq = acked;
            undroppableThroughSeq = Math.Max(undroppableThroughSeq, acked);
        }
    }

    /// <summary>
    /// Commits what waits for the next commit (dispatch's acknowledgement, the rules' state of events that decided no
    /// alert) and prunes what that lets go; nothing when nothing waits. Called at shutdown; a crash without it costs
    /// nothing that was promised.
    /// </summary>
    public void Flush()
    {
        lock (gate)
        {
            FlushMarks();
        }
    }

    // Under the lock: Flush, and the budget before it looks for decided telemetry (only what the state on disk decided may go).
    private void FlushMarks()
    {
        if (pendingRuleState is null && AckedSeq == persistedAckedSeq)
        {
            return;
        }

        using var transaction = BeginWrite();
        var ackOnDisk = WritePendingAck(transaction);
        if (pendingRuleState is { } saved)
        {
            SaveRuleState(transaction, saved, time.GetUtcNow().ToUnixTimeMilliseconds());
        }

        var pruneThrough = Math.Min(ackOnDisk, pendingRuleState?.ThroughSeq ?? ruleThroughSeq);
        PruneDecidedAndAcknowledged(transaction, pruneThrough);
        transaction.Commit();
        Commits++;
        prunedThroughSeq = Math.Max(prunedThroughSeq, pruneThrough);
        persistedAckedSeq = ackOnDisk;
        marksWrittenAt = time.GetUtcNow();
        if (pendingRuleState is { } committed)
        {
            ruleThroughSeq = committed.ThroughSeq;
            RuleStateCommitted();
        }

        pendingRuleState = null;
    }

    /// <summary>Writes dispatch's acknowledgement into <paramref name="transaction"/> if it moved; the mark as it will be on disk once that commits.</summary>
    private long WritePendingAck(WriteTransaction transaction)
    {
        if (AckedSeq == persistedAckedSeq)
        {
            return persistedAckedSeq;
        }

        var command = Statement("UPDATE uplink_state SET acked_seq = $seq WHERE id = 1;", transaction);
        command.Parameters.AddWithValue("$seq", AckedSeq);
        command.ExecuteNonQuery();
        return AckedSeq;
    }

    /// <summary>Adds (<paramref name="sign"/> +1) or takes away (-1) the rows in <c>(afterSeq, throughSeq]</c> from the pending counts.</summary>
    private void CountPending(long afterSeq, long throughSeq, int sign)
    {
        var count = Statement("SELECT kind, COUNT(*) FROM journal WHERE seq > $from AND seq <= $through GROUP BY kind;");
        count.Parameters.AddWithValue("$from", afterSeq);
        count.Parameters.AddWithValue("$through", throughSeq);
        using var reader = count.ExecuteReader();
        while (reader.Read())
        {
            var kind = reader.GetInt32(0);
            if (kind is >= 1 and <= 3)
            {
                pendingByKind[kind] += sign * reader.GetInt64(1);
            }
        }
    }

    /// <summary>Completes when a record past <paramref name="afterSeq"/> is committed.</summary>
    public Task WaitForRecordsAfterAsync(long afterSeq, CancellationToken cancellationToken) =>
        WaitPast(afterSeq, urgentOnly: false, cancellationToken);

    /// <summary>Completes when an urgent record (<see cref="IsUrgent"/>) past <paramref name="afterSeq"/> is committed.</summary>
    public Task WaitForUrgentAfterAsync(long afterSeq, CancellationToken cancellationToken) =>
        WaitPast(afterSeq, urgentOnly: true, cancellationToken);

    private Task WaitPast(long afterSeq, bool urgentOnly, CancellationToken cancellationToken)
    {
        Task signal;
        lock (gate)
        {
            if ((urgentOnly ? LastUrgentSeq : LastSeq) > afterSeq)
            {
                return Task.CompletedTask;
            }

            signal = (urgentOnly ? urgentAppended : appended).Task;
        }

        return signal.WaitAsync(cancellationToken);
    }

    public void Dispose()
    {
        StopBackgroundCheck();
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            try
            {
                Flush();
                CloseCleanly();
            }
            catch (SqliteException)
            {
                // Nothing waiting for the next commit was promised to anyone (see persistedAckedSeq); without the clean
                // mark the next start runs the full check.
            }

            DisposeStatements();
            connection.Dispose();
        }
    }

    /// <summary>
    /// The last commit of a clean stop: the mark that lets the next start skip the full check, then a checkpoint of
    /// everything into the main file. Not written when the background check found the file damaged, so the next start
    /// checks it in full and sets it aside. A crash after the mark's commit leaves it in a WAL with frames, which the
    /// next start treats as a crash (see OpenChecked): the mark counts only once SQLite's close has removed the WAL.
    /// </summary>
    private void CloseCleanly()
    {
        if (LastCheck is { Damage: not null })
        {
            return;
        }

        // Flush wrote the ack, so the depth counted against it is the one on disk.
        using var mark = connection.CreateCommand();
        mark.CommandText = $"""
            INSERT INTO meta (key, value) VALUES ('{ClosedCleanlyKey}', $at), ('{PendingAtCloseKey}', $pending)
            ON CONFLICT (key) DO UPDATE SET value = excluded.value;
            """;
        mark.Parameters.AddWithValue("$at", time.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        mark.Parameters.AddWithValue("$pending", string.Join(' ', pendingByKind.Skip(1).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        mark.ExecuteNonQuery();
        Execute(connection, "PRAGMA wal_checkpoint(TRUNCATE);");
    }

    // The rules' state entries as committed (RuleStateEntries); read from the file at the first save. A save compares with
    // them and writes only the entries that changed; they are updated only once the commit that wrote them succeeded.
    private Dictionary<string, byte[]>? committedStateEntries;
    private (List<KeyValuePair<string, byte[]>> Written, List<string> Deleted)? savedStateChanges;

    /// <summary>Writes the entries that changed and the state's row; returns the bytes of the rows written (keys, values and each row's overhead).</summary>
    private long SaveRuleState(WriteTransaction transaction, (IReadOnlyDictionary<string, byte[]> Entries, long ThroughSeq) saved, long nowMs)
    {
        long written = GrowthPerRowBytes;
        committedStateEntries ??= StoredStateEntries();
        var changes = (Written: new List<KeyValuePair<string, byte[]>>(), Deleted: new List<string>());
        var upsert = Statement("""
            INSERT INTO rule_state_entries (key, value) VALUES ($key, $value)
            ON CONFLICT (key) DO UPDATE SET value = excluded.value;
            """, transaction);
        var upsertKey = upsert.Parameters.Add("$key", SqliteType.Text);
        var upsertValue = upsert.Parameters.Add("$value", SqliteType.Blob);
        foreach (var (key, value) in saved.Entries)
        {
            // The engine hands the same array again for a value that did not change.
            if (committedStateEntries.TryGetValue(key, out var before) && (ReferenceEquals(before, value) || before.AsSpan().SequenceEqual(value)))
            {
                continue;
            }

            upsertKey.Value = key;
            upsertValue.Value = value;
            upsert.ExecuteNonQuery();
            changes.Written.Add(new(key, value));
            written += GrowthPerRowBytes + (key.Length * 3) + value.Length;
        }

        var delete = Statement("DELETE FROM rule_state_entries WHERE key = $key;", transaction);
        var deleteKey = delete.Parameters.Add("$key", SqliteType.Text);
        foreach (var key in committedStateEntries.Keys)
        {
            if (!saved.Entries.ContainsKey(key))
            {
                deleteKey.Value = key;
                delete.ExecuteNonQuery();
                changes.Deleted.Add(key);
            }
        }

        // An empty state in the row: the entries are the state (a whole one from an older journal is replaced here).
        var save = Statement("""
            INSERT INTO rule_state (id, through_seq, saved_at_ms, state) VALUES (1, $seq, $at, x'')
            ON CONFLICT (id) DO UPDATE SET through_seq = excluded.through_seq, saved_at_ms = excluded.saved_at_ms, state = x'';
            """, transaction);
        save.Parameters.AddWithValue("$seq", saved.ThroughSeq);
        save.Parameters.AddWithValue("$at", nowMs);
        save.ExecuteNonQuery();
        savedStateChanges = changes;
        return written;
    }

    // After the commit that SaveRuleState wrote into: its changes are now what the file holds.
    private void RuleStateCommitted()
    {
        if (savedStateChanges is { } changes && committedStateEntries is { } committed)
        {
            foreach (var key in changes.Deleted)
            {
                committed.Remove(key);
            }

            foreach (var (key, value) in changes.Written)
            {
                committed[key] = value;
            }
        }

        savedStateChanges = null;
    }

    private Dictionary<string, byte[]> StoredStateEntries()
    {
        var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT key, value FROM rule_state_entries;";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            entries[reader.GetString(0)] = (byte[])reader.GetValue(1);
        }

        return entries;
    }

    // Everything at or below this was pruned by a commit that succeeded.
    private long prunedThroughSeq;

    private void PruneDecidedAndAcknowledged(WriteTransaction transaction, long throughSeq)
    {
        // The bound moves only when marks or a rules' state are committed: most commits have nothing new to let go, and
        // looking anyway (the receipts' move, the delete) was ~2 % of the gateway's CPU on a busy flow (make bench nodeRed).
        if (throughSeq <= prunedThroughSeq)
        {
            PruneOldReceipts(transaction);
            return;
        }

        var prune = Statement("DELETE FROM journal WHERE seq <= $through;", transaction);
        prune.Parameters.AddWithValue("$through", throughSeq);
        MoveReceiptsOut(transaction, 0, throughSeq);
        prune.ExecuteNonQuery();
        PruneOldReceipts(transaction);
    }

    private static RecordKind KindOf(JournalRecord record) => record.BodyCase switch
    {
        JournalRecord.BodyOneofCase.SensorEvent => RecordKind.SensorEvent,
        JournalRecord.BodyOneofCase.AlertEvent => RecordKind.AlertEvent,
        JournalRecord.BodyOneofCase.TelemetryGap => RecordKind.TelemetryGap,
        var other => throw new ArgumentException($"A journal record must have a body, not {other}.", nameof(record)),
    };

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static long Scalar(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
