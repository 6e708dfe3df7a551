using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using HomeGateway.Benchmarks.Suite.NodeRed;
using HomeGateway.Simulator.Demo;
using HomeGateway.Simulator.Scenarios;
using MQTTnet;
using MQTTnet.Protocol;

namespace HomeGateway.Benchmarks.Suite.Footprint;

/// <summary>
/// Issue 8, figure group 3: the gateway as shipped (the self-contained trimmed publish), deployed as the demo deploys it
/// (the example home file, its embedded MQTT broker, enrolled with and streaming to a real dispatch), started the way
/// systemd starts it: resident memory idle and after an hour-equivalent of sensor traffic, and start-up to READY=1.
/// </summary>
public sealed class FootprintScenario : IBenchScenario
{
    public string Name => "footprint";

    public int Order => 3;

    public string Title => "Gateway footprint: memory idle and after an hour of a busy home, start-up to READY=1";

    public string Parameters => "--idle-seconds N (10)  --hours N (1)  --starts N (5)";

    public async Task RunAsync(BenchContext context, BenchReport report, CancellationToken cancellationToken)
    {
        var idle = TimeSpan.FromSeconds(context.Options.Int("idle-seconds", 10, 3));
        var hours = context.Options.Int("hours", 1, 1);
        var starts = context.Options.Int("starts", 5, 1);
        var build = ShippedGateway.Find(context);
        report.Parameters["footprint.idleSeconds"] = idle.TotalSeconds.ToString(CultureInfo.InvariantCulture);
        report.Parameters["footprint.hours"] = hours.ToString(CultureInfo.InvariantCulture);
        report.Parameters["footprint.starts"] = starts.ToString(CultureInfo.InvariantCulture);
        report.Parameters["footprint.gatewayBuild"] = build.Description;

        var work = context.WorkDirectory(Name);
        // A unix socket path must stay under 108 bytes; the work directory may be deep.
        var socketPath = Path.Combine(work, "notify.sock");
        if (socketPath.Length > 100)
        {
            socketPath = Path.Combine(Path.GetTempPath(), $"homegateway-bench-{Environment.ProcessId}.sock");
        }

        File.Delete(socketPath);
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(socketPath));
        var pidFile = Path.Combine(work, "shim", "gateway.pid");
        var shim = GatewayShim.WriteSystemd(Path.Combine(work, "shim"), context.RepositoryRoot, build.Executable, socketPath, pidFile);

        var home = await File.ReadAllTextAsync(Path.Combine(context.RepositoryRoot, "deploy", "examples", "home.yaml"), cancellationToken).ConfigureAwait(false);
        await using var deployment = await LocalDeployment.CreateAsync(new ProductBinaries(shim, context.Binaries.Dispatch),
            Path.Combine(work, "deployment"), home, (0, 0, 0), cancellationToken).ConfigureAwait(false);
        // The example home's keyswitch (22, active low) rests off and its UPS line (6, active high) reports mains present.
        PinFiles.Write(deployment.PinDirectory, 22, high: true);
        PinFiles.Write(deployment.PinDirectory, 6, high: false); // the X728 drives it high when mains is lost (activeLow: false)
        await deployment.StartDispatchAsync(cancellationToken).ConfigureAwait(false);
        await deployment.EnrolGatewayAsync(cancellationToken).ConfigureAwait(false);

        var startups = new Latencies();
        for (var i = 0; i <= starts; i++)
        {
            Drain(notify);
            var spawnedAt = Stopwatch.GetTimestamp();
            await deployment.StartGatewayAsync(cancellationToken).ConfigureAwait(false);
            await WaitForReadyAsync(notify, deployment.Gateway!, cancellationToken).ConfigureAwait(false);
            var ready = Stopwatch.GetElapsedTime(spawnedAt).TotalMilliseconds;
            context.Say(string.Create(CultureInfo.InvariantCulture, $"start {i}{(i == 0 ? " (warm-up, not counted)" : "")}: READY=1 after {ready:0} ms"));
            if (i > 0)
            {
                startups.Add(ready);
            }

            if (i < starts)
            {
                // Stopped, not disposed: the deployment disposes the last gateway it started.
                await deployment.Gateway!.StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            }
        }

