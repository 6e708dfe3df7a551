using System.Diagnostics;
using System.Globalization;
using HomeGateway.Simulator.Demo;
using MQTTnet;
using MQTTnet.Protocol;

namespace HomeGateway.Benchmarks.Suite.AckedPresses;

/// <summary>
/// What "PUBACK ⇒ durable" costs (issue 14): the embedded broker acknowledges a press only once its event is committed
/// (fsync) to the journal. One device (Zigbee2MQTT is one MQTT client for a whole home) publishes help presses at QoS 1
/// to a real gateway streaming to a real dispatch: first one at a time (each press waits for its own commit: the latency
/// a single press pays), then with a window of presses in flight (a burst: they share commits), which gives the
/// acknowledged presses per second. Latency is PUBACK received − just before the publish, on this process's Stopwatch.
/// </summary>
public sealed class AckedPressesScenario : IBenchScenario
{
    private const string Yaml = """
        # Written by the benchmark suite (tests/HomeGateway.Benchmarks/Suite/AckedPresses).
        home: { id: kotka-0042, timezone: Europe/Helsinki }
        sensors:
          - { id: help_bed, kind: help_button, mqtt: { topic: homegateway/kotka-0042/help_bed, profile: homegateway } }
          - { id: help_hall, kind: help_button, mqtt: { topic: homegateway/kotka-0042/help_hall, profile: homegateway } }
        rules:
          help: { repeatWindow: 24h }
          escalation: { maxEscalations: 0 }
        """;

    public string Name => "ackedPresses";

    public int Order => 8;

    public string Title => "Acknowledged presses through the embedded broker (PUBACK after the journal commit)";

    public string Parameters => "--presses N (20000; quick 2000)  --single-presses N (1000; quick 200)  --window N (64)";

    public async Task RunAsync(BenchContext context, BenchReport report, CancellationToken cancellationToken)
    {
        var presses = context.Options.Int("presses", 20_000, 2_000);
        var single = context.Options.Int("single-presses", 1_000, 200);
        var window = context.Options.Int("window", 64, 64);
        report.Parameters["ackedPresses.presses"] = presses.ToString(CultureInfo.InvariantCulture);
        report.Parameters["ackedPresses.singlePresses"] = single.ToString(CultureInfo.InvariantCulture);
        report.Parameters["ackedPresses.window"] = window.ToString(CultureInfo.InvariantCulture);

        await using var deployment = await LocalDeployment.CreateAsync(context.Binaries, context.WorkDirectory(Name), Yaml, (0, 0, 0), cancellationToken)
            .ConfigureAwait(false);
        await deployment.StartDispatchAsync(cancellationToken).ConfigureAwait(false);
        await deployment.StartGatewayAsync(cancellationToken).ConfigureAwait(false);
        using var device = new MqttClientFactory().CreateMqttClient();
        await device.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", deployment.MqttPort)
            .WithCredentials(deployment.SimulatorMqttUser, deployment.SimulatorMqttPassword)
            .WithClientId("bench-presses")
            .WithTimeout(TimeSpan.FromSeconds(30))
            .Build(), cancellationToken).ConfigureAwait(false);

        // Warm-up (JIT, the first commits, the uplink connecting): not measured.
        await PressAsync(device, 200, 16, cancellationToken).ConfigureAwait(false);

        context.Say($"{Name}: {single} presses one at a time");
        var (oneAtATime, _) = await PressAsync(device, single, 1, cancellationToken).ConfigureAwait(false);
        context.Say($"{Name}: {presses} presses with up to {window} in flight");
        var (burst, elapsed) = await PressAsync(device, presses, window, cancellationToken).ConfigureAwait(false);
        var perSecond = presses / elapsed.TotalSeconds;

        const string path = "QoS 1 publish → embedded broker → homegateway profile → event journalled (fsync, group commit) → PUBACK; the rules, the alert step's commit and the uplink to dispatch run alongside";
        report.Add(new Figure($"{Name}.perSecond", "Acknowledged presses per second (one device, a window in flight)", perSecond, "presses/s")
        {
            Goal = "≥ 2,000/s",
            GoalMet = perSecond >= 2_000,
            Note = string.Create(CultureInfo.InvariantCulture, $"{presses} presses, up to {window} in flight, first publish → last PUBACK {elapsed.TotalSeconds:0.00} s; {path}"),
        });
        foreach (var (key, title, latencies, note) in new[]
        {
            ("single", "one at a time", oneAtATime, $"{single} presses, each published after the previous one's PUBACK: a press's own fsync"),
            ("burst", $"{window} in flight", burst, $"{presses} presses, up to {window} in flight: includes waiting behind the presses ahead"),
        })
        {
            foreach (var p in new[] { 50, 99 })
            {
                report.Add(new Figure($"{Name}.{key}P{p}", $"Press → PUBACK p{p}, {title}", latencies.Percentile(p), "ms") { Note = note + "; " + path });
            }

            report.Add(new Figure($"{Name}.{key}Max", $"Press → PUBACK max, {title}", latencies.Max, "ms") { Note = note });
        }

        context.Say(string.Create(CultureInfo.InvariantCulture,
            $"{Name}: {perSecond:0} presses/s acknowledged; press → PUBACK p50/p99 {oneAtATime.Percentile(50):0.00}/{oneAtATime.Percentile(99):0.00} ms one at a time, {burst.Percentile(50):0.00}/{burst.Percentile(99):0.00} ms with {window} in flight"));
    }

    /// <summary>Publishes <paramref name="count"/> presses with at most <paramref name="window"/> unacknowledged; each one's press → PUBACK time.</summary>
    private static async Task<(Latencies Latencies, TimeSpan Elapsed)> PressAsync(IMqttClient device, int count, int window, CancellationToken cancellationToken)
    {
        var latencies = new Latencies();
        using var room = new SemaphoreSlim(window);
        var inFlight = new List<Task>(count);
        var start = Stopwatch.GetTimestamp();
        for (var n = 0; n < count; n++)
        {
            await room.WaitAsync(cancellationToken).ConfigureAwait(false);
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(n % 2 == 0 ? "homegateway/kotka-0042/help_bed" : "homegateway/kotka-0042/help_hall")
                .WithPayload("""{"state":"pressed"}""")
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build();
            inFlight.Add(PublishOneAsync(device, message, latencies, room, cancellationToken));
        }

        await Task.WhenAll(inFlight).ConfigureAwait(false);
        return (latencies, Stopwatch.GetElapsedTime(start));
    }

    private static async Task PublishOneAsync(IMqttClient device, MqttApplicationMessage message, Latencies latencies, SemaphoreSlim room, CancellationToken cancellationToken)
    {
        var sent = Stopwatch.GetTimestamp();
        try
        {
            var result = await device.PublishAsync(message, cancellationToken).ConfigureAwait(false);
            if (!result.IsSuccess)
            {
                throw new InvalidOperationException($"a press was refused: {result.ReasonCode}");
            }

            latencies.Add(Stopwatch.GetElapsedTime(sent));
        }
        finally
        {
            room.Release();
        }
    }
}
