using System.Globalization;
using System.Security.Cryptography;
using HomeGateway.Core.Alerts;
using Microsoft.Data.Sqlite;

namespace HomeGateway.Dispatch.Store;

/// <summary>
/// The embedded store: one SQLite file (<c>dispatch.db</c>, WAL) in the data directory.
/// Writes are serialised in-process: SQLite has one writer anyway, and queueing here is cheaper and
/// fairer than letting connections spin on SQLITE_BUSY. Times are stored as UTC ISO-8601 text with a
/// fixed width, so they sort correctly as text and stay readable with the sqlite3 shell.
/// </summary>
public sealed class SqliteDispatchStore(string dataDirectory, TimeProvider time) : IDispatchStore, IDisposable
{
    public const string FileName = "dispatch.db";

    private readonly string connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = Path.Combine(dataDirectory, FileName),
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    private readonly SemaphoreSlim writeLock = new(1, 1);
    private int migrated;

    public string DatabasePath => Path.Combine(dataDirectory, FileName);

    public async Task MigrateAsync(CancellationToken ct = default)
    {
        if (Volatile.Read(ref migrated) == 1)
        {
            return;
        }

        Directory.CreateDirectory(dataDirectory);
        await writeLock.WaitAsync(ct);
        try
        {
            await using var connection = await OpenAsync(ct);
            await StoreSchema.MigrateAsync(connection, ct);
            Volatile.Write(ref migrated, 1);
        }
        finally
        {
            writeLock.Release();
        }
    }

    public async Task<StoreOutcome> StoreAsync(IncomingRecord record, CancellationToken ct = default)
    {
        if ((record.Alert is null) == (record.Sensor is null))
        {
            throw new ArgumentException("A record carries exactly one of an alert event or a sensor event.", nameof(record));
        }

        var now = time.GetUtcNow();
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(ct);
            var storedThrough = await ReadStoredThroughAsync(connection, record.GatewayId, ct)
                ?? throw new InvalidOperationException($"Gateway '{record.GatewayId}' is not registered.");

            var isNew = !await SeqExistsAsync(connection, record.GatewayId, record.Seq, ct);
            StoredAlertStep? step = null;
            if (isNew)
            {
                if (record.Alert is { } alert)
                {
                    await InsertAlertEventAsync(connection, record, alert, now, ct);
                    await UpsertQueueRowAsync(connection, record.GatewayId, record.Seq, alert, now, ct);
                    step = new StoredAlertStep(record.GatewayId, record.Seq, alert, now);
                }
                else
                {
                    await InsertSensorEventAsync(connection, record, now, ct);
                }
            }

            // Advance over the contiguous run only. Walking past the new row (not just +1) matters when a
            // gap is later filled: the rows after it were stored earlier and must not hold the ack back.
            var through = storedThrough;
            if (record.Seq == through + 1)
            {
                through++;
                while (await SeqExistsAsync(connection, record.GatewayId, through + 1, ct))
                {
                    through++;
                }
            }

            await Execute(connection,
                "UPDATE gateways SET stored_through_seq = @through, last_seen_at = @now WHERE gateway_id = @g",
                ct, ("@through", through), ("@now", Text(now)), ("@g", record.GatewayId));
            await tx.CommitAsync(ct);
            return new StoreOutcome(isNew, through, step);
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

    public async Task<IReadOnlyList<QueuedAlert>> ListAlertsAsync(AlertStatus? status, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await using var cmd = Command(connection,
            """
            SELECT gateway_id, alert_id, home_id, type, priority, status, sensor_id, summary, count,
                   raised_at, evidence_at, first_received_at, last_event_at, last_seq
            FROM alerts
            WHERE @status IS NULL OR status = @status
            ORDER BY priority, raised_at, gateway_id, alert_id
            """,
            ("@status", status is null ? null : StatusText(status.Value)));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<QueuedAlert>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new QueuedAlert(
                reader.GetString(0), reader.GetString(1), reader.GetString(2),
                (AlertType)reader.GetInt32(3), (AlertPriority)reader.GetInt32(4),
                reader.GetString(5) == "cleared" ? AlertStatus.Cleared : AlertStatus.Open,
                reader.GetString(6), reader.GetString(7), reader.GetInt32(8),
                Parse(reader.GetString(9)), Parse(reader.GetString(10)), Parse(reader.GetString(11)),
                Parse(reader.GetString(12)), reader.GetInt64(13)));
        }

