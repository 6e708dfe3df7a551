using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using HomeGateway.Gateway.Tests.Mqtt;
using HomeGateway.Simulator.Demo;
using HomeGateway.Simulator.Scenarios;
using MQTTnet;
using MQTTnet.Protocol;
using Xunit.Abstractions;

namespace HomeGateway.EndToEnd.Tests.Durability;

/// <summary>
/// Invariant: a home broker that stops answering delays no alert. The gateway copies each alert step to the home's
/// mosquitto for the displays in the home. With that broker frozen (SIGSTOP: its socket still takes the copy, no PUBACK
/// comes), the next press of a wired help button still reaches dispatch at once; once the broker runs again, a display
/// gets the copies in order.
/// </summary>
public class FrozenHomeBrokerTests(ITestOutputHelper output)
{
    private const string Home = """
        home: { id: kotka-0042, timezone: Europe/Helsinki }
        sensors:
          - { id: bed_button, kind: help_button, gpio: { pin: 27, activeLow: true, pull: up } }
        rules:
          help: { repeatWindow: 1s }
          escalation: { maxEscalations: 0 }
        """;

    [Fact]
    public async Task A_frozen_home_broker_does_not_delay_the_next_alert_and_a_display_gets_the_copies_in_order_after()
    {
        var work = Built.NewWorkDirectory("frozen-broker");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = timeout.Token;
        try
        {
            Directory.CreateDirectory(Path.Combine(work, "mosquitto"));
            await using var broker = await MosquittoBroker.StartAsync(Path.Combine(work, "mosquitto"));
            await using var deployment = await LocalDeployment.CreateAsync(Built.Binaries, work, Home, (0, 0, 0), ct);
            DeliveryLedger.UseHomeMosquitto(deployment, broker, work);
            await deployment.StartDispatchAsync(ct);
            await deployment.StartGatewayAsync(ct, () => broker.Output.Contains(" as homegateway-kotka-0042 ", StringComparison.Ordinal));

            var copies = new ConcurrentQueue<JsonElement>();
            var display = await broker.DeviceAsync("kitchen-display");
            display.ApplicationMessageReceivedAsync += e =>
            {
                copies.Enqueue(JsonDocument.Parse(e.ApplicationMessage.ConvertPayloadToString()).RootElement.Clone());
                return Task.CompletedTask;
            };
            await display.SubscribeAsync("homegateway/kotka-0042/alerts", MqttQualityOfServiceLevel.AtLeastOnce, ct);

            await PressAsync(deployment, ct);
            await DeliveryLedger.WaitUntilAsync(() => DeliveryLedger.HelpStepsAtDispatch(deployment) == 1 && copies.Count == 1, TimeSpan.FromSeconds(20),
                () => $"the first press is at dispatch and on the display ({DeliveryLedger.HelpStepsAtDispatch(deployment)} at dispatch, {copies.Count} copies)", ct);

            long thirdAfter;
            broker.Freeze();
            try
            {
                // Past the repeat window: a new step, whose copy goes into the frozen broker's socket and is never answered.
                await Task.Delay(TimeSpan.FromMilliseconds(1200), ct);
                await PressAsync(deployment, ct);
                await DeliveryLedger.WaitUntilAsync(() => DeliveryLedger.HelpStepsAtDispatch(deployment) == 2, TimeSpan.FromSeconds(10), () => "the second press is at dispatch", ct);

                // The broker still frozen: the gateway used to wait for its PUBACK up to MQTT's 10 s timeout before it
                // looked at the next event.
                await Task.Delay(TimeSpan.FromMilliseconds(1200), ct);
                var pressed = Stopwatch.StartNew();
                await PressAsync(deployment, ct);
                await DeliveryLedger.WaitUntilAsync(() => DeliveryLedger.HelpStepsAtDispatch(deployment) == 3, TimeSpan.FromSeconds(5),
                    () => "the third press is at dispatch (5 s, well inside MQTT's 10 s timeout), the home's broker frozen\n" + Tail(Path.Combine(work, "gateway.log")), ct);
                thirdAfter = pressed.ElapsedMilliseconds;
            }
            finally
            {
                broker.Resume();
            }

            await DeliveryLedger.WaitUntilAsync(() => copies.Count == 3, TimeSpan.FromSeconds(20), () => $"three copies are on the display once the broker runs ({copies.Count})", ct);
            var seqs = copies.Select(c => c.GetProperty("seq").GetInt64()).ToList();
            Assert.Equal(seqs.Order(), seqs);
            Assert.Equal(3, seqs.Distinct().Count());
            Assert.All(copies, c => Assert.Equal("bed_button", c.GetProperty("sensorId").GetString()));
            output.WriteLine($"the third press at dispatch {thirdAfter} ms after it, the home's broker frozen; copies {string.Join(", ", seqs)}");
        }
        finally
        {
            if (Environment.GetEnvironmentVariable("HOMEGATEWAY_KEEP_WORK") is null) Processes.DemoProcessTests.TryDelete(work);
        }
    }

    /// <summary>The wired button held for 300 ms (active low), as a hand presses it; the simulated pins are read 20 times a second.</summary>
    private static async Task PressAsync(LocalDeployment deployment, CancellationToken ct)
    {
        PinFiles.Write(deployment.PinDirectory, 27, high: false);
        await Task.Delay(TimeSpan.FromMilliseconds(300), ct);
        PinFiles.Write(deployment.PinDirectory, 27, high: true);
    }

    private static string Tail(string file) =>
        File.Exists(file) ? string.Join('\n', File.ReadLines(file).TakeLast(30)) : "(no " + file + ")";
}
