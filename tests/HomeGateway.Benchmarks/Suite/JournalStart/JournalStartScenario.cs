using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using HomeGateway.Benchmarks.Suite.Footprint;
using HomeGateway.Benchmarks.Suite.NodeRed;
using HomeGateway.Core.Rules;
using HomeGateway.Gateway;
using HomeGateway.Gateway.Configuration;
using HomeGateway.Simulator.Demo;
using HomeGateway.Simulator.Scenarios;
using MQTTnet;
using MQTTnet.Protocol;
using CoreEvents = HomeGateway.Core.Events;
using GatewayJournal = HomeGateway.Gateway.Journal.Journal;

namespace HomeGateway.Benchmarks.Suite.JournalStart;

/// <summary>
/// Issue 18: start-up with a full journal (the default 256 MiB budget, filled while dispatch was unreachable, so every
/// record is waiting for it). The gateway as shipped (the unit's DOTNET_* settings, example home, embedded broker; its
/// dispatch address unreachable, as during the outage that filled the journal) is started on a copy of a pre-made full
/// journal, and timed from the spawn to its first reaction: a fall published at QoS 1 as soon as its broker takes a
/// connection, until the alert arrives on the local alert topic. Two kinds of start: after a clean stop (the journal's
/// clean-close mark: no full check) and after a kill -9 (SQLite's full quick check before the first append). Before each
/// start the journal's pages are dropped from the page cache (posix_fadvise), so it is read from the disk as at a Pi's boot.
/// </summary>
public sealed partial class JournalStartScenario : IBenchScenario
{
    private const int FadviseDontNeed = 4;

    public string Name => "journalStart";

    public int Order => 11;

    public string Title => "Gateway start-up to its first reaction with a full journal: after a clean stop, after a kill";

    public string Parameters => "--journal-mib N (250: just under the 256 MiB budget)  --starts N (3)";

