using System.Text.RegularExpressions;
using Xunit.Abstractions;
using HomeGateway.Gateway.Tests.Mqtt;
using HomeGateway.Simulator.Demo;
using Microsoft.Data.Sqlite;

namespace HomeGateway.EndToEnd.Tests.Durability;

/// <summary>
/// PUBACK ⇒ durable, tried as a device would: a raw MQTT client that records every acknowledgement it is given presses
/// help buttons in QoS 1 bursts while the gateway process is SIGKILLed at random moments (and dispatch every 7th round),
/// and sends again, as MQTT requires, only what it was never told was received. Afterwards every press it was told was
/// received has exactly one journalled event and exactly one alert step at dispatch; nothing twice, in order. Once with the
/// gateway's embedded broker (the gateway's own PUBACK to the device), once with the home's own mosquitto (the gateway's
/// PUBACK to the broker, and the broker's redeliveries with DUP).
/// More rounds: HOMEGATEWAY_KILL_ROUNDS=200 make test.
/// </summary>
public class AcknowledgedPressTests(ITestOutputHelper output)
{
    private const string DeviceClientId = "raw-press-device";

    [Fact]
    public async Task Every_press_the_embedded_broker_acknowledged_reaches_dispatch_once_however_often_the_gateway_is_killed()
    {
        // Invariant: PUBACK ⇒ durable: every press the embedded broker acknowledged has exactly one journalled event and one alert step at dispatch, nothing twice, in order.
        var rounds = DeliveryLedger.Setting("HOMEGATEWAY_KILL_ROUNDS", 40);
        var work = Built.NewWorkDirectory("puback");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5 + rounds / 4));
        var ct = timeout.Token;
        try
        {
            await using var deployment = await LocalDeployment.CreateAsync(Built.Binaries, work, DeliveryLedger.Home, (0, 0, 0), ct);
            await deployment.StartDispatchAsync(ct);
            var ledger = new PressLedger();
            var random = new Random(20261206);
            for (var round = 1; round <= rounds; round++)
            {
                ledger.Round = round;
                await deployment.StartGatewayAsync(ct);
                await using (var device = new RawMqttPublisher(ledger, DeviceClientId, deployment.SimulatorMqttUser, deployment.SimulatorMqttPassword))
                {
                    await device.ConnectAsync(deployment.MqttPort, ct);
                    using var burst = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    var pressing = device.PressUntilStoppedAsync(sendNew: true, burst.Token);
                    await Task.Delay(TimeSpan.FromMilliseconds(random.Next(150, 900)), ct);

                    // The power goes: no flush, no goodbye, perhaps between a commit and its PUBACK.
                    await deployment.Gateway!.KillAsync();
                    await burst.CancelAsync();
                    await pressing;
                }

                if (round % 7 == 0)
                {
                    await deployment.Dispatch!.KillAsync();
                    await deployment.StartDispatchAsync(ct);
                }
            }

            // The gateway stays up; the device sends what it was never told was received, until it is.
            ledger.Round = rounds + 1;
            await deployment.StartGatewayAsync(ct);
            await using (var device = new RawMqttPublisher(ledger, DeviceClientId, deployment.SimulatorMqttUser, deployment.SimulatorMqttPassword))
            {
                await device.ConnectAsync(deployment.MqttPort, ct);
                using var resend = CancellationTokenSource.CreateLinkedTokenSource(ct);
                resend.CancelAfter(TimeSpan.FromMinutes(1));
                await device.PressUntilStoppedAsync(sendNew: false, resend.Token);
            }

            await AssertEveryPressOnceAtDispatchAsync(deployment, ledger, rounds, ct);
        }
        finally
        {
            Processes.DemoProcessTests.TryDelete(work);
        }
    }

    [Fact]
    public async Task Every_press_the_home_broker_accepted_reaches_dispatch_once_and_redeliveries_are_not_counted_twice()
    {
        // Invariant: PUBACK ⇒ durable towards the home's broker, and its redeliveries (DUP) of presses already journalled are recognised: every press the broker accepted reaches dispatch exactly once, in order.
        var rounds = DeliveryLedger.Setting("HOMEGATEWAY_KILL_ROUNDS", 40);
        var work = Built.NewWorkDirectory("puback-external");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5 + rounds / 4));
        var ct = timeout.Token;
        try
        {
            Directory.CreateDirectory(Path.Combine(work, "mosquitto"));

            // Whatever piles up for the gateway while it is down is kept (mosquitto's default keeps 1,000 and drops the rest).
            // Subscriptions are logged, so the test can wait for the gateway's before the first press (mosquitto drops a message
            // nobody has subscribed to).
            await using var broker = await MosquittoBroker.StartAsync(Path.Combine(work, "mosquitto"), "max_queued_messages 0", "log_type subscribe");
            await using var deployment = await LocalDeployment.CreateAsync(Built.Binaries, work, DeliveryLedger.Home, (0, 0, 0), ct);
            DeliveryLedger.UseHomeMosquitto(deployment, broker, work);
            await deployment.StartDispatchAsync(ct);

            // Ready when it has (re)connected to the broker: from then on the broker keeps its session and what arrives for it.
            var gatewaySessions = 0;
            Func<bool> connected = () => Regex.Count(broker.Output, @" as homegateway-kotka-0042 ") > gatewaySessions;
            await deployment.StartGatewayAsync(ct, connected);
            gatewaySessions++;
            await DeliveryLedger.WaitUntilAsync(() => broker.Output.Contains(" homegateway-kotka-0042 1 homegateway/kotka-0042/b4", StringComparison.Ordinal),
                TimeSpan.FromSeconds(30), () => "the gateway subscribes to the buttons' topics\n" + broker.Output, ct);

            var ledger = new PressLedger { Round = 1 };
            await using var device = new RawMqttPublisher(ledger, DeviceClientId, MosquittoBroker.DeviceUser, broker.DevicePassword);
            await device.ConnectAsync(broker.Port, ct);
            using var stopPressing = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var pressing = device.PressUntilStoppedAsync(sendNew: true, stopPressing.Token, pace: TimeSpan.FromMilliseconds(2));
            var random = new Random(20261207);
            for (var round = 1; round <= rounds; round++)
            {
                ledger.Round = round;
                if (round > 1)
                {
                    await deployment.StartGatewayAsync(ct, connected);
                    gatewaySessions++;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(150, 900)), ct);
                await deployment.Gateway!.KillAsync();
                if (round % 7 == 0)
                {
                    await deployment.Dispatch!.KillAsync();
                    await deployment.StartDispatchAsync(ct);
                }
            }

            await stopPressing.CancelAsync();
            await pressing;
            await DeliveryLedger.WaitUntilAsync(() => ledger.Unacknowledged().Count == 0, TimeSpan.FromSeconds(30), () => $"mosquitto acknowledges every press ({ledger.Unacknowledged().Count} not acknowledged, e.g. {string.Join(", ", ledger.Unacknowledged().Take(5).Select(p => $"{p.Number} as packet {p.PacketId}, sent {p.SendCount}x"))})\n--- mosquitto\n{string.Join('\n', broker.Output.Split('\n').TakeLast(20))}", ct);

            // The gateway stays up and takes what the broker kept for it.
            await deployment.StartGatewayAsync(ct, connected);
            var presses = ledger.All.Count(p => p.SendCount > 0);
            // Not asserted here: the assertion below says which presses are missing.
            for (var waited = 0; waited < 600 && PressesAtDispatch(deployment).Count < presses; waited++)
            {
                await Task.Delay(100, ct);
            }

            await AssertEveryPressOnceAtDispatchAsync(deployment, ledger, rounds, ct);
            output.WriteLine($"{presses} presses; redeliveries the gateway recognised: {Regex.Count(File.ReadAllText(Path.Combine(work, "gateway.log")), "Redelivered message")}");
        }
        finally
        {
            if (Environment.GetEnvironmentVariable("HOMEGATEWAY_KEEP_WORK") is null) Processes.DemoProcessTests.TryDelete(work);
        }
    }

    /// <summary>
    /// Every press the device was told was received is at dispatch exactly once (by its number), with exactly one help alert
    /// step for each, and the presses first sent on one connection and never sent again were journalled in the order sent.
    /// </summary>
    private static async Task AssertEveryPressOnceAtDispatchAsync(LocalDeployment deployment, PressLedger ledger, int rounds, CancellationToken ct)
    {
        Assert.Empty(ledger.Problems);
        var sent = ledger.All.Where(p => p.SendCount > 0).ToList();
        Assert.True(sent.Count > rounds * 10, $"the bursts hardly reached the gateway ({sent.Count} presses in {rounds} rounds)");
        Assert.All(sent, p => Assert.True(p.AcknowledgedInRound > 0, $"press {p.Number} was never acknowledged"));

        var status = await DeliveryLedger.WaitUntilAllAcknowledgedAsync(deployment, TimeSpan.FromMinutes(2), ct);
        DeliveryLedger.AssertExactlyOnceInOrder(deployment, status.Uplink.LastSeq);

        var atDispatch = PressesAtDispatch(deployment);
        var byNumber = atDispatch.GroupBy(p => p.Number).ToDictionary(g => g.Key, g => g.Select(p => p.Seq).ToList());
        var missing = sent.Where(p => !byNumber.ContainsKey(p.Number)).Select(p => $"{p.Number} (acked in round {p.AcknowledgedInRound}, sent {p.SendCount}x)").ToList();
        var twice = byNumber.Where(kv => kv.Value.Count > 1).Select(kv => $"{kv.Key} at seqs {string.Join('/', kv.Value)}").ToList();
        var unknown = byNumber.Keys.Except(sent.Select(p => p.Number)).ToList();
        Assert.True(missing.Count == 0 && twice.Count == 0 && unknown.Count == 0,
            $"{sent.Count} presses sent, {atDispatch.Count} at dispatch; acknowledged but missing: {string.Join(", ", missing.Take(10))}; "
            + $"twice: {string.Join(", ", twice.Take(10))}; never sent: {string.Join(", ", unknown.Take(10))}\n{DeliveryLedger.Logs(deployment)}");
        Assert.Equal(atDispatch.Count, DeliveryLedger.HelpStepsAtDispatch(deployment));

        foreach (var round in sent.Where(p => p.SendCount == 1).GroupBy(p => p.FirstRound))
        {
            var seqs = round.OrderBy(p => p.Number).Select(p => byNumber[p.Number][0]).ToList();
            Assert.True(seqs.SequenceEqual(seqs.Order()), $"round {round.Key}: presses were journalled out of the order they were sent");
        }
    }

    private static List<(long Seq, int Number)> PressesAtDispatch(LocalDeployment deployment)
    {
        using var connection = DeliveryLedger.OpenDispatchStore(deployment);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq, value FROM sensor_events WHERE gateway_id = $g AND sensor_id IN ('b1', 'b2', 'b3', 'b4') AND value IS NOT NULL ORDER BY seq";
        command.Parameters.AddWithValue("$g", LocalDeployment.GatewayId);
        using var reader = command.ExecuteReader();
        var presses = new List<(long, int)>();
        while (reader.Read())
        {
            presses.Add((reader.GetInt64(0), (int)reader.GetDouble(1)));
        }

        return presses;
    }
}
