using System.Diagnostics;
using System.Globalization;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Core.Rules;
using HomeGateway.Gateway.Configuration;
using HomeGateway.Gateway.Pipeline;
using Microsoft.Extensions.Logging.Abstractions;
using GatewayJournal = HomeGateway.Gateway.Journal.Journal;

namespace HomeGateway.Benchmarks.Suite.Outbox;

/// <summary>
/// Durable alert appends on the gateway's journal (SQLite, WAL, <c>synchronous=FULL</c>) on a real file under the
/// suite's work directory: one at a time as the pipeline commits a lone alert (step + the rules' saved state, one
/// fsync), and a burst of falls through the real <see cref="AlertPipeline"/>, whose group commit puts every alert
/// decided from one inbox batch into one commit.
/// </summary>
internal static class DurableAppends
{
    public static async Task RunAsync(BenchContext context, BenchReport report, CancellationToken cancellationToken)
    {
        var seconds = context.Options.Int("outbox-seconds", 5, 1);
        var burst = context.Options.Int("burst", 2000, 200);
        report.Parameters["outbox.seconds"] = seconds.ToString(CultureInfo.InvariantCulture);
        report.Parameters["outbox.burst"] = burst.ToString(CultureInfo.InvariantCulture);
        var directory = context.WorkDirectory("outbox-journal");
        var filesystem = FileSystemOf(directory);
        if (filesystem is "tmpfs" or "ramfs")
        {
            throw new InvalidOperationException($"{directory} is on {filesystem}: fsync would cost nothing there; run the suite from a repository on a disk");
        }

        var home = HomeConfigLoader.Load(Path.Combine(context.RepositoryRoot, "deploy", "examples", "home.yaml"));
        var radar = home.Sensors.First(s => s.Kind == SensorKind.Fall).Id;
        var now = DateTimeOffset.UtcNow;

        // One at a time: what a lone alert costs, as DecideAsync commits it (a repeated fall with the example home's state).
        using (var journal = GatewayJournal.Open(Path.Combine(directory, "appends.db"), TimeProvider.System))
        {
            var engine = new RulesEngine(home, now);
            var fall = new SensorEvent(home.HomeId, radar, SensorKind.Fall, SensorStates.Fall, now, "mqtt:zigbee2mqtt/" + radar);
            var seq = journal.Append(fall);
            var alert = engine.Observe(fall, seq, now).Single();
            var state = engine.SaveState();
            var commitsBefore = journal.Commits;
            var appends = 0L;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(seconds) && !cancellationToken.IsCancellationRequested)
            {
                journal.Append([alert with { Kind = AlertEventKind.Repeated, Count = (int)appends + 2 }], state, seq);
                appends++;
            }

            var perSecond = appends / clock.Elapsed.TotalSeconds;
            context.Say(string.Create(CultureInfo.InvariantCulture, $"outbox: {appends:N0} single appends ({journal.Commits - commitsBefore:N0} commits) in {clock.Elapsed.TotalSeconds:0.0} s on {filesystem}"));
            report.Add(new Figure("outbox.appendsPerSecond", "Durable alert appends, one commit each", perSecond, "appends/s")
            {
                Note = string.Create(CultureInfo.InvariantCulture,
                    $"Journal.Append(alert step, rule state {state.Length:N0} B): one SQLite transaction, WAL fsynced (synchronous=FULL), on {filesystem}; {seconds} s"),
            });
        }

        // A burst through the pipeline as the gateway runs it: the inbox drains up to 256 events per batch, each batch is
        // two commits (events, then alert steps + state), and the observer hears of each alert after its commit.
        var heard = 0;
        var allHeard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inbox = new SensorEventInbox();
        using var pipelineJournal = GatewayJournal.Open(Path.Combine(directory, "pipeline.db"), TimeProvider.System);
        using var pipeline = new AlertPipeline(inbox, pipelineJournal, new RulesEngine(home, now),
            [new CountingObserver(() =>
            {
                if (Interlocked.Increment(ref heard) == burst)
                {
                    allHeard.TrySetResult();
                }
            })], TimeProvider.System, NullLogger<AlertPipeline>.Instance);
        await pipeline.StartAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var commitsBefore = pipelineJournal.Commits;
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < burst; i++)
            {
                await inbox.PublishAsync(new SensorEvent(home.HomeId, radar, SensorKind.Fall, SensorStates.Fall, DateTimeOffset.UtcNow, "mqtt:zigbee2mqtt/" + radar), cancellationToken).ConfigureAwait(false);
            }

            await allHeard.Task.WaitAsync(TimeSpan.FromSeconds(120), cancellationToken).ConfigureAwait(false);
            var elapsed = clock.Elapsed;
            var commits = pipelineJournal.Commits - commitsBefore;
            context.Say(string.Create(CultureInfo.InvariantCulture, $"outbox: a burst of {burst:N0} falls → {burst:N0} durable alert steps in {elapsed.TotalMilliseconds:0} ms, {commits:N0} commits"));
            report.Add(new Figure("outbox.groupAppendsPerSecond", "Durable alert steps per second, burst through the pipeline (group commit)", burst / elapsed.TotalSeconds, "appends/s")
            {
                Note = string.Create(CultureInfo.InvariantCulture,
                    $"{burst:N0} fall events queued at once into the real AlertPipeline (example home): from the first queued to the last alert step committed (event batch + alert batch with rule state, fsync each) and observed; {commits:N0} commits"),
            });
        }
        finally
        {
            await pipeline.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>The filesystem type of the mount holding <paramref name="path"/> (the longest mount point that is a prefix).</summary>
    private static string FileSystemOf(string path)
    {
        var full = Path.GetFullPath(path);
        return File.ReadLines("/proc/mounts")
            .Select(line => line.Split(' '))
            .Where(f => f.Length > 2 && (full == f[1] || full.StartsWith(f[1].TrimEnd('/') + "/", StringComparison.Ordinal)))
            .OrderByDescending(f => f[1].Length)
            .Select(f => f[2])
            .FirstOrDefault() ?? "unknown";
    }

    private sealed class CountingObserver(Action onAlert) : IAlertObserver
    {
        public ValueTask OnAlertCommittedAsync(long seq, AlertEvent alert, CancellationToken cancellationToken)
        {
            onAlert();
            return ValueTask.CompletedTask;
        }
    }
}
