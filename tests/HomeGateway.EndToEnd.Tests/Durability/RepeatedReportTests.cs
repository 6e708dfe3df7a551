using System.Globalization;
using HomeGateway.Simulator.Demo;
using MQTTnet;
using MQTTnet.Protocol;

namespace HomeGateway.EndToEnd.Tests.Durability;

/// <summary>
/// The SD card's life (issue 18), tried as a device would: a raw MQTT client restates a radar's and a thermometer's state
/// at QoS 1 and records every PUBACK; the gateway process (the NativeAOT build) is SIGKILLed right after the last one.
/// After a restart, dispatch holds each distinct report exactly once and no unchanged repeat, every report was
/// acknowledged, and a help press between the repeats is journalled like any alarm.
/// </summary>
public class RepeatedReportTests
{
    private const string Home = """
        home: { id: kotka-0042, timezone: Europe/Helsinki }
        sensors:
          - { id: radar, kind: presence, mqtt: { topic: zigbee2mqtt/radar, profile: zigbee2mqtt } }
          - { id: thermo, kind: temperature, mqtt: { topic: zigbee2mqtt/thermo, profile: zigbee2mqtt } }
          - { id: b1, kind: help_button, mqtt: { topic: homegateway/kotka-0042/b1, profile: homegateway } }
        rules:
          help: {}
          escalation: { maxEscalations: 0 }
        """;

    [Fact]
    public async Task Unchanged_repeats_are_acknowledged_but_reach_dispatch_once_and_every_change_survives_a_kill()
    {
        // Invariant: PUBACK ⇒ durable for a repeat too (the record it repeats is), and dispatch gets every change once.
        var work = Built.NewWorkDirectory("repeats");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = timeout.Token;
        try
        {
            await using var deployment = await LocalDeployment.CreateAsync(Built.Binaries, work, Home, (0, 0, 0), ct);
            await deployment.StartDispatchAsync(ct);
            await deployment.StartGatewayAsync(ct);

            using var device = new MqttClientFactory().CreateMqttClient();
            await device.ConnectAsync(new MqttClientOptionsBuilder()
                .WithTcpServer("127.0.0.1", deployment.MqttPort)
                .WithClientId("raw-repeating-device")
                .WithCredentials(deployment.SimulatorMqttUser, deployment.SimulatorMqttPassword)
                .WithCleanStart()
                .Build(), ct);

            var acknowledged = 0;
            async Task Send(string topic, string payload)
            {
                var result = await device.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct);
                Assert.True(result.IsSuccess, $"{topic} {payload}: {result.ReasonCode}");
                acknowledged++;
            }

            // The radar restates "present" with a link quality that varies; the thermometer repeats 21.0, drifts within half a
            // degree of it (stood for by the 21.0 record), reaches 21.5 (journalled), and drifts back within half a degree.
            for (var i = 0; i < 30; i++)
            {
                await Send("zigbee2mqtt/radar", $$"""{"occupancy":true,"linkquality":{{90 + i % 9}}}""");
                if (i == 10)
                {
                    await Send("homegateway/kotka-0042/b1", """{"state":"pressed"}""");
                }
            }

            await Send("zigbee2mqtt/thermo", """{"temperature":21.0,"linkquality":120}""");
            await Send("zigbee2mqtt/thermo", """{"temperature":21.0,"linkquality":110}""");
            await Send("zigbee2mqtt/thermo", """{"temperature":21.3,"linkquality":110}""");
            await Send("zigbee2mqtt/thermo", """{"temperature":21.5,"linkquality":110}""");
            await Send("zigbee2mqtt/thermo", """{"temperature":21.2,"linkquality":110}""");
            await Send("zigbee2mqtt/radar", """{"occupancy":false,"linkquality":95}""");
            await Send("zigbee2mqtt/radar", """{"occupancy":false,"linkquality":96}""");
            Assert.Equal(38, acknowledged);

            // The power goes the moment the last PUBACK is in: what was acknowledged must be on disk.
            await deployment.Gateway!.KillAsync();
            await deployment.StartGatewayAsync(ct);
            var status = await DeliveryLedger.WaitUntilAllAcknowledgedAsync(deployment, TimeSpan.FromMinutes(1), ct);
            DeliveryLedger.AssertExactlyOnceInOrder(deployment, status.Uplink.LastSeq);

            Assert.Equal(
                ["radar detected", "b1 pressed", "thermo measured 21", "thermo measured 21.5", "radar clear"],
                SensorEventsAtDispatch(deployment));
        }
        finally
        {
            Processes.DemoProcessTests.TryDelete(work);
        }
    }

    private static List<string> SensorEventsAtDispatch(LocalDeployment deployment)
    {
        using var connection = DeliveryLedger.OpenDispatchStore(deployment);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sensor_id, state, value FROM sensor_events WHERE gateway_id = $g ORDER BY seq";
        command.Parameters.AddWithValue("$g", LocalDeployment.GatewayId);
        using var reader = command.ExecuteReader();
        var events = new List<string>();
        while (reader.Read())
        {
            var value = reader.IsDBNull(2) ? "" : " " + reader.GetDouble(2).ToString(CultureInfo.InvariantCulture);
            events.Add($"{reader.GetString(0)} {reader.GetString(1)}{value}");
        }

        return events;
    }
}
