using System.Data.Common;

namespace HomeGateway.Dispatch.Store;

/// <summary>
/// Console sessions kept on the server: the cookie only names one (by a random id whose SHA-256 is the key), so
/// logout, a password change or idleness ends it on every node. Starting and ending are audited, never with the id.
/// </summary>
public sealed partial class DispatchStore
{
    /// <summary>Starts a session; false (nothing stored) when the user no longer exists or was disabled since the password check.</summary>
    public async Task<bool> StartConsoleSessionAsync(byte[] idHash, string userName, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            // From the users row, in the transaction: a disable committed after the login's check still wins.
            if (await Execute(connection,
                    "INSERT INTO console_sessions(id_hash, user_name, created_at, last_seen_at) SELECT @h, name, @now, @now FROM users WHERE name = @user AND disabled_at IS NULL",
                    ct, ("@h", idHash), ("@user", userName), ("@now", Text(now))) != 1)
            {
                return false;
            }

            await AuditAsync(connection, now, userName, "logged_in", null, null, "console", ct);
            await tx.CommitAsync(ct);
            return true;
        }
        finally
        {
            writeLock.Release();
        }
    }

    public async Task<ConsoleSessionRecord?> FindConsoleSessionAsync(byte[] idHash, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await using var cmd = Command(connection,
            "SELECT user_name, created_at, last_seen_at, ended_at, ended_reason FROM console_sessions WHERE id_hash = @h", ("@h", idHash));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new ConsoleSessionRecord(reader.GetString(0), Parse(reader.GetString(1)), Parse(reader.GetString(2)),
                reader.IsDBNull(3) ? null : Parse(reader.GetString(3)), reader.IsDBNull(4) ? null : reader.GetString(4))
            : null;
    }

    /// <summary>Records that the session was used now (the caller does it at most once a minute); false when it has ended.</summary>
    public async Task<bool> TouchConsoleSessionAsync(byte[] idHash, CancellationToken ct = default)
    {
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            return await Execute(connection, "UPDATE console_sessions SET last_seen_at = @now WHERE id_hash = @h AND ended_at IS NULL",
                ct, ("@h", idHash), ("@now", Text(time.GetUtcNow()))) == 1;
        }
        finally
        {
            writeLock.Release();
        }
    }

    /// <summary>Ends one session (audited: <c>logged_out</c> for a logout, else <c>session_ended</c>); false when it had already ended.</summary>
    public async Task<bool> EndConsoleSessionAsync(byte[] idHash, string reason, CancellationToken ct = default)
    {
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            await using (var cmd = Command(connection, "SELECT user_name FROM console_sessions WHERE id_hash = @h AND ended_at IS NULL", ("@h", idHash)))
            {
                if (await cmd.ExecuteScalarAsync(ct) is not string userName
                    || !await EndSessionAsync(connection, idHash, userName, reason, time.GetUtcNow(), ct))
                {
                    return false;
                }
            }

            await tx.CommitAsync(ct);
            return true;
        }
        finally
        {
            writeLock.Release();
        }
    }

    /// <summary>
    /// Ends the open sessions of <paramref name="userName"/> (all but <paramref name="keepIdHash"/>, when given);
    /// returns the id hashes it ended.
    /// </summary>
    public Task<IReadOnlyList<byte[]>> EndUserConsoleSessionsAsync(string userName, byte[]? keepIdHash, string reason, CancellationToken ct = default) =>
        EndSessionsWhereAsync("user_name = @user", reason, ct, ("@user", userName), ("@keep", keepIdHash ?? []));

    /// <summary>Ends, as expired, every open session not used since <paramref name="idleSince"/>; returns the id hashes it ended.</summary>
    public Task<IReadOnlyList<byte[]>> ExpireIdleConsoleSessionsAsync(DateTimeOffset idleSince, CancellationToken ct = default) =>
        EndSessionsWhereAsync("last_seen_at < @idle", ConsoleSessionEnd.Expired, ct, ("@idle", Text(idleSince)), ("@keep", Array.Empty<byte>()));

    private async Task<IReadOnlyList<byte[]>> EndSessionsWhereAsync(
        string condition, string reason, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        var now = time.GetUtcNow();
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            var open = new List<(byte[] IdHash, string UserName)>();
            await using (var cmd = Command(connection,
                $"SELECT id_hash, user_name FROM console_sessions WHERE ended_at IS NULL AND id_hash <> @keep AND {condition}", parameters))
            await using (var reader = await cmd.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    open.Add(((byte[])reader.GetValue(0), reader.GetString(1)));
                }
            }

            var ended = new List<byte[]>();
            foreach (var (idHash, userName) in open)
            {
                // Another node may have ended it meanwhile: only the node that ends it audits it.
                if (await EndSessionAsync(connection, idHash, userName, reason, now, ct))
                {
                    ended.Add(idHash);
                }
            }

            await tx.CommitAsync(ct);
            return ended;
        }
        finally
        {
            writeLock.Release();
        }
    }

    private static async Task<bool> EndSessionAsync(
        DbConnection connection, byte[] idHash, string userName, string reason, DateTimeOffset now, CancellationToken ct)
    {
        if (await Execute(connection,
                "UPDATE console_sessions SET ended_at = @now, ended_reason = @reason WHERE id_hash = @h AND ended_at IS NULL",
                ct, ("@h", idHash), ("@now", Text(now)), ("@reason", reason)) != 1)
        {
            return false;
        }

        await (reason == ConsoleSessionEnd.Logout
            ? AuditAsync(connection, now, userName, "logged_out", null, null, "console", ct)
            : AuditAsync(connection, now, userName, "session_ended", null, null, "reason: " + reason, ct));
        return true;
    }
}

/// <summary>A console session as stored; <see cref="EndedAt"/> is null while it is open.</summary>
public sealed record ConsoleSessionRecord(
    string UserName, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, DateTimeOffset? EndedAt, string? EndedReason);

/// <summary>Why a console session ended (the <c>ended_reason</c> column).</summary>
public static class ConsoleSessionEnd
{
    public const string Logout = "logout";
    public const string Expired = "expired";
    public const string PasswordChanged = "password_changed";
    public const string UserRemoved = "user_removed";
    public const string UserDisabled = "user_disabled";
    public const string PasswordReset = "password_reset";
    public const string RoleChanged = "role_changed";
}
