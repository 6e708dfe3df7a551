using System.Data.Common;
using System.Security.Cryptography;

namespace HomeGateway.Dispatch.Store;

/// <summary>
/// API tokens for integrations: only the SHA-256 of each secret is kept. A token is usable until it expires or is
/// revoked; rotating gives it a new secret (the old one stops at once) and a new expiry. Every create, revoke and rotate is
/// audited in the same transaction as the change.
/// </summary>
public sealed partial class DispatchStore
{
    private const string TokenColumns = "name, created_by, created_at, expires_at, last_used_at, rotated_at, revoked_at, revoked_by";

    public Task<bool> AddApiTokenAsync(string name, byte[] tokenHash, CancellationToken ct = default) =>
        AddApiTokenAsync(name, tokenHash, "", time.GetUtcNow() + ApiTokenLifetime.Default, ct);

    public async Task<bool> AddApiTokenAsync(string name, byte[] tokenHash, string createdBy, DateTimeOffset expiresAt, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            if (await Execute(connection,
                    "INSERT INTO api_tokens(name, token_hash, created_at, created_by, expires_at) VALUES (@n, @h, @now, @by, @exp) ON CONFLICT DO NOTHING",
                    ct, ("@n", name), ("@h", tokenHash), ("@now", Text(now)), ("@by", createdBy), ("@exp", Text(expiresAt))) != 1)
            {
                return false;
            }

            await AuditAsync(connection, now, Actor(createdBy), ApiTokenAudit.Created, null, null, $"token '{name}', expires {Text(expiresAt)}", ct);
            await tx.CommitAsync(ct);
            return true;
        }
        finally
        {
            writeLock.Release();
        }
    }

    public async Task<string?> FindApiTokenByHashAsync(byte[] tokenHash, CancellationToken ct = default) =>
        await FindApiTokenAsync(tokenHash, ct) is { } token && token.StateAt(time.GetUtcNow()) == ApiTokenState.Active ? token.Name : null;

    public async Task<ApiTokenRecord?> FindApiTokenAsync(byte[] tokenHash, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await using var cmd = Command(connection, $"SELECT {TokenColumns}, token_hash FROM api_tokens WHERE token_hash = @h", ("@h", tokenHash));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) && CryptographicOperations.FixedTimeEquals((byte[])reader["token_hash"], tokenHash)
            ? ReadToken(reader)
            : null;
    }

    public async Task<IReadOnlyList<ApiTokenRecord>> ListApiTokensAsync(CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await using var cmd = Command(connection, $"SELECT {TokenColumns} FROM api_tokens ORDER BY name");
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<ApiTokenRecord>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(ReadToken(reader));
        }

        return rows;
    }

    /// <summary>The hashes of every token usable now: a node compares its open streams' tokens with these.</summary>
    public async Task<IReadOnlySet<string>> ListUsableApiTokenHashesAsync(CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await using var cmd = Command(connection,
            "SELECT token_hash FROM api_tokens WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > @now)", ("@now", Text(time.GetUtcNow())));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var hashes = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
        {
            hashes.Add(Convert.ToHexString((byte[])reader.GetValue(0)));
        }

        return hashes;
    }

    /// <summary>Records that the token was used now (the caller does it at most once a minute per token).</summary>
    public async Task TouchApiTokenAsync(byte[] tokenHash, CancellationToken ct = default)
    {
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            await Execute(connection, "UPDATE api_tokens SET last_used_at = @now WHERE token_hash = @h", ct, ("@h", tokenHash), ("@now", Text(time.GetUtcNow())));
        }
        finally
        {
            writeLock.Release();
        }
    }

    /// <summary>Revokes the token; false when there is none by that name or it was already revoked (nothing changes then).</summary>
    public async Task<bool> RevokeApiTokenAsync(string name, string revokedBy, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            if (await Execute(connection, "UPDATE api_tokens SET revoked_at = @now, revoked_by = @by WHERE name = @n AND revoked_at IS NULL",
                    ct, ("@n", name), ("@now", Text(now)), ("@by", revokedBy)) != 1)
            {
                return false;
            }

            await AuditAsync(connection, now, Actor(revokedBy), ApiTokenAudit.Revoked, null, null, $"token '{name}'", ct);
            await tx.CommitAsync(ct);
            return true;
        }
        finally
        {
            writeLock.Release();
        }
    }

    /// <summary>
    /// Gives the token a new secret and expiry; the old secret stops working at once. False when there is none by that name
    /// or it is revoked (a revoked token stays revoked: create a new one).
    /// </summary>
    public async Task<bool> RotateApiTokenAsync(string name, byte[] newTokenHash, string rotatedBy, DateTimeOffset expiresAt, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            if (await Execute(connection,
                    "UPDATE api_tokens SET token_hash = @h, expires_at = @exp, rotated_at = @now, last_used_at = NULL WHERE name = @n AND revoked_at IS NULL",
                    ct, ("@n", name), ("@h", newTokenHash), ("@exp", Text(expiresAt)), ("@now", Text(now))) != 1)
            {
                return false;
            }

            await AuditAsync(connection, now, Actor(rotatedBy), ApiTokenAudit.Rotated, null, null, $"token '{name}', expires {Text(expiresAt)}", ct);
            await tx.CommitAsync(ct);
            return true;
        }
        finally
        {
            writeLock.Release();
        }
    }

    /// <summary>The audit actor of an admin command run on the server itself (no console user behind it).</summary>
    private static string Actor(string by) => by.Length == 0 ? "command line" : by;

    private static ApiTokenRecord ReadToken(DbDataReader reader)
    {
        DateTimeOffset? At(int i) => reader.IsDBNull(i) ? null : Parse(reader.GetString(i));
        return new ApiTokenRecord(reader.GetString(0), reader.GetString(1), Parse(reader.GetString(2)), At(3), At(4), At(5), At(6),
            reader.IsDBNull(7) ? null : reader.GetString(7));
    }
}

/// <summary>How long an API token lives: a default, and a maximum nobody can exceed (a forgotten token dies eventually).</summary>
public static class ApiTokenLifetime
{
    public static readonly TimeSpan Default = TimeSpan.FromDays(90);
    public static readonly TimeSpan Maximum = TimeSpan.FromDays(365);
    public static readonly TimeSpan Minimum = TimeSpan.FromHours(1);

    /// <summary>A plain sentence when <paramref name="lifetime"/> is out of bounds, else null.</summary>
    public static string? Problem(TimeSpan lifetime) =>
        lifetime < Minimum || lifetime > Maximum
            ? $"A token lives between {Minimum.TotalHours:0} hour and {Maximum.TotalDays:0} days; {lifetime.TotalDays:0.##} days is outside that."
            : null;
}

/// <summary>The audit actions about API tokens.</summary>
public static class ApiTokenAudit
{
    public const string Created = "api_token_created";
    public const string Revoked = "api_token_revoked";
    public const string Rotated = "api_token_rotated";
}

public enum ApiTokenState
{
    Active,
    Expired,
    Revoked,
}

/// <summary>An API token as stored (never its secret). <see cref="ExpiresAt"/> is null for tokens made before expiry existed.</summary>
public sealed record ApiTokenRecord(
    string Name,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? LastUsedAt,
    DateTimeOffset? RotatedAt,
    DateTimeOffset? RevokedAt,
    string? RevokedBy)
{
    public ApiTokenState StateAt(DateTimeOffset now) =>
        RevokedAt is not null ? ApiTokenState.Revoked
        : ExpiresAt is { } expires && expires <= now ? ApiTokenState.Expired
        : ApiTokenState.Active;
}
