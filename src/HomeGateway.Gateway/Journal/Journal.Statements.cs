using Microsoft.Data.Sqlite;

namespace HomeGateway.Gateway.Journal;

public sealed partial class Journal
{
    // The statements every commit or uplink read runs, each prepared once. A fresh SqliteCommand has SQLite parse and plan
    // its SQL again, and a commit runs five or six: parsing and planning were ~4 % of the gateway's CPU on the bench's busy
    // flow (perf, 2026-12-06).
    private readonly Dictionary<string, SqliteCommand> statements = new(StringComparer.Ordinal);

    /// <summary>
    /// The prepared command for <paramref name="sql"/>, with no parameters yet (in the open WriteTransaction, if any). Under
    /// <c>gate</c> only; the journal owns it (never dispose it), and its reader must be closed before it runs again.
    /// </summary>
    private SqliteCommand Statement(string sql)
    {
        if (!statements.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            statements[sql] = command;
        }

        command.Parameters.Clear();
        return command;
    }

    // For a statement that must run in the write transaction: the parameter only says so (see WriteTransaction).
    private SqliteCommand Statement(string sql, WriteTransaction transaction)
    {
        _ = transaction;
        return Statement(sql);
    }

    private long StatementScalar(string sql) =>
        Convert.ToInt64(Statement(sql).ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Begins a write transaction (under <c>gate</c>); dispose it, after <see cref="WriteTransaction.Commit"/> or instead of it.</summary>
    private WriteTransaction BeginWrite()
    {
        Statement("BEGIN IMMEDIATE;").ExecuteNonQuery();
        return new WriteTransaction(this);
    }

    /// <summary>
    /// A write transaction begun and committed through prepared statements. SqliteConnection.BeginTransaction and its
    /// Commit have SQLite parse "BEGIN IMMEDIATE;" and "COMMIT;" anew each time: with PRAGMA page_count, the only SQL still
    /// parsed per commit on the bench's busy flow (sqlite3RunParser ~2.5 % of the gateway's CPU; perf, 2026-12-07). The
    /// connection has no SqliteTransaction meanwhile, so commands run with none. Disposed before its commit (an exception):
    /// rolled back, unless SQLite already rolled back itself (a failed commit on a full or failing card).
    /// </summary>
    private sealed class WriteTransaction(Journal journal) : IDisposable
    {
        private bool finished;

        public void Commit()
        {
            journal.Statement("COMMIT;").ExecuteNonQuery();
            finished = true;
        }

        public void Dispose()
        {
            if (!finished && SQLitePCL.raw.sqlite3_get_autocommit(journal.connection.Handle) == 0)
            {
                finished = true;
                journal.Statement("ROLLBACK;").ExecuteNonQuery();
            }
        }
    }

    private void DisposeStatements()
    {
        foreach (var command in statements.Values)
        {
            command.Dispose();
        }

        statements.Clear();
    }
}
