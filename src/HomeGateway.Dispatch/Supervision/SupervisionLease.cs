using HomeGateway.Dispatch.Store;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace HomeGateway.Dispatch.Supervision;

/// <summary>Whether this node is the one that supervises gateways: supervision runs once across nodes.</summary>
internal interface ISupervisionLease
{
    /// <summary>Other nodes share the store: contacts they saw are in it, so a pass re-reads them before deciding.</summary>
    bool Shared { get; }

    /// <summary>True while this node holds (or has just taken) the lease; asked before every pass.</summary>
    Task<bool> HoldAsync(CancellationToken ct);
}

/// <summary>One node on its own store (SQLite): it always supervises.</summary>
internal sealed class SingleNodeLease : ISupervisionLease
{
    public bool Shared => false;

    public Task<bool> HoldAsync(CancellationToken ct) => Task.FromResult(true);
}

/// <summary>
/// A PostgreSQL session-level advisory lock on a dedicated connection (outside the pool, so nothing else ever runs on
/// it or resets it). The node whose connection holds it supervises; when that node dies its session ends, the lock
/// is released, and the next node to ask takes over. TCP keepalives make the server notice a vanished node in
/// seconds rather than hours.
/// </summary>
internal sealed class PostgresSupervisionLease(PostgresDialect dialect, ILogger<PostgresSupervisionLease> logger)
    : ISupervisionLease, IAsyncDisposable
{
    /// <summary>The advisory lock's key ("hgdsuper").</summary>
    internal const long LockKey = 0x6867_6473_7570_6572;

    private NpgsqlConnection? connection;
    private bool held;

    public bool Shared => true;

    public async Task<bool> HoldAsync(CancellationToken ct)
    {
        try
        {
            if (connection is null)
            {
                var builder = new NpgsqlConnectionStringBuilder(dialect.ConnectionString) { Pooling = false };
                connection = new NpgsqlConnection(builder.ConnectionString);
                await connection.OpenAsync(ct);
                await using var keepalive = new NpgsqlCommand(
                    "SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5; SET tcp_keepalives_count = 3", connection);
                await keepalive.ExecuteNonQueryAsync(ct);
            }

            if (held)
            {
                // Still ours as long as the session lives.
                await using var alive = new NpgsqlCommand("SELECT 1", connection);
                await alive.ExecuteScalarAsync(ct);
                return true;
            }

            await using var take = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection);
            take.Parameters.AddWithValue("key", LockKey);
            held = await take.ExecuteScalarAsync(ct) is true;
            if (held)
            {
                SupervisionLog.LeaseTaken(logger);
            }

            return held;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or IOException)
        {
            if (held)
            {
                SupervisionLog.LeaseLost(logger, ex);
            }

            held = false;
            await DropAsync();
            return false;
        }
    }

    public ValueTask DisposeAsync() => DropAsync();

    private async ValueTask DropAsync()
    {
        if (connection is not null)
        {
            await connection.DisposeAsync();
            connection = null;
        }
    }
}
