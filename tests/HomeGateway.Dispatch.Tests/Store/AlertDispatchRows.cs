using HomeGateway.Dispatch.Store;

namespace HomeGateway.Dispatch.Tests.Store;

/// <summary>
/// Writes teams and responder requests (<c>alert_dispatches</c>, migration 12) straight into a store with SQL, for the
/// report's tests: the responder flow that fills them in production is its own feature with its own tests.
/// </summary>
public static class AlertDispatchRows
{
    public static async Task AddTeamAsync(DispatchStore store, string teamId, string name)
    {
        await using var connection = await store.Dialect.OpenAsync(default);
        await DispatchStore.Execute(connection, "INSERT INTO teams(team_id, name, created_at, updated_at) VALUES (@id, @name, @at, @at)", default,
            ("@id", teamId), ("@name", name), ("@at", DispatchStore.Text(Records.T0)));
    }

    /// <summary>One request for help with an alert, to a team or (when <paramref name="teamId"/> is null) to <paramref name="userName"/>.</summary>
    public static async Task AddAsync(
        DispatchStore store, string gatewayId, string alertId, DateTimeOffset askedAt, string? teamId = null, string? userName = null,
        DateTimeOffset? acceptedAt = null, DateTimeOffset? arrivedAt = null, DateTimeOffset? endedAt = null, string? endedReason = null)
    {
        await using var connection = await store.Dialect.OpenAsync(default);
        await DispatchStore.Execute(connection,
            """
            INSERT INTO alert_dispatches(gateway_id, alert_id, team_id, user_name, asked_at, asked_by, accept_deadline, accepted_at, accepted_by,
                                         on_the_way_at, arrived_at, ended_at, ended_reason)
            VALUES (@g, @a, @team, @user, @asked, 'anna', @deadline, @accepted, @acceptedBy, @accepted, @arrived, @ended, @reason)
            """,
            default,
            ("@g", gatewayId), ("@a", alertId), ("@team", teamId), ("@user", teamId is null ? userName ?? "olli" : null),
            ("@asked", DispatchStore.Text(askedAt)), ("@deadline", DispatchStore.Text(askedAt.AddMinutes(5))),
            ("@accepted", acceptedAt is { } accepted ? DispatchStore.Text(accepted) : null), ("@acceptedBy", acceptedAt is null ? null : "olli"),
            ("@arrived", arrivedAt is { } arrived ? DispatchStore.Text(arrived) : null),
            ("@ended", endedAt is { } ended ? DispatchStore.Text(ended) : null), ("@reason", endedReason));
    }
}
