namespace HomeGateway.Dispatch.Store;

/// <summary>Console users beyond login: whether any exists (first start), each one's language, a new password, the list, disabling.</summary>
public sealed partial class DispatchStore
{
    public async Task<bool> HasUsersAsync(CancellationToken ct = default)
    {
        await MigrateAsync(ct);
        await using var connection = await OpenAsync(ct);
        await using var cmd = Command(connection, "SELECT COUNT(*) FROM users");
        return await cmd.ExecuteScalarAsync(ct) is long count && count > 0;
    }

    public Task<bool> SetUserLanguageAsync(string name, string language, CancellationToken ct = default) =>
        UpdateUserAsync("UPDATE users SET language = @v WHERE name = @n", name, language, ct);

    public Task<bool> SetUserPasswordAsync(string name, string passwordHash, CancellationToken ct = default) =>
        UpdateUserAsync("UPDATE users SET password_hash = @v WHERE name = @n", name, passwordHash, ct);

    public async Task<IReadOnlyList<ConsoleUserRow>> ListUsersAsync(CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await using var cmd = Command(connection, "SELECT name, role, language, created_at, disabled_at, disabled_by FROM users ORDER BY name");
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<ConsoleUserRow>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new ConsoleUserRow(reader.GetString(0), reader.GetString(1), reader.GetString(2), Parse(reader.GetString(3)),
                reader.IsDBNull(4) ? null : Parse(reader.GetString(4)), reader.IsDBNull(5) ? null : reader.GetString(5)));
        }

        return rows;
    }

    /// <summary>
    /// Disables the user and ends their open sessions in one transaction (so no login slips in between), or enables them
    /// again. Audited <c>user_disabled</c> / <c>user_enabled</c>. Returns the session id hashes ended (so this node can end
    /// their open streams at once), or null when nothing changed (no such user, or already so).
    /// </summary>
    public async Task<IReadOnlyList<byte[]>?> SetUserDisabledAsync(string name, bool disabled, string by, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            var changed = disabled
                ? await Execute(connection, "UPDATE users SET disabled_at = @now, disabled_by = @by WHERE name = @n AND disabled_at IS NULL",
                    ct, ("@n", name), ("@now", Text(now)), ("@by", by))
                : await Execute(connection, "UPDATE users SET disabled_at = NULL, disabled_by = NULL WHERE name = @n AND disabled_at IS NOT NULL",
                    ct, ("@n", name));
            if (changed != 1)
            {
                return null;
            }

            await AuditAsync(connection, now, Actor(by), disabled ? UserAudit.Disabled : UserAudit.Enabled, null, null, $"user '{name}'", ct);
            var ended = new List<byte[]>();
            if (disabled)
            {
                var open = new List<byte[]>();
                await using (var cmd = Command(connection, "SELECT id_hash FROM console_sessions WHERE user_name = @n AND ended_at IS NULL", ("@n", name)))
                await using (var reader = await cmd.ExecuteReaderAsync(ct))
                {
                    while (await reader.ReadAsync(ct))
                    {
                        open.Add((byte[])reader.GetValue(0));
                    }
                }

                foreach (var idHash in open)
                {
                    if (await EndSessionAsync(connection, idHash, name, ConsoleSessionEnd.UserDisabled, now, ct))
                    {
                        ended.Add(idHash);
                    }
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

    private async Task<bool> UpdateUserAsync(string sql, string name, string value, CancellationToken ct)
    {
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            return await Execute(connection, sql, ct, ("@v", value), ("@n", name)) == 1;
        }
        finally
        {
            writeLock.Release();
        }
    }
}

/// <summary>A console user for the admin list (never the password hash).</summary>
public sealed record ConsoleUserRow(string Name, string Role, string Language, DateTimeOffset CreatedAt, DateTimeOffset? DisabledAt, string? DisabledBy);

/// <summary>The audit actions about console accounts.</summary>
public static class UserAudit
{
    public const string Disabled = "user_disabled";
    public const string Enabled = "user_enabled";
    public const string LoginFailed = "login_failed";
    public const string LoginRefusedDisabled = "login_refused_disabled";
}
