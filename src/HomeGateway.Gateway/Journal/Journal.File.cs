using System.Globalization;
using Microsoft.Data.Sqlite;
using CoreAlerts = HomeGateway.Core.Alerts;

namespace HomeGateway.Gateway.Journal;

/// <summary>Opening the file: the schema, its migrations, and what happens to a file that is not a readable journal.</summary>
public sealed partial class Journal
{
    /// <summary>The page size of a new journal (SQLite's default is 4096); see <see cref="OpenChecked"/>.</summary>
    internal const int PageSize = 1024;

    // SQLite's result codes for "another connection holds the lock", "this file is damaged" and "this file is not a database".
    private const int SqliteBusy = 5;
    private const int SqliteCorrupt = 11;
    private const int SqliteNotADatabase = 26;

    // Frozen once released: a later version adds the next step, never edits one. JournalFormatTests holds the result.
    private const string SchemaV1 = """
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
        """;

    // 2: the telemetry the disk budget dropped, one row per run (the journal keeps a gap record only until it is acked).
    private const string SchemaV2 = """
        CREATE TABLE IF NOT EXISTS telemetry_gaps (
            from_seq INTEGER PRIMARY KEY,
            through_seq INTEGER NOT NULL,
            count INTEGER NOT NULL,
            dropped_at_ms INTEGER NOT NULL);
        """;

    // 3: the receipt of the last message per publisher and packet identifier, so a redelivery (MQTT DUP) is recognised.
    private const string SchemaV3 = """
        CREATE TABLE IF NOT EXISTS message_receipts (
            publisher TEXT NOT NULL,
            packet_id INTEGER NOT NULL,
            fingerprint BLOB NOT NULL,
            seq INTEGER NOT NULL,
            received_at_ms INTEGER NOT NULL,
            PRIMARY KEY (publisher, packet_id));
        """;

    // 4: which login (embedded broker) or broker (external) handed over each sensor event. Beside the record, not in it:
    // the record is what dispatch gets; this is for the technician at the gateway. Rows of older journals stay NULL.
    private const string SchemaV4 = """
        ALTER TABLE journal ADD COLUMN publisher TEXT;
        """;

    // 5: a message's receipt rides in the row of its last event while that row is kept, and moves to message_receipts
    // when the row is pruned or dropped: a separate b-tree write in every commit cost two of the ~four pages each sensor
    // event wrote (the SD card's life); the receipts table is now written once per MarkInterval, in bulk.
    private const string SchemaV5 = """
        ALTER TABLE journal ADD COLUMN receipt_publisher TEXT;
        ALTER TABLE journal ADD COLUMN receipt_packet_id INTEGER;
        ALTER TABLE journal ADD COLUMN receipt_fingerprint BLOB;
        """;

    // 6: the rules' saved state in entries (RuleStateEntries), so that a commit writes only the parts that changed; the
    // rule_state row keeps the sequence and time, and an empty state there means "see the entries" (a row of an older
    // journal, whole, is read as it is until the next save replaces it).
    private const string SchemaV6 = """
        CREATE TABLE IF NOT EXISTS rule_state_entries (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
        """;

    /// <summary>
    /// The key in <c>meta</c> that says the last service closed the file cleanly (its value: when). Written at
    /// <see cref="Dispose"/> after the last commit, deleted in the first commit of every open (see <see cref="OpenChecked"/>).
    /// </summary>
    internal const string ClosedCleanlyKey = "closed_cleanly_at";

    /// <summary>
    /// Beside the clean mark: the rows waiting for dispatch as the closing service counted them ("sensor-events
    /// alert-steps gap-records"), so the next start need not count every waiting row (a read of the whole file when
    /// dispatch was away long enough to fill the budget).
    /// </summary>
    internal const string PendingAtCloseKey = "pending_rows_at_close";

