using HomeGateway.Core.Alerts;
using HomeGateway.Core.Events;
using System.Data.Common;

namespace HomeGateway.Dispatch.Store;

/// <summary>
/// The fleet page's questions: which gateways are offline or never connected, and which sensors are offline or
/// running out of battery. Plain SQL that PostgreSQL runs the same way (no SQLite-only functions).
/// </summary>
public sealed partial class DispatchStore
{
    public async Task<IReadOnlyList<FleetGateway>> ListFleetAsync(int lowBatteryPercent, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        var problems = await ReadSensorProblemsAsync(connection, lowBatteryPercent, ct);

        await using var cmd = Command(connection,
            """
            SELECT g.gateway_id, g.home_id, g.last_seen_at, o.offline_at, g.software_version,
                   (SELECT MAX(c.not_after) FROM gateway_certificates c WHERE c.gateway_id = g.gateway_id AND c.revoked_at IS NULL)
            FROM gateways g LEFT JOIN gateway_outages o ON o.gateway_id = g.gateway_id AND o.restored_at IS NULL
            """);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<FleetGateway>();
        while (await reader.ReadAsync(ct))
        {
            var gatewayId = reader.GetString(0);
            rows.Add(new FleetGateway(gatewayId, reader.GetString(1), NullableTime(reader, 2), NullableTime(reader, 3),
                reader.IsDBNull(4) ? null : reader.GetString(4), NullableTime(reader, 5),
                problems.TryGetValue(gatewayId, out var sensors) ? sensors : []));
        }

        return [.. rows.OrderBy(FleetRank).ThenBy(g => g.GatewayId, StringComparer.Ordinal)];
    }

    /// <summary>Problems first: a gateway offline, then one with sensor problems, then one not installed yet, then the rest.</summary>
    private static int FleetRank(FleetGateway gateway) =>
        gateway.State == GatewayState.Offline ? 0
        : gateway.SensorProblems.Count > 0 ? 1
        : gateway.State == GatewayState.NotYetConnected ? 2
        : 3;

    /// <summary>
    /// Per gateway, its sensors whose latest availability report says offline or whose latest battery level is below
    /// the threshold, together with the gateway's own open "sensor offline" and "low battery" alerts (which also cover
    /// a sensor gone silent and a device that sends only a low-battery flag). "Latest" is by journal sequence.
    /// </summary>
    private static async Task<Dictionary<string, IReadOnlyList<SensorProblem>>> ReadSensorProblemsAsync(
        DbConnection connection, int lowBatteryPercent, CancellationToken ct)
    {
        var found = new Dictionary<(string Gateway, string Sensor, SensorProblemKind Kind), SensorProblem>();
        void Add(string gatewayId, SensorProblem problem)
        {
            var key = (gatewayId, problem.SensorId, problem.Kind);
            if (!found.TryGetValue(key, out var known) || known.ReportedAt < problem.ReportedAt)
            {
                found[key] = problem with { BatteryPercent = problem.BatteryPercent ?? known?.BatteryPercent };
            }
            else if (known.BatteryPercent is null && problem.BatteryPercent is not null)
            {
                found[key] = known with { BatteryPercent = problem.BatteryPercent };
            }
        }

        await using (var offline = Command(connection,
            """
            SELECT e.gateway_id, e.sensor_id, e.at
            FROM sensor_events e
            JOIN (SELECT gateway_id, sensor_id, MAX(seq) AS seq FROM sensor_events WHERE kind = @availability GROUP BY gateway_id, sensor_id) latest
              ON latest.gateway_id = e.gateway_id AND latest.seq = e.seq
            WHERE e.state = @offline
            """,
            ("@availability", (int)SensorKind.Availability), ("@offline", SensorStates.Offline)))
        await using (var reader = await offline.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                Add(reader.GetString(0), new SensorProblem(reader.GetString(1), SensorProblemKind.Offline, null, Parse(reader.GetString(2))));
            }
        }

        await using (var battery = Command(connection,
            """
            SELECT e.gateway_id, e.sensor_id, e.battery_percent, e.at
            FROM sensor_events e
            JOIN (SELECT gateway_id, sensor_id, MAX(seq) AS seq FROM sensor_events WHERE battery_percent IS NOT NULL GROUP BY gateway_id, sensor_id) latest
              ON latest.gateway_id = e.gateway_id AND latest.seq = e.seq
            WHERE e.battery_percent < @threshold
            """,
            ("@threshold", lowBatteryPercent)))
        await using (var reader = await battery.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                Add(reader.GetString(0), new SensorProblem(reader.GetString(1), SensorProblemKind.LowBattery, reader.GetInt32(2), Parse(reader.GetString(3))));
            }
        }

        await using (var alerts = Command(connection,
            "SELECT gateway_id, sensor_id, type, last_event_at FROM alerts WHERE status = 'open' AND type IN (@sensorOffline, @batteryLow)",
            ("@sensorOffline", (int)AlertType.SensorOffline), ("@batteryLow", (int)AlertType.BatteryLow)))
        await using (var reader = await alerts.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var kind = reader.GetInt32(2) == (int)AlertType.BatteryLow ? SensorProblemKind.LowBattery : SensorProblemKind.Offline;
                Add(reader.GetString(0), new SensorProblem(reader.GetString(1), kind, null, Parse(reader.GetString(3))));
            }
        }

        return found
            .GroupBy(pair => pair.Key.Gateway, StringComparer.Ordinal)
            .ToDictionary(
                group => group.Key,
                group => (IReadOnlyList<SensorProblem>)[.. group.Select(pair => pair.Value).OrderBy(p => p.SensorId, StringComparer.Ordinal).ThenBy(p => p.Kind)],
                StringComparer.Ordinal);
    }

    private static DateTimeOffset? NullableTime(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : Parse(reader.GetString(ordinal));
}
