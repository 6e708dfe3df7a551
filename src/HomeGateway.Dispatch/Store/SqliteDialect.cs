using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace HomeGateway.Dispatch.Store;

/// <summary>
/// The embedded store: one SQLite file (<c>dispatch.db</c>, WAL) in the data directory. Writes are serialised
/// in-process: SQLite has one writer anyway, and queueing here is cheaper and fairer than letting connections spin
/// on SQLITE_BUSY.
/// </summary>
public sealed class SqliteDialect(string dataDirectory) : StoreDialect
{
    public const string FileName = "dispatch.db";

    private readonly string connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = Path.Combine(dataDirectory, FileName),
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    private volatile bool created;

    public string DatabasePath => Path.Combine(dataDirectory, FileName);

    public override string Description => DatabasePath;

    // One writer at a time already: the in-process lock serialises every writer.
    public override string ForUpdate => "";

    public override WriteGate WriteGate { get; } = new(new SemaphoreSlim(1, 1));

    public override async Task<DbConnection> OpenAsync(CancellationToken ct)
    {
        if (!created)
        {
            // Private before SQLite first opens it: SQLite gives the -wal, -shm and -journal files the database's mode.
            Credentials.PrivateFiles.CreateDirectory(dataDirectory);
            Credentials.PrivateFiles.CreateFile(DatabasePath);
            created = true;
        }

        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(ct);
        // An ack promises the record survives a power cut: FULL syncs the WAL on every commit.
        await DispatchStore.Execute(connection, "PRAGMA synchronous = FULL", ct);
        return connection;
    }

    public override string Ddl(string migration) => migration;

    // WAL lets the console read while a gateway stream writes; the mode is stored in the file.
    public override Task BeforeMigrationAsync(DbConnection connection, CancellationToken ct) =>
        DispatchStore.Execute(connection, "PRAGMA journal_mode = WAL", ct);

    public override bool IsDatabaseFailure(Exception ex) => ex is SqliteException;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            WriteGate.Dispose();
        }
    }
}
