using System.Data.Common;

namespace HomeGateway.Dispatch.Store;

/// <summary>
/// What truly differs between the databases <see cref="DispatchStore"/> runs on; every query is shared.
/// Times are the same fixed-width UTC ISO-8601 text on both (<see cref="DispatchStore.Text"/>), so they compare and
/// sort the same way everywhere and one migration text serves both.
/// </summary>
public abstract class StoreDialect : IDisposable
{
    /// <summary>How the database is named in messages (never with a password).</summary>
    public abstract string Description { get; }

    /// <summary>
    /// Appended to the read of a gateway's row in a transaction that changes what belongs to it (its sequences, its
    /// acknowledgements, its outage): the row lock that serialises writers of one gateway across processes.
    /// </summary>
    public abstract string ForUpdate { get; }

    /// <summary>Serialises writes within this process where the database needs it (SQLite); a no-op gate elsewhere.</summary>
    public abstract WriteGate WriteGate { get; }

    /// <summary>An open connection, set up for the store's rules.</summary>
    public abstract Task<DbConnection> OpenAsync(CancellationToken ct);

    /// <summary>The migration text (written with SQLite's type names) in this database's types.</summary>
    public abstract string Ddl(string migration);

    /// <summary>Before the migration transaction (settings that cannot change inside one).</summary>
    public virtual Task BeforeMigrationAsync(DbConnection connection, CancellationToken ct) => Task.CompletedTask;

    /// <summary>Inside the migration transaction, before the version is read: keeps other processes from migrating at once.</summary>
    public virtual Task LockMigrationAsync(DbConnection connection, CancellationToken ct) => Task.CompletedTask;

    /// <summary>True when <paramref name="ex"/> is a failure of the database (not of the program).</summary>
    public abstract bool IsDatabaseFailure(Exception ex);

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }
}

/// <summary>
/// The in-process write lock, with the call shape of a <see cref="SemaphoreSlim"/>: <c>await WaitAsync(ct)</c>, then
/// <c>Release()</c> in a finally. Without a semaphore it lets every writer through (the database locks rows itself).
/// </summary>
public sealed class WriteGate(SemaphoreSlim? semaphore) : IDisposable
{
    public Task WaitAsync(CancellationToken ct) => semaphore?.WaitAsync(ct) ?? Task.CompletedTask;

    public void Release() => semaphore?.Release();

    public void Dispose() => semaphore?.Dispose();
}