    public async Task RunAsync(BenchContext context, BenchReport report, CancellationToken cancellationToken)
    {
        var mib = context.Options.Int("journal-mib", 250, 32);
        var starts = context.Options.Int("starts", 3, 1);
        var build = ShippedGateway.Find(context);
        var work = context.WorkDirectory(Name);
        report.Parameters["journalStart.journalMiB"] = mib.ToString(CultureInfo.InvariantCulture);
        report.Parameters["journalStart.starts"] = starts.ToString(CultureInfo.InvariantCulture);
        report.Parameters["journalStart.gatewayBuild"] = build.Description;

        // exec'd by the script: the spawned pid is the gateway's, so a kill is the gateway's kill -9.
        var shim = GatewayShim.WriteExec(Path.Combine(work, "shim"), context.RepositoryRoot, build.Executable);
        var home = await File.ReadAllTextAsync(Path.Combine(context.RepositoryRoot, "deploy", "examples", "home.yaml"), cancellationToken).ConfigureAwait(false);
        await using var deployment = await LocalDeployment.CreateAsync(new ProductBinaries(shim, context.Binaries.Dispatch),
            Path.Combine(work, "deployment"), home, (0, 0, 0), cancellationToken).ConfigureAwait(false);
        PinFiles.Write(deployment.PinDirectory, 22, high: true);
        PinFiles.Write(deployment.PinDirectory, 6, high: false); // the X728 drives it high when mains is lost (activeLow: false)
        await deployment.StartDispatchAsync(cancellationToken).ConfigureAwait(false);
        await deployment.EnrolGatewayAsync(cancellationToken).ConfigureAwait(false);
        await deployment.StopDispatchAsync().ConfigureAwait(false);
        deployment.GatewayDispatchUrl = new Uri("https://127.0.0.1:1");

        var full = Path.Combine(work, "full-journal.db");
        var fill = Stopwatch.StartNew();
        var records = Fill(full, deployment.HomeFile, mib * 1024L * 1024);
        context.Say(string.Create(CultureInfo.InvariantCulture,
            $"journal: {records:N0} sensor events, {new FileInfo(full).Length / 1024.0 / 1024.0:0.0} MiB, written in {fill.Elapsed.TotalSeconds:0.0} s (closed cleanly)"));

        // Warm-up on a new journal: the binary's own pages come into the cache, as they are after the first start on a Pi.
        var journalPath = Path.Combine(deployment.GatewayData, "journal.db");
        RemoveJournal(journalPath);
        await StartAndReactAsync(context, deployment, "new journal (warm-up, not counted)", cancellationToken).ConfigureAwait(false);
        await deployment.StopGatewayAsync().ConfigureAwait(false);

        var empty = new Latencies();
        var clean = new Latencies();
        var crash = new Latencies();
        var cleanOpen = new Latencies();
        var crashOpen = new Latencies();
        for (var i = 0; i < starts; i++)
        {
            // The same start on a new journal: what the full journal adds is the difference.
            RemoveJournal(journalPath);
            empty.Add((await StartAndReactAsync(context, deployment, "new journal", cancellationToken).ConfigureAwait(false)).Ms);
            await deployment.StopGatewayAsync().ConfigureAwait(false);

            PutJournal(full, journalPath);
            var (ms, openMs) = await StartAndReactAsync(context, deployment, "after a clean stop", cancellationToken).ConfigureAwait(false);
            clean.Add(ms);
            cleanOpen.Add(openMs);
            await deployment.StopGatewayAsync().ConfigureAwait(false);

            // A kill once the gateway has the journal open (its first commit deleted the clean mark), before any event.
            PutJournal(full, journalPath);
            await deployment.StartGatewayAsync(cancellationToken, ready: () => true).ConfigureAwait(false);
            await deployment.Gateway!.WaitForLineAsync(l => OpenedLine().IsMatch(l), TimeSpan.FromMinutes(2)).ConfigureAwait(false);
            await deployment.Gateway.KillAsync().ConfigureAwait(false);
            await deployment.StopGatewayAsync().ConfigureAwait(false);
            Evict(journalPath);
            Evict(journalPath + "-wal");
            (ms, openMs) = await StartAndReactAsync(context, deployment, "after a kill", cancellationToken).ConfigureAwait(false);
            crash.Add(ms);
            crashOpen.Add(openMs);
            await deployment.StopGatewayAsync().ConfigureAwait(false);
        }

        var how = string.Create(CultureInfo.InvariantCulture,
            $"{build.Description}; a journal of {mib} MiB ({records:N0} sensor events waiting for an unreachable dispatch), evicted from the page cache before each start; "
            + $"from spawn to the fall's alert on the local alert topic (the fall published at QoS 1 once the embedded broker took a connection); median of {starts}");
        report.Add(new Figure("journalStart.afterCleanStop", "Start-up to first reaction, full journal, after a clean stop", clean.Percentile(50), "ms")
        {
            Note = $"{how}; samples {Samples(clean)} ms; the journal's open took {Samples(cleanOpen)} ms (its log line 2987: no full check)",
        });
        report.Add(new Figure("journalStart.afterKill", "Start-up to first reaction, full journal, after a kill -9", crash.Percentile(50), "ms")
        {
            Note = $"{how}; samples {Samples(crash)} ms; the journal's open took {Samples(crashOpen)} ms (its log line 2987: SQLite's full quick check)",
        });
        report.Add(new Figure("journalStart.newJournal", "Start-up to first reaction, new journal", empty.Percentile(50), "ms")
        {
            Note = $"the same start on a new journal, between the others (after one unmeasured start that brings the binary's pages into the cache); samples {Samples(empty)} ms",
        });
    }

    /// <summary>Writes a journal of about <paramref name="bytes"/> with the gateway's own Journal class, every event decided by the rules.</summary>
    private static long Fill(string path, string homeFile, long bytes)
    {
        RemoveJournal(path);
        var time = TimeProvider.System;
        using var journal = GatewayJournal.Open(path, time, new JournalOptions(), LocalDeployment.HomeId, null);
        var batch = new List<CoreEvents.SensorEvent>(2048);
        for (var i = 0; i < 2048; i++)
        {
            batch.Add(new CoreEvents.SensorEvent(LocalDeployment.HomeId, "hall_motion", CoreEvents.SensorKind.Motion, i % 2 == 0 ? "detected" : "clear",
                time.GetUtcNow(), "mqtt:zigbee2mqtt/hall_motion") { Detail = """{"occupancy":true,"battery":87,"linkquality":120,"illuminance":31}""" });
        }

        while (new FileInfo(path).Length + new FileInfo(path + "-wal").Length < bytes)
        {
            journal.Append(batch);
        }

        // The rules' state through the last event, so the start decides nothing again (the outage's events were decided as they came).
        journal.Append([], new RulesEngine(HomeConfigLoader.Load(homeFile), time.GetUtcNow()).SaveState(), journal.LastSeq);
        return journal.LastSeq;
    }

