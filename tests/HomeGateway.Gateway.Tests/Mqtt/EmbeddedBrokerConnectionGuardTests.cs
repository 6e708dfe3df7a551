using System.Diagnostics;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Mqtt;
using MQTTnet;
using MQTTnet.Formatter;
using Xunit.Abstractions;

namespace HomeGateway.Gateway.Tests.Mqtt;

// Guards what the broker spends on a client before it has logged in, and how it answers at its limits: nothing a
// stranger sends costs more than a few KiB, and every refusal carries the code MQTT gives it, on both protocol versions.
public sealed class EmbeddedBrokerConnectionGuardTests(ITestOutputHelper output)
{
    private const int Declared = 255 * 1024 * 1024;

    [Fact]
    public async Task Oversized_connects_before_login_are_closed_without_allocating_what_they_declare()
    {
        await using var f = await BrokerFixture.StartAsync();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var workingSetBefore = Process.GetCurrentProcess().WorkingSet64;

        // The issue's attack: anonymous CONNECT packets declaring 255 MB each, and then a trickle of bytes.
        var connections = new List<RawMqttConnection>();
        for (var i = 0; i < 4; i++)
        {
            var raw = await RawMqttConnection.OpenAsync(f.Broker.Port);
            connections.Add(raw);
            await raw.SendAsync(RawMqttConnection.HeaderOnly(0x10, Declared));
            try
            {
                await raw.SendAsync(new byte[4096]);
            }
            catch (IOException)
            {
                // Already closed by the broker: what this test wants.
            }
        }

        foreach (var raw in connections)
        {
            Assert.True(await raw.ClosedByServerAsync(TimeSpan.FromSeconds(5)), "the broker kept an oversized CONNECT's connection open");
            raw.Dispose();
        }

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        GC.Collect();
        var workingSetAfter = Process.GetCurrentProcess().WorkingSet64;
        output.WriteLine($"4 CONNECTs declaring {Declared / 1048576} MB each: allocated {allocated / 1048576.0:0.0} MB in the process meanwhile; "
            + $"working set {workingSetBefore / 1048576.0:0} MB -> {workingSetAfter / 1048576.0:0} MB");

        // MQTTnet alone allocates the declared size at once: 1 GB for the four. Everything else in the test process stays far below this.
        Assert.True(allocated < 64L * 1024 * 1024, $"{allocated / 1048576} MB allocated while four oversized CONNECTs were refused");
        Assert.Contains(f.Logs.WithEventId(2172), e => e.Message.Contains("before login", StringComparison.Ordinal));

        // And the broker still serves a real client.
        await f.DeviceAsync();
    }

