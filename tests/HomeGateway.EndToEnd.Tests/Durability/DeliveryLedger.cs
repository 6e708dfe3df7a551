using System.Text.Json;
using HomeGateway.Gateway.Status;
using HomeGateway.Simulator.Demo;
using Microsoft.Data.Sqlite;
using MQTTnet;

namespace HomeGateway.EndToEnd.Tests.Durability;

/// <summary>
/// What the durability tests compare: what the gateway says it journalled (its status file) against what dispatch
/// holds (its SQLite file, read directly). Plus the device that presses buttons in bursts.
/// </summary>
internal static class DeliveryLedger
{
    /// <summary>Four MQTT help buttons (our own JSON profile) and a one-second repeat window, so bursts make many alert steps.</summary>
    public const string Home = """
        home: { id: kotka-0042, timezone: Europe/Helsinki }
        sensors:
          - { id: b1, kind: help_button, mqtt: { topic: homegateway/kotka-0042/b1, profile: homegateway } }
          - { id: b2, kind: help_button, mqtt: { topic: homegateway/kotka-0042/b2, profile: homegateway } }
          - { id: b3, kind: help_button, mqtt: { topic: homegateway/kotka-0042/b3, profile: homegateway } }
          - { id: b4, kind: help_button, mqtt: { topic: homegateway/kotka-0042/b4, profile: homegateway } }
          - { id: hall_door, kind: door, mqtt: { topic: homegateway/kotka-0042/hall_door, profile: homegateway } }
        rules:
          help: { repeatWindow: 1s }
          escalation: { maxEscalations: 0 }
        """;

