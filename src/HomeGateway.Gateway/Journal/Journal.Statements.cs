using Microsoft.Data.Sqlite;

namespace HomeGateway.Gateway.Journal;

public sealed partial class Journal
{
    // The statements every commit or uplink read runs, each prepared once. A fresh SqliteCommand has SQLite parse and plan
    // its SQL again, and a commit runs five or six: parsing and planning were ~4 % of the gateway's CPU on the bench's busy
    // flow (perf, 2026-12-06).
    private readonly Dictionary<string, SqliteCommand> statements = new(StringComparer.Ordinal);

    /// <summary>
    /// The prepared command for <paramref name="sql"/>, in <paramref name="transaction"/>, with no parameters yet. Under
    /// <c>gate</c> only; the journal owns it (never dispose it), and its reader must be closed before it runs again.
    /// </summary>
    private SqliteCommand Statement(string sql, SqliteTransaction? transaction = null)
    {
        if (!statements.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            statements[sql] = command;
        }

        command.Transaction = transaction;
        command.Parameters.Clear();
        return command;
    }

    private long StatementScalar(string sql, SqliteTransaction? transaction = null) =>
        Convert.ToInt64(Statement(sql, transaction).ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);

    private void DisposeStatements()
    {
        foreach (var command in statements.Values)
        {
            command.Dispose();
        }

        statements.Clear();
    }
}
