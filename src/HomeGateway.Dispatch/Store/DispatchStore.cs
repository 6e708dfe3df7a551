using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using HomeGateway.Core.Alerts;

namespace HomeGateway.Dispatch.Store;

/// <summary>
/// Everything dispatch keeps, over ADO.NET on SQLite (the embedded default) or PostgreSQL (production, several
/// nodes): one set of queries, with a <see cref="StoreDialect"/> for what truly differs. Times are stored as UTC
/// ISO-8601 text with a fixed width on both, so they sort correctly as text and stay readable in a shell.
/// Methods live in partial files by area; each opens its own connection (<see cref="OpenAsync"/>) or, to write,
/// <see cref="OpenForWriteAsync"/> and releases <c>writeLock</c> in a finally.
/// </summary>
public sealed partial class DispatchStore(StoreDialect dialect, TimeProvider time) : IDispatchStore, IDisposable
{
    private readonly WriteGate writeLock = dialect.WriteGate;
    private int migrated;

    /// <summary>The embedded store in <paramref name="dataDirectory"/>.</summary>
    public static DispatchStore Sqlite(string dataDirectory, TimeProvider time) => new(new SqliteDialect(dataDirectory), time);

    /// <summary>A store on PostgreSQL; <paramref name="password"/> (from a password file) overrides the connection string's.</summary>
    public static DispatchStore PostgreSql(string connectionString, string? password, TimeProvider time) =>
        new(new PostgresDialect(connectionString, password), time);

    public StoreDialect Dialect => dialect;

    public async Task MigrateAsync(CancellationToken ct = default)
    {
        if (Volatile.Read(ref migrated) == 1)
        {
            return;
        }

        await writeLock.WaitAsync(ct);
        try
        {
            await using var connection = await OpenAsync(ct);
            await StoreSchema.MigrateAsync(connection, dialect, ct);
            Volatile.Write(ref migrated, 1);
        }
        finally
        {
            writeLock.Release();
        }
    }

    public async Task<StoreOutcome> StoreAsync(IncomingRecord record, CancellationToken ct = default) =>
        (await StoreAsync([record], ct))[0];

