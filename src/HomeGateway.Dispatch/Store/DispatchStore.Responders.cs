using System.Data.Common;
using System.Globalization;

namespace HomeGateway.Dispatch.Store;

/// <summary>
/// Teams, each home's cascade and the requests to responders. Every write about a request takes the alert's gateway
/// row lock first (<see cref="LockGatewayAsync"/>), so on several nodes the steps of one alert's requests queue there:
/// "one open request per alert" and "the next cascade step is asked once" are decided by one writer at a time (the
/// partial unique index <c>alert_dispatches_one_open</c> is the database's own guard behind that).
/// </summary>
public sealed partial class DispatchStore
{
    /// <summary>The columns <see cref="ReadRequest"/> reads, of <c>alert_dispatches d</c>.</summary>
    private const string RequestColumns =
        """
        d.id, d.gateway_id, d.alert_id, d.cascade_position, d.team_id, (SELECT t.name FROM teams t WHERE t.team_id = d.team_id), d.user_name,
        d.asked_at, d.asked_by, d.accept_deadline, d.accepted_at, d.accepted_by, d.on_the_way_at, d.arrived_at, d.done_at,
        d.proposed_outcome, d.done_note, d.ended_at, d.ended_reason
        """;

    private const int RequestColumnCount = 19;

    /// <summary>An alert's latest request, for <see cref="ViewColumns"/>.</summary>
    private const string LatestRequestJoin =
        "LEFT JOIN alert_dispatches d ON d.id = (SELECT MAX(x.id) FROM alert_dispatches x WHERE x.gateway_id = a.gateway_id AND x.alert_id = a.alert_id)";

    /// <summary>The actor of what dispatch does by itself (the cascade's next step).</summary>
    internal const string DispatchActor = "dispatch";

    public async Task<IReadOnlyList<ResponderTeam>> ListTeamsAsync(CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        return await ReadTeamsAsync(connection, null, ct);
    }

    public async Task<ResponderTeam?> FindTeamAsync(string teamId, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        return (await ReadTeamsAsync(connection, teamId, ct)).FirstOrDefault();
    }

    public Task<TeamChangeResult> AddTeamAsync(string teamId, string name, string actor, CancellationToken ct = default) =>
        TeamWriteAsync(async (connection, now) =>
        {
            var added = await Execute(connection,
                "INSERT INTO teams(team_id, name, created_at, updated_at) VALUES (@id, @name, @now, @now) ON CONFLICT(team_id) DO NOTHING",
                ct, ("@id", teamId), ("@name", name), ("@now", Text(now)));
            if (added == 0)
            {
                return TeamChangeResult.Exists;
            }

            await AuditAsync(connection, now, actor, "team_added", null, null, null, $"team {teamId}: {name}", ct);
            return TeamChangeResult.Done;
        }, ct);

    public Task<TeamChangeResult> RenameTeamAsync(string teamId, string name, string actor, CancellationToken ct = default) =>
        TeamWriteAsync(async (connection, now) =>
        {
            if (await ReadTeamNameAsync(connection, teamId, ct) is not { } before)
            {
                return TeamChangeResult.NotFound;
            }

            if (before == name)
            {
                return TeamChangeResult.Unchanged;
            }

            await Execute(connection, "UPDATE teams SET name = @name, updated_at = @now WHERE team_id = @id",
                ct, ("@id", teamId), ("@name", name), ("@now", Text(now)));
            await AuditAsync(connection, now, actor, "team_changed", null, null, null, $"team {teamId}: {before} → {name}", ct);
            return TeamChangeResult.Done;
        }, ct);

