using Microsoft.Data.Sqlite;

namespace HomeGateway.Gateway.Cli;

/// <summary>
/// The technician's commands reading the service's journal, which the running service holds with an exclusive lock (its
/// WAL index lives in the service's memory, not in a <c>-shm</c> file: see <c>Journal.ConnectionString</c>).
/// </summary>
internal static class JournalFile
{
    // Besides what looks like damage (Journal.IsCorruption): a short read of a page the service's checkpoint is writing.
    private const int SqliteIoErrShortRead = 522;
    private const int Attempts = 4;
    private static readonly TimeSpan RetryAfter = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Opens the journal to read without taking or honouring any lock: SQLite's <c>unix-none</c> VFS, read-only, in
    /// exclusive locking mode so that it builds its own index of the WAL in memory by reading the WAL file (it cannot share
    /// the service's). It sees the file as of the last commit when it first reads and never anything newer: open a new one
    /// to see more. It never writes, so it cannot checkpoint or remove the WAL under the service.
    /// </summary>
    public static SqliteConnection OpenUnlocked(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Journal.Journal.SqliteUri(path, "vfs=unix-none"),
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            using var exclusive = connection.CreateCommand();
            exclusive.CommandText = "PRAGMA locking_mode=EXCLUSIVE;";
            exclusive.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads with <paramref name="read"/> on a fresh lock-free connection. Such a read can land on the moment the service
    /// copies WAL pages into the main file (a checkpoint, about once an active hour): SQLite may then see a page mix it calls
    /// damaged. That passes within milliseconds, so the read is tried again a few times before its error is reported.
    /// </summary>
    public static T ReadUnlocked<T>(string path, Func<SqliteConnection, T> read)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var connection = OpenUnlocked(path);
                return read(connection);
            }
            catch (SqliteException ex) when (attempt < Attempts && IsTransient(ex))
            {
                Thread.Sleep(RetryAfter);
            }
        }
    }

    /// <summary>
    /// Whether another process (the running service) holds the journal's lock. A lock-free read cannot be trusted to judge
    /// the file damaged (see <see cref="ReadUnlocked"/>), so a check of the whole file is left to the service then.
    /// </summary>
    public static bool IsHeldByAnotherProcess(string path)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
            DefaultTimeout = 1,
        }.ToString());
        try
        {
            connection.Open();
            using var probe = connection.CreateCommand();
            probe.CommandText = "PRAGMA schema_version;";
            probe.ExecuteScalar();
            return false;
        }
        catch (SqliteException ex) when (Journal.Journal.IsBusy(ex))
        {
            return true;
        }
    }

    private static bool IsTransient(SqliteException ex) =>
        ex.SqliteExtendedErrorCode == SqliteIoErrShortRead || Journal.Journal.IsCorruption(ex);
}
