using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using HomeGateway.Simulator.Demo;

namespace HomeGateway.Benchmarks.Suite.NodeRed;

/// <summary>
/// Issue 8, figure group 2: the gateway and Node-RED side by side on one mosquitto, the same care plan (door left open,
/// night exit), the same sensor messages, in one run: how late each alert comes after it is due, resident memory after
/// the run, and start-up to the first reaction. The method and its fairness choices: Suite/NodeRed/README.md.
/// </summary>
public sealed class NodeRedScenario : IBenchScenario
{
    public string Name => "nodeRed";

    public int Order => 2;

    public string Title => "Side by side with Node-RED: door left open + night exit on one mosquitto";

    public string Parameters => "--doors N (80)  --alerts N (1000)  --limit-seconds N (3)  --starts N (5)  --node-red-version V (4)  --uplink on|off (on; off stops dispatch after enrolment, to show what streaming to it costs)";

    public async Task RunAsync(BenchContext context, BenchReport report, CancellationToken cancellationToken)
    {
        var doors = context.Options.Int("doors", 80, 20);
        var wanted = context.Options.Int("alerts", 1000, 40);
        var limit = TimeSpan.FromSeconds(context.Options.Int("limit-seconds", 3, 2));
        var starts = context.Options.Int("starts", 5, 1);
        var uplink = (context.Options.Text("uplink") ?? "on") switch
        {
            "on" => true,
            "off" => false,
            var other => throw new ArgumentException($"--uplink is on or off, not '{other}'"),
        };
        var peer = await NodeRedPeer.InstallAsync(context, context.Options.Text("node-red-version") ?? NodeRedPeer.DefaultVersion, cancellationToken).ConfigureAwait(false);
        var gatewayBuild = ShippedGateway.Find(context);
        report.Software["Node-RED"] = peer.Version;
        report.Software["Node.js"] = peer.NodeVersion;
        report.Software["mosquitto"] = BenchMosquitto.Version();
        report.Parameters["nodeRed.doors"] = doors.ToString(CultureInfo.InvariantCulture);
        report.Parameters["nodeRed.alerts"] = wanted.ToString(CultureInfo.InvariantCulture);
        report.Parameters["nodeRed.limitSeconds"] = limit.TotalSeconds.ToString(CultureInfo.InvariantCulture);
        report.Parameters["nodeRed.starts"] = starts.ToString(CultureInfo.InvariantCulture);
        report.Parameters["nodeRed.gatewayBuild"] = gatewayBuild.Description;
        report.Parameters["nodeRed.uplink"] = uplink ? "on" : "off (dispatch stopped after enrolment: the gateway journals and retries its link, but streams nothing)";

        var work = context.WorkDirectory(Name);
        // Enough doors for the start-up probe (one new door per probe step, never closed during the probe).
        var plan = new DoorPlan(LocalDeployment.HomeId, Math.Max(doors, StartupProbe.Doors), limit, DateTimeOffset.UtcNow);
        await using var deployment = await LocalDeployment.CreateAsync(new ProductBinaries(
            Footprint.GatewayShim.WriteExec(Path.Combine(work, "shim"), context.RepositoryRoot, gatewayBuild.Executable), context.Binaries.Dispatch),
            Path.Combine(work, "deployment"), plan.HomeYaml(), (0, 0, 0), cancellationToken).ConfigureAwait(false);
        // The broker takes the port the deployment chose for MQTT, so LocalDeployment's "listening" check means mosquitto.
        await using var broker = await BenchMosquitto.StartAsync(Path.Combine(work, "mosquitto"), deployment.MqttPort, cancellationToken).ConfigureAwait(false);
        UseExternalBroker(deployment, broker);
        var userDir = Path.Combine(work, "node-red-user");
        NodeRedPeer.WriteUserDir(userDir, plan, broker.Port, BenchMosquitto.NodeRedUser, broker.Passwords[BenchMosquitto.NodeRedUser], FreePort());
        var nodeRedLog = Path.Combine(work, "node-red.log");

        context.Say("starting dispatch and enrolling the gateway");
        await deployment.StartDispatchAsync(cancellationToken).ConfigureAwait(false);
        await deployment.EnrolGatewayAsync(cancellationToken).ConfigureAwait(false);
        if (!uplink)
        {
            // Enrolled, then cut off: the gateway journals everything and retries its link, but streams nothing.
            await deployment.StopDispatchAsync().ConfigureAwait(false);
        }
        await using var traffic = await SensorTraffic.ConnectAsync(broker.Port, BenchMosquitto.BenchUser, broker.Passwords[BenchMosquitto.BenchUser], plan, cancellationToken).ConfigureAwait(false);
        var probe = new StartupProbe(traffic, plan);

        async Task<Func<Task>> SpawnGatewayAsync(string session)
        {
            // A fresh MQTT session per start: the broker must not hand a new process what it queued for the last one.
            deployment.GatewaySettings.RemoveAll(s => s.StartsWith(ClientIdSetting, StringComparison.Ordinal));
            deployment.GatewaySettings.Add(ClientIdSetting + "homegateway-bench-" + session);
            await deployment.StartGatewayAsync(cancellationToken).ConfigureAwait(false);
            // Stopped, not disposed: LocalDeployment disposes the last gateway it started (StopGatewayAsync and then its
            // DisposeAsync would dispose the same process twice).
            var gateway = deployment.Gateway!;
            return () => gateway.StopAsync(TimeSpan.FromSeconds(10));
        }

        ChildProcess? nodeRed = null;
        Task<Func<Task>> SpawnNodeRedAsync()
        {
            var process = nodeRed = peer.Start(userDir, nodeRedLog);
            return Task.FromResult<Func<Task>>(async () => await process.DisposeAsync().ConfigureAwait(false));
        }

        // Start-up: alternately, each process alone beside mosquitto (and dispatch); the first start of each is unmeasured.
        var gatewayStarts = new Latencies();
        var nodeRedStarts = new Latencies();
        for (var i = 0; i <= starts; i++)
        {
            var (gatewayReady, stopGateway) = await probe.StartAsync(AlertSource.Gateway, () => SpawnGatewayAsync("start" + i), cancellationToken).ConfigureAwait(false);
            await stopGateway().ConfigureAwait(false);
            var (nodeRedReady, stopNodeRed) = await probe.StartAsync(AlertSource.NodeRed, SpawnNodeRedAsync, cancellationToken).ConfigureAwait(false);
            await stopNodeRed().ConfigureAwait(false);
            context.Say(string.Create(CultureInfo.InvariantCulture, $"start {i}{(i == 0 ? " (warm-up, not counted)" : "")}: gateway ready after {gatewayReady:0} ms, Node-RED after {nodeRedReady:0} ms"));
            if (i > 0)
            {
                gatewayStarts.Add(gatewayReady);
                nodeRedStarts.Add(nodeRedReady);
            }
        }

        // The run: both running together, fed the same messages.
        context.Say($"workload: {doors} doors, limit {limit.TotalSeconds:0} s, until each side raised {wanted} alerts");
        var (_, stopGatewayAfterRun) = await probe.StartAsync(AlertSource.Gateway, () => SpawnGatewayAsync("run"), cancellationToken).ConfigureAwait(false);
        var (_, stopNodeRedAfterRun) = await probe.StartAsync(AlertSource.NodeRed, SpawnNodeRedAsync, cancellationToken).ConfigureAwait(false);
        try
        {
            var gatewayPid = deployment.Gateway!.Id;
            var nodeRedPid = nodeRed!.Id;
            var gatewayCpu = ProcessStats.Read(gatewayPid).CpuTime;
            var nodeRedCpu = ProcessStats.Read(nodeRedPid).CpuTime;
            var workload = new DoorWorkload(traffic, plan, doors, wanted);
            var clock = Stopwatch.StartNew();
            await workload.RunAsync(cancellationToken).ConfigureAwait(false);
            var seconds = clock.Elapsed.TotalSeconds;
            // Let both finish what is in flight (clears, the gateway's uplink) before memory is read.
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
            var gatewayStats = ProcessStats.Read(gatewayPid);
            var nodeRedStats = ProcessStats.Read(nodeRedPid);
            AddFigures(report, peer, workload, seconds, gatewayStats, nodeRedStats,
                gatewayStats.CpuTime - gatewayCpu, nodeRedStats.CpuTime - nodeRedCpu, gatewayStarts, nodeRedStarts, gatewayBuild);
        }
        finally
        {
            await stopNodeRedAfterRun().ConfigureAwait(false);
            await stopGatewayAfterRun().ConfigureAwait(false);
        }
    }

