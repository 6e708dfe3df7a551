using System.Diagnostics;
using System.Globalization;
using HomeGateway.Simulator.Demo;

namespace HomeGateway.Benchmarks.Suite.Arm64;

/// <summary>
/// Issue 18: the Pi's build, measured here. Its size as copied to a device (real bytes), and its start-up and resident
/// memory run under qemu-user, which are only meaningful relative to the same measure of the host's NativeAOT build run
/// natively in the same run: so every timed or memory figure has the x64 build as its peer and the ratio as its headline,
/// and the raw arm64 value is marked "under qemu". Method and caveats: Suite/Arm64/README.md.
/// </summary>
public sealed class Arm64Scenario : IBenchScenario
{
    public string Name => "arm64";

    public int Order => 11;

    public string Title => "The arm64 NativeAOT build: size, and start-up and memory under qemu relative to the x64 build";

    public string Parameters => "--starts N (5)  --version-runs N (10)";

    public async Task RunAsync(BenchContext context, BenchReport report, CancellationToken cancellationToken)
    {
        var starts = context.Options.Int("starts", 5, 1);
        var versionRuns = context.Options.Int("version-runs", 10, 3);
        var arm = DeviceBuild.Arm64(context.RepositoryRoot);
        var host = DeviceBuild.Host(context.RepositoryRoot);
        foreach (var build in new[] { arm, host })
        {
            // make bench republishes only the host build: an arm64 publish from an older commit would be measured silently.
            if (File.GetLastWriteTimeUtc(build.Executable) < File.GetLastWriteTimeUtc(context.Binaries.Gateway))
            {
                context.Say($"{Path.GetRelativePath(context.RepositoryRoot, build.Executable)} is older than the Release build: if src/ changed since, run `make publish-arm64 publish-host` first");
            }
        }

        report.Parameters["arm64.starts"] = starts.ToString(CultureInfo.InvariantCulture);
        report.Parameters["arm64.versionRuns"] = versionRuns.ToString(CultureInfo.InvariantCulture);
        var (_, qemuVersion, _) = await ChildProcess.RunAsync(arm.Launcher[0], ["--version"], cancellationToken).ConfigureAwait(false);
        report.Software["qemu-user"] = qemuVersion.Split('\n')[0].Replace("qemu-aarch64 version ", "", StringComparison.Ordinal).Trim();

        AddSizes(report, arm, host);

        var armVersion = await VersionTimesAsync(arm, versionRuns, cancellationToken).ConfigureAwait(false);
        var hostVersion = await VersionTimesAsync(host, versionRuns, cancellationToken).ConfigureAwait(false);
        context.Say(string.Create(CultureInfo.InvariantCulture,
            $"--version: arm64 under qemu {armVersion.Percentile(50):0} ms, {host.Name} {hostVersion.Percentile(50):0} ms (medians of {versionRuns})"));

        // Alternately, so a busy moment of the machine weighs on both; the first start of each is unmeasured (warm cache).
        var work = context.WorkDirectory(Name);
        var armStarts = new Latencies();
        var hostStarts = new Latencies();
        ProcMemory armMemory = default, hostMemory = default;
        long qemuOwn = 0;
        for (var i = 0; i <= starts; i++)
        {
            var (armMs, armMem, armQemu) = await new FirstAlertProbe(arm, context.RepositoryRoot).RunAsync(Path.Combine(work, $"arm64-{i}"), cancellationToken).ConfigureAwait(false);
            var (hostMs, hostMem, _) = await new FirstAlertProbe(host, context.RepositoryRoot).RunAsync(Path.Combine(work, $"host-{i}"), cancellationToken).ConfigureAwait(false);
            context.Say(string.Create(CultureInfo.InvariantCulture,
                $"start {i}{(i == 0 ? " (warm-up, not counted)" : "")}: first alert after {armMs:0} ms under qemu ({armMem.RssMiB:0.0} MiB), {hostMs:0} ms native ({hostMem.RssMiB:0.0} MiB)"));
            if (i > 0)
            {
                armStarts.Add(armMs);
                hostStarts.Add(hostMs);
                // The last measured start's memory: every start does the same work.
                (armMemory, hostMemory, qemuOwn) = (armMem, hostMem, armQemu);
            }
        }

        AddTimes(report, host, armVersion, hostVersion, armStarts, hostStarts);
        AddMemory(report, host, armMemory, hostMemory, qemuOwn);
        AddNodeRed(report, armStarts, armMemory);
    }