    private static async Task<(double Ms, double OpenMs)> StartAndReactAsync(BenchContext context, LocalDeployment deployment, string what, CancellationToken cancellationToken)
    {
        var spawnedAt = Stopwatch.GetTimestamp();
        await deployment.StartGatewayAsync(cancellationToken, ready: () => true).ConfigureAwait(false);
        var opened = deployment.Gateway!.WaitForLineAsync(l => OpenedLine().IsMatch(l), TimeSpan.FromMinutes(2));
        var link = deployment.HomeLink;
        using var client = new MqttClientFactory().CreateMqttClient();
        var reacted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ApplicationMessageReceivedAsync += _ =>
        {
            reacted.TrySetResult();
            return Task.CompletedTask;
        };
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(link.MqttHost, link.MqttPort)
            .WithClientId("bench-journal-start")
            .WithCredentials(link.MqttUser, link.MqttPassword)
            .WithCleanStart()
            .WithTimeout(TimeSpan.FromSeconds(2))
            .Build();
        while (true)
        {
            if (deployment.Gateway.HasExited)
            {
                throw new InvalidOperationException("the gateway exited during start-up; see gateway.log in the work directory");
            }

            if (Stopwatch.GetElapsedTime(spawnedAt) > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException("the gateway's broker took no connection within 2 minutes");
            }

            try
            {
                await client.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // Not listening yet (or not yet taking logins): the probe's resolution is this step.
                await Task.Delay(20, cancellationToken).ConfigureAwait(false);
            }
        }

        await client.SubscribeAsync($"homegateway/{LocalDeployment.HomeId}/alerts", MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken).ConfigureAwait(false);
        await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("zigbee2mqtt/bedroom_radar")
            .WithPayload("""{"presence":true,"fall_down_status":"fall","linkquality":96}""")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellationToken).ConfigureAwait(false);
        await reacted.Task.WaitAsync(TimeSpan.FromMinutes(1), cancellationToken).ConfigureAwait(false);
        var ms = Stopwatch.GetElapsedTime(spawnedAt).TotalMilliseconds;
        var openMs = double.Parse(OpenedLine().Match(await opened.ConfigureAwait(false)).Groups[1].Value, CultureInfo.InvariantCulture);
        await client.DisconnectAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        context.Say(string.Create(CultureInfo.InvariantCulture, $"start {what}: first reaction after {ms:0} ms (journal open {openMs:0} ms)"));
        return (ms, openMs);
    }

    private static void RemoveJournal(string path)
    {
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(path + suffix);
        }
    }

    /// <summary>A fresh copy of the cleanly closed full journal, written out and dropped from the page cache.</summary>
    private static void PutJournal(string full, string path)
    {
        RemoveJournal(path);
        File.Copy(full, path);
        Evict(path);
    }

    /// <summary>Flushes the file to the disk and asks the kernel to drop its cached pages, so the next read is the disk's.</summary>
    private static void Evict(string path)
    {
        if (!File.Exists(path))
        {
            return;
        }

        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Flush(flushToDisk: true);
        _ = PosixFadvise((int)file.SafeFileHandle.DangerousGetHandle(), 0, 0, FadviseDontNeed);
    }

    private static string Samples(Latencies latencies) =>
        string.Join(", ", Enumerable.Range(1, latencies.Count).Select(i => latencies.Percentile(100.0 * i / latencies.Count).ToString("0", CultureInfo.InvariantCulture)));

    [GeneratedRegex(@"opened in (\d+) ms")]
    private static partial Regex OpenedLine();

    [DllImport("libc", EntryPoint = "posix_fadvise")]
    private static extern int PosixFadvise(int fd, long offset, long length, int advice);
}
