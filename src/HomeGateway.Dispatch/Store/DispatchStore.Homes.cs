using System.Globalization;
using System.Data.Common;

namespace HomeGateway.Dispatch.Store;

/// <summary>Homes: the contracted response time and the minimal notes a dispatcher needs to send help.</summary>
public sealed partial class DispatchStore
{
    private const string HomeColumns = "home_id, response_minutes, key_safe, contacts, notes, created_at, updated_at, " + HomesTimeZone;

    public async Task<HomeRecord?> FindHomeAsync(string homeId, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        return await ReadHomeAsync(connection, homeId, ct);
    }

    public async Task<IReadOnlyList<HomeRecord>> ListHomesAsync(CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await using var cmd = Command(connection, $"SELECT {HomeColumns} FROM homes ORDER BY home_id");
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<HomeRecord>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(ReadHome(reader));
        }

        return rows;
    }

    public async Task<bool> RegisterHomeAsync(HomeDetails home, string actor, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            var added = await Execute(connection,
                """
                INSERT INTO homes(home_id, response_minutes, key_safe, contacts, notes, created_at, updated_at)
                VALUES (@home, @minutes, @keySafe, @contacts, @notes, @now, @now)
                ON CONFLICT(home_id) DO NOTHING
                """,
                ct, ("@home", home.HomeId), ("@minutes", home.ResponseMinutes), ("@keySafe", home.KeySafe), ("@contacts", home.Contacts),
                ("@notes", home.Notes), ("@now", Text(now)));
            if (added != 1)
            {
                return false;
            }

            await AuditAsync(connection, now, actor, "home_registered", null, null, home.HomeId, ResponseDetail(home), ct);
            await tx.CommitAsync(ct);
            return true;
        }
        finally
        {
            writeLock.Release();
        }
    }

    public async Task<bool> UpdateHomeAsync(HomeDetails home, string actor, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            var before = await ReadHomeAsync(connection, home.HomeId, ct);
            if (before is null)
            {
                return false;
            }

            await Execute(connection,
                """
                UPDATE homes SET response_minutes = @minutes, key_safe = @keySafe, contacts = @contacts, notes = @notes, updated_at = @now
                WHERE home_id = @home
                """,
                ct, ("@home", home.HomeId), ("@minutes", home.ResponseMinutes), ("@keySafe", home.KeySafe), ("@contacts", home.Contacts),
                ("@notes", home.Notes), ("@now", Text(now)));
            // The trail names what changed, not the client data itself.
            var changed = new List<string>();
            if (before.ResponseMinutes != home.ResponseMinutes)
            {
                changed.Add(string.Create(CultureInfo.InvariantCulture, $"response time {before.ResponseMinutes} → {home.ResponseMinutes} min"));
            }

            if (before.KeySafe != home.KeySafe)
            {
                changed.Add("key safe");
            }

            if (before.Contacts != home.Contacts)
            {
                changed.Add("contacts");
            }

            if (before.Notes != home.Notes)
            {
                changed.Add("notes");
            }

            await AuditAsync(connection, now, actor, "home_updated", null, null, home.HomeId,
                changed.Count == 0 ? "nothing changed" : "changed: " + string.Join(", ", changed), ct);
            await tx.CommitAsync(ct);
            return true;
        }
        finally
        {
            writeLock.Release();
        }
    }

    public async Task<IReadOnlyList<EnrolmentCodeHistory>> ListEnrolmentCodesAsync(string homeId, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await using var cmd = Command(connection,
            """
            SELECT t.gateway_id, t.created_at, t.expires_at, t.used_at
            FROM enrolment_tokens t JOIN gateways g ON g.gateway_id = t.gateway_id
            WHERE g.home_id = @home
            ORDER BY t.created_at DESC
            """,
            ("@home", homeId));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<EnrolmentCodeHistory>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new EnrolmentCodeHistory(reader.GetString(0), Parse(reader.GetString(1)), Parse(reader.GetString(2)),
                reader.IsDBNull(3) ? null : Parse(reader.GetString(3))));
        }

        return rows;
    }

    /// <summary>Registers the home with the defaults when nobody has yet (enrolling a gateway for a new home id).</summary>
    private static Task<int> EnsureHomeAsync(DbConnection connection, string homeId, DateTimeOffset now, CancellationToken ct) =>
        Execute(connection,
            "INSERT INTO homes(home_id, created_at, updated_at) VALUES (@home, @now, @now) ON CONFLICT(home_id) DO NOTHING",
            ct, ("@home", homeId), ("@now", Text(now)));

    private static async Task<HomeRecord?> ReadHomeAsync(DbConnection connection, string homeId, CancellationToken ct)
    {
        await using var cmd = Command(connection, $"SELECT {HomeColumns} FROM homes WHERE home_id = @home", ("@home", homeId));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadHome(reader) : null;
    }

    private static HomeRecord ReadHome(DbDataReader reader) => new(
        reader.GetString(0), reader.GetInt32(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
        Parse(reader.GetString(5)), Parse(reader.GetString(6)), reader.GetString(7));

    private static string ResponseDetail(HomeDetails home) =>
        string.Create(CultureInfo.InvariantCulture, $"response time {home.ResponseMinutes} min");
}