    private static void AddSizes(BenchReport report, DeviceBuild arm, DeviceBuild host)
    {
        report.Add(new Figure("arm64.executableSize", "arm64 executable size vs x64 (homegateway)", arm.ExecutableBytes / 1e6, "MB")
        {
            Peer = host.Name, PeerValue = host.ExecutableBytes / 1e6,
            Note = string.Create(CultureInfo.InvariantCulture,
                $"artifacts/publish/linux-arm64/homegateway: {arm.ExecutableBytes} bytes; the x64 one: {host.ExecutableBytes} bytes (real sizes, no emulation involved; symbols are in artifacts/symbols)"),
        });
        report.Add(new Figure("arm64.folderSize", "arm64 publish folder size vs x64 (what is copied to a device)", arm.FolderBytes / 1e6, "MB")
        {
            Peer = host.Name, PeerValue = host.FolderBytes / 1e6,
            Note = string.Create(CultureInfo.InvariantCulture,
                $"every file of artifacts/publish/linux-arm64 ({string.Join(", ", Directory.GetFiles(arm.Folder).Select(Path.GetFileName).Order(StringComparer.Ordinal))}): {arm.FolderBytes} bytes; x64: {host.FolderBytes} bytes"),
        });
    }

    private static void AddTimes(BenchReport report, DeviceBuild host, Latencies armVersion, Latencies hostVersion, Latencies armStarts, Latencies hostStarts)
    {
        var version = armVersion.Percentile(50);
        report.Add(new Figure("arm64.versionTime", "`homegateway --version` wall time: arm64 under emulation (qemu) vs x64 native", version, "ms")
        {
            Peer = host.Name, PeerValue = hostVersion.Percentile(50),
            Note = string.Create(CultureInfo.InvariantCulture,
                $"plain process start and exit, median of {armVersion.Count} runs each after one unmeasured; under qemu {Relative.Samples(armVersion)} ms, native {Relative.Samples(hostVersion)} ms. "
                + $"{Relative.Describe(version, hostVersion.Percentile(50), "native")}: qemu's translation cost, not a Pi's speed"),
        });
        var startup = armStarts.Percentile(50);
        report.Add(new Figure("arm64.startup", "Start-up to the first help alert journalled: arm64 under emulation (qemu) vs x64 native", startup, "ms")
        {
            Peer = host.Name, PeerValue = hostStarts.Percentile(50),
            Note = string.Create(CultureInfo.InvariantCulture,
                $"`homegateway run` with the unit's DOTNET_* settings, a home file with one GPIO help button held down on simulated pins, no MQTT, no dispatch, fresh data directory: "
                + $"spawn → the pipeline's 'Alert …: raised help_button' log line (written after the journal's fsync). Median of {armStarts.Count} starts each after one unmeasured, alternating; "
                + $"under qemu {Relative.Samples(armStarts)} ms, native {Relative.Samples(hostStarts)} ms"),
        });
    }