    /// <summary>A number from the environment (for long runs: HOMEGATEWAY_KILL_ROUNDS=200 make test), else the default.</summary>
    public static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out var value) && value > 0 ? value : fallback;

    /// <summary>
    /// Presses the buttons as fast as the broker takes them (QoS 1) until cancelled or the gateway dies under it.
    /// Returns how many presses the broker acknowledged.
    /// </summary>
    public static async Task<int> PressInBurstsAsync(LocalDeployment deployment, CancellationToken stop)
    {
        var acknowledged = 0;
        var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            await client.ConnectAsync(new MqttClientOptionsBuilder()
                .WithTcpServer("127.0.0.1", deployment.MqttPort)
                .WithCredentials(deployment.SimulatorMqttUser, deployment.SimulatorMqttPassword)
                .WithTimeout(TimeSpan.FromSeconds(5))
                .Build(), stop);
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var message = new MqttApplicationMessageBuilder()
                    .WithTopic($"homegateway/kotka-0042/b{(i % 4) + 1}")
                    .WithPayload("""{"state":"pressed"}""")
                    .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce)
                    .Build();
                await client.PublishAsync(message, stop);
                acknowledged++;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            // The gateway was killed under the burst, or the test stopped it: both are the point.
        }
        finally
        {
            try
            {
                client.Dispose();
            }
            catch (ObjectDisposedException)
            {
                // MQTTnet's client can trip over its own disposed token source when the broker died under it (seen once
                // in CI); the presses it had acknowledged are already counted.
            }
        }

        return acknowledged;
    }

    /// <summary>
    /// The gateway's own account, once it says dispatch has acknowledged everything it journalled. Fails when dispatch's
    /// acknowledgements stop moving for <paramref name="timeout"/> (a stall is the bug; a long backlog draining on a busy
    /// machine is not: the faster the gateway starts, the more a kill test journals between kills). The test's own
    /// cancellation bounds the whole wait.
    /// </summary>
    public static async Task<GatewayStatus> WaitUntilAllAcknowledgedAsync(LocalDeployment deployment, TimeSpan timeout, CancellationToken ct)
    {
        var path = Path.Combine(deployment.GatewayData, StatusFileWriter.FileName);
        var deadline = DateTime.UtcNow + timeout;
        GatewayStatus? status = null;
        var ackedSeq = -1L;
        while (DateTime.UtcNow < deadline)
        {
            status = Read(path);
            if (status is { Uplink: { State: "connected", OutboxDepth: 0, LastSeq: > 0 } })
            {
                return status;
            }

            if (status is not null && status.Uplink.AckedSeq > ackedSeq)
            {
                ackedSeq = status.Uplink.AckedSeq;
                deadline = DateTime.UtcNow + timeout;
            }

            await Task.Delay(250, ct);
        }

        Assert.Fail($"dispatch acknowledged nothing more for {timeout}: {(status is null ? "no status file" : JsonSerializer.Serialize(status.Uplink))}\n{Logs(deployment)}");
        return status!;
    }

    public static GatewayStatus? Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(path), StatusJsonContext.Default.GatewayStatus);
        }
        catch (Exception ex) when (ex is IOException or JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Floods the door sensor (telemetry, no rule watches it) with <paramref name="messages"/> changes, with a help
    /// press every <paramref name="pressEvery"/> messages. Returns the presses the broker acknowledged.
    /// </summary>
    public static async Task<int> FloodAsync(LocalDeployment deployment, int messages, int pressEvery, CancellationToken ct)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", deployment.MqttPort)
            .WithCredentials(deployment.SimulatorMqttUser, deployment.SimulatorMqttPassword)
            .Build(), ct);
        var presses = 0;
        for (var i = 1; i <= messages; i++)
        {
            var press = i % pressEvery == 0;
            await client.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic(press ? $"homegateway/kotka-0042/b{(i / pressEvery % 4) + 1}" : "homegateway/kotka-0042/hall_door")
                .WithPayload(press ? """{"state":"pressed"}""" : i % 2 == 0 ? """{"state":"open"}""" : """{"state":"closed"}""")
                // Telemetry at QoS 0 (as Zigbee2MQTT sends by default), so the flood is quick; presses at QoS 1.
                .WithQualityOfServiceLevel(press ? MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce : MQTTnet.Protocol.MqttQualityOfServiceLevel.AtMostOnce)
                .Build(), ct);
            presses += press ? 1 : 0;
        }

        // A last QoS 1 round trip: the broker has handled everything sent before it on this connection.
        await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("homegateway/kotka-0042/hall_door").WithPayload("""{"state":"closed"}""")
            .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct);
        await client.DisconnectAsync(cancellationToken: ct);
        return presses;
    }

    /// <summary>
    /// Dispatch holds each of the gateway's records 1..<paramref name="lastSeq"/> exactly once, stored in sequence
    /// order, or knows it as dropped telemetry (a gap record covering it), and each alert in the queue once with the
    /// count its steps add up to. Returns how many records dispatch knows as dropped.
    /// </summary>
    public static long AssertExactlyOnceInOrder(LocalDeployment deployment, long lastSeq)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(deployment.DispatchData, "dispatch.db"),
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        connection.Open();

        var alertSeqs = Longs(connection, "SELECT seq FROM alert_events WHERE gateway_id = $g ORDER BY rowid");
        var eventSeqs = Longs(connection, "SELECT seq FROM sensor_events WHERE gateway_id = $g ORDER BY rowid");
        // Stored in the order they were journalled: insertion order is sequence order, per table.
        Assert.Equal(alertSeqs.Order(), alertSeqs);
        Assert.Equal(eventSeqs.Order(), eventSeqs);

        var all = alertSeqs.Concat(eventSeqs).Order().ToList();
        // A gap record (seq = its last dropped sequence) stands for the telemetry from from_seq through seq.
        var dropped = new HashSet<long>();
        foreach (var range in Longs(connection, "SELECT from_seq FROM telemetry_gaps WHERE gateway_id = $g ORDER BY seq")
            .Zip(Longs(connection, "SELECT seq FROM telemetry_gaps WHERE gateway_id = $g ORDER BY seq")))
        {
            for (var seq = range.First; seq <= range.Second; seq++)
            {
                dropped.Add(seq);
            }
        }

        var missing = Enumerable.Range(1, (int)lastSeq).Select(i => (long)i).Except(all).Where(s => !dropped.Contains(s)).ToList();
        var duplicated = all.GroupBy(s => s).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(missing.Count == 0 && duplicated.Count == 0 && all.Max() <= lastSeq,
            $"dispatch holds {all.Count} record(s) and {dropped.Count} dropped for 1..{lastSeq}; missing {string.Join(",", missing.Take(20))}; duplicated {string.Join(",", duplicated.Take(20))}");
        Assert.DoesNotContain(alertSeqs, dropped.Contains);

        using var counts = connection.CreateCommand();
        counts.CommandText = """
            SELECT a.alert_id, a.count, (SELECT COUNT(*) FROM alert_events e WHERE e.gateway_id = a.gateway_id AND e.alert_id = a.alert_id AND e.kind IN (1, 2))
            FROM alerts a WHERE a.gateway_id = $g AND a.origin = 'gateway'
            """;
        counts.Parameters.AddWithValue("$g", LocalDeployment.GatewayId);
        using var reader = counts.ExecuteReader();
        var alerts = 0;
        while (reader.Read())
        {
            alerts++;
            Assert.True(reader.GetInt64(1) == reader.GetInt64(2), $"alert {reader.GetString(0)} shows count {reader.GetInt64(1)} but has {reader.GetInt64(2)} raised/repeated steps");
        }

        Assert.True(alerts > 0, "no alert reached the queue at all");
        return dropped.Count;
    }

    /// <summary>The "gateway offline" alerts dispatch's supervision raised for the gateway: (status, summary) each.</summary>
    public static List<(string Status, string Summary)> OfflineAlerts(LocalDeployment deployment)
    {
        using var connection = OpenDispatchStore(deployment);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT status, summary FROM alerts WHERE gateway_id = $g AND origin = 'dispatch' ORDER BY raised_at";
        command.Parameters.AddWithValue("$g", LocalDeployment.GatewayId);
        using var reader = command.ExecuteReader();
        var found = new List<(string, string)>();
        while (reader.Read())
        {
            found.Add((reader.GetString(0), reader.GetString(1)));
        }

        return found;
    }

    /// <summary>The gateway as a client of the home's own mosquitto (external mode), logged in as its gateway user.</summary>
    public static void UseHomeMosquitto(LocalDeployment deployment, HomeGateway.Gateway.Tests.Mqtt.MosquittoBroker broker, string work)
    {
        var passwordFile = Path.Combine(work, "mqtt-external-password");
        File.WriteAllText(passwordFile, broker.GatewayPassword + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        deployment.GatewaySettings.AddRange(
        [
            "--Gateway:Mqtt:Mode=external",
            "--Gateway:Mqtt:External:Host=127.0.0.1",
            "--Gateway:Mqtt:External:Port=" + broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--Gateway:Mqtt:External:UserName=" + HomeGateway.Gateway.Tests.Mqtt.MosquittoBroker.GatewayUser,
            "--Gateway:Mqtt:External:PasswordFile=" + passwordFile,
        ]);
    }

    /// <summary>Help alert steps at dispatch (type 2; kinds 1 and 2, raised and repeated): one per press.</summary>
    public static long HelpStepsAtDispatch(LocalDeployment deployment)
    {
        using var connection = OpenDispatchStore(deployment);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM alert_events WHERE gateway_id = $g AND type = 2 AND kind IN (1, 2)";
        command.Parameters.AddWithValue("$g", LocalDeployment.GatewayId);
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Polls until <paramref name="condition"/> holds; fails with "timed out waiting until …" after <paramref name="timeout"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> what, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what()}");
            await Task.Delay(50, ct);
        }
    }

    /// <summary>Dispatch's SQLite store, read-only and unpooled: the tests read it while dispatch writes.</summary>
    public static SqliteConnection OpenDispatchStore(LocalDeployment deployment)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(deployment.DispatchData, "dispatch.db"),
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        connection.Open();
        return connection;
    }

    public static string Logs(LocalDeployment deployment)
    {
        static string Tail(string file) =>
            File.Exists(file) ? string.Join('\n', ReadShared(file).Split('\n').TakeLast(40)) : "(none)";
        return $"--- gateway.log\n{Tail(Path.Combine(deployment.WorkDirectory, "gateway.log"))}\n--- dispatch.log\n{Tail(Path.Combine(deployment.WorkDirectory, "dispatch.log"))}";
    }

    private static string ReadShared(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static List<long> Longs(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$g", LocalDeployment.GatewayId);
        using var reader = command.ExecuteReader();
        var values = new List<long>();
        while (reader.Read())
        {
            values.Add(reader.GetInt64(0));
        }

        return values;
    }
}