    [Fact]
    public async Task A_logged_in_client_is_cut_off_at_a_packet_over_MaxPacketBytes()
    {
        await using var f = await BrokerFixture.StartAsync(o => o.MaxPacketBytes = 64 * 1024);
        var password = f.Credentials.AddUser("zigbee2mqtt", MqttRoles.Of(MqttRoles.Zigbee2Mqtt));
        using var raw = await RawMqttConnection.OpenAsync(f.Broker.Port);
        await raw.SendAsync(RawMqttConnection.Connect311("z2m", "zigbee2mqtt", password));
        Assert.Equal((byte)0, await raw.ReadConnAckAsync());

        // 20 KiB is over the before-login limit but fine once logged in; 1 MB is over MaxPacketBytes.
        await raw.SendAsync(RawMqttConnection.Publish("zigbee2mqtt/front_door", """{"contact":false,"x":""" + "\"" + new string('a', 20 * 1024) + "\"}"));
        await raw.SendAsync(RawMqttConnection.HeaderOnly(0x30, 1024 * 1024));
        Assert.True(await raw.ClosedByServerAsync(TimeSpan.FromSeconds(5)));
        Assert.Contains(f.Logs.WithEventId(2172), e => e.Message.Contains("MaxPacketBytes", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Connection_attempts_from_one_address_are_limited()
    {
        await using var f = await BrokerFixture.StartAsync(o => o.ConnectionAttemptsPerMinute = 3);
        var attempts = new List<RawMqttConnection>();
        for (var i = 0; i < 4; i++)
        {
            attempts.Add(await RawMqttConnection.OpenAsync(f.Broker.Port));
        }

        // Which of the four the broker saw last is its accept order's business: exactly one of them is refused.
        var closed = await Task.WhenAll(attempts.Select(a => a.ClosedByServerAsync(TimeSpan.FromSeconds(2))));
        Assert.Equal(1, closed.Count(c => c));
        Assert.Contains(f.Logs.WithEventId(2172), e => e.Message.Contains("too many connection attempts", StringComparison.Ordinal));
        attempts.ForEach(a => a.Dispose());
    }

    [Fact]
    public async Task Connection_limit_answers_quota_exceeded_on_MQTT_5_and_server_unavailable_on_3_1_1()
    {
        await using var f = await BrokerFixture.StartAsync(); // MaxConnections = 8
        var password = f.Credentials.AddUser("zigbee2mqtt", BrokerFixture.Everything);
        for (var i = 0; i < 8; i++)
        {
            Assert.Equal(MqttClientConnectResultCode.Success, (await f.ConnectAsync("zigbee2mqtt", password)).Result);
        }

        var (_, v5) = await f.ConnectAsync("zigbee2mqtt", password, MqttProtocolVersion.V500);
        using var raw = await RawMqttConnection.OpenAsync(f.Broker.Port);
        await raw.SendAsync(RawMqttConnection.Connect311("ninth", "zigbee2mqtt", password));

        Assert.Equal(MqttClientConnectResultCode.QuotaExceeded, v5);
        Assert.Equal((byte)3, await raw.ReadConnAckAsync()); // 3.1.1 return code 3: server unavailable (not 1, unacceptable protocol version)
    }

    [Fact]
    public async Task An_empty_client_id_with_clean_session_gets_one_from_the_broker_on_both_versions()
    {
        await using var f = await BrokerFixture.StartAsync();
        var password = f.Credentials.AddUser("technician", MqttRoles.Of(MqttRoles.Reader));

        using var raw = await RawMqttConnection.OpenAsync(f.Broker.Port);
        await raw.SendAsync(RawMqttConnection.Connect311("", "technician", password));
        Assert.Equal((byte)0, await raw.ReadConnAckAsync());

        // Without clean session there is no session to give an id to: refused as MQTT 3.1.1 §3.1.3.1 says, and logged.
        using var persistent = await RawMqttConnection.OpenAsync(f.Broker.Port);
        await persistent.SendAsync(RawMqttConnection.Connect311("", "technician", password, cleanSession: false));
        Assert.Equal((byte)2, await persistent.ReadConnAckAsync());

        using var v5 = new MqttClientFactory().CreateMqttClient();
        var result = await v5.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", f.Broker.Port)
            .WithProtocolVersion(MqttProtocolVersion.V500).WithClientId("").WithCredentials("technician", password).Build());
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        Assert.StartsWith("auto-", result.AssignedClientIdentifier, StringComparison.Ordinal);
        await v5.DisconnectAsync();
    }

    [Fact]
    public async Task The_deployment_guides_mosquitto_sub_line_works_for_a_reader_login()
    {
        await using var f = await BrokerFixture.StartAsync();
        var password = f.Credentials.AddUser("technician", MqttRoles.Of(MqttRoles.Reader));
        var device = await f.DeviceAsync();

        // deploy/README.md: mosquitto_sub -h 127.0.0.1 -u technician -P PASSWORD -v -t '#'
        using var sub = Process.Start(new ProcessStartInfo("mosquitto_sub",
            ["-h", "127.0.0.1", "-p", f.Broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-u", "technician", "-P", password, "-v", "-t", "#", "-C", "1", "-W", "10"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var line = sub.StandardOutput.ReadLineAsync();
        while (!line.IsCompleted && !sub.HasExited)
        {
            await device.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("zigbee2mqtt/front_door").WithPayload("""{"contact":true}""").Build());
            await Task.WhenAny(line, Task.Delay(200));
        }

        Assert.Equal("""zigbee2mqtt/front_door {"contact":true}""", await line);
        await sub.WaitForExitAsync();
        Assert.Equal(0, sub.ExitCode);
    }

    [Fact]
    public async Task A_QoS_0_message_in_hand_over_when_its_connection_is_taken_over_is_still_journalled()
    {
        await using var f = await BrokerFixture.StartAsync();
        var password = f.Credentials.AddUser("zigbee2mqtt", MqttRoles.Of(MqttRoles.Zigbee2Mqtt));
        f.Sink.PublishGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        using var first = await RawMqttConnection.OpenAsync(f.Broker.Port);
        await first.SendAsync(RawMqttConnection.Connect311("z2m", "zigbee2mqtt", password));
        Assert.Equal((byte)0, await first.ReadConnAckAsync());
        await first.SendAsync(RawMqttConnection.Publish("zigbee2mqtt/front_door", """{"contact":false}"""));
        await f.Sink.PublishWaiting.Task.WaitAsync(TimeSpan.FromSeconds(5));

        // The same login reconnects with the same client id (a Wi-Fi blip) while the message is being handed over.
        using var second = await RawMqttConnection.OpenAsync(f.Broker.Port);
        await second.SendAsync(RawMqttConnection.Connect311("z2m", "zigbee2mqtt", password));
        await Task.Delay(500);
        f.Sink.PublishGate.SetResult();
        Assert.Equal((byte)0, await second.ReadConnAckAsync());

        var e = await f.Sink.NextAsync();
        Assert.Equal(("front_door", SensorKind.Door, "open"), (e.SensorId, e.Kind, e.State));
        Assert.Equal(1, f.Stats.AcceptedMessages("front_door"));
        Assert.Equal(0, f.Stats.DroppedMessages("front_door"));
    }

    [Fact]
    public async Task A_QoS_0_message_still_in_hand_over_when_the_gateway_stops_is_counted_and_logged_as_dropped()
    {
        await using var f = await BrokerFixture.StartAsync();
        var password = f.Credentials.AddUser("zigbee2mqtt", MqttRoles.Of(MqttRoles.Zigbee2Mqtt));
        f.Sink.PublishGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var raw = await RawMqttConnection.OpenAsync(f.Broker.Port);
        await raw.SendAsync(RawMqttConnection.Connect311("z2m", "zigbee2mqtt", password));
        Assert.Equal((byte)0, await raw.ReadConnAckAsync());
        await raw.SendAsync(RawMqttConnection.Publish("zigbee2mqtt/front_door", """{"contact":false}"""));
        await f.Sink.PublishWaiting.Task.WaitAsync(TimeSpan.FromSeconds(5));

        await f.Broker.StopAsync(CancellationToken.None);

        // Read (accepted) and then not journalled: the stats say so instead of counting it as if it had arrived.
        Assert.Equal(1, f.Stats.AcceptedMessages("front_door"));
        Assert.Equal(1, f.Stats.DroppedMessages("front_door"));
        Assert.Equal(1, f.Stats.Snapshot("front_door")!.Dropped);
        Assert.Contains(f.Logs.WithEventId(2177), e => e.Message.Contains("front_door", StringComparison.Ordinal)
            && e.Message.Contains("stopping", StringComparison.Ordinal));
    }
}
