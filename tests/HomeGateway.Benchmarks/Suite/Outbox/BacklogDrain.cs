using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HomeGateway.Benchmarks.Suite.EndToEnd;
using HomeGateway.Contracts.DispatchApiV1;
using HomeGateway.Gateway.Status;
using HomeGateway.Simulator.Demo;
using V1 = HomeGateway.Contracts.V1;

namespace HomeGateway.Benchmarks.Suite.Outbox;

/// <summary>
/// The outbox drain after an outage, on real processes: dispatch is stopped, the home publishes a backlog of sensor
/// events over MQTT (motion, with a fall first, a fall every 100th message and a fall last, so alert steps are in it and
/// its first and last records are alert steps dispatch's API shows), then dispatch starts again. The drain is timed on
/// dispatch's own clock, from storing the backlog's first record to storing its last (the uplink sends in journal order),
/// and the wait before that from dispatch's start. Nothing may be lost: every fall's step arrives once, and the gateway
/// ends with dispatch's ack at its last record.
/// </summary>
internal static class BacklogDrain
{
    private const int FallEvery = 100;

    public static async Task RunAsync(BenchContext context, BenchReport report, CancellationToken cancellationToken)
    {
        var backlog = context.Options.Int("backlog", 20_000, 1_000);
        report.Parameters["outbox.backlog"] = backlog.ToString(CultureInfo.InvariantCulture);
        await using var deployment = await EndToEndLatencyScenario.StartDeploymentAsync(context, "outbox-drain", cancellationToken).ConfigureAwait(false);
        await using var home = await HomeMqttClient.ConnectAsync(deployment, cancellationToken).ConfigureAwait(false);
        var warmedUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (await DispatchAlertWatcher.StartAsync(deployment, (change, _) =>
        {
            if (change.Step?.SensorId == BenchHome.WarmUpRadar)
            {
                warmedUp.TrySetResult();
            }
        }, cancellationToken).ConfigureAwait(false))
        {
            await EndToEndLatencyScenario.WarmUpAsync(context, home, warmedUp.Task, cancellationToken).ConfigureAwait(false);
        }

        var before = await WaitForStatusAsync(deployment, s => s.Uplink.OutboxDepth == 0, "the warm-up to be acknowledged", cancellationToken).ConfigureAwait(false);
        await deployment.StopDispatchAsync().ConfigureAwait(false);
        context.Say($"outbox: dispatch stopped; publishing a backlog of {backlog:N0} sensor events");

        var falls = 0;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < backlog; i++)
        {
            if (i % FallEvery == 0 || i == backlog - 1)
            {
                falls++;
                await home.PublishAsync(BenchHome.Topic(BenchHome.FallRadar), BenchHome.Fall, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await home.PublishAsync(BenchHome.Topic(BenchHome.Motion), BenchHome.MotionPayload(i % 2 == 0), cancellationToken).ConfigureAwait(false);
            }
        }

        var fillSeconds = clock.Elapsed.TotalSeconds;
        var expected = before.Uplink.LastSeq + backlog + falls;
        var filled = await WaitForStatusAsync(deployment, s => s.Uplink.LastSeq >= expected, $"the journal to reach seq {expected:N0}", cancellationToken).ConfigureAwait(false);
        var records = filled.Uplink.OutboxDepth;
        context.Say(string.Create(CultureInfo.InvariantCulture,
            $"outbox: {backlog:N0} events ({falls} falls) published in {fillSeconds:0.0} s; outbox {records:N0} records, {filled.Uplink.JournalBytes / 1024.0 / 1024.0:0.0} MiB"));

        var steps = new ConcurrentQueue<AlertStep>();
        var lastStored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var snapshotHadIt = false;
        var dispatchStarted = DateTimeOffset.UtcNow;
        await deployment.StartDispatchAsync(cancellationToken).ConfigureAwait(false);
        await using (await DispatchAlertWatcher.StartAsync(deployment, (change, _) =>
        {
            if (change.Snapshot?.SensorId == BenchHome.FallRadar)
            {
                snapshotHadIt = true;
            }

            if (change.Step is { SensorId: BenchHome.FallRadar, Kind: V1.AlertEventKind.Raised or V1.AlertEventKind.Repeated } step)
            {
                steps.Enqueue(step);
                if (step.Count >= falls)
                {
                    lastStored.TrySetResult();
                }
            }
        }, cancellationToken).ConfigureAwait(false))
        {
            await lastStored.Task.WaitAsync(TimeSpan.FromMinutes(10), cancellationToken).ConfigureAwait(false);
        }

        if (snapshotHadIt)
        {
            throw new InvalidOperationException("the gateway reconnected before the API watcher subscribed: the drain's start was not seen; run again");
        }

        var acked = await WaitForStatusAsync(deployment, s => s.Uplink.AckedSeq >= filled.Uplink.LastSeq, "dispatch's ack of the whole backlog", cancellationToken).ConfigureAwait(false);
        var counts = steps.GroupBy(s => s.Count).ToDictionary(g => g.Key, g => g.Count());
        var lost = Enumerable.Range(1, falls).Count(n => !counts.ContainsKey((uint)n));
        var duplicated = counts.Values.Sum(n => n - 1);
        var first = steps.First(s => s.Count == 1).ReceivedAt.ToDateTimeOffset();
        var last = steps.First(s => s.Count == falls).ReceivedAt.ToDateTimeOffset();
        var drain = last - first;
        var reconnect = first - dispatchStarted;
        context.Say(string.Create(CultureInfo.InvariantCulture,
            $"outbox: dispatch start → first backlog record stored {reconnect.TotalSeconds:0.0} s; drain {drain.TotalSeconds:0.00} s = {records / drain.TotalSeconds:N0} records/s; {lost} alert steps lost, {duplicated} duplicated; gateway acked through {acked.Uplink.AckedSeq:N0}"));

        const string how = "dispatch stopped, the backlog published over MQTT and journalled, dispatch started; from dispatch storing the backlog's first record (a fall's step) to storing its last (a fall's step), dispatch's received_at";
        report.Add(new Figure("outbox.backlog", "Outbox backlog after the outage", records, "records")
        {
            Note = string.Create(CultureInfo.InvariantCulture, $"{backlog:N0} sensor events published over MQTT ({falls} falls) and the {falls} alert steps they raised, as the gateway's status.json counted them"),
        });
        report.Add(new Figure("outbox.drainSeconds", "Backlog drain time", drain.TotalSeconds, "s") { Note = how });
        report.Add(new Figure("outbox.drainPerSecond", "Backlog drain rate (uplink → dispatch store)", records / drain.TotalSeconds, "records/s") { Note = how });
        report.Add(new Figure("outbox.reconnectSeconds", "Dispatch start → first backlog record stored", reconnect.TotalSeconds, "s")
        {
            Note = "from launching dispatch (its start-up included) to storing the first record; dispatch's own start-up plus the uplink's retry wait (at most 5 s: full jitter up to a 5 s cap while dispatch was down)",
        });
        report.Add(new Figure("outbox.lostAlertSteps", "Backlog alert steps missing at dispatch", lost + (acked.Uplink.AckedSeq < filled.Uplink.LastSeq ? 1 : 0), "steps")
        {
            Note = $"each of the {falls} falls' steps must reach the API once ({duplicated} seen twice); the gateway's acked seq must reach its last",
        });
    }

    /// <summary>Polls the gateway's status.json (rewritten every 5 s) until <paramref name="condition"/> holds.</summary>
    private static async Task<GatewayStatus> WaitForStatusAsync(LocalDeployment deployment, Func<GatewayStatus, bool> condition, string what, CancellationToken cancellationToken)
    {
        var path = Path.Combine(deployment.GatewayData, StatusFileWriter.FileName);
        var deadline = Stopwatch.StartNew();
        GatewayStatus? status = null;
        while (deadline.Elapsed < TimeSpan.FromSeconds(120))
        {
            if (File.Exists(path))
            {
                try
                {
                    status = JsonSerializer.Deserialize<GatewayStatus>(await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false), StatusJson);
                }
                catch (Exception e) when (e is JsonException or IOException)
                {
                    status = null;
                }

                if (status is not null && condition(status))
                {
                    return status;
                }
            }

            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException($"gave up waiting for {what} after 120 s; status.json says outbox {status?.Uplink.OutboxDepth}, last seq {status?.Uplink.LastSeq}, acked {status?.Uplink.AckedSeq}");
    }

    private static readonly JsonSerializerOptions StatusJson = new(JsonSerializerDefaults.Web);
}
