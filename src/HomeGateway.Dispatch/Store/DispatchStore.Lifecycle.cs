using System.Globalization;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Events;
using System.Data.Common;

namespace HomeGateway.Dispatch.Store;

/// <summary>The alert lifecycle after acknowledgement: assignment, notes, escalation, resolution, and the alert detail.</summary>
public sealed partial class DispatchStore
{
    private const string ViewColumns =
        """
        a.gateway_id, a.alert_id, a.home_id, a.type, a.priority, a.status, a.sensor_id, a.summary, a.count,
        a.raised_at, a.evidence_at, a.first_received_at, a.last_event_at, a.last_seq, a.origin,
        k.acknowledged_at, k.acknowledged_by,
        a.assigned_to, a.escalated_at, a.escalated_by, a.escalation_reason, a.resolved_at, a.resolved_by, a.outcome, a.resolution_note,
        """
        + " " + RequestColumns + ", " + AlertLabelColumns + """

        FROM alerts a
        LEFT JOIN alert_acknowledgements k ON k.gateway_id = a.gateway_id AND k.alert_id = a.alert_id
        """
        + " " + AlertSensorJoin + " " + LatestRequestJoin;

    public async Task<IReadOnlyList<AlertView>> ListAlertViewsAsync(AlertListFilter filter, CancellationToken ct = default)
    {
        var where = filter switch
        {
            AlertListFilter.Unresolved => "a.resolved_at IS NULL",
            AlertListFilter.Open => "a.resolved_at IS NULL AND a.status = 'open'",
            AlertListFilter.Cleared => "a.resolved_at IS NULL AND a.status = 'cleared'",
            AlertListFilter.Resolved => "a.resolved_at IS NOT NULL",
            _ => "1 = 1",
        };
        await using var connection = await OpenAsync(ct);
        return await ReadViewsAsync(connection, $"SELECT {ViewColumns} WHERE {where} ORDER BY a.priority, a.raised_at, a.gateway_id, a.alert_id", ct);
    }

    public async Task<LifecycleOutcome> FindAlertAsync(string? gatewayId, string alertId, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        return await FindViewAsync(connection, gatewayId, alertId, ct);
    }

