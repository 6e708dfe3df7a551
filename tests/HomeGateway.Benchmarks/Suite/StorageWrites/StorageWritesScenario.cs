using System.Diagnostics;
using System.Globalization;
using HomeGateway.Benchmarks.Suite.Footprint;
using HomeGateway.Benchmarks.Suite.NodeRed;
using HomeGateway.Gateway;
using HomeGateway.Simulator.Demo;
using HomeGateway.Simulator.Scenarios;
using MQTTnet;
using MQTTnet.Protocol;

namespace HomeGateway.Benchmarks.Suite.StorageWrites;

/// <summary>
/// Issue 18: the SD card's life. The gateway as shipped, deployed as the footprint scenario deploys it (example home,
/// embedded broker, streaming to a real dispatch, started the way systemd starts it), its data directory on a real disk
/// and its status file on tmpfs (systemd's RuntimeDirectory is /run, RAM). Its <c>/proc/[pid]/io</c> is read around a
/// replay of the example home's busy hour on its own timeline, <c>--speedup</c> times faster, with the gateway's two
/// time-based journal settings (the repeat and mark intervals) shortened by the same factor, so that it journals and
/// writes marks as often per event as in real time (<see cref="HourOfSensors"/>: each message after the previous one's
/// PUBACK, as a home sends them, so each is its own commit), and around a quiet stretch with no event; projected to a day.
/// </summary>
public sealed class StorageWritesScenario : IBenchScenario
{
    public string Name => "storageWrites";

    public int Order => 10;

    public string Title => "Gateway storage writes: bytes per sensor event, per idle hour, projected MB/day for the busy home";

    public string Parameters => "--hours N (2)  --events N (all of them: 1179 an hour)  --speedup N (30: the hour in 2 min)  --repeat-seconds N, --mark-seconds N (the gateway's defaults)  --idle-seconds N (300)  --warmup-hours N (2, quick 1; 0 for a new journal: replayed as fast as acknowledged before measuring)  --busy-hours N (16)  --status-dir tmpfs|data (tmpfs)";

