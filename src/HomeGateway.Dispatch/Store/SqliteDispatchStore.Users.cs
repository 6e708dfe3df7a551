namespace HomeGateway.Dispatch.Store;

/// <summary>Console users beyond login: whether any exists (first start) and each one's language.</summary>
public sealed partial class SqliteDispatchStore
{
    public async Task<bool> HasUsersAsync(CancellationToken ct = default)
    {
        await MigrateAsync(ct);
        await using var connection = await OpenAsync(ct);
        await using var cmd = Command(connection, "SELECT COUNT(*) FROM users");
        return await cmd.ExecuteScalarAsync(ct) is long count && count > 0;
    }

    public async Task<bool> SetUserLanguageAsync(string name, string language, CancellationToken ct = default)
    {
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            return await Execute(connection, "UPDATE users SET language = @l WHERE name = @n", ct, ("@l", language), ("@n", name)) == 1;
        }
        finally
        {
            writeLock.Release();
        }
    }
}
