using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using HomeGateway.Contracts.DispatchApiV1;
using HomeGateway.Simulator.Demo;
using V1 = HomeGateway.Contracts.V1;

namespace HomeGateway.Benchmarks.Suite.EndToEnd;

/// <summary>
/// Issue 8 §1: the whole alert path on real processes. LocalDeployment starts dispatch and an enrolled gateway
/// (embedded MQTT broker, mutual-TLS uplink); a real MQTT client publishes paced Zigbee2MQTT fall messages and a real
/// integration watches <c>DispatchApi.WatchAlerts</c>. Latency is the watcher's receipt of the step minus the instant
/// just before the publish, both on this process's <see cref="Stopwatch"/>. The steps' own timestamps (gateway: event
/// read, rule decided; dispatch: stored) split it into the path's legs, on the one wall clock the processes share.
/// </summary>
public sealed class EndToEndLatencyScenario : IBenchScenario
{
    public string Name => "endToEnd";

    public int Order => 1;

    public string Title => "End-to-end alert latency: MQTT fall → dispatch API subscriber";

    public string Parameters => "--falls N (1000; quick 50)  --fall-interval-ms N (30)";

    public async Task RunAsync(BenchContext context, BenchReport report, CancellationToken cancellationToken)
    {
        var falls = context.Options.Int("falls", 1000, 50);
        var interval = TimeSpan.FromMilliseconds(context.Options.Int("fall-interval-ms", 30, 30));
        report.Parameters["endToEnd.falls"] = falls.ToString(CultureInfo.InvariantCulture);
        report.Parameters["endToEnd.fallIntervalMs"] = interval.TotalMilliseconds.ToString(CultureInfo.InvariantCulture);

        await using var deployment = await StartDeploymentAsync(context, "endToEnd", cancellationToken).ConfigureAwait(false);
        var published = new (long Stopwatch, DateTimeOffset Wall)[falls + 1];
        var arrivals = new ConcurrentQueue<(uint Count, long Arrived, AlertStep Step)>();
        var warmedUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var watcher = await DispatchAlertWatcher.StartAsync(deployment, (change, arrived) =>
        {
            if (change.Step is { } step && step.Kind is V1.AlertEventKind.Raised or V1.AlertEventKind.Repeated)
            {
                if (step.SensorId == BenchHome.FallRadar)
                {
                    arrivals.Enqueue((step.Count, arrived, step));
                }
                else if (step.SensorId == BenchHome.WarmUpRadar)
                {
                    warmedUp.TrySetResult();
                }
            }
        }, cancellationToken).ConfigureAwait(false);
        await using var home = await HomeMqttClient.ConnectAsync(deployment, cancellationToken).ConfigureAwait(false);

        // The uplink connects on its own schedule after start: measure only once one alert has gone the whole way.
        await WarmUpAsync(context, home, warmedUp.Task, cancellationToken).ConfigureAwait(false);

        context.Say(string.Create(CultureInfo.InvariantCulture, $"endToEnd: publishing {falls} falls, one every {interval.TotalMilliseconds:0} ms"));
        var start = Stopwatch.GetTimestamp();
        for (var n = 1; n <= falls; n++)
        {
            // Paced against the start, not the previous publish: a slow publish does not stretch the run.
            var due = start + (long)((n - 1) * interval.TotalSeconds * Stopwatch.Frequency);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }

            published[n] = (Stopwatch.GetTimestamp(), DateTimeOffset.UtcNow);
            await home.PublishAsync(BenchHome.Topic(BenchHome.FallRadar), BenchHome.Fall, cancellationToken).ConfigureAwait(false);
        }

        // Stragglers: wait until every step came, or nothing more came for 10 s.
        var lastCount = -1;
        var quietSince = Stopwatch.GetTimestamp();
        while (arrivals.Count < falls && Stopwatch.GetElapsedTime(quietSince) < TimeSpan.FromSeconds(10) && !watcher.Failed)
        {
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            if (arrivals.Count != lastCount)
            {
                lastCount = arrivals.Count;
                quietSince = Stopwatch.GetTimestamp();
            }
        }

        var total = new Latencies();
        var legs = new Dictionary<string, Latencies>(StringComparer.Ordinal)
        {
            ["mqtt"] = new(), ["journalAndRules"] = new(), ["alertAndUplink"] = new(), ["dispatch"] = new(),
        };
        var seen = new HashSet<uint>();
        var duplicated = 0;
        foreach (var (count, arrived, step) in arrivals)
        {
            if (count < 1 || count > falls || !seen.Add(count))
            {
                duplicated++;
                continue;
            }

            var (sent, sentWall) = published[count];
            total.Add(Stopwatch.GetElapsedTime(sent, arrived));
            var receivedAt = step.ReceivedAt.ToDateTimeOffset();
            var arrivedWall = sentWall + Stopwatch.GetElapsedTime(sent, arrived);
            legs["mqtt"].Add(step.EvidenceAt.ToDateTimeOffset() - sentWall);
            legs["journalAndRules"].Add(step.At.ToDateTimeOffset() - step.EvidenceAt.ToDateTimeOffset());
            legs["alertAndUplink"].Add(receivedAt - step.At.ToDateTimeOffset());
            legs["dispatch"].Add(arrivedWall - receivedAt);
        }