    /// <summary>
    /// Opens, checks and migrates; throws <see cref="UnreadableJournalException"/> for a file to set aside. Returns whether
    /// SQLite's full quick check ran (it is skipped after a clean close, see below).
    /// </summary>
    private static (SqliteConnection Connection, bool CheckedInFull, long[]? PendingByKind) OpenChecked(string path)
    {
        // A WAL left with frames in it means the last process did not close the file: SQLite's last close checkpoints
        // everything into the main file and deletes the WAL. Looked at before opening, which creates an empty one.
        var walLeft = new FileInfo(path + "-wal") is { Exists: true, Length: > 0 };
        var connection = new SqliteConnection(ConnectionString(path, SqliteOpenMode.ReadWriteCreate));
        return ClosingOnFailure(connection, () =>
        {
            connection.Open();

            // A commit appends every page it touched to the WAL and fsyncs it: with 4 KiB pages an event's commit (its
            // row, its receipt's row and index entry) wrote ~16 KiB to the SD card, with 1 KiB pages it writes about one
            // flash page (make bench, storageWrites). Records are a few hundred bytes, so nothing needs bigger pages.
            // Takes effect only on a new file (before the first table); a journal made with 4 KiB pages keeps them.
            Execute(connection, $"PRAGMA page_size={PageSize};");
            Execute(connection, "PRAGMA journal_mode=WAL;");
            Execute(connection, "PRAGMA synchronous=FULL;");
            Execute(connection, "PRAGMA busy_timeout=5000;");

            // quick_check reads every page (seconds on a Pi's SD card for a full budget), so it runs at open only when the
            // file may have been left half-written: after a crash, a power cut or a kill (no clean mark, or a WAL with
            // frames in it). A clean close (Dispose: every commit checkpointed into the file, the mark written, the WAL
            // gone) leaves nothing half-written; what can still go bad on the card while the gateway is off or running
            // is found by the background check within CheckInterval (FirstCheckAfterCleanStart after such a start).
            // The cheap checks stay: the header and schema are read, the file must be as long as its pages, and the
            // constructor's reads walk the outbox's rows (any corruption SQLite meets there sets the file aside too).
            var checkedInFull = walLeft || ReadMeta(connection, ClosedCleanlyKey) is null;
            long[]? pendingRows = null;
            if (checkedInFull)
            {
                var problems = QuickCheck(connection);
                if (problems is not ["ok"])
                {
                    throw new UnreadableJournalException("SQLite's quick check failed: " + string.Join("; ", problems));
                }
            }
            else
            {
                var pages = Scalar(connection, "PRAGMA page_count;") * Scalar(connection, "PRAGMA page_size;");
                var length = new FileInfo(path).Length;
                if (length != pages)
                {
                    throw new UnreadableJournalException($"the file is {length} bytes but its pages make {pages} (truncated or extended after a clean close)");
                }

                pendingRows = ParseCounts(ReadMeta(connection, PendingAtCloseKey));
            }

            Migrate(connection);

            // A journal an older version used still has its shared-memory file beside it. This process now holds the
            // file's exclusive lock (taken at the first read above), so no other process can be using it.
            DeleteIfPresent(path + "-shm");
            return (connection, checkedInFull, pendingRows);
        });
    }

    /// <summary>
    /// How the service's own connections open the file: SQLite's <c>unix-excl</c> VFS. At its first read it takes a
    /// process-wide exclusive lock, and it keeps the WAL's index in the heap instead of a <c>journal.db-shm</c> file beside
    /// the journal. That file is written through a shared memory map at every commit, so the kernel wrote its dirty pages
    /// back to the SD card about every 30 seconds while the home was active: measured at a home's real pace, that was as much
    /// as the commits themselves (make bench, storageWrites). Connections of this process share the lock and the index,
    /// so the running check still reads beside the appends. Another process cannot open the file while the service runs.
    /// The technician's commands read it without locks instead (<see cref="Cli.JournalFile"/>).
    /// </summary>
    internal static string ConnectionString(string path, SqliteOpenMode mode) => new SqliteConnectionStringBuilder
    {
        DataSource = SqliteUri(path, "vfs=unix-excl"),
        Mode = mode,
        Pooling = false,
    }.ToString();

    /// <summary>A <c>file:</c> URI for SQLite with <paramref name="query"/>; the characters a URI gives a meaning are escaped.</summary>
    internal static string SqliteUri(string path, string query)
    {
        var escaped = new System.Text.StringBuilder("file:");
        foreach (var c in System.IO.Path.GetFullPath(path))
        {
            escaped.Append(c switch
            {
                '%' => "%25",
                '?' => "%3f",
                '#' => "%23",
                _ => c.ToString(),
            });
        }

        return escaped.Append('?').Append(query).ToString();
    }

