namespace HomeGateway.Dispatch.Store;

/// <summary>Console users beyond login: whether any exists (first start), each one's language, a new password.</summary>
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
