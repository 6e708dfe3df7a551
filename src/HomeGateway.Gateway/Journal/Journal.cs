using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using HomeGateway.Contracts.V1;
using Microsoft.Data.Sqlite;
using CoreAlerts = HomeGateway.Core.Alerts;
using CoreEvents = HomeGateway.Core.Events;

namespace HomeGateway.Gateway.Journal;

/// <summary>
/// The gateway's durable, ordered record of everything it observed and decided: one SQLite file in WAL mode.
/// Every record gets the next per-gateway sequence number and is committed with <c>synchronous=FULL</c>
/// (the WAL is fsynced at each commit) before <see cref="Append"/> returns — so nothing is reported, shown or
/// sent that a power cut could take back. The records are stored as the exact wire bytes
/// (<see cref="JournalRecord"/>), so what is resent after a crash is byte-for-byte what was first sent.
/// The outbox is the tail of the journal past the acknowledged sequence.
/// </summary>
public sealed class Journal : IDisposable
{
    // Frozen: persisted in the file. A test holds these values.
    internal const int SchemaVersion = 1;
    internal enum RecordKind
    {
        SensorEvent = 1,
        AlertEvent = 2,
    }

    private readonly Lock gate = new();
    private readonly SqliteConnection connection;
    private readonly TimeProvider time;
    private TaskCompletionSource appended = NewSignal();

    private Journal(SqliteConnection connection, TimeProvider time, long lastSeq, long ackedSeq)
    {
        this.connection = connection;
        this.time = time;
        LastSeq = lastSeq;
        AckedSeq = ackedSeq;
    }

    public string Path => connection.DataSource;

    /// <summary>The highest sequence number committed.</summary>
    public long LastSeq { get; private set; }

    /// <summary>Everything up to and including this sequence is stored at dispatch.</summary>
    public long AckedSeq { get; private set; }

    /// <summary>Records not yet acknowledged by dispatch.</summary>
    public long OutboxDepth => LastSeq - AckedSeq;