    public async Task<AlertDetail?> GetAlertDetailAsync(string gatewayId, string alertId, TimeSpan evidenceBefore, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        var found = await FindViewAsync(connection, gatewayId, alertId, ct);
        if (found.Alert is not { } view)
        {
            return null;
        }

        var alert = view.Alert;
        var steps = new List<AlertStepRecord>();
        await using (var cmd = Command(connection,
            "SELECT seq, kind, priority, at, count, summary, received_at FROM alert_events WHERE gateway_id = @g AND alert_id = @id ORDER BY seq",
            ("@g", gatewayId), ("@id", alertId)))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                steps.Add(new AlertStepRecord(reader.GetInt64(0), (AlertEventKind)reader.GetInt32(1), (AlertPriority)reader.GetInt32(2),
                    Parse(reader.GetString(3)), reader.GetInt32(4), reader.GetString(5), Parse(reader.GetString(6))));
            }
        }

        // The sensor's story: from a while before the alert until it ended (resolved, else cleared, else now).
        var until = view.Resolution?.ResolvedAt
            ?? (alert.Status == AlertStatus.Cleared ? alert.LastEventAt : time.GetUtcNow());
        var evidence = new List<SensorEvidence>();
        await using (var cmd = Command(connection,
            """
            SELECT seq, sensor_id, kind, state, at, source, value, battery_percent FROM sensor_events
            WHERE gateway_id = @g AND sensor_id = @sensor AND at >= @from AND at <= @until
            ORDER BY at, seq
            LIMIT 500
            """,
            ("@g", gatewayId), ("@sensor", alert.SensorId), ("@from", Text(alert.RaisedAt - evidenceBefore)), ("@until", Text(until))))
        {
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                evidence.Add(new SensorEvidence(reader.GetInt64(0), reader.GetString(1), (SensorKind)reader.GetInt32(2), reader.GetString(3),
                    Parse(reader.GetString(4)), reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetDouble(6),
                    reader.IsDBNull(7) ? null : reader.GetInt32(7)));
            }
        }

        VisitStatus? visit = null;
        await using (var cmd = Command(connection,
            "SELECT state, at, sensor_id FROM sensor_events WHERE home_id = @home AND kind = @visit ORDER BY at DESC, seq DESC LIMIT 1",
            ("@home", alert.HomeId), ("@visit", (int)SensorKind.Visit)))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct))
            {
                visit = new VisitStatus(reader.GetString(0) == SensorStates.CheckIn, Parse(reader.GetString(1)), reader.GetString(2));
            }
        }

        var notes = new List<AlertNote>();
        await using (var cmd = Command(connection,
            "SELECT at, author, text FROM alert_notes WHERE gateway_id = @g AND alert_id = @id ORDER BY at",
            ("@g", gatewayId), ("@id", alertId)))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                notes.Add(new AlertNote(Parse(reader.GetString(0)), reader.GetString(1), reader.GetString(2)));
            }
        }

        var home = await ReadHomeAsync(connection, alert.HomeId, ct);
        var history = await ListAuditAsync(gatewayId, alertId, ct);
        return new AlertDetail(view, home, steps, evidence, visit, notes, history);
    }

    public Task<LifecycleOutcome> AssignAsync(string? gatewayId, string alertId, string? assignee, string actor, CancellationToken ct = default) =>
        ChangeAsync(gatewayId, alertId, async (connection, view, now) =>
        {
            if (view.Resolution is not null)
            {
                return LifecycleResult.AlreadyResolved;
            }

            if (string.Equals(view.AssignedTo, assignee, StringComparison.Ordinal))
            {
                return LifecycleResult.Unchanged;
            }

            await Execute(connection, "UPDATE alerts SET assigned_to = @to WHERE gateway_id = @g AND alert_id = @id",
                ct, ("@to", assignee), ("@g", view.Alert.GatewayId), ("@id", alertId));
            await AuditAsync(connection, now, actor, assignee is null ? "unassigned" : "assigned", view.Alert.GatewayId, alertId, view.Alert.HomeId,
                assignee is null ? $"was assigned to {view.AssignedTo}" : $"assigned to {assignee}", ct);
            return LifecycleResult.Done;
        }, ct);

    public Task<LifecycleOutcome> AddNoteAsync(string? gatewayId, string alertId, string text, string actor, CancellationToken ct = default) =>
        ChangeAsync(gatewayId, alertId, async (connection, view, now) =>
        {
            await Execute(connection,
                "INSERT INTO alert_notes(gateway_id, alert_id, at, author, text) VALUES (@g, @id, @now, @author, @text)",
                ct, ("@g", view.Alert.GatewayId), ("@id", alertId), ("@now", Text(now)), ("@author", actor), ("@text", text));
            // The note is in alert_notes; the trail says only that one was written.
            await AuditAsync(connection, now, actor, "note_added", view.Alert.GatewayId, alertId, view.Alert.HomeId,
                string.Create(CultureInfo.InvariantCulture, $"{text.Length} characters"), ct);
            return LifecycleResult.Done;
        }, ct);

    public Task<LifecycleOutcome> ResolveAsync(
        string? gatewayId, string alertId, ResolutionOutcome outcome, string? note, string actor, CancellationToken ct = default) =>
        ResolveAsync(gatewayId, alertId, outcome, note, actor, "dispatcher", ct);

    public Task<LifecycleOutcome> ResolveAsync(
        string? gatewayId, string alertId, ResolutionOutcome outcome, string? note, string actor, string byRole, CancellationToken ct = default) =>
        ChangeAsync(gatewayId, alertId, async (connection, view, now) =>
        {
            if (view.Resolution is { } earlier)
            {
                await AuditAsync(connection, now, actor, "resolve_repeated", view.Alert.GatewayId, alertId, view.Alert.HomeId,
                    $"already resolved by {earlier.ResolvedBy} at {Text(earlier.ResolvedAt)} as {ResolutionOutcomes.ToName(earlier.Outcome)}; nothing changed", ct);
                return LifecycleResult.Unchanged;
            }

            await Execute(connection,
                """
                UPDATE alerts SET resolved_at = @now, resolved_by = @by, outcome = @outcome, resolution_note = @note
                WHERE gateway_id = @g AND alert_id = @id AND resolved_at IS NULL
                """,
                ct, ("@now", Text(now)), ("@by", actor), ("@outcome", (int)outcome), ("@note", note), ("@g", view.Alert.GatewayId), ("@id", alertId));
            // Help is no longer asked for: whoever was asked (and has not said done) sees the request end.
            await EndRequestsOnResolutionAsync(connection, view.Alert.GatewayId, alertId, now, ct);
            if (view.Alert.Origin == AlertOrigin.Gateway)
            {
                await AddResolutionMessageAsync(connection, view.Alert.GatewayId, alertId, outcome, byRole, now, ct);
            }

            await AuditAsync(connection, now, actor, "resolved", view.Alert.GatewayId, alertId, view.Alert.HomeId,
                FormattableString.Invariant($"outcome {ResolutionOutcomes.ToName(outcome)}; time to resolve {(now - view.Alert.RaisedAt).TotalSeconds:F1} s"), ct);
            return LifecycleResult.Done;
        }, ct);

    public Task<LifecycleOutcome> EscalateAsync(
        string? gatewayId, string alertId, string reason, string actor, bool onlyIfUnacknowledged, CancellationToken ct = default) =>
        ChangeAsync(gatewayId, alertId, async (connection, view, now) =>
        {
            if (view.Resolution is not null)
            {
                return LifecycleResult.AlreadyResolved;
            }

            // Set only when not yet set, in the statement itself: two nodes running the escalation change it once.
            var changed = await Execute(connection,
                """
                UPDATE alerts SET escalated_at = @now, escalated_by = @by, escalation_reason = @reason
                WHERE gateway_id = @g AND alert_id = @id AND escalated_at IS NULL AND resolved_at IS NULL
                  AND (@auto = 0 OR NOT EXISTS(
                      SELECT 1 FROM alert_acknowledgements k WHERE k.gateway_id = alerts.gateway_id AND k.alert_id = alerts.alert_id))
                """,
                ct, ("@now", Text(now)), ("@by", actor), ("@reason", reason), ("@g", view.Alert.GatewayId), ("@id", alertId),
                ("@auto", onlyIfUnacknowledged ? 1 : 0));
            if (changed != 1)
            {
                return LifecycleResult.Unchanged;
            }

            await AuditAsync(connection, now, actor, "escalated", view.Alert.GatewayId, alertId, view.Alert.HomeId, reason, ct);
            return LifecycleResult.Done;
        }, ct);

    public async Task<IReadOnlyList<EscalationCandidate>> ListUnacknowledgedCriticalAsync(CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await using var cmd = Command(connection,
            """
            SELECT a.gateway_id, a.alert_id, COALESCE(a.reopened_at, a.first_received_at) FROM alerts a
            WHERE a.priority = @critical AND a.escalated_at IS NULL AND a.resolved_at IS NULL
              AND NOT EXISTS(SELECT 1 FROM alert_acknowledgements k WHERE k.gateway_id = a.gateway_id AND k.alert_id = a.alert_id)
            ORDER BY COALESCE(a.reopened_at, a.first_received_at)
            """,
            ("@critical", (int)AlertPriority.Critical));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<EscalationCandidate>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new EscalationCandidate(reader.GetString(0), reader.GetString(1), Parse(reader.GetString(2))));
        }

        return rows;
    }

    public async Task AppendAuditAsync(string actor, string action, string? gatewayId, string? alertId, string? homeId, string detail, CancellationToken ct = default)
    {
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            await AuditAsync(connection, time.GetUtcNow(), actor, action, gatewayId, alertId, homeId, detail, ct);
        }
        finally
        {
            writeLock.Release();
        }
    }

    public async Task<AuditPage> ListAuditPageAsync(AuditQuery query, CancellationToken ct = default)
    {
        var size = Math.Clamp(query.PageSize, 1, 500);
        var page = Math.Max(query.Page, 1);
        await using var connection = await OpenAsync(ct);
        // Rows written before homes were recorded in the trail are found through their gateway's home.
        await using var cmd = Command(connection,
            """
            SELECT l.id, l.at, l.actor, l.action, l.gateway_id, l.alert_id,
                   COALESCE(l.home_id, (SELECT g.home_id FROM gateways g WHERE g.gateway_id = l.gateway_id)), l.detail
            FROM audit_log l
            WHERE (CAST(@alert AS TEXT) IS NULL OR l.alert_id = @alert)
              AND (CAST(@home AS TEXT) IS NULL OR l.home_id = @home OR l.gateway_id IN (SELECT g.gateway_id FROM gateways g WHERE g.home_id = @home))
              AND (CAST(@actor AS TEXT) IS NULL OR l.actor = @actor)
              AND (CAST(@action AS TEXT) IS NULL OR l.action = @action)
            ORDER BY l.id DESC
            LIMIT @limit OFFSET @offset
            """,
            ("@alert", Blank(query.AlertId)), ("@home", Blank(query.HomeId)), ("@actor", Blank(query.Actor)), ("@action", Blank(query.Action)),
            ("@limit", size + 1), ("@offset", (long)(page - 1) * size));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<AuditRecord>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new AuditRecord(reader.GetInt64(0), Parse(reader.GetString(1)), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetString(7)));
        }

        var more = rows.Count > size;
        return new AuditPage(more ? rows.GetRange(0, size) : rows, more);
    }

    public async Task<IReadOnlyDictionary<string, string>> ListHomeTimeZonesAsync(CancellationToken ct)
    {
        // Only homes whose gateway told its zone; the most recently seen gateway's wins (as in the alert views).
        await using var connection = await OpenAsync(ct);
        await using var cmd = Command(connection,
            "SELECT home_id, time_zone FROM gateways WHERE time_zone IS NOT NULL ORDER BY home_id, COALESCE(last_seen_at, '') DESC, gateway_id");
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var zones = new Dictionary<string, string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
        {
            zones.TryAdd(reader.GetString(0), reader.GetString(1));
        }

        return zones;
    }

    public async Task<IReadOnlyList<ResponseTimeRow>> ListResponseTimesAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        // The request that answers for the alert (c): the one that arrived first; else one accepted and still standing
        // (open, done, or ended by the resolution) before one accepted and then withdrawn or declined; the earliest
        // acceptance among equals. A request never accepted (withdrawn, not accepted in time) answers for nothing.
        // Times are fixed-width UTC text, so text order is time order on both databases.
        await using var connection = await OpenAsync(ct);
        await using var cmd = Command(connection,
            $"""
            SELECT a.gateway_id, a.alert_id, a.home_id, a.type, a.priority, a.raised_at, k.acknowledged_at, a.resolved_at, a.outcome,
                   COALESCE(h.response_minutes, {HomeDetails.DefaultResponseMinutes}), {AlertHomeTimeZone},
                   (SELECT MIN(f.asked_at) FROM alert_dispatches f WHERE f.gateway_id = a.gateway_id AND f.alert_id = a.alert_id),
                   c.accepted_at, c.arrived_at, c.team_id, t.name
            FROM alerts a
            LEFT JOIN alert_acknowledgements k ON k.gateway_id = a.gateway_id AND k.alert_id = a.alert_id
            LEFT JOIN homes h ON h.home_id = a.home_id
            LEFT JOIN alert_dispatches c ON c.id = (
                SELECT d.id FROM alert_dispatches d
                WHERE d.gateway_id = a.gateway_id AND d.alert_id = a.alert_id AND (d.arrived_at IS NOT NULL OR d.accepted_at IS NOT NULL)
                ORDER BY CASE WHEN d.arrived_at IS NOT NULL THEN 0
                              WHEN d.ended_reason IS NULL OR d.ended_reason IN ('done', 'alert_resolved') THEN 1
                              ELSE 2 END,
                         d.arrived_at, d.accepted_at, d.id
                LIMIT 1)
            LEFT JOIN teams t ON t.team_id = c.team_id
            WHERE a.raised_at >= @from AND a.raised_at < @to
            ORDER BY a.raised_at, a.gateway_id, a.alert_id
            """,
            ("@from", Text(from)), ("@to", Text(to)));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<ResponseTimeRow>();
        while (await reader.ReadAsync(ct))
        {
            DateTimeOffset? At(int i) => reader.IsDBNull(i) ? null : Parse(reader.GetString(i));
            string? Name(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            rows.Add(new ResponseTimeRow(reader.GetString(0), reader.GetString(1), reader.GetString(2), (AlertType)reader.GetInt32(3),
                (AlertPriority)reader.GetInt32(4), Parse(reader.GetString(5)), At(6), At(7),
                reader.IsDBNull(8) ? null : (ResolutionOutcome)reader.GetInt32(8), reader.GetInt32(9), reader.GetString(10))
            {
                FirstAskedAt = At(11),
                AcceptedAt = At(12),
                ArrivedAt = At(13),
                TeamId = Name(14),
                TeamName = Name(15),
            });
        }

        return rows;
    }

    public async Task<IReadOnlyList<GatewayLifecycleMessage>> ListLifecycleMessagesAfterAsync(
        string gatewayId, long afterSeq, int max, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await using var cmd = Command(connection,
            """
            SELECT 1, k.ack_seq, k.alert_id, k.by_role, k.acknowledged_at, 0, 0 FROM alert_acknowledgements k
            WHERE k.gateway_id = @g AND k.ack_seq > @after
            UNION ALL
            SELECT 2, r.ack_seq, r.alert_id, r.by_role, r.resolved_at, r.evidence_through_seq, r.outcome FROM alert_resolution_messages r
            WHERE r.gateway_id = @g AND r.ack_seq > @after
            ORDER BY 2
            LIMIT @max
            """,
            ("@g", gatewayId), ("@after", afterSeq), ("@max", max));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<GatewayLifecycleMessage>();
        while (await reader.ReadAsync(ct))
        {
            var resolved = reader.GetInt32(0) == 2;
            rows.Add(new GatewayLifecycleMessage(gatewayId, reader.GetString(2), reader.GetInt64(1),
                resolved ? GatewayLifecycleKind.Resolved : GatewayLifecycleKind.Acknowledged, Parse(reader.GetString(4)), reader.GetString(3),
                reader.GetInt64(5), resolved ? (ResolutionOutcome)reader.GetInt32(6) : null));
        }

        return rows;
    }

    /// <summary>The gateway's next number for what dispatch tells it about its alerts; the caller holds the gateway's lock.</summary>
    private static async Task<long> NextDispatchSeqAsync(DbConnection connection, string gatewayId, CancellationToken ct)
    {
        await using var cmd = Command(connection,
            "UPDATE gateways SET dispatch_seq = dispatch_seq + 1 WHERE gateway_id = @g RETURNING dispatch_seq", ("@g", gatewayId));
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Queues the resolution for the gateway, numbered after everything it was told before. It carries the last step
    /// with evidence that dispatch had seen: a gateway holding newer evidence (the client pressed again before the
    /// resolution arrived) keeps its alert open, as dispatch reopens it when that evidence arrives.
    /// </summary>
    private async Task AddResolutionMessageAsync(
        DbConnection connection, string gatewayId, string alertId, ResolutionOutcome outcome, string byRole, DateTimeOffset now, CancellationToken ct)
    {
        await LockGatewayAsync(connection, gatewayId, ct);
        long evidenceThrough;
        await using (var last = Command(connection,
            "SELECT COALESCE(MAX(seq), 0) FROM alert_events WHERE gateway_id = @g AND alert_id = @id AND kind IN (@raised, @repeated)",
            ("@g", gatewayId), ("@id", alertId), ("@raised", (int)AlertEventKind.Raised), ("@repeated", (int)AlertEventKind.Repeated)))
        {
            evidenceThrough = Convert.ToInt64(await last.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
        }

        var seq = await NextDispatchSeqAsync(connection, gatewayId, ct);
        await Execute(connection,
            """
            INSERT INTO alert_resolution_messages(gateway_id, ack_seq, alert_id, outcome, by_role, resolved_at, evidence_through_seq)
            VALUES (@g, @seq, @id, @outcome, @role, @now, @through)
            """,
            ct, ("@g", gatewayId), ("@seq", seq), ("@id", alertId), ("@outcome", (int)outcome), ("@role", byRole), ("@now", Text(now)),
            ("@through", evidenceThrough));
    }

    /// <summary>
    /// New evidence (a raised or repeated step) on an alert dispatch has resolved puts it back into the live queue: the
    /// client pressed again before the resolution reached the gateway, and a person must look. Its resolution, its
    /// acknowledgement and its escalation belonged to the episode that ended: they are cleared (the audit trail keeps
    /// them), so it must be taken again and the automatic escalation counts from now. The caller holds the gateway's lock.
    /// </summary>
    private static async Task<bool> ReopenIfResolvedAsync(
        DbConnection connection, string gatewayId, long seq, AlertEvent alert, DateTimeOffset now, CancellationToken ct)
    {
        if (alert.Kind is not (AlertEventKind.Raised or AlertEventKind.Repeated))
        {
            return false;
        }

        string detail;
        await using (var cmd = Command(connection,
            """
            SELECT a.resolved_at, a.resolved_by, a.outcome, k.acknowledged_by FROM alerts a
            LEFT JOIN alert_acknowledgements k ON k.gateway_id = a.gateway_id AND k.alert_id = a.alert_id
            WHERE a.gateway_id = @g AND a.alert_id = @id AND a.resolved_at IS NOT NULL
            """,
            ("@g", gatewayId), ("@id", alert.AlertId)))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
            {
                return false;
            }

            var acknowledged = reader.IsDBNull(3) ? "" : $"; acknowledged before by {reader.GetString(3)}";
            detail = string.Create(CultureInfo.InvariantCulture,
                $"new evidence (gateway seq {seq}, {HomeGateway.Core.Rules.AlertTypeNames.ToName(alert.Kind)}, count {alert.Count}) after it was resolved by {reader.GetString(1)} at {reader.GetString(0)} as {ResolutionOutcomes.ToName((ResolutionOutcome)reader.GetInt32(2))}{acknowledged}");
        }

        await Execute(connection,
            """
            UPDATE alerts SET resolved_at = NULL, resolved_by = NULL, outcome = NULL, resolution_note = NULL,
                escalated_at = NULL, escalated_by = NULL, escalation_reason = NULL, reopened_at = @now
            WHERE gateway_id = @g AND alert_id = @id
            """,
            ct, ("@now", Text(now)), ("@g", gatewayId), ("@id", alert.AlertId));
        // Its number stays used: numbers come from gateways.dispatch_seq, never from what is left in this table.
        await Execute(connection, "DELETE FROM alert_acknowledgements WHERE gateway_id = @g AND alert_id = @id",
            ct, ("@g", gatewayId), ("@id", alert.AlertId));
        await AuditAsync(connection, now, GatewayActor, "reopened", gatewayId, alert.AlertId, alert.HomeId, detail, ct);
        return true;
    }

    /// <summary>
    /// The gateway escalated the alert locally (nobody acknowledged it in time): shown as escalated, by
    /// <see cref="GatewayActor"/>, with the gateway's sentence as the reason. Like the automatic escalation only once and
    /// only while nobody has taken or resolved it: a step sent before the acknowledgement reached the gateway is stale.
    /// </summary>
    private static async Task<bool> MarkEscalatedByGatewayAsync(
        DbConnection connection, string gatewayId, AlertEvent alert, DateTimeOffset now, CancellationToken ct)
    {
        if (alert.Kind != AlertEventKind.Escalated)
        {
            return false;
        }

        var changed = await Execute(connection,
            """
            UPDATE alerts SET escalated_at = @now, escalated_by = @by, escalation_reason = @reason
            WHERE gateway_id = @g AND alert_id = @id AND escalated_at IS NULL AND resolved_at IS NULL
              AND NOT EXISTS(SELECT 1 FROM alert_acknowledgements k WHERE k.gateway_id = alerts.gateway_id AND k.alert_id = alerts.alert_id)
            """,
            ct, ("@now", Text(now)), ("@by", GatewayActor), ("@reason", alert.Summary), ("@g", gatewayId), ("@id", alert.AlertId));
        if (changed != 1)
        {
            return false;
        }

        await AuditAsync(connection, now, GatewayActor, "escalated", gatewayId, alert.AlertId, alert.HomeId, alert.Summary, ct);
        return true;
    }

    /// <summary>Finds the alert, applies one change in a transaction, and answers with the alert as it is afterwards.</summary>
    private async Task<LifecycleOutcome> ChangeAsync(
        string? gatewayId, string alertId, Func<DbConnection, AlertView, DateTimeOffset, Task<LifecycleResult>> change, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            var found = await FindViewAsync(connection, gatewayId, alertId, ct);
            if (found.Alert is not { } view)
            {
                return found;
            }

            var result = await change(connection, view, now);
            var after = (await FindViewAsync(connection, view.Alert.GatewayId, alertId, ct)).Alert;
            await tx.CommitAsync(ct);
            return new LifecycleOutcome(result, after, [view.Alert.GatewayId]);
        }
        finally
        {
            writeLock.Release();
        }
    }

    private static async Task<LifecycleOutcome> FindViewAsync(DbConnection connection, string? gatewayId, string alertId, CancellationToken ct)
    {
        var views = await ReadViewsAsync(connection,
            $"SELECT {ViewColumns} WHERE a.alert_id = @id AND (CAST(@g AS TEXT) IS NULL OR a.gateway_id = @g) ORDER BY a.gateway_id",
            ct, ("@id", alertId), ("@g", gatewayId));
        return views.Count switch
        {
            0 => new LifecycleOutcome(LifecycleResult.NotFound, null, []),
            1 => new LifecycleOutcome(LifecycleResult.Done, views[0], [views[0].Alert.GatewayId]),
            _ => new LifecycleOutcome(LifecycleResult.Ambiguous, null, views.Select(v => v.Alert.GatewayId).ToList()),
        };
    }

    private static async Task<List<AlertView>> ReadViewsAsync(
        DbConnection connection, string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var cmd = Command(connection, sql, parameters);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<AlertView>();
        while (await reader.ReadAsync(ct))
        {
            var alert = WithLabels(ReadQueuedAlert(reader), reader, 25 + RequestColumnCount);
            var escalation = reader.IsDBNull(18) ? null
                : new AlertEscalation(Parse(reader.GetString(18)), reader.GetString(19), reader.IsDBNull(20) ? "" : reader.GetString(20));
            var resolution = reader.IsDBNull(21) ? null
                : new AlertResolution((ResolutionOutcome)reader.GetInt32(23), reader.IsDBNull(24) ? null : reader.GetString(24),
                    reader.GetString(22), Parse(reader.GetString(21)));
            rows.Add(new AlertView(alert, reader.IsDBNull(17) ? null : reader.GetString(17), escalation, resolution, ReadRequest(reader, 25)));
        }

        return rows;
    }

    /// <summary>A queue row from columns 0–16 as <c>ListAlertsAsync</c> and <see cref="ViewColumns"/> select them.</summary>
    private static QueuedAlert ReadQueuedAlert(DbDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2),
        (AlertType)reader.GetInt32(3), (AlertPriority)reader.GetInt32(4),
        reader.GetString(5) == "cleared" ? AlertStatus.Cleared : AlertStatus.Open,
        reader.GetString(6), reader.GetString(7), reader.GetInt32(8),
        Parse(reader.GetString(9)), Parse(reader.GetString(10)), Parse(reader.GetString(11)),
        Parse(reader.GetString(12)), reader.GetInt64(13),
        reader.GetString(14) == DispatchOrigin ? AlertOrigin.Dispatch : AlertOrigin.Gateway,
        reader.IsDBNull(15) ? null : Parse(reader.GetString(15)),
        reader.IsDBNull(16) ? null : reader.GetString(16));

    private static Task<int> AuditAsync(
        DbConnection connection, DateTimeOffset at, string actor, string action, string? gatewayId, string? alertId, string? homeId,
        string detail, CancellationToken ct) =>
        Execute(connection,
            "INSERT INTO audit_log(at, actor, action, gateway_id, alert_id, home_id, detail) VALUES (@at, @actor, @action, @g, @id, @home, @detail)",
            ct, ("@at", Text(at)), ("@actor", actor), ("@action", action), ("@g", gatewayId), ("@id", alertId), ("@home", homeId), ("@detail", detail));

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