    public Task<TeamChangeResult> RemoveTeamAsync(string teamId, string actor, CancellationToken ct = default) =>
        TeamWriteAsync(async (connection, now) =>
        {
            if (await ReadTeamNameAsync(connection, teamId, ct) is not { } name)
            {
                return TeamChangeResult.NotFound;
            }

            if (await ExistsAsync(connection, "SELECT EXISTS(SELECT 1 FROM alert_dispatches WHERE team_id = @id AND ended_at IS NULL)", ct, ("@id", teamId)))
            {
                return TeamChangeResult.OpenRequest;
            }

            if (await ExistsAsync(connection, "SELECT EXISTS(SELECT 1 FROM home_cascade WHERE team_id = @id)", ct, ("@id", teamId)))
            {
                return TeamChangeResult.InCascade;
            }

            await Execute(connection, "DELETE FROM team_members WHERE team_id = @id", ct, ("@id", teamId));
            await Execute(connection, "DELETE FROM teams WHERE team_id = @id", ct, ("@id", teamId));
            await AuditAsync(connection, now, actor, "team_removed", null, null, null, $"team {teamId}: {name}", ct);
            return TeamChangeResult.Done;
        }, ct);

    public Task<TeamChangeResult> AddTeamMemberAsync(string teamId, string userName, string actor, CancellationToken ct = default) =>
        TeamWriteAsync(async (connection, now) =>
        {
            if (await ReadTeamNameAsync(connection, teamId, ct) is null)
            {
                return TeamChangeResult.NotFound;
            }

            if (!await ExistsAsync(connection, "SELECT EXISTS(SELECT 1 FROM users WHERE name = @u AND role = 'responder')", ct, ("@u", userName)))
            {
                return TeamChangeResult.NotAResponder;
            }

            var added = await Execute(connection,
                "INSERT INTO team_members(team_id, user_name, added_at) VALUES (@id, @u, @now) ON CONFLICT(team_id, user_name) DO NOTHING",
                ct, ("@id", teamId), ("@u", userName), ("@now", Text(now)));
            if (added == 0)
            {
                return TeamChangeResult.Unchanged;
            }

            await AuditAsync(connection, now, actor, "team_member_added", null, null, null, $"team {teamId}: user {userName}", ct);
            return TeamChangeResult.Done;
        }, ct);

    public Task<TeamChangeResult> RemoveTeamMemberAsync(string teamId, string userName, string actor, CancellationToken ct = default) =>
        TeamWriteAsync(async (connection, now) =>
        {
            if (await ReadTeamNameAsync(connection, teamId, ct) is null)
            {
                return TeamChangeResult.NotFound;
            }

            var removed = await Execute(connection, "DELETE FROM team_members WHERE team_id = @id AND user_name = @u",
                ct, ("@id", teamId), ("@u", userName));
            if (removed == 0)
            {
                return TeamChangeResult.Unchanged;
            }

            await AuditAsync(connection, now, actor, "team_member_removed", null, null, null, $"team {teamId}: user {userName}", ct);
            return TeamChangeResult.Done;
        }, ct);

    public async Task<IReadOnlyList<CascadeStep>> GetCascadeAsync(string homeId, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        return await ReadCascadeAsync(connection, homeId, ct);
    }