    public static Journal Open(string path, TimeProvider time)
    {
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        connection.Open();
        try
        {
            Execute(connection, "PRAGMA journal_mode=WAL;");
            Execute(connection, "PRAGMA synchronous=FULL;");
            Execute(connection, "PRAGMA busy_timeout=5000;");
            Migrate(connection);
            var lastSeq = Scalar(connection, "SELECT COALESCE(MAX(seq), 0) FROM journal;");
            var ackedSeq = Scalar(connection, "SELECT acked_seq FROM uplink_state WHERE id = 1;");
            return new Journal(connection, time, lastSeq, Math.Min(ackedSeq, lastSeq));
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Commits one sensor event; returns its sequence number.</summary>
    public long Append(CoreEvents.SensorEvent sensorEvent) =>
        (long)Append([new JournalRecord { SensorEvent = sensorEvent.ToWire() }], null)[0].Seq;

    /// <summary>Commits alert steps in one durable transaction; returns them as journalled.</summary>
    public IReadOnlyList<JournalRecord> Append(IEnumerable<CoreAlerts.AlertEvent> alerts) =>
        Append(alerts.Select(a => new JournalRecord { AlertEvent = a.ToWire() }).ToList(), null);

    /// <summary>
    /// Commits alert steps together with the rules' state after deciding them, in one durable transaction:
    /// after a crash the journal never holds alerts the saved state does not know about, or the reverse.
    /// </summary>
    /// <param name="alerts">The steps decided (may be empty: the state alone is saved).</param>
    /// <param name="ruleState">The rules engine's saved state.</param>
    /// <param name="throughSeq">The last sensor event the state has seen.</param>
    public IReadOnlyList<JournalRecord> Append(IEnumerable<CoreAlerts.AlertEvent> alerts, byte[] ruleState, long throughSeq) =>
        Append(alerts.Select(a => new JournalRecord { AlertEvent = a.ToWire() }).ToList(), (ruleState, throughSeq));

    /// <summary>The rules' state as last saved, and the last sensor event it had seen; null on a new journal.</summary>
    public (byte[] State, long ThroughSeq)? LoadRuleState()
    {
        lock (gate)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT state, through_seq FROM rule_state WHERE id = 1;";
            using var reader = command.ExecuteReader();
            return reader.Read() ? ((byte[])reader.GetValue(0), reader.GetInt64(1)) : null;
        }
    }

    private List<JournalRecord> Append(List<JournalRecord> records, (byte[] State, long ThroughSeq)? ruleState)
    {
        if (records.Count == 0 && ruleState is null)
        {
            return records;
        }

        TaskCompletionSource signal;
        lock (gate)
        {
            var now = Timestamp.FromDateTimeOffset(time.GetUtcNow());
            using var transaction = connection.BeginTransaction();
            if (ruleState is { } saved)
            {
                using var save = connection.CreateCommand();
                save.Transaction = transaction;
                save.CommandText = """
                    INSERT INTO rule_state (id, through_seq, saved_at_ms, state) VALUES (1, $seq, $at, $state)
                    ON CONFLICT (id) DO UPDATE SET through_seq = excluded.through_seq, saved_at_ms = excluded.saved_at_ms, state = excluded.state;
                    """;
                save.Parameters.AddWithValue("$seq", saved.ThroughSeq);
                save.Parameters.AddWithValue("$at", now.ToDateTimeOffset().ToUnixTimeMilliseconds());
                save.Parameters.Add("$state", SqliteType.Blob).Value = saved.State;
                save.ExecuteNonQuery();
            }

            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO journal (seq, kind, recorded_at_ms, record) VALUES ($seq, $kind, $at, $record);";
            var seqParameter = insert.Parameters.Add("$seq", SqliteType.Integer);
            var kindParameter = insert.Parameters.Add("$kind", SqliteType.Integer);
            var atParameter = insert.Parameters.Add("$at", SqliteType.Integer);
            var recordParameter = insert.Parameters.Add("$record", SqliteType.Blob);
            var seq = LastSeq;
            foreach (var record in records)
            {
                record.Seq = (ulong)++seq;
                record.RecordedAt = now;
                seqParameter.Value = seq;
                kindParameter.Value = (int)(record.BodyCase == JournalRecord.BodyOneofCase.AlertEvent ? RecordKind.AlertEvent : RecordKind.SensorEvent);
                atParameter.Value = now.ToDateTimeOffset().ToUnixTimeMilliseconds();
                recordParameter.Value = record.ToByteArray();
                insert.ExecuteNonQuery();
            }

            transaction.Commit();
            if (records.Count == 0)
            {
                return records;
            }

            LastSeq = seq;
            signal = appended;
            appended = NewSignal();
        }

        signal.TrySetResult();
        return records;
    }

    /// <summary>Records after <paramref name="afterSeq"/>, in order, at most <paramref name="max"/>.</summary>
    public IReadOnlyList<JournalRecord> ReadAfter(long afterSeq, int max)
    {
        lock (gate)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT record FROM journal WHERE seq > $after ORDER BY seq LIMIT $max;";
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

    /// <summary>Dispatch has stored everything up to <paramref name="throughSeq"/>. Never moves backwards.</summary>
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

            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE uplink_state SET acked_seq = $seq WHERE id = 1;";
            command.Parameters.AddWithValue("$seq", acked);
            command.ExecuteNonQuery();
            AckedSeq = acked;
        }
    }

    /// <summary>Completes when a record past <paramref name="afterSeq"/> is committed.</summary>
    public Task WaitForRecordsAfterAsync(long afterSeq, CancellationToken cancellationToken)
    {
        Task signal;
        lock (gate)
        {
            if (LastSeq > afterSeq)
            {
                return Task.CompletedTask;
            }

            signal = appended.Task;
        }

        return signal.WaitAsync(cancellationToken);
    }

    public void Dispose()
    {
        lock (gate)
        {
            connection.Dispose();
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static void Migrate(SqliteConnection connection)
    {
        Execute(connection, """
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS journal (
                seq INTEGER PRIMARY KEY,
                kind INTEGER NOT NULL,
                recorded_at_ms INTEGER NOT NULL,
                record BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS uplink_state (id INTEGER PRIMARY KEY CHECK (id = 1), acked_seq INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS rule_state (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                through_seq INTEGER NOT NULL,
                saved_at_ms INTEGER NOT NULL,
                state BLOB NOT NULL);
            INSERT OR IGNORE INTO uplink_state (id, acked_seq) VALUES (1, 0);
            """);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM meta WHERE key = 'schema_version';";
        var version = command.ExecuteScalar() as string;
        if (version is null)
        {
            Execute(connection, $"INSERT INTO meta (key, value) VALUES ('schema_version', '{SchemaVersion}');");
        }
        else if (version != SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException(
                $"The journal {connection.DataSource} has schema version {version}; this gateway understands {SchemaVersion}. Install a matching gateway version.");
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