        var lost = falls - seen.Count;
        context.Say($"endToEnd: {seen.Count} of {falls} falls arrived, {lost} lost, {duplicated} duplicated");
        if (total.Count == 0)
        {
            throw new InvalidOperationException($"no fall reached the dispatch API subscriber; see the logs in {deployment.WorkDirectory}");
        }

        const string path = "MQTT publish (QoS 1, embedded broker) → Zigbee2MQTT adapter → event journalled (fsync) → rules → alert step + rule state journalled (fsync) → gRPC uplink (mutual TLS) → dispatch store (SQLite) → live feed → DispatchApi.WatchAlerts (TLS) → subscriber";
        var note = string.Create(CultureInfo.InvariantCulture,
            $"{falls} falls every {interval.TotalMilliseconds:0} ms; from just before the publish to the step's arrival at the subscriber: {path}");
        report.Add(new Figure("endToEnd.falls", "Falls published", falls, "events"));
        report.Add(new Figure("endToEnd.latencyP50", "End-to-end alert latency p50", total.Percentile(50), "ms") { Note = note });
        report.Add(new Figure("endToEnd.latencyP95", "End-to-end alert latency p95", total.Percentile(95), "ms") { Note = note });
        report.Add(new Figure("endToEnd.latencyP99", "End-to-end alert latency p99", total.Percentile(99), "ms") { Note = note });
        report.Add(new Figure("endToEnd.latencyMax", "End-to-end alert latency max", total.Max, "ms") { Note = note });
        report.Add(new Figure("endToEnd.lost", "Falls with no alert step at the subscriber", lost, "events"));
        report.Add(new Figure("endToEnd.duplicated", "Alert steps seen more than once", duplicated, "events"));
        foreach (var (leg, title, what) in new[]
        {
            ("mqtt", "MQTT publish → gateway read it", "publish instant → the event's time (the adapter stamps it on receipt)"),
            ("journalAndRules", "event journalled + rules decided", "event's time → the alert step's time (the rule decides after the event's commit)"),
            ("alertAndUplink", "alert journalled + gRPC uplink", "the step's time → dispatch's received_at (dispatch stamps it on receipt, before storing)"),
            ("dispatch", "dispatch store + live feed + API stream", "dispatch's received_at → arrival at the WatchAlerts subscriber"),
        })
        {
            var latencies = legs[leg];
            foreach (var p in new[] { 50, 99 })
            {
                report.Add(new Figure($"endToEnd.{leg}P{p}", $"Leg p{p}: {title}", latencies.Percentile(p), "ms")
                {
                    Note = $"{what}; wall clocks of processes on one machine (each leg's own percentile: legs do not add up to the total's)",
                });
            }
        }

        context.Say(string.Create(CultureInfo.InvariantCulture,
            $"endToEnd: p50 {total.Percentile(50):0.0} ms, p99 {total.Percentile(99):0.0} ms, max {total.Max:0.0} ms; legs p50/p99: {string.Join(", ", legs.Select(l => $"{l.Key} {l.Value.Percentile(50):0.0}/{l.Value.Percentile(99):0.0}"))}"));
    }

    /// <summary>A fresh deployment (dispatch, then the gateway, enrolled) in the scenario's work directory.</summary>
    internal static async Task<LocalDeployment> StartDeploymentAsync(BenchContext context, string name, CancellationToken cancellationToken)
    {
        var deployment = await LocalDeployment.CreateAsync(context.Binaries, context.WorkDirectory(name), BenchHome.Yaml(LocalDeployment.HomeId), (0, 0, 0), cancellationToken).ConfigureAwait(false);
        try
        {
            await deployment.StartDispatchAsync(cancellationToken).ConfigureAwait(false);
            await deployment.StartGatewayAsync(cancellationToken).ConfigureAwait(false);
            context.Say($"{name}: dispatch and an enrolled gateway running in {Path.GetRelativePath(context.RepositoryRoot, deployment.WorkDirectory)}");
            return deployment;
        }
        catch
        {
            await deployment.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>One fall on the warm-up radar, repeated until its alert reaches the watcher: the whole path is up.</summary>
    internal static async Task WarmUpAsync(BenchContext context, HomeMqttClient home, Task arrived, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (!arrived.IsCompleted)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(90))
            {
                throw new TimeoutException("no warm-up alert reached the dispatch API within 90 s: the gateway's uplink did not connect");
            }

            await home.PublishAsync(BenchHome.Topic(BenchHome.WarmUpRadar), BenchHome.Fall, cancellationToken).ConfigureAwait(false);
            await Task.WhenAny(arrived, Task.Delay(TimeSpan.FromSeconds(2), cancellationToken)).ConfigureAwait(false);
        }

        context.Say(string.Create(CultureInfo.InvariantCulture, $"warm-up alert reached the dispatch API after {clock.Elapsed.TotalSeconds:0.0} s"));
    }
}