    public async Task<IReadOnlyList<StoreOutcome>> StoreAsync(IReadOnlyList<IncomingRecord> records, CancellationToken ct = default)
    {
        if (records.Count == 0)
        {
            return [];
        }

        foreach (var record in records)
        {
            if ((record.Alert is null ? 0 : 1) + (record.Sensor is null ? 0 : 1) + (record.Gap is null ? 0 : 1) != 1)
            {
                throw new ArgumentException("A record carries exactly one of an alert event, a sensor event or a telemetry gap.", nameof(records));
            }

            if (record.GatewayId != records[0].GatewayId)
            {
                throw new ArgumentException("A batch holds one gateway's records.", nameof(records));
            }
        }

        var gatewayId = records[0].GatewayId;
        var now = time.GetUtcNow();
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            var through = await ReadStoredThroughAsync(connection, gatewayId, ct)
                ?? throw new InvalidOperationException($"Gateway '{gatewayId}' is not registered.");
            var outcomes = new List<StoreOutcome>(records.Count);
            foreach (var record in records)
            {
                var isNew = !await SeqExistsAsync(connection, gatewayId, record.Seq, ct);
                StoredAlertStep? step = null;
                AlertChanged? change = null;
                if (isNew)
                {
                    if (record.Alert is { } alert)
                    {
                        await InsertAlertEventAsync(connection, record, alert, now, ct);
                        var reopened = await ReopenIfResolvedAsync(connection, gatewayId, record.Seq, alert, now, ct);
                        await UpsertQueueRowAsync(connection, gatewayId, record.Seq, alert, now, ct);
                        var escalated = await MarkEscalatedByGatewayAsync(connection, gatewayId, alert, now, ct);
                        step = await LabelledAsync(connection, new StoredAlertStep(gatewayId, record.Seq, alert, now), ct);
                        if ((reopened || escalated) && (await FindViewAsync(connection, gatewayId, alert.AlertId, ct)).Alert is { } view)
                        {
                            change = new AlertChanged(reopened ? "reopened" : "escalated", view);
                        }
                    }
                    else if (record.Gap is { } gap)
                    {
                        await InsertTelemetryGapAsync(connection, record, gap, now, ct);
                    }
                    else
                    {
                        await InsertSensorEventAsync(connection, record, now, ct);
                    }
                }

                // Advance over the contiguous run only. Walking past the new row (not just +1) matters when a
                // gap is later filled: the rows after it were stored earlier and must not hold the ack back.
                // A telemetry gap stands for its whole range, which may begin at or before through + 1.
                var covers = record.Gap?.FromSeq ?? record.Seq;
                if (covers <= through + 1 && record.Seq > through)
                {
                    through = record.Seq;
                    while (await StoredThroughAfterAsync(connection, gatewayId, through + 1, ct) is { } next)
                    {
                        through = next;
                    }
                }

                outcomes.Add(new StoreOutcome(isNew, through, step, change));
            }

            await Execute(connection,
                "UPDATE gateways SET stored_through_seq = @through, last_seen_at = @now WHERE gateway_id = @g",
                ct, ("@through", through), ("@now", Text(now)), ("@g", gatewayId));
            await tx.CommitAsync(ct);
            return outcomes;
        }
        finally
        {
            writeLock.Release();
        }
    }

    public async Task<GatewayAccount?> FindGatewayAsync(string gatewayId, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await using var cmd = Command(connection,
            "SELECT gateway_id, home_id, stored_through_seq FROM gateways WHERE gateway_id = @g", ("@g", gatewayId));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? new GatewayAccount(reader.GetString(0), reader.GetString(1), reader.GetInt64(2)) : null;
    }

    public async Task MarkSeenAsync(string gatewayId, string? softwareVersion, CancellationToken ct = default)
    {
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            await Execute(connection,
                "UPDATE gateways SET last_seen_at = @now, software_version = COALESCE(@v, software_version) WHERE gateway_id = @g",
                ct, ("@now", Text(time.GetUtcNow())), ("@v", softwareVersion), ("@g", gatewayId));
        }
        finally
        {
            writeLock.Release();
        }
    }

    public async Task MarkSeenAsync(IReadOnlyCollection<KeyValuePair<string, DateTimeOffset>> contacts, CancellationToken ct = default)
    {
        if (contacts.Count == 0)
        {
            return;
        }

        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            // In gateway order: on PostgreSQL two nodes' batches then take the row locks in the same order.
            foreach (var (gatewayId, seenAt) in contacts.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                // Fixed-width UTC text compares as time does on both databases.
                await Execute(connection,
                    "UPDATE gateways SET last_seen_at = @now WHERE gateway_id = @g AND (last_seen_at IS NULL OR last_seen_at < @now)",
                    ct, ("@now", Text(seenAt)), ("@g", gatewayId));
            }

            await tx.CommitAsync(ct);
        }
        finally
        {
            writeLock.Release();
        }
    }

    public async Task<IReadOnlyList<QueuedAlert>> ListAlertsAsync(AlertStatus? status, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await using var cmd = Command(connection,
            $"""
            SELECT a.gateway_id, a.alert_id, a.home_id, a.type, a.priority, a.status, a.sensor_id, a.summary, a.count,
                   a.raised_at, a.evidence_at, a.first_received_at, a.last_event_at, a.last_seq, a.origin,
                   k.acknowledged_at, k.acknowledged_by, {AlertLabelColumns}
            FROM alerts a
            LEFT JOIN alert_acknowledgements k ON k.gateway_id = a.gateway_id AND k.alert_id = a.alert_id
            {AlertSensorJoin}
            WHERE CAST(@status AS TEXT) IS NULL OR a.status = @status
            ORDER BY a.priority, a.raised_at, a.gateway_id, a.alert_id
            """,
            ("@status", status is null ? null : StatusText(status.Value)));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<QueuedAlert>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(WithLabels(ReadQueuedAlert(reader), reader, 17));
        }

        return rows;
    }

    public async Task<bool> AddGatewayAsync(string gatewayId, string homeId, CancellationToken ct = default)
    {
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            // A gateway enrolled for a home nobody registered yet registers it with the defaults (see .Homes.cs).
            await EnsureHomeAsync(connection, homeId, time.GetUtcNow(), ct);
            return await Execute(connection,
                "INSERT INTO gateways(gateway_id, home_id, created_at, stored_through_seq) VALUES (@g, @home, @now, 0) ON CONFLICT DO NOTHING",
                ct, ("@g", gatewayId), ("@home", homeId), ("@now", Text(time.GetUtcNow()))) == 1;
        }
        finally
        {
            writeLock.Release();
        }
    }

    public async Task AddEnrolmentTokenAsync(string gatewayId, byte[] tokenHash, DateTimeOffset expiresAt, CancellationToken ct = default)
    {
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            await Execute(connection,
                "INSERT INTO enrolment_tokens(token_hash, gateway_id, created_at, expires_at) VALUES (@h, @g, @now, @expires)",
                ct, ("@h", tokenHash), ("@g", gatewayId), ("@now", Text(time.GetUtcNow())), ("@expires", Text(expiresAt)));
        }
        finally
        {
            writeLock.Release();
        }
    }

    public async Task<EnrolmentTokenRecord?> FindEnrolmentTokenAsync(byte[] tokenHash, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await using var cmd = Command(connection,
            "SELECT gateway_id, expires_at, used_at, token_hash FROM enrolment_tokens WHERE token_hash = @h", ("@h", tokenHash));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        // The index found the row; comparing again in constant time keeps the decision itself timing-safe.
        return await reader.ReadAsync(ct) && CryptographicOperations.FixedTimeEquals((byte[])reader["token_hash"], tokenHash)
            ? new EnrolmentTokenRecord(reader.GetString(0), Parse(reader.GetString(1)), reader.IsDBNull(2) ? null : Parse(reader.GetString(2)))
            : null;
    }

    public async Task<bool> CompleteEnrolmentAsync(byte[] tokenHash, GatewayCertificateRecord certificate, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            await LockGatewayAsync(connection, certificate.GatewayId, ct);
            var used = await Execute(connection,
                """
                UPDATE enrolment_tokens SET used_at = @now
                WHERE token_hash = @h AND gateway_id = @g AND used_at IS NULL AND expires_at > @now
                """,
                ct, ("@now", Text(now)), ("@h", tokenHash), ("@g", certificate.GatewayId));
            if (used != 1)
            {
                return false;
            }

            // One valid certificate per gateway: a re-enrolled gateway's old key (a replaced SD card) stops working.
            await RevokeCertificatesAsync(connection, certificate.GatewayId, "superseded", now, ct);
            await Execute(connection,
                "INSERT INTO gateway_certificates(serial, gateway_id, issued_at, not_after) VALUES (@s, @g, @issued, @notAfter)",
                ct, ("@s", certificate.Serial), ("@g", certificate.GatewayId), ("@issued", Text(certificate.IssuedAt)),
                ("@notAfter", Text(certificate.NotAfter)));
            await tx.CommitAsync(ct);
            return true;
        }
        finally
        {
            writeLock.Release();
        }
    }

    public async Task<GatewayCertificateRecord?> FindCertificateAsync(string serial, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await using var cmd = Command(connection,
            "SELECT serial, gateway_id, issued_at, not_after, revoked_at FROM gateway_certificates WHERE serial = @s", ("@s", serial));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new GatewayCertificateRecord(reader.GetString(0), reader.GetString(1), Parse(reader.GetString(2)), Parse(reader.GetString(3)),
                reader.IsDBNull(4) ? null : Parse(reader.GetString(4)))
            : null;
    }

    public async Task<IReadOnlyList<string>> RevokeGatewayAsync(string gatewayId, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            await LockGatewayAsync(connection, gatewayId, ct);
            var serials = await RevokeCertificatesAsync(connection, gatewayId, "revoked", now, ct);
            // A code handed out before the revocation must not bring the gateway back.
            await Execute(connection,
                "UPDATE enrolment_tokens SET expires_at = @now WHERE gateway_id = @g AND used_at IS NULL AND expires_at > @now",
                ct, ("@now", Text(now)), ("@g", gatewayId));
            await tx.CommitAsync(ct);
            return serials;
        }
        finally
        {
            writeLock.Release();
        }
    }

    public async Task<IReadOnlyList<CertificateRevocation>> ListRevocationsAsync(long afterPosition, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await using var cmd = Command(connection,
            "SELECT position, serial, gateway_id FROM certificate_revocations WHERE position > @p ORDER BY position", ("@p", afterPosition));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<CertificateRevocation>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new CertificateRevocation(reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
        }

        return rows;
    }

    private static async Task<IReadOnlyList<string>> RevokeCertificatesAsync(
        DbConnection connection, string gatewayId, string reason, DateTimeOffset now, CancellationToken ct)
    {
        var serials = new List<string>();
        await using (var select = Command(connection,
            "SELECT serial FROM gateway_certificates WHERE gateway_id = @g AND revoked_at IS NULL", ("@g", gatewayId)))
        await using (var reader = await select.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                serials.Add(reader.GetString(0));
            }
        }

        foreach (var serial in serials)
        {
            await Execute(connection, "UPDATE gateway_certificates SET revoked_at = @now WHERE serial = @s", ct, ("@now", Text(now)), ("@s", serial));
            await Execute(connection,
                "INSERT INTO certificate_revocations(serial, gateway_id, revoked_at, reason) VALUES (@s, @g, @now, @reason)",
                ct, ("@s", serial), ("@g", gatewayId), ("@now", Text(now)), ("@reason", reason));
        }

        return serials;
    }

    public async Task<bool> AddUserAsync(string name, string passwordHash, string role, CancellationToken ct = default)
    {
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            return await Execute(connection,
                "INSERT INTO users(name, password_hash, role, created_at) VALUES (@n, @p, @r, @now) ON CONFLICT DO NOTHING",
                ct, ("@n", name), ("@p", passwordHash), ("@r", role), ("@now", Text(time.GetUtcNow()))) == 1;
        }
        finally
        {
            writeLock.Release();
        }
    }

    public async Task<ConsoleUser?> FindUserAsync(string name, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await using var cmd = Command(connection, "SELECT name, password_hash, role, language, disabled_at FROM users WHERE name = @n", ("@n", name));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new ConsoleUser(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.IsDBNull(4) ? null : Parse(reader.GetString(4)))
            : null;
    }

    public async Task<AcknowledgeOutcome> AcknowledgeAsync(string? gatewayId, string alertId, string actor, string role, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            var matches = new List<(string GatewayId, string HomeId, DateTimeOffset RaisedAt, string Origin)>();
            await using (var find = Command(connection,
                "SELECT gateway_id, home_id, raised_at, origin FROM alerts WHERE alert_id = @id AND (CAST(@g AS TEXT) IS NULL OR gateway_id = @g) ORDER BY gateway_id",
                ("@id", alertId), ("@g", gatewayId)))
            await using (var reader = await find.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    matches.Add((reader.GetString(0), reader.GetString(1), Parse(reader.GetString(2)), reader.GetString(3)));
                }
            }

            if (matches.Count != 1)
            {
                return new AcknowledgeOutcome(
                    matches.Count == 0 ? AcknowledgeResult.NotFound : AcknowledgeResult.Ambiguous, null, matches.Select(m => m.GatewayId).ToList());
            }

            var alert = matches[0];
            // The gateway's lock makes "first acknowledgement wins" and ack_seq = max + 1 hold across nodes.
            await LockGatewayAsync(connection, alert.GatewayId, ct);
            if (await ReadAcknowledgementAsync(connection, alert.GatewayId, alertId, ct) is { } earlier)
            {
                await AuditAsync(connection, now, actor, "acknowledge_repeated", alert.GatewayId, alertId,
                    $"already acknowledged by {earlier.AcknowledgedBy} at {Text(earlier.AcknowledgedAt)}; nothing changed", ct);
                await tx.CommitAsync(ct);
                return new AcknowledgeOutcome(AcknowledgeResult.AlreadyAcknowledged, earlier, [alert.GatewayId]);
            }

            long? ackSeq = alert.Origin != DispatchOrigin ? await NextDispatchSeqAsync(connection, alert.GatewayId, ct) : null;

            await Execute(connection,
                """
                INSERT INTO alert_acknowledgements(gateway_id, alert_id, ack_seq, acknowledged_by, by_role, acknowledged_at)
                VALUES (@g, @id, @seq, @by, @role, @now)
                """,
                ct, ("@g", alert.GatewayId), ("@id", alertId), ("@seq", ackSeq), ("@by", actor), ("@role", role), ("@now", Text(now)));
            var acknowledgement = new AlertAcknowledgement(alert.GatewayId, alertId, alert.HomeId, ackSeq, actor, role, now, alert.RaisedAt);
            await AuditAsync(connection, now, actor, "acknowledged", alert.GatewayId, alertId,
                FormattableString.Invariant($"time to acknowledge {acknowledgement.TimeToAcknowledge.TotalSeconds:F1} s"), ct);
            await tx.CommitAsync(ct);
            return new AcknowledgeOutcome(AcknowledgeResult.Acknowledged, acknowledgement, [alert.GatewayId]);
        }
        finally
        {
            writeLock.Release();
        }
    }

    public async Task<IReadOnlyList<AlertAcknowledgement>> ListAcknowledgementsAfterAsync(string gatewayId, long afterAckSeq, int max, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await using var cmd = Command(connection,
            $"""
            SELECT {AcknowledgementColumns}
            FROM alert_acknowledgements k JOIN alerts a ON a.gateway_id = k.gateway_id AND a.alert_id = k.alert_id
            WHERE k.gateway_id = @g AND k.ack_seq > @after
            ORDER BY k.ack_seq
            LIMIT @max
            """,
            ("@g", gatewayId), ("@after", afterAckSeq), ("@max", max));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<AlertAcknowledgement>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(ReadAcknowledgement(reader));
        }

        return rows;
    }

    public async Task<IReadOnlyList<AuditEntry>> ListAuditAsync(string? gatewayId, string? alertId, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await using var cmd = Command(connection,
            """
            SELECT id, at, actor, action, gateway_id, alert_id, detail FROM audit_log
            WHERE (CAST(@g AS TEXT) IS NULL OR gateway_id = @g) AND (CAST(@id AS TEXT) IS NULL OR alert_id = @id)
            ORDER BY id
            """,
            ("@g", gatewayId), ("@id", alertId));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<AuditEntry>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new AuditEntry(reader.GetInt64(0), Parse(reader.GetString(1)), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetString(6)));
        }

        return rows;
    }

    public async Task RecordAuditAsync(string actor, string action, string? gatewayId, string detail, CancellationToken ct = default)
    {
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            await AuditAsync(connection, time.GetUtcNow(), actor, action, gatewayId, null, detail, ct);
        }
        finally
        {
            writeLock.Release();
        }
    }

    public async Task<IReadOnlyList<RegisteredGateway>> ListGatewaysAsync(CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        // Enrolment revokes the older certificates, so at most one per gateway is unrevoked.
        await using var cmd = Command(connection,
            """
            SELECT g.gateway_id, g.home_id, g.last_seen_at, g.software_version,
                   (SELECT MAX(c.not_after) FROM gateway_certificates c WHERE c.gateway_id = g.gateway_id AND c.revoked_at IS NULL)
            FROM gateways g
            ORDER BY g.gateway_id
            """);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<RegisteredGateway>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new RegisteredGateway(reader.GetString(0), reader.GetString(1),
                reader.IsDBNull(2) ? null : Parse(reader.GetString(2)), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : Parse(reader.GetString(4))));
        }

        return rows;
    }

    public async Task<IReadOnlyList<SupervisedGateway>> ListSupervisedGatewaysAsync(CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await using var cmd = Command(connection,
            """
            SELECT g.gateway_id, g.home_id, g.last_seen_at, o.alert_id
            FROM gateways g LEFT JOIN gateway_outages o ON o.gateway_id = g.gateway_id AND o.restored_at IS NULL
            ORDER BY g.gateway_id
            """);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<SupervisedGateway>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new SupervisedGateway(reader.GetString(0), reader.GetString(1),
                reader.IsDBNull(2) ? null : Parse(reader.GetString(2)), reader.IsDBNull(3) ? null : reader.GetString(3)));
        }

        return rows;
    }

    public async Task<StoredAlertStep?> RaiseGatewayOfflineAsync(
        string gatewayId, DateTimeOffset lastContactAt, DateTimeOffset offlineAt, int reportingSeconds, CancellationToken ct = default) =>
        (await RaiseGatewaysOfflineAsync([new GatewayOfflineDue(gatewayId, lastContactAt, offlineAt)], reportingSeconds, ct)) is [var step] ? step : null;

    public Task<IReadOnlyList<StoredAlertStep>> RaiseGatewaysOfflineAsync(
        IReadOnlyList<GatewayOfflineDue> due, int reportingSeconds, CancellationToken ct = default) =>
        EachGatewayInOneTransactionAsync(due, d => d.GatewayId,
            (connection, gateway, now) => RaiseOfflineInTransactionAsync(connection, gateway, reportingSeconds, now, ct), ct);

    public async Task<StoredAlertStep?> RestoreGatewayAsync(string gatewayId, DateTimeOffset restoredAt, CancellationToken ct = default) =>
        (await RestoreGatewaysAsync([new(gatewayId, restoredAt)], ct)) is [var step] ? step : null;

    public Task<IReadOnlyList<StoredAlertStep>> RestoreGatewaysAsync(
        IReadOnlyList<KeyValuePair<string, DateTimeOffset>> restored, CancellationToken ct = default) =>
        EachGatewayInOneTransactionAsync(restored, r => r.Key,
            (connection, gateway, now) => RestoreInTransactionAsync(connection, gateway.Key, gateway.Value, now, ct), ct);

    /// <summary>
    /// Runs <paramref name="change"/> for each gateway in one transaction (one fsync for a mass outage) and returns the
    /// steps it stored. In gateway-id order: two such transactions lock several gateways' rows (PostgreSQL) in the same
    /// order, so they queue instead of deadlocking.
    /// </summary>
    private async Task<IReadOnlyList<StoredAlertStep>> EachGatewayInOneTransactionAsync<T>(
        IReadOnlyList<T> gateways, Func<T, string> gatewayId, Func<DbConnection, T, DateTimeOffset, Task<StoredAlertStep?>> change, CancellationToken ct)
    {
        if (gateways.Count == 0)
        {
            return [];
        }

        var now = time.GetUtcNow();
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            var steps = new List<StoredAlertStep>(gateways.Count);
            foreach (var gateway in gateways.OrderBy(gatewayId, StringComparer.Ordinal))
            {
                if (await change(connection, gateway, now) is { } step)
                {
                    steps.Add(step);
                }
            }

            await tx.CommitAsync(ct);
            return steps;
        }
        finally
        {
            writeLock.Release();
        }
    }

    /// <summary>Opens the gateway's outage and its queue row, unless one is open already (then null).</summary>
    private async Task<StoredAlertStep?> RaiseOfflineInTransactionAsync(
        DbConnection connection, GatewayOfflineDue due, int reportingSeconds, DateTimeOffset now, CancellationToken ct)
    {
        var (gatewayId, lastContactAt, offlineAt) = due;
        if (await LockGatewayAsync(connection, gatewayId, ct) is not { } homeId)
        {
            return null;
        }

        await using (var open = Command(connection,
            "SELECT EXISTS(SELECT 1 FROM gateway_outages WHERE gateway_id = @g AND restored_at IS NULL)", ("@g", gatewayId)))
        {
            if (await open.ExecuteScalarAsync(ct) is { } exists && IsTrue(exists))
            {
                return null;
            }
        }

        var alert = new AlertEvent(
            $"gateway-offline-{gatewayId}-{offlineAt.UtcDateTime:yyyyMMdd'T'HHmmssfff'Z'}", AlertEventKind.Raised,
            AlertType.GatewayHealth, AlertPriority.High, homeId, GatewaySensorId, offlineAt, lastContactAt, 1,
            string.Create(CultureInfo.InvariantCulture,
                $"Gateway {gatewayId} of home {homeId} is offline: no contact since {lastContactAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC (reporting time {reportingSeconds} s)"));
        await Execute(connection,
            "INSERT INTO gateway_outages(gateway_id, alert_id, last_contact_at, offline_at) VALUES (@g, @id, @last, @offline)",
            ct, ("@g", gatewayId), ("@id", alert.AlertId), ("@last", Text(lastContactAt)), ("@offline", Text(offlineAt)));
        await UpsertQueueRowAsync(connection, gatewayId, 0, alert, now, ct);
        await Execute(connection, "UPDATE alerts SET origin = @origin WHERE gateway_id = @g AND alert_id = @id",
            ct, ("@origin", DispatchOrigin), ("@g", gatewayId), ("@id", alert.AlertId));
        return await LabelledAsync(connection, new StoredAlertStep(gatewayId, 0, alert, now), ct);
    }

    /// <summary>Closes the gateway's open outage and clears its queue row; null when there was none.</summary>
    private async Task<StoredAlertStep?> RestoreInTransactionAsync(
        DbConnection connection, string gatewayId, DateTimeOffset restoredAt, DateTimeOffset now, CancellationToken ct)
    {
        await LockGatewayAsync(connection, gatewayId, ct);
        string alertId;
        DateTimeOffset lastContactAt;
        await using (var open = Command(connection,
            "SELECT alert_id, last_contact_at FROM gateway_outages WHERE gateway_id = @g AND restored_at IS NULL", ("@g", gatewayId)))
        await using (var reader = await open.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
            {
                return null;
            }

            alertId = reader.GetString(0);
            lastContactAt = Parse(reader.GetString(1));
        }

        await Execute(connection, "UPDATE gateway_outages SET restored_at = @at WHERE gateway_id = @g AND alert_id = @id",
            ct, ("@at", Text(restoredAt)), ("@g", gatewayId), ("@id", alertId));
        string homeId;
        int count;
        await using (var row = Command(connection,
            "SELECT home_id, count FROM alerts WHERE gateway_id = @g AND alert_id = @id", ("@g", gatewayId), ("@id", alertId)))
        await using (var rowReader = await row.ExecuteReaderAsync(ct))
        {
            if (!await rowReader.ReadAsync(ct))
            {
                return null;
            }

            homeId = rowReader.GetString(0);
            count = rowReader.GetInt32(1);
        }

        var alert = new AlertEvent(alertId, AlertEventKind.Cleared, AlertType.GatewayHealth, AlertPriority.High, homeId,
            GatewaySensorId, restoredAt, lastContactAt, count,
            $"Gateway {gatewayId} of home {homeId} is back after {Outage(restoredAt - lastContactAt)} without contact");
        await UpsertQueueRowAsync(connection, gatewayId, 0, alert, now, ct);
        return await LabelledAsync(connection, new StoredAlertStep(gatewayId, 0, alert, now), ct);
    }

    public void Dispose() => dialect.Dispose();

    /// <summary>The queue rows dispatch raised itself; the gateway knows nothing of them.</summary>
    internal const string DispatchOrigin = "dispatch";

    /// <summary>The actor of what a gateway's own steps do to an alert at dispatch (reopen it, escalate it).</summary>
    internal const string GatewayActor = "gateway";

    /// <summary>The "sensor" of a gateway-health alert dispatch raises: the gateway itself.</summary>
    internal const string GatewaySensorId = "gateway";

    private const string AcknowledgementColumns =
        "k.gateway_id, k.alert_id, a.home_id, k.ack_seq, k.acknowledged_by, k.by_role, k.acknowledged_at, a.raised_at";

    internal static string Outage(TimeSpan length) =>
        length.TotalHours >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)length.TotalHours} h {length.Minutes} min")
        : length.TotalMinutes >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{length.Minutes} min {length.Seconds} s")
        : string.Create(CultureInfo.InvariantCulture, $"{length.Seconds} s");

    private static async Task<AlertAcknowledgement?> ReadAcknowledgementAsync(DbConnection connection, string gatewayId, string alertId, CancellationToken ct)
    {
        await using var cmd = Command(connection,
            $"""
            SELECT {AcknowledgementColumns}
            FROM alert_acknowledgements k JOIN alerts a ON a.gateway_id = k.gateway_id AND a.alert_id = k.alert_id
            WHERE k.gateway_id = @g AND k.alert_id = @id
            """,
            ("@g", gatewayId), ("@id", alertId));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadAcknowledgement(reader) : null;
    }

    private static AlertAcknowledgement ReadAcknowledgement(DbDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetInt64(3),
        reader.GetString(4), reader.GetString(5), Parse(reader.GetString(6)), Parse(reader.GetString(7)));

    private static Task<int> AuditAsync(
        DbConnection connection, DateTimeOffset at, string actor, string action, string? gatewayId, string? alertId, string detail, CancellationToken ct) =>
        Execute(connection,
            "INSERT INTO audit_log(at, actor, action, gateway_id, alert_id, detail) VALUES (@at, @actor, @action, @g, @id, @detail)",
            ct, ("@at", Text(at)), ("@actor", actor), ("@action", action), ("@g", gatewayId), ("@id", alertId), ("@detail", detail));

    private Task<DbConnection> OpenAsync(CancellationToken ct) => dialect.OpenAsync(ct);

    /// <summary>Opens a connection holding the write lock; the caller releases it.</summary>
    private async Task<DbConnection> OpenForWriteAsync(CancellationToken ct)
    {
        await MigrateAsync(ct);
        await writeLock.WaitAsync(ct);
        try
        {
            return await OpenAsync(ct);
        }
        catch
        {
            writeLock.Release();
            throw;
        }
    }

    /// <summary>Reads the gateway's progress and holds its row lock until the transaction ends; null when not registered.</summary>
    private async Task<long?> ReadStoredThroughAsync(DbConnection connection, string gatewayId, CancellationToken ct)
    {
        await using var cmd = Command(connection,
            $"SELECT stored_through_seq FROM gateways WHERE gateway_id = @g{dialect.ForUpdate}", ("@g", gatewayId));
        return await cmd.ExecuteScalarAsync(ct) is long value ? value : null;
    }

    /// <summary>
    /// Takes the gateway's row lock for the rest of the transaction and returns its home (null when not registered).
    /// Every transaction that changes what belongs to one gateway takes this first, so writers on several nodes
    /// queue here instead of both deciding "not there yet".
    /// </summary>
    private async Task<string?> LockGatewayAsync(DbConnection connection, string gatewayId, CancellationToken ct)
    {
        await using var cmd = Command(connection, $"SELECT home_id FROM gateways WHERE gateway_id = @g{dialect.ForUpdate}", ("@g", gatewayId));
        return await cmd.ExecuteScalarAsync(ct) as string;
    }

    private static async Task<bool> SeqExistsAsync(DbConnection connection, string gatewayId, long seq, CancellationToken ct)
    {
        await using var cmd = Command(connection,
            """
            SELECT EXISTS(SELECT 1 FROM alert_events WHERE gateway_id = @g AND seq = @s)
                OR EXISTS(SELECT 1 FROM sensor_events WHERE gateway_id = @g AND seq = @s)
                OR EXISTS(SELECT 1 FROM telemetry_gaps WHERE gateway_id = @g AND seq = @s)
            """,
            ("@g", gatewayId), ("@s", seq));
        return await cmd.ExecuteScalarAsync(ct) is { } exists && IsTrue(exists);
    }

    /// <summary>When <paramref name="seq"/> is stored: itself, or the end of the telemetry gap covering it; else null.</summary>
    private static async Task<long?> StoredThroughAfterAsync(DbConnection connection, string gatewayId, long seq, CancellationToken ct)
    {
        if (await SeqExistsAsync(connection, gatewayId, seq, ct))
        {
            return seq;
        }

        await using var cmd = Command(connection,
            "SELECT seq FROM telemetry_gaps WHERE gateway_id = @g AND from_seq <= @s AND seq >= @s ORDER BY seq DESC LIMIT 1",
            ("@g", gatewayId), ("@s", seq));
        return await cmd.ExecuteScalarAsync(ct) is long end ? end : null;
    }

    private static Task<int> InsertTelemetryGapAsync(DbConnection connection, IncomingRecord record, TelemetryGapInfo gap, DateTimeOffset now, CancellationToken ct) =>
        Execute(connection,
            """
            INSERT INTO telemetry_gaps(gateway_id, seq, from_seq, count, first_recorded_at, last_recorded_at, received_at)
            VALUES (@g, @s, @from, @count, @first, @last, @now)
            ON CONFLICT DO NOTHING
            """,
            ct, ("@g", record.GatewayId), ("@s", record.Seq), ("@from", gap.FromSeq), ("@count", gap.Count),
            ("@first", Text(gap.FirstRecordedAt)), ("@last", Text(gap.LastRecordedAt)), ("@now", Text(now)));

    private static Task<int> InsertAlertEventAsync(DbConnection connection, IncomingRecord record, AlertEvent alert, DateTimeOffset now, CancellationToken ct) =>
        Execute(connection,
            """
            INSERT INTO alert_events(gateway_id, seq, alert_id, kind, type, priority, home_id, sensor_id,
                at, evidence_at, count, summary, recorded_at, received_at)
            VALUES (@g, @s, @id, @kind, @type, @prio, @home, @sensor, @at, @evidence, @count, @summary, @recorded, @now)
            ON CONFLICT DO NOTHING
            """,
            ct, ("@g", record.GatewayId), ("@s", record.Seq), ("@id", alert.AlertId), ("@kind", (int)alert.Kind),
            ("@type", (int)alert.Type), ("@prio", (int)alert.Priority), ("@home", alert.HomeId), ("@sensor", alert.SensorId),
            ("@at", Text(alert.At)), ("@evidence", Text(alert.EvidenceAt)), ("@count", alert.Count), ("@summary", alert.Summary),
            ("@recorded", Text(record.RecordedAt)), ("@now", Text(now)));

    private static Task<int> InsertSensorEventAsync(DbConnection connection, IncomingRecord record, DateTimeOffset now, CancellationToken ct)
    {
        var e = record.Sensor!;
        return Execute(connection,
            """
            INSERT INTO sensor_events(gateway_id, seq, home_id, sensor_id, kind, state, at, source,
                value, battery_percent, link_quality, received_at)
            VALUES (@g, @s, @home, @sensor, @kind, @state, @at, @source, @value, @battery, @lqi, @now)
            ON CONFLICT DO NOTHING
            """,
            ct, ("@g", record.GatewayId), ("@s", record.Seq), ("@home", e.HomeId), ("@sensor", e.SensorId),
            ("@kind", (int)e.Kind), ("@state", e.State), ("@at", Text(e.At)), ("@source", e.Source),
            ("@value", e.Value), ("@battery", e.BatteryPercent), ("@lqi", e.LinkQuality), ("@now", Text(now)));
    }

    /// <summary>
    /// One queue row per alert. A repeat updates it (count, priority, summary); an escalation the priority only (its
    /// "not acknowledged within" sentence is the escalation's reason, not what the alert is about, and would stay stale
    /// after the acknowledgement); a clear closes it but keeps the priority it had, so the dispatcher still sees how
    /// serious it was.
    /// </summary>
    private static Task<int> UpsertQueueRowAsync(DbConnection connection, string gatewayId, long seq, AlertEvent alert, DateTimeOffset now, CancellationToken ct) =>
        Execute(connection,
            """
            INSERT INTO alerts(gateway_id, alert_id, home_id, type, priority, status, sensor_id, summary, count,
                raised_at, evidence_at, first_received_at, last_event_at, last_seq)
            VALUES (@g, @id, @home, @type, @prio, @status, @sensor, @summary, @count, @at, @evidence, @now, @at, @seq)
            ON CONFLICT(gateway_id, alert_id) DO UPDATE SET
                priority = CASE WHEN @kind = @cleared THEN alerts.priority ELSE excluded.priority END,
                status = CASE WHEN @kind = @cleared THEN 'cleared' ELSE alerts.status END,
                summary = CASE WHEN @kind = @escalated THEN alerts.summary ELSE excluded.summary END,
                count = CASE WHEN excluded.count > alerts.count THEN excluded.count ELSE alerts.count END,
                evidence_at = excluded.evidence_at,
                last_event_at = excluded.last_event_at,
                last_seq = excluded.last_seq
            """,
            ct, ("@g", gatewayId), ("@id", alert.AlertId), ("@home", alert.HomeId), ("@type", (int)alert.Type),
            ("@prio", (int)alert.Priority),
            ("@status", StatusText(alert.Kind == AlertEventKind.Cleared ? AlertStatus.Cleared : AlertStatus.Open)),
            ("@sensor", alert.SensorId), ("@summary", alert.Summary), ("@count", alert.Count), ("@at", Text(alert.At)),
            ("@evidence", Text(alert.EvidenceAt)), ("@now", Text(now)), ("@seq", seq),
            ("@kind", (int)alert.Kind), ("@cleared", (int)AlertEventKind.Cleared), ("@escalated", (int)AlertEventKind.Escalated));

    internal static string StatusText(AlertStatus status) => status == AlertStatus.Cleared ? "cleared" : "open";

    internal static string Text(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>A boolean scalar (<c>EXISTS</c>): SQLite answers 0/1, PostgreSQL true/false.</summary>
    internal static bool IsTrue(object value) => value is true || (value is long number && number != 0);

    internal static DateTimeOffset Parse(string text) =>
        DateTimeOffset.ParseExact(text, "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    internal static DbCommand Command(DbConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = cmd.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            cmd.Parameters.Add(parameter);
        }

        return cmd;
    }

    internal static async Task<int> Execute(DbConnection connection, string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var cmd = Command(connection, sql, parameters);
        return await cmd.ExecuteNonQueryAsync(ct);
    }
}