    private static void AddMemory(BenchReport report, DeviceBuild host, ProcMemory arm, ProcMemory native, long qemuOwn)
    {
        const string Qemu = "includes qemu-user itself (the emulator runs the guest inside its own process: its code, its translated-code cache and its bookkeeping), so it overstates what the gateway needs on a Pi";
        report.Add(new Figure("arm64.rss", "Resident memory after the first alert: arm64 under emulation (qemu, itself included) vs x64 native", arm.RssMiB, "MiB")
        {
            Peer = host.Name, PeerValue = native.RssMiB,
            Note = $"VmRSS of the spawned process 1 s after the first help alert, last measured start; under qemu it {Qemu}",
        });
        report.Add(new Figure("arm64.peakRss", "Peak resident memory to the first alert: arm64 under emulation (qemu, itself included) vs x64 native", arm.PeakRssMiB, "MiB")
        {
            Peer = host.Name, PeerValue = native.PeakRssMiB,
            Note = $"VmHWM at the same moment; under qemu it {Qemu}",
        });
        var guest = (arm.RssBytes - qemuOwn) / 1024.0 / 1024.0;
        report.Add(new Figure("arm64.rssLessQemu", "Resident memory after the first alert less qemu's heap and code cache (estimate): arm64 under emulation vs x64 native", guest, "MiB")
        {
            Peer = host.Name, PeerValue = native.RssMiB,
            Note = string.Create(CultureInfo.InvariantCulture,
                $"arm64.rss ({arm.RssMiB:0.0} MiB) less {qemuOwn / 1024.0 / 1024.0:0.0} MiB resident in qemu's [heap] (its bookkeeping, which grows by ~290 MiB as the guest reserves ~50 GB of address space at start) and its rwx translated-code cache, from /proc/<pid>/smaps; ")
                + "what remains still holds qemu's own binary and stacks and guest pages as qemu maps them: an estimate, not a Pi's figure",
        });
    }

    /// <summary>
    /// When the nodeRed scenario ran first in the same run (it comes earlier in the order), Node-RED's start-up and memory
    /// on this machine are a second, looser yardstick: its start-up probe is a door alert over MQTT, not a GPIO press.
    /// </summary>
    private static void AddNodeRed(BenchReport report, Latencies armStarts, ProcMemory armMemory)
    {
        var figures = report.Figures;
        var peer = report.Software.TryGetValue("Node-RED", out var version) ? $"Node-RED {version} native" : "Node-RED native";
        if (figures.FirstOrDefault(f => f.Name == "nodeRed.startup") is { PeerValue: { } nodeRedStartup })
        {
            report.Add(new Figure("arm64.startupVsNodeRed", "Start-up to first reaction: arm64 gateway under emulation (qemu) vs Node-RED native", armStarts.Percentile(50), "ms")
            {
                Peer = peer, PeerValue = nodeRedStartup,
                Note = "Node-RED's median from nodeRed.startup in this run (spawn → its first door-left-open alert over MQTT, x64 natively); the gateway's is arm64.startup (GPIO help press, emulated): different reactions and a handicap for the gateway, so only a bound",
            });
        }

        if (figures.FirstOrDefault(f => f.Name == "nodeRed.rss") is { PeerValue: { } nodeRedRss })
        {
            report.Add(new Figure("arm64.rssVsNodeRed", "Resident memory: arm64 gateway under emulation (qemu, itself included) vs Node-RED native", armMemory.RssMiB, "MiB")
            {
                Peer = peer, PeerValue = nodeRedRss,
                Note = "Node-RED's VmRSS after the nodeRed run's workload in this run; the gateway's is arm64.rss (qemu included, after one alert): a loose bound, not like for like",
            });
        }
    }

    /// <summary><c>homegateway --version</c> as a plain process start: wall time of each run, after one unmeasured.</summary>
    private static async Task<Latencies> VersionTimesAsync(DeviceBuild build, int runs, CancellationToken cancellationToken)
    {
        var times = new Latencies();
        var (program, arguments) = build.Command(["--version"]);
        for (var i = 0; i <= runs; i++)
        {
            var clock = Stopwatch.StartNew();
            var (exit, output, error) = await ChildProcess.RunAsync(program, arguments, cancellationToken).ConfigureAwait(false);
            var elapsed = clock.Elapsed;
            if (exit != 0 || !output.StartsWith("homegateway ", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"{build.Name}: `homegateway --version` exited {exit}: {output}{error}");
            }

            if (i > 0)
            {
                times.Add(elapsed);
            }
        }

        return times;
    }
}