    public async Task RunAsync(BenchContext context, BenchReport report, CancellationToken cancellationToken)
    {
        var hour = HourOfSensors.Timeline(LocalDeployment.HomeId);
        // Two hours by default: SQLite checkpoints the WAL every 1,000 frames (about one busy hour), so one replayed hour
        // may or may not include one; two include their share.
        var hours = context.Options.Int("hours", 2, 1);
        var replayed = Enumerable.Range(0, hours).SelectMany(h => hour.Select(m => (m.Second + h * 3600.0, m.Topic, m.Payload))).ToList();
        var events = Math.Min(context.Options.Int("events", replayed.Count, 300), replayed.Count);
        var speedup = context.Options.Int("speedup", 30, 30);
        if (speedup is < 1 or > 200)
        {
            throw new ArgumentException($"--speedup is 1 (real time) .. 200, not {speedup}");
        }

        // The gateway's clock runs at real speed, so what it measures in time is shortened instead (the shipped defaults
        // unless --repeat-seconds / --mark-seconds name other real-time values to compare).
        var repeatInterval = TimeSpan.FromSeconds(context.Options.Int("repeat-seconds", (int)new JournalOptions().RepeatInterval.TotalSeconds, 300)) / speedup;
        var markInterval = TimeSpan.FromSeconds(context.Options.Int("mark-seconds", (int)new JournalOptions().MarkInterval.TotalSeconds, 30)) / speedup;
        // Held for company after a commit (100 ms): at the hour's own pace a message comes seconds after the last commit
        // and is never held; shortened like the rest, the replay's messages are not held longer than a home's would be.
        var commitSpacing = new JournalOptions().CommitSpacing / speedup;
        var idle = TimeSpan.FromSeconds(context.Options.Int("idle-seconds", 300, 30));
        var busyHours = context.Options.Int("busy-hours", 16, 16);
        // A journal past its first hours: its WAL has reached the size it is reused at (SQLite checkpoints every 1,000
        // frames and then writes the WAL from its start again), so the measured hours do not pay for the WAL's first
        // growth (a block allocated at a time, each a metadata write), which a gateway pays once after its install.
        // 0 measures a new journal (BenchOptions.Int takes only positive numbers).
        var warmupHours = context.Options.Text("warmup-hours") == "0" ? 0 : context.Options.Int("warmup-hours", 2, 1);
        var statusOnDisk = (context.Options.Text("status-dir") ?? "tmpfs") switch
        {
            "tmpfs" => false,
            "data" => true,
            var other => throw new ArgumentException($"--status-dir is tmpfs or data, not '{other}'"),
        };
        var build = ShippedGateway.Find(context);
        var work = context.WorkDirectory(Name);
        // tmpfs, as /run is on the Pi: systemd's RuntimeDirectory (the status file) and the simulated GPIO pins.
        var scratch = Directory.Exists("/dev/shm") ? Path.Combine("/dev/shm", $"homegateway-bench-{Environment.ProcessId}") : null;
        var runtime = statusOnDisk ? null : scratch;
        report.Parameters["storageWrites.events"] = events.ToString(CultureInfo.InvariantCulture);
        report.Parameters["storageWrites.hours"] = hours.ToString(CultureInfo.InvariantCulture);
        report.Parameters["storageWrites.speedup"] = speedup.ToString(CultureInfo.InvariantCulture);
        report.Parameters["storageWrites.repeatInterval"] = repeatInterval.ToString("c", CultureInfo.InvariantCulture);
        report.Parameters["storageWrites.markInterval"] = markInterval.ToString("c", CultureInfo.InvariantCulture);
        report.Parameters["storageWrites.idleSeconds"] = idle.TotalSeconds.ToString(CultureInfo.InvariantCulture);
        report.Parameters["storageWrites.busyHours"] = busyHours.ToString(CultureInfo.InvariantCulture);
        report.Parameters["storageWrites.warmupHours"] = warmupHours.ToString(CultureInfo.InvariantCulture);
        report.Parameters["storageWrites.dataFilesystem"] = Filesystem.Describe(work);
        report.Parameters["storageWrites.statusFilesystem"] = runtime is null ? "the data directory's" : Filesystem.Describe("/dev/shm");

        var socketPath = Path.Combine(Path.GetTempPath(), $"homegateway-bench-io-{Environment.ProcessId}.sock");
        File.Delete(socketPath);
        using var notify = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Unspecified);
        notify.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(socketPath));
        var pidFile = Path.Combine(work, "shim", "gateway.pid");
        var shim = GatewayShim.WriteSystemd(Path.Combine(work, "shim"), context.RepositoryRoot, build.Executable, socketPath, pidFile);
        var home = await File.ReadAllTextAsync(Path.Combine(context.RepositoryRoot, "deploy", "examples", "home.yaml"), cancellationToken).ConfigureAwait(false);
        // Nobody acknowledges the hour's fall at dispatch, so it escalates (3 times): within the replayed hour, not in the
        // quiet stretch after it. 10 s is the shortest the home file takes (5 min of the hour at the default speed-up).
        const string ackTimeout = "ackTimeoutSeconds: 120";
        if (!home.Contains(ackTimeout, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"deploy/examples/home.yaml no longer says '{ackTimeout}': update the storageWrites scenario");
        }

        home = home.Replace(ackTimeout, "ackTimeoutSeconds: 10", StringComparison.Ordinal);
        try
        {
            await using var deployment = await LocalDeployment.CreateAsync(new ProductBinaries(shim, context.Binaries.Dispatch),
                Path.Combine(work, "deployment"), home, (0, 0, 0), cancellationToken).ConfigureAwait(false);
            // The simulated GPIO pins are files the gateway rewrites (the status LED blinks): on the Pi they are the GPIO
            // chip, not storage, so they go to tmpfs here (the later --Gateway:… setting wins over LocalDeployment's).
            var pins = deployment.PinDirectory;
            if (scratch is not null)
            {
                pins = Path.Combine(scratch, "pins");
                Directory.CreateDirectory(pins);
                deployment.GatewaySettings.Add("--Gateway:Gpio:SimulatedPinDirectory=" + pins);
            }

            if (runtime is not null)
            {
                deployment.GatewaySettings.Add("--Gateway:RuntimeDirectory=" + runtime);
            }

            deployment.GatewaySettings.Add("--Gateway:Journal:RepeatInterval=" + repeatInterval.ToString("c", CultureInfo.InvariantCulture));
            deployment.GatewaySettings.Add("--Gateway:Journal:CommitSpacing=" + commitSpacing.ToString("c", CultureInfo.InvariantCulture));
            // At least the 1 s the gateway takes: past a speed-up of 30 the marks would be written less often than in real time.
            deployment.GatewaySettings.Add("--Gateway:Journal:MarkInterval=" + TimeSpan.FromTicks(Math.Max(markInterval.Ticks, TimeSpan.TicksPerSecond)).ToString("c", CultureInfo.InvariantCulture));

            PinFiles.Write(pins, 22, high: true);
            PinFiles.Write(pins, 6, high: false); // the X728 drives it high when mains is lost (activeLow: false)
            await deployment.StartDispatchAsync(cancellationToken).ConfigureAwait(false);
            await deployment.EnrolGatewayAsync(cancellationToken).ConfigureAwait(false);
            await deployment.StartGatewayAsync(cancellationToken).ConfigureAwait(false);
            var pid = int.Parse((await File.ReadAllTextAsync(pidFile, cancellationToken).ConfigureAwait(false)).Trim(), CultureInfo.InvariantCulture);
            var log = Path.Combine(deployment.WorkDirectory, "gateway.log");

            if (warmupHours > 0)
            {
                var warmup = Enumerable.Range(0, warmupHours).SelectMany(h => hour.Select(m => (m.Second + h * 3600.0, m.Topic, m.Payload)));
                await ReplayAsync(deployment, warmup, 200, cancellationToken).ConfigureAwait(false);
                context.Say($"warm-up: {warmupHours} hour(s) replayed as fast as acknowledged, journal through #{JournalledThrough(Path.Combine(runtime ?? deployment.GatewayData, "status.json"))}");
            }

            // Start-up (journal open, quick check, first status file) is not what a day is made of: settle first.
            await Task.Delay(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
            var statusFile = Path.Combine(runtime ?? deployment.GatewayData, "status.json");
            var seqBeforeReplay = JournalledThrough(statusFile);
            var beforeReplay = ProcessIo.Read(pid);
            var logBeforeReplay = new FileInfo(log).Length;
            var clock = Stopwatch.StartNew();
            await ReplayAsync(deployment, replayed.Take(events), speedup, cancellationToken).ConfigureAwait(false);
            // Dispatch's acks of the last events and the rules' state of them land within a moment.
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
            var replayTime = clock.Elapsed;
            var replay = ProcessIo.Read(pid) - beforeReplay;
            var replayLog = new FileInfo(log).Length - logBeforeReplay;
            context.Say(string.Create(CultureInfo.InvariantCulture,
                $"replay: {events} events in {replayTime.TotalSeconds:0} s: write_bytes {replay.DeviceBytes:N0}, wchar {replay.Wchar:N0} ({replay.WriteSyscalls} write calls), log {replayLog:N0} bytes"));

            var beforeIdle = ProcessIo.Read(pid);
            var logBeforeIdle = new FileInfo(log).Length;
            clock.Restart();
            await Task.Delay(idle, cancellationToken).ConfigureAwait(false);
            var idleTime = clock.Elapsed;
            var quiet = ProcessIo.Read(pid) - beforeIdle;
            var quietLog = new FileInfo(log).Length - logBeforeIdle;
            context.Say(string.Create(CultureInfo.InvariantCulture,
                $"idle: {idleTime.TotalSeconds:0} s: write_bytes {quiet.DeviceBytes:N0}, wchar {quiet.Wchar:N0} ({quiet.WriteSyscalls} write calls), log {quietLog:N0} bytes"));

            var records = JournalledThrough(statusFile) - seqBeforeReplay;
            report.Parameters["storageWrites.recordsJournalled"] = records.ToString(CultureInfo.InvariantCulture);
            context.Say($"journal: {records} records for {events} messages (sensor events and alert steps; the rest repeated a record unchanged)");

            var device = new StorageProjection(events, replay.DeviceBytes, replayTime, quiet.DeviceBytes, idleTime, hour.Count, busyHours).Validate();
            var logs = new StorageProjection(events, replayLog, replayTime, quietLog, idleTime, hour.Count, busyHours).Validate();
            var written = new StorageProjection(events, replay.Wchar, replayTime, quiet.Wchar, idleTime, hour.Count, busyHours).Validate();
            var how = string.Create(CultureInfo.InvariantCulture,
                $"{build.Description}; data directory on {report.Parameters["storageWrites.dataFilesystem"]}, status file on {report.Parameters["storageWrites.statusFilesystem"]}; "
                + $"{events} messages of the example home's busy hour (tests/…/Footprint/HourOfSensors.cs) at QoS 1 on the hour's timeline {speedup}× faster, each after the previous PUBACK, with Journal:RepeatInterval, MarkInterval and CommitSpacing shortened as much; then {idleTime.TotalSeconds:0} s with none");
            report.Add(new Figure("storageWrites.bytesPerEvent", "Gateway storage writes per sensor event (write_bytes)", device.BytesPerEvent, "bytes")
            {
                Note = "/proc/pid/io write_bytes − cancelled_write_bytes over the replay, less the idle rate × its duration, ÷ events; " + how,
            });
            report.Add(new Figure("storageWrites.idleHour", "Gateway storage writes per idle hour (write_bytes)", device.IdleBytesPerHour / 1e6, "MB")
            {
                Note = "write_bytes over the quiet stretch × 3600 s ÷ its length: what time alone writes (checkpoints, saves on a timer)",
            });
            report.Add(new Figure("storageWrites.busyHour", "Gateway storage writes in the busy hour (write_bytes)", device.BusyHourBytes / 1e6, "MB")
            {
                Note = string.Create(CultureInfo.InvariantCulture, $"{hour.Count} events × bytes per event + an idle hour"),
            });
            report.Add(new Figure("storageWrites.perDay", "Gateway storage writes per day, busy home (write_bytes)", device.MegabytesPerDay, "MB")
            {
                // Judged only at a home's own pace: what the kernel writes back on its 30 s clock does not shrink with a
                // compressed replay, so a faster replay understates the day (README: replay speed).
                Goal = speedup == 1 ? "≤ 50 MB/day (issue 18)" : $"≤ 50 MB/day (issue 18), judged only in real time (--speedup 1): replayed {speedup}× faster this understates",
                GoalMet = speedup == 1 ? device.MegabytesPerDay <= 50 : null,
                Note = string.Create(CultureInfo.InvariantCulture, $"{busyHours} busy hours + {24 - busyHours} idle hours; the journal's own writes only (logs below)"),
            });
            report.Add(new Figure("storageWrites.logBytesPerEvent", "Gateway log bytes per sensor event (stdout → journald)", logs.BytesPerEvent, "bytes")
            {
                Note = "growth of the gateway's captured stdout (journald's format, as under systemd); journald adds its own overhead and writes them only with Storage=persistent",
            });
            report.Add(new Figure("storageWrites.logPerDay", "Gateway log volume per day, busy home", logs.MegabytesPerDay, "MB"));
            report.Add(new Figure("storageWrites.wcharPerEvent", "Gateway bytes passed to write(2) per sensor event (wchar)", written.BytesPerEvent, "bytes")
            {
                Note = "every write call: files, the stdout pipe, MQTT and gRPC sockets; an upper bound, not wear",
            });
            report.Add(new Figure("storageWrites.wcharIdleHour", "Gateway bytes passed to write(2) per idle hour (wchar)", written.IdleBytesPerHour / 1e6, "MB"));
        }
        finally
        {
            File.Delete(socketPath);
            if (scratch is not null && Directory.Exists(scratch))
            {
                Directory.Delete(scratch, recursive: true);
            }
        }
    }

    /// <summary>The journal's last sequence number as the gateway's status file last said (written every few seconds).</summary>
    private static long JournalledThrough(string statusFile)
    {
        using var status = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(statusFile));
        return status.RootElement.GetProperty("uplink").GetProperty("lastSeq").GetInt64();
    }

    /// <summary>
    /// Each message at its second of the hour ÷ <paramref name="speedup"/>, and never before the previous one's PUBACK (its
    /// event journalled), so each is its own commit as in a home that sends one every few seconds.
    /// </summary>
    private static async Task ReplayAsync(LocalDeployment deployment, IEnumerable<(double Second, string Topic, byte[] Payload)> messages, int speedup,
        CancellationToken cancellationToken)
    {
        var link = deployment.HomeLink;
        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer(link.MqttHost, link.MqttPort)
            .WithClientId("bench-storage")
            .WithCredentials(link.MqttUser, link.MqttPassword)
            .WithCleanStart()
            .Build(), cancellationToken).ConfigureAwait(false);
        var start = Stopwatch.StartNew();
        foreach (var (second, topic, payload) in messages)
        {
            var due = TimeSpan.FromSeconds(second / speedup) - start.Elapsed;
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, cancellationToken).ConfigureAwait(false);
            }

            await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellationToken).ConfigureAwait(false);
        }

        await client.DisconnectAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Which filesystem a path is on (the longest mount point above it in /proc/mounts): write_bytes is 0 on tmpfs.</summary>
public static class Filesystem
{
    public static string Describe(string path) => Describe(path, File.Exists("/proc/mounts") ? File.ReadAllText("/proc/mounts") : "");

    public static string Describe(string path, string mounts)
    {
        var full = Path.GetFullPath(path);
        var best = ("", "unknown", "unknown");
        foreach (var line in mounts.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ');
            if (fields.Length < 3)
            {
                continue;
            }

            var mountPoint = fields[1].Replace("\\040", " ", StringComparison.Ordinal);
            var under = mountPoint == "/" || full == mountPoint || full.StartsWith(mountPoint + "/", StringComparison.Ordinal);
            if (under && mountPoint.Length >= best.Item1.Length)
            {
                best = (mountPoint, fields[2], fields[0]);
            }
        }

        return $"{best.Item2} ({best.Item3} on {best.Item1})";
    }
}
