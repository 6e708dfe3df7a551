using System.Data.Common;
using System.Globalization;

namespace HomeGateway.Dispatch.Store;

/// <summary>
/// The client record's retention rule: "client left the service" and its undo, and the anonymisation that deletes the
/// record and the free text about the client while the figures (alert types, times, outcomes) and the audit trail stay.
/// </summary>
public sealed partial class DispatchStore
{
    /// <summary>How a day (the client left on) is stored: sorts as text, so the sweep compares it in SQL.</summary>
    internal const string DayFormat = "yyyy-MM-dd";

    public async Task<ClientRecordChange> MarkClientLeftAsync(string homeId, DateOnly leftOn, string actor, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        var day = Day(leftOn);
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            var home = await ReadHomeAsync(connection, homeId, ct);
            if (home is null)
            {
                return ClientRecordChange.NotFound;
            }

            if (home.AnonymisedAt is not null)
            {
                return ClientRecordChange.AlreadyAnonymised;
            }

            if (home.ClientLeftOn == leftOn)
            {
                return ClientRecordChange.Unchanged;
            }

            if (await Execute(connection, "UPDATE homes SET client_left_on = @day, updated_at = @now WHERE home_id = @home AND anonymised_at IS NULL",
                ct, ("@day", day), ("@now", Text(now)), ("@home", homeId)) == 0)
            {
                return ClientRecordChange.AlreadyAnonymised;
            }

            await AuditAsync(connection, now, actor, "client_left", null, null, homeId, "client left on " + day, ct);
            await tx.CommitAsync(ct);
            return ClientRecordChange.Done;
        }
        finally
        {
            writeLock.Release();
        }
    }

    public async Task<ClientRecordChange> UndoClientLeftAsync(string homeId, string actor, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            var home = await ReadHomeAsync(connection, homeId, ct);
            if (home is null)
            {
                return ClientRecordChange.NotFound;
            }

            if (home.AnonymisedAt is not null)
            {
                return ClientRecordChange.AlreadyAnonymised;
            }

            // Conditional, so an undo racing the sweep on another node either wins (the sweep then skips the home) or
            // finds the home anonymised: never a record "kept" that is already gone.
            var undone = await Execute(connection,
                "UPDATE homes SET client_left_on = NULL, updated_at = @now WHERE home_id = @home AND client_left_on IS NOT NULL AND anonymised_at IS NULL",
                ct, ("@now", Text(now)), ("@home", homeId));
            if (undone == 0)
            {
                return ClientRecordChange.Unchanged;
            }

            await AuditAsync(connection, now, actor, "client_left_undone", null, null, homeId, "was left on " + Day(home.ClientLeftOn!.Value), ct);
            await tx.CommitAsync(ct);
            return ClientRecordChange.Done;
        }
        finally
        {
            writeLock.Release();
        }
    }

    public async Task<ClientRecordChange> AnonymiseHomeAsync(string homeId, string actor, CancellationToken ct = default)
    {
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            var home = await ReadHomeAsync(connection, homeId, ct);
            if (home is null)
            {
                return ClientRecordChange.NotFound;
            }

            return await AnonymiseAsync(connection, homeId, null, actor, "at once", ct)
                ? ClientRecordChange.Done
                : ClientRecordChange.AlreadyAnonymised;
        }
        finally
        {
            writeLock.Release();
        }
    }

    public async Task<IReadOnlyList<string>> AnonymiseDueHomesAsync(DateOnly leftOnOrBefore, string actor, CancellationToken ct = default)
    {
        var cutoff = Day(leftOnOrBefore);
        var due = new List<(string HomeId, string LeftOn)>();
        await using (var connection = await OpenAsync(ct))
        await using (var cmd = Command(connection,
            "SELECT home_id, client_left_on FROM homes WHERE client_left_on IS NOT NULL AND client_left_on <= @cutoff AND anonymised_at IS NULL ORDER BY home_id",
            ("@cutoff", cutoff)))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                due.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        var anonymised = new List<string>();
        foreach (var (homeId, leftOn) in due)
        {
            await using var connection = await OpenForWriteAsync(ct);
            try
            {
                if (await AnonymiseAsync(connection, homeId, cutoff, actor, "client left on " + leftOn + "; retention over", ct))
                {
                    anonymised.Add(homeId);
                }
            }
            finally
            {
                writeLock.Release();
            }
        }

        return anonymised;
    }

    public async Task<HomeAlertPage> ListHomeAlertsAsync(string homeId, int offset, int limit, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        var rows = await ReadViewsAsync(connection,
            $"SELECT {ViewColumns} WHERE a.home_id = @home ORDER BY a.raised_at DESC, a.gateway_id, a.alert_id LIMIT @limit OFFSET @offset",
            ct, ("@home", homeId), ("@limit", limit + 1), ("@offset", offset));
        return new HomeAlertPage(rows.Take(limit).ToList(), rows.Count > limit);
    }

    /// <summary>
    /// One home's anonymisation, in one transaction. Its first statement claims the home (only while it is not
    /// anonymised, and for the sweep only while the client is still marked as left on or before the cutoff): on
    /// PostgreSQL a second node's sweep waits on that row and then finds nothing to claim, so each home is anonymised
    /// and audited once. False when there was nothing to do.
    /// </summary>
    private async Task<bool> AnonymiseAsync(DbConnection connection, string homeId, string? leftOnOrBefore, string actor, string detail, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var tx = await connection.BeginTransactionAsync(ct);
        var claimed = await Execute(connection,
            """
            UPDATE homes SET address = '', key_safe = '', notes = '', anonymised_at = @now, updated_at = @now
            WHERE home_id = @home AND anonymised_at IS NULL
              AND (CAST(@cutoff AS TEXT) IS NULL OR (client_left_on IS NOT NULL AND client_left_on <= @cutoff))
            """,
            ct, ("@now", Text(now)), ("@home", homeId), ("@cutoff", leftOnOrBefore));
        if (claimed == 0)
        {
            return false;
        }

        await Execute(connection, "DELETE FROM home_key_holders WHERE home_id = @home", ct, ("@home", homeId));
        await Execute(connection, "DELETE FROM home_contacts WHERE home_id = @home", ct, ("@home", homeId));
        // Free text about the client (a dispatcher's notes, the resolution note, a responder's note when done) may name
        // people or health: replaced, not deleted, so the alert still shows that a note was there and when.
        await Execute(connection,
            """
            UPDATE alert_notes SET text = @removed
            WHERE EXISTS (SELECT 1 FROM alerts a WHERE a.gateway_id = alert_notes.gateway_id AND a.alert_id = alert_notes.alert_id AND a.home_id = @home)
            """,
            ct, ("@removed", ClientRecordRules.RemovedMarker), ("@home", homeId));
        await Execute(connection,
            "UPDATE alerts SET resolution_note = @removed WHERE home_id = @home AND resolution_note IS NOT NULL AND resolution_note <> ''",
            ct, ("@removed", ClientRecordRules.RemovedMarker), ("@home", homeId));
        await Execute(connection,
            """
            UPDATE alert_dispatches SET done_note = @removed
            WHERE done_note IS NOT NULL AND done_note <> ''
              AND EXISTS (SELECT 1 FROM alerts a WHERE a.gateway_id = alert_dispatches.gateway_id AND a.alert_id = alert_dispatches.alert_id AND a.home_id = @home)
            """,
            ct, ("@removed", ClientRecordRules.RemovedMarker), ("@home", homeId));
        // A reason a person typed when escalating is free text too, in the alert and in its audit row: the row stays (who
        // escalated which alert, when), its text goes. The gateway's and dispatch's own escalations carry fixed wording.
        await Execute(connection,
            """
            UPDATE alerts SET escalation_reason = @removed
            WHERE home_id = @home AND escalation_reason IS NOT NULL AND escalation_reason <> '' AND escalated_by NOT IN (@gateway, @dispatch)
            """,
            ct, ("@removed", ClientRecordRules.RemovedMarker), ("@home", homeId), ("@gateway", GatewayActor), ("@dispatch", Acknowledgements.CriticalEscalation.Actor));
        await Execute(connection,
            "UPDATE audit_log SET detail = @removed WHERE home_id = @home AND action = 'escalated' AND actor NOT IN (@gateway, @dispatch)",
            ct, ("@removed", ClientRecordRules.RemovedMarker), ("@home", homeId), ("@gateway", GatewayActor), ("@dispatch", Acknowledgements.CriticalEscalation.Actor));
        await AuditAsync(connection, now, actor, "client_record_anonymised", null, null, homeId, detail, ct);
        await tx.CommitAsync(ct);
        return true;
    }

    private static string Day(DateOnly day) => day.ToString(DayFormat, CultureInfo.InvariantCulture);
}