        return rows;
    }

    public async Task<bool> AddGatewayAsync(string gatewayId, string homeId, CancellationToken ct = default)
    {
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            return await Execute(connection,
                "INSERT OR IGNORE INTO gateways(gateway_id, home_id, created_at, stored_through_seq) VALUES (@g, @home, @now, 0)",
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
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(ct);
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
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(ct);
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
        SqliteConnection connection, string gatewayId, string reason, DateTimeOffset now, CancellationToken ct)
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
                "INSERT OR IGNORE INTO users(name, password_hash, role, created_at) VALUES (@n, @p, @r, @now)",
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
        await using var cmd = Command(connection, "SELECT name, password_hash, role FROM users WHERE name = @n", ("@n", name));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? new ConsoleUser(reader.GetString(0), reader.GetString(1), reader.GetString(2)) : null;
    }

    public async Task<bool> AddApiTokenAsync(string name, byte[] tokenHash, CancellationToken ct = default)
    {
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            return await Execute(connection,
                "INSERT OR IGNORE INTO api_tokens(name, token_hash, created_at) VALUES (@n, @h, @now)",
                ct, ("@n", name), ("@h", tokenHash), ("@now", Text(time.GetUtcNow()))) == 1;
        }
        finally
        {
            writeLock.Release();
        }
    }

    public async Task<string?> FindApiTokenByHashAsync(byte[] tokenHash, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await using var cmd = Command(connection, "SELECT name, token_hash FROM api_tokens WHERE token_hash = @h", ("@h", tokenHash));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) && CryptographicOperations.FixedTimeEquals((byte[])reader["token_hash"], tokenHash)
            ? reader.GetString(0)
            : null;
    }

    public void Dispose() => writeLock.Dispose();

    private async Task<SqliteConnection> OpenAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(ct);
        // An ack promises the record survives a power cut: FULL syncs the WAL on every commit.
        await Execute(connection, "PRAGMA synchronous = FULL", ct);
        return connection;
    }

    /// <summary>Opens a connection holding the write lock; the caller releases it.</summary>
    private async Task<SqliteConnection> OpenForWriteAsync(CancellationToken ct)
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

    private static async Task<long?> ReadStoredThroughAsync(SqliteConnection connection, string gatewayId, CancellationToken ct)
    {
        await using var cmd = Command(connection, "SELECT stored_through_seq FROM gateways WHERE gateway_id = @g", ("@g", gatewayId));
        return await cmd.ExecuteScalarAsync(ct) is long value ? value : null;
    }

    private static async Task<bool> SeqExistsAsync(SqliteConnection connection, string gatewayId, long seq, CancellationToken ct)
    {
        await using var cmd = Command(connection,
            """
            SELECT EXISTS(SELECT 1 FROM alert_events WHERE gateway_id = @g AND seq = @s)
                OR EXISTS(SELECT 1 FROM sensor_events WHERE gateway_id = @g AND seq = @s)
            """,
            ("@g", gatewayId), ("@s", seq));
        return await cmd.ExecuteScalarAsync(ct) is long and not 0;
    }

    private static Task<int> InsertAlertEventAsync(SqliteConnection connection, IncomingRecord record, AlertEvent alert, DateTimeOffset now, CancellationToken ct) =>
        Execute(connection,
            """
            INSERT OR IGNORE INTO alert_events(gateway_id, seq, alert_id, kind, type, priority, home_id, sensor_id,
                at, evidence_at, count, summary, recorded_at, received_at)
            VALUES (@g, @s, @id, @kind, @type, @prio, @home, @sensor, @at, @evidence, @count, @summary, @recorded, @now)
            """,
            ct, ("@g", record.GatewayId), ("@s", record.Seq), ("@id", alert.AlertId), ("@kind", (int)alert.Kind),
            ("@type", (int)alert.Type), ("@prio", (int)alert.Priority), ("@home", alert.HomeId), ("@sensor", alert.SensorId),
            ("@at", Text(alert.At)), ("@evidence", Text(alert.EvidenceAt)), ("@count", alert.Count), ("@summary", alert.Summary),
            ("@recorded", Text(record.RecordedAt)), ("@now", Text(now)));

    private static Task<int> InsertSensorEventAsync(SqliteConnection connection, IncomingRecord record, DateTimeOffset now, CancellationToken ct)
    {
        var e = record.Sensor!;
        return Execute(connection,
            """
            INSERT OR IGNORE INTO sensor_events(gateway_id, seq, home_id, sensor_id, kind, state, at, source,
                value, battery_percent, link_quality, received_at)
            VALUES (@g, @s, @home, @sensor, @kind, @state, @at, @source, @value, @battery, @lqi, @now)
            """,
            ct, ("@g", record.GatewayId), ("@s", record.Seq), ("@home", e.HomeId), ("@sensor", e.SensorId),
            ("@kind", (int)e.Kind), ("@state", e.State), ("@at", Text(e.At)), ("@source", e.Source),
            ("@value", e.Value), ("@battery", e.BatteryPercent), ("@lqi", e.LinkQuality), ("@now", Text(now)));
    }

    /// <summary>
    /// One queue row per alert. A repeat or an escalation updates it (count, priority, summary); a clear
    /// closes it but keeps the priority it had, so the dispatcher still sees how serious it was.
    /// </summary>
    private static Task<int> UpsertQueueRowAsync(SqliteConnection connection, string gatewayId, long seq, AlertEvent alert, DateTimeOffset now, CancellationToken ct) =>
        Execute(connection,
            """
            INSERT INTO alerts(gateway_id, alert_id, home_id, type, priority, status, sensor_id, summary, count,
                raised_at, evidence_at, first_received_at, last_event_at, last_seq)
            VALUES (@g, @id, @home, @type, @prio, @status, @sensor, @summary, @count, @at, @evidence, @now, @at, @seq)
            ON CONFLICT(gateway_id, alert_id) DO UPDATE SET
                priority = CASE WHEN @kind = @cleared THEN alerts.priority ELSE excluded.priority END,
                status = CASE WHEN @kind = @cleared THEN 'cleared' ELSE alerts.status END,
                summary = excluded.summary,
                count = MAX(alerts.count, excluded.count),
                evidence_at = excluded.evidence_at,
                last_event_at = excluded.last_event_at,
                last_seq = excluded.last_seq
            """,
            ct, ("@g", gatewayId), ("@id", alert.AlertId), ("@home", alert.HomeId), ("@type", (int)alert.Type),
            ("@prio", (int)alert.Priority),
            ("@status", StatusText(alert.Kind == AlertEventKind.Cleared ? AlertStatus.Cleared : AlertStatus.Open)),
            ("@sensor", alert.SensorId), ("@summary", alert.Summary), ("@count", alert.Count), ("@at", Text(alert.At)),
            ("@evidence", Text(alert.EvidenceAt)), ("@now", Text(now)), ("@seq", seq),
            ("@kind", (int)alert.Kind), ("@cleared", (int)AlertEventKind.Cleared));

    internal static string StatusText(AlertStatus status) => status == AlertStatus.Cleared ? "cleared" : "open";

    internal static string Text(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset Parse(string text) =>
        DateTimeOffset.ParseExact(text, "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    internal static SqliteCommand Command(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return cmd;
    }

    internal static async Task<int> Execute(SqliteConnection connection, string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var cmd = Command(connection, sql, parameters);
        return await cmd.ExecuteNonQueryAsync(ct);
    }
}
