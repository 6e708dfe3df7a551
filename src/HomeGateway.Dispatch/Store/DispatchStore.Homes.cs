using System.Globalization;
using System.Data.Common;

namespace HomeGateway.Dispatch.Store;

/// <summary>Homes: the contracted response time and the client record a responder needs to get in and whom to call.</summary>
public sealed partial class DispatchStore
{
    private const string HomeColumns =
        "home_id, response_minutes, key_safe, notes, created_at, updated_at, address, client_left_on, anonymised_at, " + HomesTimeZone;

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

        await reader.CloseAsync();
        var keyHolders = (await ReadPeopleAsync(connection, "home_key_holders", null, ct)).ToLookup(p => p.HomeId, p => p.Person, StringComparer.Ordinal);
        var contacts = (await ReadPeopleAsync(connection, "home_contacts", null, ct)).ToLookup(p => p.HomeId, p => p.Person, StringComparer.Ordinal);
        return rows.Select(home => WithPeople(home, keyHolders[home.HomeId].ToList(), contacts[home.HomeId].ToList())).ToList();
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
                INSERT INTO homes(home_id, response_minutes, key_safe, notes, address, created_at, updated_at)
                VALUES (@home, @minutes, @keySafe, @notes, @address, @now, @now)
                ON CONFLICT(home_id) DO NOTHING
                """,
                ct, ("@home", home.HomeId), ("@minutes", home.ResponseMinutes), ("@keySafe", home.KeySafe), ("@notes", home.Notes),
                ("@address", home.Address), ("@now", Text(now)));
            if (added != 1)
            {
                return false;
            }

            await WritePeopleAsync(connection, "home_key_holders", home.HomeId, home.KeyHolders ?? [], ct);
            await WritePeopleAsync(connection, "home_contacts", home.HomeId, home.ContactRows, ct);

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
            // An anonymised home's record is not filled again: a new client gets a new home id.
            var before = await ReadHomeAsync(connection, home.HomeId, ct);
            if (before is null || before.AnonymisedAt is not null)
            {
                return false;
            }

            var keyHolders = home.KeyHolders ?? [];
            var contacts = home.ContactRows;
            // Only while not anonymised: an anonymisation that committed while this waited for the row wins.
            var updated = await Execute(connection,
                """
                UPDATE homes SET response_minutes = @minutes, key_safe = @keySafe, notes = @notes, address = @address, updated_at = @now
                WHERE home_id = @home AND anonymised_at IS NULL
                """,
                ct, ("@home", home.HomeId), ("@minutes", home.ResponseMinutes), ("@keySafe", home.KeySafe), ("@notes", home.Notes),
                ("@address", home.Address), ("@now", Text(now)));
            if (updated == 0)
            {
                return false;
            }

            await WritePeopleAsync(connection, "home_key_holders", home.HomeId, keyHolders, ct);
            await WritePeopleAsync(connection, "home_contacts", home.HomeId, contacts, ct);
            // The trail names what changed, not the client data itself.
            var changed = new List<string>();
            if (before.ResponseMinutes != home.ResponseMinutes)
            {
                changed.Add(string.Create(CultureInfo.InvariantCulture, $"response time {before.ResponseMinutes} → {home.ResponseMinutes} min"));
            }

            if (before.Address != home.Address)
            {
                changed.Add("address");
            }

            if (before.KeySafe != home.KeySafe)
            {
                changed.Add("key safe");
            }

            if (!before.KeyHolders.SequenceEqual(keyHolders))
            {
                changed.Add("key holders");
            }

            if (!before.ContactPeople.SequenceEqual(contacts))
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
        HomeRecord home;
        await using (var cmd = Command(connection, $"SELECT {HomeColumns} FROM homes WHERE home_id = @home", ("@home", homeId)))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
            {
                return null;
            }

            home = ReadHome(reader);
        }

        var keyHolders = await ReadPeopleAsync(connection, "home_key_holders", homeId, ct);
        var contacts = await ReadPeopleAsync(connection, "home_contacts", homeId, ct);
        return WithPeople(home, keyHolders.Select(p => p.Person).ToList(), contacts.Select(p => p.Person).ToList());
    }

    /// <summary>The home from <see cref="HomeColumns"/>, its people still to add (<see cref="WithPeople"/>).</summary>
    private static HomeRecord ReadHome(DbDataReader reader) => new(
        reader.GetString(0), reader.GetInt32(1), reader.GetString(2), "", reader.GetString(3),
        Parse(reader.GetString(4)), Parse(reader.GetString(5)), reader.GetString(9))
    {
        Address = reader.GetString(6),
        ClientLeftOn = reader.IsDBNull(7) ? null : DateOnly.ParseExact(reader.GetString(7), DayFormat, CultureInfo.InvariantCulture),
        AnonymisedAt = reader.IsDBNull(8) ? null : Parse(reader.GetString(8)),
    };

    private static HomeRecord WithPeople(HomeRecord home, IReadOnlyList<HomePerson> keyHolders, IReadOnlyList<HomePerson> contacts) =>
        home with { KeyHolders = keyHolders, ContactPeople = contacts, Contacts = string.Join("\n", contacts.Select(c => c.Line)) };

    /// <summary>The rows of <paramref name="table"/> (key holders or contacts) of one home, or of all when null, in order.</summary>
    private static async Task<List<(string HomeId, HomePerson Person)>> ReadPeopleAsync(
        DbConnection connection, string table, string? homeId, CancellationToken ct)
    {
        await using var cmd = Command(connection,
            $"SELECT home_id, name, phone, relation FROM {table} WHERE CAST(@home AS TEXT) IS NULL OR home_id = @home ORDER BY home_id, position",
            ("@home", homeId));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<(string, HomePerson)>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add((reader.GetString(0), new HomePerson(reader.GetString(1), reader.GetString(2), reader.GetString(3))));
        }

        return rows;
    }

    /// <summary>Replaces the home's rows of <paramref name="table"/> (key holders or contacts) with <paramref name="people"/>, numbered 1, 2, ...</summary>
    private static async Task WritePeopleAsync(DbConnection connection, string table, string homeId, IReadOnlyList<HomePerson> people, CancellationToken ct)
    {
        await Execute(connection, $"DELETE FROM {table} WHERE home_id = @home", ct, ("@home", homeId));
        for (var i = 0; i < people.Count; i++)
        {
            await Execute(connection,
                $"INSERT INTO {table}(home_id, position, name, phone, relation) VALUES (@home, @position, @name, @phone, @relation)",
                ct, ("@home", homeId), ("@position", i + 1), ("@name", people[i].Name), ("@phone", people[i].Phone), ("@relation", people[i].Relation));
        }
    }

    private static string ResponseDetail(HomeDetails home) =>
        string.Create(CultureInfo.InvariantCulture, $"response time {home.ResponseMinutes} min");
}