        var pid = int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture);
        await Task.Delay(idle, cancellationToken).ConfigureAwait(false);
        var idleStats = ProcessStats.Read(pid);
        context.Say(string.Create(CultureInfo.InvariantCulture, $"idle: {idleStats.RssMiB:0.0} MiB, {idleStats.Threads} threads"));

        var messages = HourOfSensors.Messages(LocalDeployment.HomeId);
        var (events, seconds, alerts) = await ReplayAsync(deployment, messages, hours, cancellationToken).ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken).ConfigureAwait(false);
        var after = ProcessStats.Read(pid);
        context.Say(string.Create(CultureInfo.InvariantCulture, $"after {events} events in {seconds:0.0} s: {after.RssMiB:0.0} MiB (peak {after.PeakRssMiB:0.0}), {after.Threads} threads, {alerts} alerts"));

        var settings = GatewayShim.UnitExports(context.RepositoryRoot).Select(e => e.Replace("export ", "", StringComparison.Ordinal)).ToList();
        var how = $"{build.Description} with the unit's DOTNET_* settings ({(settings.Count == 0 ? "none" : string.Join(", ", settings))}); the example home (deploy/examples/home.yaml), embedded MQTT broker, enrolled and streaming to a real dispatch over mutual TLS";
        report.Add(new Figure("footprint.rssIdle", "Gateway resident memory, idle", idleStats.RssMiB, "MiB")
        {
            Note = $"VmRSS {idle.TotalSeconds:0} s after READY=1; {how}",
        });
        report.Add(new Figure("footprint.rssAfterHour", "Gateway resident memory after an hour of a busy home", after.RssMiB, "MiB")
        {
            Note = string.Create(CultureInfo.InvariantCulture,
                $"VmRSS 3 s after replaying {hours} hour(s) of the example home's MQTT devices ({events} messages: radar every 5 s, motion 240/h, temperature every 30 s, doors, bed, check-ins; "
                + $"plus a fall, smoke and a water leak, raised and cleared: {alerts} alert steps seen on the local alert topic) at QoS 1 as fast as the gateway acknowledged them ({seconds:0.0} s, {events / seconds:0} events/s, each journalled with fsync before its PUBACK)"),
        });
        report.Add(new Figure("footprint.peakRss", "Gateway peak resident memory (start to end)", after.PeakRssMiB, "MiB") { Note = "VmHWM after the hour" });
        report.Add(new Figure("footprint.threads", "Gateway threads after the hour", after.Threads, "threads"));
        report.Add(new Figure("footprint.startup", "Gateway start-up to READY=1 (median)", startups.Percentile(50), "ms")
        {
            Note = string.Create(CultureInfo.InvariantCulture,
                $"from spawn to the READY=1 datagram on NOTIFY_SOCKET, as systemd's Type=notify sees it (median of {startups.Count} starts after one unmeasured; samples "
                + $"{string.Join(", ", Enumerable.Range(1, startups.Count).Select(i => startups.Percentile(100.0 * i / startups.Count).ToString("0", CultureInfo.InvariantCulture)))} ms); {how}"),
        });
        var directory = Path.GetDirectoryName(build.Executable)!;
        var size = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        report.Add(new Figure("footprint.diskSize", "Gateway on disk", size / 1024.0 / 1024.0, "MiB") { Note = $"every file of {build.Description}" });
    }

    private static void Drain(Socket notify)
    {
        var buffer = new byte[4096];
        while (notify.Available > 0)
        {
            notify.Receive(buffer);
        }
    }

    private static async Task WaitForReadyAsync(Socket notify, ChildProcess gateway, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (true)
        {
            int length;
            try
            {
                length = await notify.ReceiveAsync(buffer, SocketFlags.None, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"no READY=1 within 60 s (gateway {(gateway.HasExited ? "exited" : "running")}); see gateway.log in the work directory");
            }

            if (Encoding.UTF8.GetString(buffer, 0, length).Split('\n').Contains("READY=1"))
            {
                return;
            }
        }
    }

    /// <summary>Publishes the hour as the devices would (QoS 1), with up to 16 messages awaiting their PUBACK at a time.</summary>
    private static async Task<(int Events, double Seconds, int Alerts)> ReplayAsync(
        LocalDeployment deployment, IReadOnlyList<(string Topic, byte[] Payload)> messages, int hours, CancellationToken cancellationToken)
    {
        var link = deployment.HomeLink;
        using var client = new MqttClientFactory().CreateMqttClient();
        var alerts = 0;
        client.ApplicationMessageReceivedAsync += _ =>
        {
            Interlocked.Increment(ref alerts);
            return Task.CompletedTask;
        };
        await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer(link.MqttHost, link.MqttPort)
            .WithClientId("bench-footprint")
            .WithCredentials(link.MqttUser, link.MqttPassword)
            .WithCleanStart()
            .Build(), cancellationToken).ConfigureAwait(false);
        await client.SubscribeAsync($"homegateway/{LocalDeployment.HomeId}/alerts", MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken).ConfigureAwait(false);
        using var window = new SemaphoreSlim(16);
        var inFlight = new List<Task>();
        var clock = Stopwatch.StartNew();
        for (var hour = 0; hour < hours; hour++)
        {
            foreach (var (topic, payload) in messages)
            {
                await window.WaitAsync(cancellationToken).ConfigureAwait(false);
                inFlight.Add(PublishAsync(topic, payload));
            }
        }

        await Task.WhenAll(inFlight).ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        await client.DisconnectAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        return (messages.Count * hours, seconds, alerts);

        async Task PublishAsync(string topic, byte[] payload)
        {
            try
            {
                await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                window.Release();
            }
        }
    }
}