    private static void DeleteIfPresent(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Not worth failing a start for: the file is unused and small.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>
    /// Runs <paramref name="use"/> on a freshly opened connection; if it throws, the connection is closed, and a corruption
    /// SQLite met becomes <see cref="UnreadableJournalException"/> (a file to set aside).
    /// </summary>
    private static T ClosingOnFailure<T>(SqliteConnection connection, Func<T> use)
    {
        try
        {
            return use();
        }
        catch (SqliteException ex) when (IsCorruption(ex))
        {
            connection.Dispose();
            throw new UnreadableJournalException(ex.Message.Split('\n')[0].Trim());
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>SQLite says the file is damaged or is not a database.</summary>
    internal static bool IsCorruption(SqliteException ex) => (ex.SqliteErrorCode & 0xFF) is SqliteCorrupt or SqliteNotADatabase;

    /// <summary>SQLite says another connection holds the lock (here: another process holding the journal).</summary>
    internal static bool IsBusy(SqliteException ex) => (ex.SqliteErrorCode & 0xFF) == SqliteBusy;

    /// <summary>SQLite's quick check: "ok", or up to five problems.</summary>
    private static List<string> QuickCheck(SqliteConnection connection)
    {
        using var check = connection.CreateCommand();
        check.CommandText = "PRAGMA quick_check(5);";
        using var reader = check.ExecuteReader();
        var problems = new List<string>();
        while (reader.Read())
        {
            problems.Add(reader.GetString(0));
        }

        return problems;
    }

    /// <summary>The pending counts as <see cref="Dispose"/> wrote them, indexed by kind; null when absent or not in that form.</summary>
    private static long[]? ParseCounts(string? value)
    {
        var parts = value?.Split(' ');
        if (parts is not { Length: 3 })
        {
            return null;
        }

        var counts = new long[4];
        for (var i = 0; i < 3; i++)
        {
            if (!long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out counts[i + 1]))
            {
                return null;
            }
        }

        return counts;
    }

    /// <summary>A value of <c>meta</c>, or null (none, or no meta table yet: a new or very old file).</summary>
    private static string? ReadMeta(SqliteConnection connection, string key)
    {
        if (Scalar(connection, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta';") == 0)
        {
            return null;
        }

        using var read = connection.CreateCommand();
        read.CommandText = "SELECT value FROM meta WHERE key = $key;";
        read.Parameters.AddWithValue("$key", key);
        return read.ExecuteScalar() as string;
    }

    private static void Migrate(SqliteConnection connection)
    {
        using var transaction = connection.BeginTransaction();
        var hasMeta = Scalar(connection, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta';", transaction) == 1;
        string? version = null;
        if (hasMeta)
        {
            using var read = connection.CreateCommand();
            read.Transaction = transaction;
            read.CommandText = "SELECT value FROM meta WHERE key = 'schema_version';";
            version = read.ExecuteScalar() as string;
        }

        var current = version is null ? 0 : int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1;
        if (current is < 0 or > SchemaVersion)
        {
            // A newer gateway's journal (a downgrade) cannot be read safely; the file is kept aside for a person to look at.
            throw new UnreadableJournalException(
                $"the journal has schema version {version}; this gateway understands {SchemaVersion} (written by a newer gateway?)");
        }

        if (current < 1)
        {
            Execute(connection, SchemaV1, transaction);
        }

        if (current < 2)
        {
            Execute(connection, SchemaV2, transaction);
        }

        if (current < 3)
        {
            Execute(connection, SchemaV3, transaction);
        }

        if (current < 4)
        {
            Execute(connection, SchemaV4, transaction);
        }

        if (current < 5)
        {
            Execute(connection, SchemaV5, transaction);
        }

        if (current < 6)
        {
            Execute(connection, SchemaV6, transaction);
        }

        Execute(connection, $"INSERT INTO meta (key, value) VALUES ('schema_version', '{SchemaVersion}') ON CONFLICT (key) DO UPDATE SET value = excluded.value;", transaction);

        // From this commit on the file is being written: a crash before the next clean close must find no mark.
        Execute(connection, $"DELETE FROM meta WHERE key IN ('{ClosedCleanlyKey}', '{PendingAtCloseKey}');", transaction);
        transaction.Commit();
    }

    /// <summary>Renames the file and its WAL/shared-memory files to <c>NAME.corrupt-UTC</c>; returns the new name of the main file.</summary>
    private static string SetAside(string path, DateTimeOffset now)
    {
        var stamp = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var target = $"{path}.corrupt-{stamp}";
        for (var n = 2; File.Exists(target); n++)
        {
            target = $"{path}.corrupt-{stamp}-{n}";
        }

        // The WAL keeps its "-wal" suffix after the new name, so `sqlite3 NAME.corrupt-…` still sees the committed tail.
        foreach (var suffix in new[] { "-wal", "-shm" })
        {
            if (File.Exists(path + suffix))
            {
                File.Move(path + suffix, target + suffix);
            }
        }

        File.Move(path, target);
        return target;
    }

    private sealed class UnreadableJournalException(string message) : Exception(message);
}

/// <summary>The journal found at open was unreadable; it was moved to <see cref="MovedTo"/> and a fresh journal started.</summary>
/// <param name="MovedTo">Where the old file (and its -wal/-shm) now is.</param>
/// <param name="Reason">What was wrong with it, in SQLite's or the gateway's words.</param>
/// <param name="At">When it was set aside.</param>
public sealed record JournalRecovery(string MovedTo, string Reason, DateTimeOffset At)
{
    /// <summary>Sensor id of the gateway's own health steps: not a sensor in the home file.</summary>
    public const string GatewaySensorId = "gateway";

    /// <summary>The gateway-health step that tells dispatch (and the local outputs' log) the journal was replaced.</summary>
    public CoreAlerts.AlertEvent ToAlertStep(string homeId) => new(
        "journal-reset-" + At.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture),
        CoreAlerts.AlertEventKind.Raised,
        CoreAlerts.AlertType.GatewayHealth,
        CoreAlerts.AlertPriority.Normal,
        homeId,
        GatewaySensorId,
        At,
        At,
        1,
        $"The gateway's journal was unreadable ({Reason}) and was set aside as {System.IO.Path.GetFileName(MovedTo)}; a fresh journal started. "
        + "Events and alert steps that had not reached dispatch before this may be missing.");
}