    public async Task<bool> SetCascadeAsync(string homeId, IReadOnlyList<CascadeStep> steps, string actor, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            if (!await ExistsAsync(connection, "SELECT EXISTS(SELECT 1 FROM homes WHERE home_id = @home)", ct, ("@home", homeId)))
            {
                return false;
            }

            var before = await ReadCascadeAsync(connection, homeId, ct);
            await Execute(connection, "DELETE FROM home_cascade WHERE home_id = @home", ct, ("@home", homeId));
            for (var i = 0; i < steps.Count; i++)
            {
                await Execute(connection,
                    "INSERT INTO home_cascade(home_id, position, team_id, user_name, accept_minutes) VALUES (@home, @position, @team, @user, @minutes)",
                    ct, ("@home", homeId), ("@position", i + 1), ("@team", steps[i].TeamId), ("@user", steps[i].UserName),
                    ("@minutes", steps[i].AcceptMinutes));
            }

            await AuditAsync(connection, now, actor, "cascade_changed", null, null, homeId,
                $"{CascadeText(before)} → {CascadeText(steps)}", ct);
            await tx.CommitAsync(ct);
            return true;
        }
        finally
        {
            writeLock.Release();
        }
    }

    public Task<ResponderOutcome> AskResponderAsync(string gatewayId, string alertId, CascadeStep step, string actor, CancellationToken ct = default) =>
        AlertRequestWriteAsync(gatewayId, alertId, (connection, view, now) => AskAsync(connection, view, step, null, actor, now, ct), ct);

    public Task<ResponderOutcome> StartCascadeAsync(string gatewayId, string alertId, string actor, CancellationToken ct = default) =>
        AlertRequestWriteAsync(gatewayId, alertId, async (connection, view, now) =>
        {
            var cascade = await ReadCascadeAsync(connection, view.Alert.HomeId, ct);
            return cascade.Count == 0
                ? (ResponderResult.NoCascade, null)
                : await AskAsync(connection, view, cascade[0], 1, actor, now, ct);
        }, ct);

    public Task<ResponderOutcome> RecordResponderStepAsync(
        long requestId, ResponderStep step, string userName, ResolutionOutcome? outcome, string? note, CancellationToken ct = default) =>
        RequestWriteAsync(requestId, async (connection, request, view, now) =>
        {
            if (request.EndedAt is not null)
            {
                // A late tap on a finished request changes nothing; a repeat of the last step is not an error.
                return (step == ResponderStep.Done && request.DoneAt is not null && request.AcceptedBy == userName ? ResponderResult.Unchanged
                    : ResponderResult.Ended, request.Id);
            }

            if (step is ResponderStep.Accept or ResponderStep.Decline)
            {
                if (request.AcceptedBy is { } taker)
                {
                    return (taker == userName && step == ResponderStep.Accept ? ResponderResult.Unchanged
                        : taker == userName ? ResponderResult.OutOfOrder : ResponderResult.NotYours, request.Id);
                }

                if (!await IsAskedOfAsync(connection, request, userName, ct))
                {
                    return (ResponderResult.NotYours, request.Id);
                }

                if (step == ResponderStep.Accept)
                {
                    await Execute(connection, "UPDATE alert_dispatches SET accepted_at = @now, accepted_by = @u WHERE id = @id",
                        ct, ("@now", Text(now)), ("@u", userName), ("@id", request.Id));
                    await AuditAsync(connection, now, userName, "responder_accepted", request.GatewayId, request.AlertId, view.Alert.HomeId,
                        FormattableString.Invariant($"{AskedText(request)}; accepted {(now - request.AskedAt).TotalSeconds:F0} s after it was asked"), ct);
                    return (ResponderResult.Done, request.Id);
                }

                // The team (or the person) cannot come: the next step of the cascade is asked now, not at the deadline.
                await EndRequestAsync(connection, request.Id, "declined", now, ct);
                await AuditAsync(connection, now, userName, "responder_declined", request.GatewayId, request.AlertId, view.Alert.HomeId,
                    AskedText(request), ct);
                var next = await AskNextCascadeStepAsync(connection, view, request, now, ct);
                return (ResponderResult.Done, next ?? request.Id);
            }

            if (request.AcceptedBy != userName)
            {
                return (ResponderResult.NotYours, request.Id);
            }

            var (column, action, previousDone, alreadyDone) = step switch
            {
                ResponderStep.OnTheWay => ("on_the_way_at", "responder_on_the_way", true, request.OnTheWayAt is not null),
                ResponderStep.Arrive => ("arrived_at", "responder_arrived", request.OnTheWayAt is not null, request.ArrivedAt is not null),
                _ => ("done_at", "responder_done", request.ArrivedAt is not null, request.DoneAt is not null),
            };
            if (alreadyDone)
            {
                return (ResponderResult.Unchanged, request.Id);
            }

            // A skipped step would write a history that did not happen.
            if (!previousDone)
            {
                return (ResponderResult.OutOfOrder, request.Id);
            }

            if (step == ResponderStep.Done)
            {
                await Execute(connection,
                    """
                    UPDATE alert_dispatches SET done_at = @now, proposed_outcome = @outcome, done_note = @note, ended_at = @now, ended_reason = 'done'
                    WHERE id = @id
                    """,
                    ct, ("@now", Text(now)), ("@outcome", outcome is { } proposed ? (int)proposed : null), ("@note", note), ("@id", request.Id));
                await AuditAsync(connection, now, userName, action, request.GatewayId, request.AlertId, view.Alert.HomeId,
                    outcome is { } o ? $"proposed outcome {ResolutionOutcomes.ToName(o)}" : "no outcome proposed", ct);
                return (ResponderResult.Done, request.Id);
            }

            await Execute(connection, $"UPDATE alert_dispatches SET {column} = @now WHERE id = @id", ct, ("@now", Text(now)), ("@id", request.Id));
            await AuditAsync(connection, now, userName, action, request.GatewayId, request.AlertId, view.Alert.HomeId,
                FormattableString.Invariant($"{(now - request.AskedAt).TotalSeconds:F0} s after it was asked"), ct);
            return (ResponderResult.Done, request.Id);
        }, ct);

    public Task<ResponderOutcome> WithdrawResponderAsync(long requestId, string actor, CancellationToken ct = default) =>
        RequestWriteAsync(requestId, async (connection, request, view, now) =>
        {
            if (request.EndedAt is not null)
            {
                return (ResponderResult.Ended, request.Id);
            }

            await EndRequestAsync(connection, request.Id, "withdrawn", now, ct);
            await AuditAsync(connection, now, actor, "responder_withdrawn", request.GatewayId, request.AlertId, view.Alert.HomeId,
                AskedText(request), ct);
            return (ResponderResult.Done, request.Id);
        }, ct);

    public Task<ResponderOutcome> ExpireResponderAsync(long requestId, CancellationToken ct = default) =>
        RequestWriteAsync(requestId, async (connection, request, view, now) =>
        {
            // Conditional in the statement as well as here: the row is re-checked by whoever writes it, on any node.
            var ended = request.EndedAt is null && request.AcceptedAt is null && request.AcceptDeadline <= now
                ? await Execute(connection,
                    """
                    UPDATE alert_dispatches SET ended_at = @now, ended_reason = 'not_accepted'
                    WHERE id = @id AND ended_at IS NULL AND accepted_at IS NULL AND accept_deadline <= @now
                    """,
                    ct, ("@now", Text(now)), ("@id", request.Id))
                : 0;
            if (ended != 1)
            {
                return (ResponderResult.Unchanged, request.Id);
            }

            await AuditAsync(connection, now, DispatchActor, "responder_not_accepted", request.GatewayId, request.AlertId, view.Alert.HomeId,
                FormattableString.Invariant($"{AskedText(request)}; nobody accepted within {(request.AcceptDeadline - request.AskedAt).TotalMinutes:F0} min"), ct);
            var next = await AskNextCascadeStepAsync(connection, view, request, now, ct);
            return (ResponderResult.Done, next ?? request.Id);
        }, ct);

    public async Task<IReadOnlyList<ResponderDeadline>> ListAcceptDeadlinesAsync(CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await using var cmd = Command(connection,
            "SELECT id, gateway_id, alert_id, accept_deadline FROM alert_dispatches WHERE ended_at IS NULL AND accepted_at IS NULL ORDER BY accept_deadline, id");
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<ResponderDeadline>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new ResponderDeadline(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), Parse(reader.GetString(3))));
        }

        return rows;
    }

    public async Task<IReadOnlyList<ResponderRequest>> ListResponderRequestsAsync(string gatewayId, string alertId, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        return await ReadRequestsAsync(connection, "d.gateway_id = @g AND d.alert_id = @id ORDER BY d.id", ct, ("@g", gatewayId), ("@id", alertId));
    }

    public async Task<ResponderRequest?> FindResponderRequestAsync(long requestId, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        return (await ReadRequestsAsync(connection, "d.id = @id", ct, ("@id", requestId))).FirstOrDefault();
    }

    public async Task<IReadOnlyList<ResponderAssignment>> ListAssignmentsAsync(string userName, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        var requests = await ReadRequestsAsync(connection,
            """
            d.ended_at IS NULL
              AND (d.accepted_by = @u
                   OR (d.accepted_by IS NULL
                       AND (d.user_name = @u OR d.team_id IN (SELECT m.team_id FROM team_members m WHERE m.user_name = @u))))
            ORDER BY d.asked_at DESC, d.id DESC
            """,
            ct, ("@u", userName));
        var rows = new List<ResponderAssignment>(requests.Count);
        foreach (var request in requests)
        {
            if ((await FindViewAsync(connection, request.GatewayId, request.AlertId, ct)).Alert is { } view)
            {
                rows.Add(new ResponderAssignment(request, view.Alert, await ReadHomeAsync(connection, view.Alert.HomeId, ct)));
            }
        }

        return rows;
    }

    /// <summary>Ends the alert's open requests because it was resolved; the caller holds the transaction.</summary>
    private static Task<int> EndRequestsOnResolutionAsync(DbConnection connection, string gatewayId, string alertId, DateTimeOffset now, CancellationToken ct) =>
        Execute(connection,
            "UPDATE alert_dispatches SET ended_at = @now, ended_reason = 'alert_resolved' WHERE gateway_id = @g AND alert_id = @id AND ended_at IS NULL",
            ct, ("@now", Text(now)), ("@g", gatewayId), ("@id", alertId));

    private async Task<(ResponderResult Result, long? RequestId)> AskAsync(
        DbConnection connection, AlertView view, CascadeStep step, int? position, string actor, DateTimeOffset now, CancellationToken ct)
    {
        if (view.Resolution is not null)
        {
            return (ResponderResult.AlreadyResolved, null);
        }

        if (await ExistsAsync(connection, "SELECT EXISTS(SELECT 1 FROM alert_dispatches WHERE gateway_id = @g AND alert_id = @id AND ended_at IS NULL)",
                ct, ("@g", view.Alert.GatewayId), ("@id", view.Alert.AlertId)))
        {
            return (ResponderResult.AlreadyOpen, null);
        }

        var id = await InsertRequestAsync(connection, view, step, position, actor, now, ct);
        await AuditAsync(connection, now, actor, "responder_asked", view.Alert.GatewayId, view.Alert.AlertId, view.Alert.HomeId,
            AskText(step, position), ct);
        return (ResponderResult.Done, id);
    }

    /// <summary>
    /// After a cascade request ended unaccepted (not in time, or declined): asks the home's next step, by
    /// <see cref="DispatchActor"/>. Null when the request was not from the cascade or the cascade is exhausted.
    /// </summary>
    private async Task<long?> AskNextCascadeStepAsync(DbConnection connection, AlertView view, ResponderRequest ended, DateTimeOffset now, CancellationToken ct)
    {
        if (ended.CascadePosition is not { } position || view.Resolution is not null)
        {
            return null;
        }

        var cascade = await ReadCascadeAsync(connection, view.Alert.HomeId, ct);
        if (position >= cascade.Count)
        {
            await AuditAsync(connection, now, DispatchActor, "responder_not_accepted", view.Alert.GatewayId, view.Alert.AlertId, view.Alert.HomeId,
                FormattableString.Invariant($"cascade exhausted after step {position}: nobody accepted"), ct);
            return null;
        }

        var step = cascade[position];
        var id = await InsertRequestAsync(connection, view, step, position + 1, DispatchActor, now, ct);
        await AuditAsync(connection, now, DispatchActor, "responder_asked", view.Alert.GatewayId, view.Alert.AlertId, view.Alert.HomeId,
            AskText(step, position + 1), ct);
        return id;
    }

    private static async Task<long> InsertRequestAsync(
        DbConnection connection, AlertView view, CascadeStep step, int? position, string actor, DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = Command(connection,
            """
            INSERT INTO alert_dispatches(gateway_id, alert_id, cascade_position, team_id, user_name, asked_at, asked_by, accept_deadline)
            VALUES (@g, @id, @position, @team, @user, @now, @by, @deadline)
            RETURNING id
            """,
            ("@g", view.Alert.GatewayId), ("@id", view.Alert.AlertId), ("@position", position), ("@team", step.TeamId), ("@user", step.UserName),
            ("@now", Text(now)), ("@by", actor), ("@deadline", Text(now.AddMinutes(step.AcceptMinutes))));
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }

    private static Task<int> EndRequestAsync(DbConnection connection, long id, string reason, DateTimeOffset now, CancellationToken ct) =>
        Execute(connection, "UPDATE alert_dispatches SET ended_at = @now, ended_reason = @reason WHERE id = @id AND ended_at IS NULL",
            ct, ("@now", Text(now)), ("@reason", reason), ("@id", id));

    private static Task<bool> IsAskedOfAsync(DbConnection connection, ResponderRequest request, string userName, CancellationToken ct) =>
        request.UserName is { } asked
            ? Task.FromResult(asked == userName)
            : ExistsAsync(connection, "SELECT EXISTS(SELECT 1 FROM team_members WHERE team_id = @t AND user_name = @u)", ct,
                ("@t", request.TeamId), ("@u", userName));

    /// <summary>A write about one alert's requests: the alert's gateway lock, the change, the alert as it is afterwards.</summary>
    private async Task<ResponderOutcome> AlertRequestWriteAsync(
        string gatewayId, string alertId, Func<DbConnection, AlertView, DateTimeOffset, Task<(ResponderResult, long?)>> change, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            await LockGatewayAsync(connection, gatewayId, ct);
            if ((await FindViewAsync(connection, gatewayId, alertId, ct)).Alert is not { } view)
            {
                return new ResponderOutcome(ResponderResult.NotFound, null, null);
            }

            var (result, id) = await change(connection, view, now);
            var request = id is { } requestId ? (await ReadRequestsAsync(connection, "d.id = @id", ct, ("@id", requestId))).FirstOrDefault() : null;
            var after = (await FindViewAsync(connection, gatewayId, alertId, ct)).Alert;
            await tx.CommitAsync(ct);
            return new ResponderOutcome(result, request, after);
        }
        finally
        {
            writeLock.Release();
        }
    }

    /// <summary>A write about one request: its alert's gateway lock, the request read under it, the change.</summary>
    private async Task<ResponderOutcome> RequestWriteAsync(
        long requestId, Func<DbConnection, ResponderRequest, AlertView, DateTimeOffset, Task<(ResponderResult, long)>> change, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            string gatewayId;
            await using (var find = Command(connection, "SELECT gateway_id FROM alert_dispatches WHERE id = @id", ("@id", requestId)))
            {
                if (await find.ExecuteScalarAsync(ct) is not string found)
                {
                    return new ResponderOutcome(ResponderResult.NotFound, null, null);
                }

                gatewayId = found;
            }

            await LockGatewayAsync(connection, gatewayId, ct);
            var request = (await ReadRequestsAsync(connection, "d.id = @id", ct, ("@id", requestId)))[0];
            if ((await FindViewAsync(connection, request.GatewayId, request.AlertId, ct)).Alert is not { } view)
            {
                return new ResponderOutcome(ResponderResult.NotFound, null, null);
            }

            var (result, shownId) = await change(connection, request, view, now);
            var shown = (await ReadRequestsAsync(connection, "d.id = @id", ct, ("@id", shownId)))[0];
            var after = (await FindViewAsync(connection, request.GatewayId, request.AlertId, ct)).Alert;
            await tx.CommitAsync(ct);
            return new ResponderOutcome(result, shown, after);
        }
        finally
        {
            writeLock.Release();
        }
    }

    private async Task<TeamChangeResult> TeamWriteAsync(Func<DbConnection, DateTimeOffset, Task<TeamChangeResult>> change, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            var result = await change(connection, now);
            if (result == TeamChangeResult.Done)
            {
                await tx.CommitAsync(ct);
            }

            return result;
        }
        finally
        {
            writeLock.Release();
        }
    }

    private static async Task<List<ResponderRequest>> ReadRequestsAsync(
        DbConnection connection, string whereAndOrder, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var cmd = Command(connection, $"SELECT {RequestColumns} FROM alert_dispatches d WHERE {whereAndOrder}", parameters);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<ResponderRequest>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(ReadRequest(reader, 0)!);
        }

        return rows;
    }

    /// <summary>A request from <see cref="RequestColumns"/> starting at column <paramref name="at"/>; null when its id is null (no request).</summary>
    private static ResponderRequest? ReadRequest(DbDataReader reader, int at)
    {
        if (reader.IsDBNull(at))
        {
            return null;
        }

        string? S(int i) => reader.IsDBNull(at + i) ? null : reader.GetString(at + i);
        DateTimeOffset? T(int i) => reader.IsDBNull(at + i) ? null : Parse(reader.GetString(at + i));
        return new ResponderRequest(
            reader.GetInt64(at), reader.GetString(at + 1), reader.GetString(at + 2),
            reader.IsDBNull(at + 3) ? null : reader.GetInt32(at + 3), S(4), S(5), S(6),
            Parse(reader.GetString(at + 7)), reader.GetString(at + 8), Parse(reader.GetString(at + 9)),
            T(10), S(11), T(12), T(13), T(14),
            reader.IsDBNull(at + 15) ? null : (ResolutionOutcome)reader.GetInt32(at + 15), S(16), T(17), S(18));
    }

    private static async Task<List<ResponderTeam>> ReadTeamsAsync(DbConnection connection, string? teamId, CancellationToken ct)
    {
        var teams = new List<(string Id, string Name, DateTimeOffset Created, DateTimeOffset Updated)>();
        await using (var cmd = Command(connection,
            "SELECT team_id, name, created_at, updated_at FROM teams WHERE CAST(@id AS TEXT) IS NULL OR team_id = @id ORDER BY team_id", ("@id", teamId)))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                teams.Add((reader.GetString(0), reader.GetString(1), Parse(reader.GetString(2)), Parse(reader.GetString(3))));
            }
        }

        var members = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        await using (var cmd = Command(connection,
            "SELECT team_id, user_name FROM team_members WHERE CAST(@id AS TEXT) IS NULL OR team_id = @id ORDER BY team_id, user_name", ("@id", teamId)))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                (members.TryGetValue(reader.GetString(0), out var list) ? list : members[reader.GetString(0)] = []).Add(reader.GetString(1));
            }
        }

        return teams.Select(t => new ResponderTeam(t.Id, t.Name, members.GetValueOrDefault(t.Id) ?? [], t.Created, t.Updated)).ToList();
    }

    private static async Task<string?> ReadTeamNameAsync(DbConnection connection, string teamId, CancellationToken ct)
    {
        await using var cmd = Command(connection, $"SELECT name FROM teams WHERE team_id = @id", ("@id", teamId));
        return await cmd.ExecuteScalarAsync(ct) as string;
    }

    private static async Task<List<CascadeStep>> ReadCascadeAsync(DbConnection connection, string homeId, CancellationToken ct)
    {
        await using var cmd = Command(connection,
            "SELECT team_id, user_name, accept_minutes FROM home_cascade WHERE home_id = @home ORDER BY position", ("@home", homeId));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var steps = new List<CascadeStep>();
        while (await reader.ReadAsync(ct))
        {
            steps.Add(new CascadeStep(reader.IsDBNull(0) ? null : reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt32(2)));
        }

        return steps;
    }

    private static async Task<bool> ExistsAsync(DbConnection connection, string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var cmd = Command(connection, sql, parameters);
        return await cmd.ExecuteScalarAsync(ct) is { } exists && IsTrue(exists);
    }

    private static string CascadeText(IReadOnlyList<CascadeStep> steps) =>
        steps.Count == 0 ? "no cascade" : string.Join(", ", steps.Select(s => s.ToString()));

    private static string AskText(CascadeStep step, int? position) =>
        position is { } p ? FormattableString.Invariant($"asked {step}, cascade step {p}") : $"asked {step}";

    private static string AskedText(ResponderRequest request) =>
        request.TeamId is not null ? $"team {request.TeamId}" : $"user {request.UserName}";
}