    private const string ClientIdSetting = "--Gateway:Mqtt:External:ClientId=";

    private static void AddFigures(BenchReport report, NodeRedPeer peer, DoorWorkload workload, double seconds, ProcessStats gateway, ProcessStats nodeRed,
        TimeSpan gatewayCpu, TimeSpan nodeRedCpu, Latencies gatewayStarts, Latencies nodeRedStarts, ShippedGateway build)
    {
        var peerName = "Node-RED " + peer.Version;
        var g = workload.Latency(AlertSource.Gateway);
        var n = workload.Latency(AlertSource.NodeRed);
        var what = string.Create(CultureInfo.InvariantCulture,
            $"{g.Count} gateway and {n.Count} Node-RED alerts ({workload.Openings} openings of {workload.Doors} doors, a quarter closed before the limit, over {seconds:0} s); "
            + $"missed: gateway {workload.Missed(AlertSource.Gateway)}, Node-RED {workload.Missed(AlertSource.NodeRed)}; "
            + $"raised for a door closed in time: gateway {workload.Unexpected(AlertSource.Gateway)}, Node-RED {workload.Unexpected(AlertSource.NodeRed)}");
        var latencyNote = "receipt of the alert on the bench's subscriber − (publish of the door opening + limit): how late each fires after it is due. "
            + "The gateway journals each event and each alert with fsync and streams alerts to dispatch over mutual TLS before republishing; Node-RED keeps timers in memory. " + what;
        report.Add(new Figure("nodeRed.latencyP50", "Alert lateness p50, gateway vs Node-RED", g.Percentile(50), "ms")
        {
            Peer = peerName, PeerValue = n.Percentile(50), Note = latencyNote,
        });
        var p99 = g.Percentile(99);
        var peerP99 = n.Percentile(99);
        report.Add(new Figure("nodeRed.latencyP99", "Alert lateness p99, gateway vs Node-RED", p99, "ms")
        {
            Peer = peerName, PeerValue = peerP99, Goal = "ratio ≤ 1", GoalMet = p99 <= peerP99, Note = latencyNote,
        });
        report.Add(new Figure("nodeRed.latencyMax", "Alert lateness max, gateway vs Node-RED", g.Max, "ms") { Peer = peerName, PeerValue = n.Max });
        report.Add(new Figure("nodeRed.rss", "Resident memory after the run, gateway vs Node-RED", gateway.RssMiB, "MiB")
        {
            Peer = peerName, PeerValue = nodeRed.RssMiB, Goal = "ratio ≤ 0.5", GoalMet = gateway.RssMiB <= 0.5 * nodeRed.RssMiB,
            Note = $"VmRSS of each process 2 s after the run: the gateway ({build.Description}; with its SQLite journal and gRPC uplink) and Node-RED's node process",
        });
        var startup = gatewayStarts.Percentile(50);
        var peerStartup = nodeRedStarts.Percentile(50);
        report.Add(new Figure("nodeRed.startup", "Start-up to first reaction (median), gateway vs Node-RED", startup, "ms")
        {
            Peer = peerName, PeerValue = peerStartup, Goal = "ratio ≤ 0.2", GoalMet = startup <= 0.2 * peerStartup,
            Note = string.Create(CultureInfo.InvariantCulture,
                $"median of {gatewayStarts.Count} starts each after one unmeasured (warm cache): from process spawn to the publish of the earliest door opening whose alert came back (a new door every 25 ms, 50 ms after 2 s, 200 ms after 5 s). "
                + $"Gateway {string.Join(", ", Samples(gatewayStarts))} ms; Node-RED {string.Join(", ", Samples(nodeRedStarts))} ms"),
        });
        report.Add(new Figure("nodeRed.cpu", "CPU time used during the run, gateway vs Node-RED", gatewayCpu.TotalSeconds, "s")
        {
            Peer = peerName, PeerValue = nodeRedCpu.TotalSeconds, Note = "user + system time of each process over the whole run (/proc/<pid>/stat)",
        });
    }

    private static IEnumerable<string> Samples(Latencies starts) =>
        Enumerable.Range(1, starts.Count).Select(i => starts.Percentile(100.0 * i / starts.Count).ToString("0", CultureInfo.InvariantCulture));

    private static void UseExternalBroker(LocalDeployment deployment, BenchMosquitto broker)
    {
        var passwordFile = Path.Combine(deployment.GatewayData, "mqtt-external-password");
        File.WriteAllText(passwordFile, broker.Passwords[BenchMosquitto.GatewayUser] + "\n");
        if (!OperatingSystem.IsWindows())
        {
            // The gateway refuses a password file that others can read.
            File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        deployment.GatewaySettings.AddRange(
        [
            "--Gateway:Mqtt:Mode=external",
            "--Gateway:Mqtt:External:Host=127.0.0.1",
            "--Gateway:Mqtt:External:Port=" + broker.Port.ToString(CultureInfo.InvariantCulture),
            "--Gateway:Mqtt:External:UserName=" + BenchMosquitto.GatewayUser,
            "--Gateway:Mqtt:External:PasswordFile=" + passwordFile,
            // Each start has a session of its own; the broker may forget the old ones soon.
            "--Gateway:Mqtt:External:SessionExpirySeconds=60",
        ]);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
