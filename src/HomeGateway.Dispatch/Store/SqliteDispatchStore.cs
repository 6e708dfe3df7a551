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
        if ((record.Alert is null ? 0 : 1) + (record.Sensor is null ? 0 : 1) + (record.Gap is null ? 0 : 1) != 1)
        {
            throw new ArgumentException("A record carries exactly one of an alert event, a sensor event or a telemetry gap.", nameof(record));
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
            var through = storedThrough;
            var covers = record.Gap?.FromSeq ?? record.Seq;
            if (covers <= through + 1 && record.Seq > through)
            {
                through = record.Seq;
                while (await StoredThroughAfterAsync(connection, record.GatewayId, through + 1, ct) is { } next)
                {
                    through = next;
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

    public async Task<GatewayAccount?> FindGatewayByTokenHashAsync(byte[] tokenHash, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await using var cmd = Command(connection,
            "SELECT gateway_id, home_id, token_hash, stored_through_seq FROM gateways WHERE token_hash = @h", ("@h", tokenHash));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        var stored = (byte[])reader["token_hash"];
        // The index found the row; comparing again in constant time keeps the decision itself timing-safe.
        return CryptographicOperations.FixedTimeEquals(stored, tokenHash)
            ? new GatewayAccount(reader.GetString(0), reader.GetString(1), stored, reader.GetInt64(3))
            : null;
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

    public async Task<bool> SetGatewayCredentialAsync(string gatewayId, string homeId, byte[] tokenHash, CancellationToken ct = default)
    {
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(ct);
            var existed = await ReadStoredThroughAsync(connection, gatewayId, ct) is not null;
            await Execute(connection,
                """
                INSERT INTO gateways(gateway_id, home_id, token_hash, created_at, stored_through_seq)
                VALUES (@g, @home, @h, @now, 0)
                ON CONFLICT(gateway_id) DO UPDATE SET home_id = excluded.home_id, token_hash = excluded.token_hash
                """,
                ct, ("@g", gatewayId), ("@home", homeId), ("@h", tokenHash), ("@now", Text(time.GetUtcNow())));
            await tx.CommitAsync(ct);
            return existed;
        }
        finally
        {
            writeLock.Release();
        }
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
                OR EXISTS(SELECT 1 FROM telemetry_gaps WHERE gateway_id = @g AND seq = @s)
            """,
            ("@g", gatewayId), ("@s", seq));
        return await cmd.ExecuteScalarAsync(ct) is long and not 0;
    }

    /// <summary>When <paramref name="seq"/> is stored: itself, or the end of the telemetry gap covering it; else null.</summary>
    private static async Task<long?> StoredThroughAfterAsync(SqliteConnection connection, string gatewayId, long seq, CancellationToken ct)
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

    private static Task<int> InsertTelemetryGapAsync(SqliteConnection connection, IncomingRecord record, TelemetryGapInfo gap, DateTimeOffset now, CancellationToken ct) =>
        Execute(connection,
            """
            INSERT OR IGNORE INTO telemetry_gaps(gateway_id, seq, from_seq, count, first_recorded_at, last_recorded_at, received_at)
            VALUES (@g, @s, @from, @count, @first, @last, @now)
            """,
            ct, ("@g", record.GatewayId), ("@s", record.Seq), ("@from", gap.FromSeq), ("@count", gap.Count),
            ("@first", Text(gap.FirstRecordedAt)), ("@last", Text(gap.LastRecordedAt)), ("@now", Text(now)));

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
