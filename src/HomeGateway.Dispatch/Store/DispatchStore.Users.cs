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

    /// <summary>
    /// Adds a user with their role and language, audited <c>user_added</c> by <paramref name="by"/> (the role and language in
    /// the detail, never the password). False when the name is taken (nothing changed).
    /// </summary>
    public async Task<bool> AddUserAsync(string name, string passwordHash, string role, string language, string by, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            if (await Execute(connection,
                "INSERT INTO users(name, password_hash, role, language, created_at) VALUES (@n, @p, @r, @l, @now) ON CONFLICT DO NOTHING",
                ct, ("@n", name), ("@p", passwordHash), ("@r", role), ("@l", language), ("@now", Text(now))) != 1)
            {
                return false;
            }

            await AuditAsync(connection, now, Actor(by), UserAudit.Added, null, null, $"user '{name}', role {role}, language {language}", ct);
            await tx.CommitAsync(ct);
            return true;
        }
        finally
        {
            writeLock.Release();
        }
    }

    /// <summary>
    /// A new password for the user (an admin's reset), and every session of theirs ends in the same transaction: whoever
    /// held one may be why it was reset. Audited <c>password_reset</c> (never the password). The session id hashes
    /// ended, or null when there is no such user.
    /// </summary>
    public async Task<IReadOnlyList<byte[]>?> ResetUserPasswordAsync(string name, string passwordHash, string by, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            if (await Execute(connection, "UPDATE users SET password_hash = @p WHERE name = @n", ct, ("@n", name), ("@p", passwordHash)) != 1)
            {
                return null;
            }

            await AuditAsync(connection, now, Actor(by), UserAudit.PasswordReset, null, null, $"user '{name}'", ct);
            var ended = await EndAllSessionsOfAsync(connection, name, ConsoleSessionEnd.PasswordReset, now, ct);
            await tx.CommitAsync(ct);
            return ended;
        }
        finally
        {
            writeLock.Release();
        }
    }

    /// <summary>
    /// Changes a user's role and language. A new role ends every session of theirs (their rights are in the session's
    /// cookie and pages; they log in again to get the new ones), audited <c>role_changed</c> with from and to; a new
    /// language alone is audited <c>user_language_changed</c> and leaves their sessions open (it applies at their next
    /// login, or at once when they switch). Refuses, in the same transaction as the change, to leave no enabled admin.
    /// </summary>
    public async Task<RoleChange> SetUserRoleAsync(string name, string role, string language, string by, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            string fromRole, fromLanguage;
            await using (var cmd = Command(connection, "SELECT role, language FROM users WHERE name = @n", ("@n", name)))
            await using (var reader = await cmd.ExecuteReaderAsync(ct))
            {
                if (!await reader.ReadAsync(ct))
                {
                    return new RoleChange(RoleChangeResult.NoSuchUser, null, []);
                }

                (fromRole, fromLanguage) = (reader.GetString(0), reader.GetString(1));
            }

            if (fromRole == role && fromLanguage == language)
            {
                return new RoleChange(RoleChangeResult.Unchanged, fromRole, []);
            }

            if (fromRole == "admin" && role != "admin")
            {
                await using var count = Command(connection,
                    "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL AND name <> @n", ("@n", name));
                if (Convert.ToInt64(await count.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture) == 0)
                {
                    return new RoleChange(RoleChangeResult.LastAdmin, fromRole, []);
                }
            }

            await Execute(connection, "UPDATE users SET role = @r, language = @l WHERE name = @n", ct, ("@n", name), ("@r", role), ("@l", language));
            IReadOnlyList<byte[]> ended = [];
            if (fromRole != role)
            {
                var languageDetail = fromLanguage == language ? "" : $", language {fromLanguage} → {language}";
                await AuditAsync(connection, now, Actor(by), UserAudit.RoleChanged, null, null, $"user '{name}': {fromRole} → {role}{languageDetail}", ct);
                ended = await EndAllSessionsOfAsync(connection, name, ConsoleSessionEnd.RoleChanged, now, ct);
            }
            else
            {
                await AuditAsync(connection, now, Actor(by), UserAudit.LanguageChanged, null, null, $"user '{name}': {fromLanguage} → {language}", ct);
            }

            await tx.CommitAsync(ct);
            return new RoleChange(RoleChangeResult.Changed, fromRole, ended);
        }
        finally
        {
            writeLock.Release();
        }
    }

    /// <summary>Ends every open session of the user inside the caller's transaction; the id hashes ended.</summary>
    private async Task<IReadOnlyList<byte[]>> EndAllSessionsOfAsync(
        System.Data.Common.DbConnection connection, string name, string reason, DateTimeOffset now, CancellationToken ct)
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

        var ended = new List<byte[]>();
        foreach (var idHash in open)
        {
            if (await EndSessionAsync(connection, idHash, name, reason, now, ct))
            {
                ended.Add(idHash);
            }
        }

        return ended;
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
    public const string Added = "user_added";
    public const string PasswordReset = "password_reset";
    public const string RoleChanged = "role_changed";
    public const string LanguageChanged = "user_language_changed";
    public const string Disabled = "user_disabled";
    public const string Enabled = "user_enabled";
    public const string LoginFailed = "login_failed";
    public const string LoginRefusedDisabled = "login_refused_disabled";
}

/// <summary>What <see cref="DispatchStore.SetUserRoleAsync"/> did.</summary>
public enum RoleChangeResult
{
    Changed,
    Unchanged,
    NoSuchUser,

    /// <summary>Refused: the user is the last enabled admin, and nobody would be left to administer.</summary>
    LastAdmin,
}

/// <summary>The outcome, the role before, and the session id hashes ended (a new role ends them all).</summary>
public sealed record RoleChange(RoleChangeResult Result, string? FromRole, IReadOnlyList<byte[]> EndedSessions);
