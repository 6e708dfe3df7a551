using System.Data.Common;
using HomeGateway.Core.Events;

namespace HomeGateway.Dispatch.Store;

/// <summary>
/// Gateways' home profiles: the home's time zone and the sensors' display names and places, which the alert views
/// join in (one query for the whole queue, never one per alert).
/// </summary>
public sealed partial class DispatchStore
{
    /// <summary>
    /// The time zone of the home in column <c>a.home_id</c>: the one its most recently seen gateway sent, else UTC.
    /// A correlated lookup on <c>gateways(home_id, last_seen_at)</c>: a home has one gateway, rarely two.
    /// </summary>
    private const string AlertHomeTimeZone =
        "COALESCE((SELECT z.time_zone FROM gateways z WHERE z.home_id = a.home_id AND z.time_zone IS NOT NULL "
        + "ORDER BY COALESCE(z.last_seen_at, '') DESC, z.gateway_id LIMIT 1), '" + HomeTimeZones.Unknown + "')";

    /// <summary>As <see cref="AlertHomeTimeZone"/> for a query on <c>homes</c>.</summary>
    private const string HomesTimeZone =
        "COALESCE((SELECT z.time_zone FROM gateways z WHERE z.home_id = homes.home_id AND z.time_zone IS NOT NULL "
        + "ORDER BY COALESCE(z.last_seen_at, '') DESC, z.gateway_id LIMIT 1), '" + HomeTimeZones.Unknown + "')";

    /// <summary>
    /// What a console needs beside a queue row: the alert's sensor's name and place, its home's time zone, the home's
    /// contracted response time (null for a home not registered: <see cref="ResponseMinutesAt"/> gives the default) and
    /// whether the gateway escalated the alert.
    /// </summary>
    private const string AlertLabelColumns = "s.name, s.location, " + AlertHomeTimeZone
        + ", (SELECT h.response_minutes FROM homes h WHERE h.home_id = a.home_id)"
        + ", CASE WHEN EXISTS(SELECT 1 FROM alert_events e WHERE e.gateway_id = a.gateway_id AND e.alert_id = a.alert_id AND e.kind = "
        + GatewayEscalatedKind + ") THEN 1 ELSE 0 END";

    // The stored kind of a gateway's escalation step (AlertEventKind.Escalated, frozen like every persisted enum value).
    private const string GatewayEscalatedKind = "4";

    private const string AlertSensorJoin = "LEFT JOIN gateway_sensors s ON s.gateway_id = a.gateway_id AND s.sensor_id = a.sensor_id";

    public async Task StoreGatewayProfileAsync(string gatewayId, GatewayProfile profile, CancellationToken ct = default)
    {
        var now = Text(time.GetUtcNow());
        await using var connection = await OpenForWriteAsync(ct);
        try
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            if (await LockGatewayAsync(connection, gatewayId, ct) is null)
            {
                return;
            }

            await Execute(connection, "UPDATE gateways SET time_zone = @tz WHERE gateway_id = @g", ct, ("@tz", profile.TimeZone), ("@g", gatewayId));
            await Execute(connection, "DELETE FROM gateway_sensors WHERE gateway_id = @g", ct, ("@g", gatewayId));
            foreach (var sensor in profile.Sensors)
            {
                await Execute(connection,
                    """
                    INSERT INTO gateway_sensors(gateway_id, sensor_id, kind, name, location, updated_at)
                    VALUES (@g, @sensor, @kind, @name, @location, @now)
                    ON CONFLICT(gateway_id, sensor_id) DO NOTHING
                    """,
                    ct, ("@g", gatewayId), ("@sensor", sensor.SensorId), ("@kind", (int)sensor.Kind), ("@name", sensor.Name),
                    ("@location", sensor.Location), ("@now", now));
            }

            await tx.CommitAsync(ct);
        }
        finally
        {
            writeLock.Release();
        }
    }

    public async Task<IReadOnlyList<GatewaySensor>> ListGatewaySensorsAsync(string gatewayId, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await using var cmd = Command(connection,
            "SELECT sensor_id, kind, name, location FROM gateway_sensors WHERE gateway_id = @g ORDER BY sensor_id", ("@g", gatewayId));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<GatewaySensor>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new GatewaySensor(reader.GetString(0), (SensorKind)reader.GetInt32(1),
                reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        }

        return rows;
    }

    /// <summary>The step with its sensor's name and place and its home's time zone, as the live feed announces it.</summary>
    private static async Task<StoredAlertStep> LabelledAsync(DbConnection connection, StoredAlertStep step, CancellationToken ct)
    {
        await using var cmd = Command(connection,
            $"""
            SELECT {AlertLabelColumns}
            FROM (SELECT CAST(@home AS TEXT) AS home_id, CAST(@g AS TEXT) AS gateway_id, CAST(@sensor AS TEXT) AS sensor_id,
                         CAST(@alert AS TEXT) AS alert_id) a
            {AlertSensorJoin}
            """,
            ("@home", step.Alert.HomeId), ("@g", step.GatewayId), ("@sensor", step.Alert.SensorId), ("@alert", step.Alert.AlertId));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? step with
            {
                SensorName = reader.IsDBNull(0) ? null : reader.GetString(0),
                SensorLocation = reader.IsDBNull(1) ? null : reader.GetString(1),
                TimeZone = reader.GetString(2),
                ResponseMinutes = ResponseMinutesAt(reader, 3),
            }
            : step;
    }

    /// <summary>Columns <paramref name="at"/>.. as <see cref="AlertLabelColumns"/> selects them, onto a queue row.</summary>
    private static QueuedAlert WithLabels(QueuedAlert alert, DbDataReader reader, int at) => alert with
    {
        SensorName = reader.IsDBNull(at) ? null : reader.GetString(at),
        SensorLocation = reader.IsDBNull(at + 1) ? null : reader.GetString(at + 1),
        TimeZone = reader.GetString(at + 2),
        ResponseMinutes = ResponseMinutesAt(reader, at + 3),
        GatewayEscalated = Convert.ToInt32(reader.GetValue(at + 4), System.Globalization.CultureInfo.InvariantCulture) == 1,
    };

    /// <summary>A home's contracted response time from the label columns; the default for a home not registered.</summary>
    private static int ResponseMinutesAt(DbDataReader reader, int at) =>
        reader.IsDBNull(at) ? HomeDetails.DefaultResponseMinutes : Convert.ToInt32(reader.GetValue(at), System.Globalization.CultureInfo.InvariantCulture);
}
