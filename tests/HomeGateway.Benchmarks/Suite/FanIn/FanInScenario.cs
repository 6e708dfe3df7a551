using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using HomeGateway.Dispatch.Credentials;
using HomeGateway.Simulator.Demo;

namespace HomeGateway.Benchmarks.Suite.FanIn;

/// <summary>
/// 6. Dispatch fan-in: K simulated gateways each hold one real uplink stream (mutual TLS, their own certificate from
/// dispatch's CA) to one real <c>homegateway-dispatch</c> (Release build, SQLite store, settings as deployed), with a
/// heartbeat every 20 s spread evenly. Measures dispatch's memory per gateway, its CPU while holding them, and alert
/// latency (gateway stream → <c>DispatchApi.WatchAlerts</c> subscriber) under that load.
/// </summary>
public sealed class FanInScenario : IBenchScenario
{
    private const int GatewaysPerSourceAddress = 10_000;

    /// <summary>Dispatch's default <c>HeartbeatSeconds</c>, told to gateways in Welcome.</summary>
    private static readonly TimeSpan HeartbeatPeriod = TimeSpan.FromSeconds(20);

    public string Name => "fanIn";

    public int Order => 6;

    public string Title => "Dispatch fan-in: K gateways holding uplink streams with 20 s heartbeats";

    public string Parameters => "--gateways K (5000, quick 200)  --window S (60, quick 10)  --alerts N (1000, quick 50)  --alert-rate N/s (10)  --connect-parallel N (16)";

    public async Task RunAsync(BenchContext context, BenchReport report, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var asked = options.Int("gateways", 5000, 200);
        var window = TimeSpan.FromSeconds(options.Int("window", 60, 10));
        var alertCount = options.Int("alerts", 1000, 50);
        var alertRate = options.Int("alert-rate", 10, 10);
        var connectParallel = options.Int("connect-parallel", 16, 16);

        // One socket per gateway here and one in dispatch (its child, which inherits the limit), plus room for the rest:
        // dispatch holds about 300 other descriptors (listeners, SQLite, logs, the runtime's own).
        const int Headroom = 512;
        var limit = FileDescriptorLimit.Raise(Math.Min(asked + Headroom, FileDescriptorLimit.KernelCeiling()));
        var gateways = (int)Math.Min(asked, Math.Max(1, limit - Headroom));
        var capped = gateways < asked
            ? string.Create(CultureInfo.InvariantCulture, $"capped at {gateways} of {asked} asked: the open-file limit here is {limit} and the bench could not raise it (it needs CAP_SYS_RESOURCE, e.g. root outside a container); dispatch, its child, has the same limit")
            : null;
        if (capped is not null)
        {
            context.Say("fanIn: " + capped);
        }

        report.Parameters["fanIn.gateways"] = gateways.ToString(CultureInfo.InvariantCulture);
        report.Parameters["fanIn.windowSeconds"] = window.TotalSeconds.ToString(CultureInfo.InvariantCulture);
        report.Parameters["fanIn.alerts"] = alertCount.ToString(CultureInfo.InvariantCulture);
        report.Parameters["fanIn.alertRate"] = alertRate.ToString(CultureInfo.InvariantCulture);

        var work = context.WorkDirectory("fanIn");
        var data = Path.Combine(work, "dispatch");
        Directory.CreateDirectory(data);

        // A console user first, so dispatch's first start does not make (and print) one; the API token for the watcher.
        await CliSecretAsync(context, ["users", "add", "fanin-admin", "--role", "admin", "--data", data], cancellationToken).ConfigureAwait(false);
        var apiToken = await CliSecretAsync(context, ["tokens", "add", "fanin-watch", "--data", data], cancellationToken).ConfigureAwait(false);

        context.Say(string.Create(CultureInfo.InvariantCulture, $"fanIn: enrolling {gateways} gateways (ECDSA P-256 keys, certificates from dispatch's CA)"));
        var setup = Stopwatch.StartNew();
        var identities = await FleetEnrolment.EnrolAsync(data, gateways, m => context.Say("fanIn: " + m), cancellationToken).ConfigureAwait(false);
        setup.Stop();
        report.Add(new Figure("fanIn.setupSeconds", "Fan-in set-up: enrol K gateways", setup.Elapsed.TotalSeconds, "s")
        {
            Note = "In-process on dispatch's data directory before it starts, with dispatch's own GatewayEnrolment: issue a one-time code, "
                + "redeem it with a fresh P-256 CSR (3 fsync'd SQLite transactions per gateway). Not part of the product's hot path.",
        });

        using var ca = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Path.Combine(data, DispatchAuthority.DirectoryName, DispatchAuthority.CaCertificateFile), cancellationToken).ConfigureAwait(false));
        var webUrl = new Uri($"http://127.0.0.1:{FreePort()}/");
        var grpcUrl = new Uri($"https://127.0.0.1:{FreePort()}/");
        var apiUrl = new Uri($"https://127.0.0.1:{FreePort()}/");
        var dispatchLog = Path.Combine(work, "dispatch.log");
        await using var dispatch = ChildProcess.Start("dispatch", context.Binaries.Dispatch,
        [
            "--Dispatch:DataDirectory=" + data,
            "--Dispatch:WebUrl=" + webUrl.GetLeftPart(UriPartial.Authority),
            "--Dispatch:GrpcUrl=" + grpcUrl.GetLeftPart(UriPartial.Authority),
            "--Dispatch:ApiUrl=" + apiUrl.GetLeftPart(UriPartial.Authority),
        ], dispatchLog);
        using var web = new HttpClient { BaseAddress = webUrl, Timeout = TimeSpan.FromSeconds(60) };
        web.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiToken);
        await WaitHealthyAsync(dispatch, web, dispatchLog, cancellationToken).ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromSeconds(options.Quick ? 2 : 5), cancellationToken).ConfigureAwait(false);
        var idle = ProcessStats.Read(dispatch.Id);
        context.Say(string.Create(CultureInfo.InvariantCulture, $"fanIn: dispatch idle RSS {idle.RssMiB:0.0} MiB"));

        await using var watcher = await AlertWatcher.StartAsync(apiUrl, apiToken, ca, cancellationToken).ConfigureAwait(false);
        var sources = Enumerable.Range(0, Math.Max(2, (gateways + GatewaysPerSourceAddress - 1) / GatewaysPerSourceAddress))
            .Select(i => new IPAddress([127, 0, 0, (byte)(2 + i)])).ToArray();
        var fleet = identities.Select((identity, i) => new SimulatedGateway(identity, sources[i % sources.Length])).ToArray();
        using var stopHeartbeats = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var heartbeats = RunHeartbeatsAsync(fleet, HeartbeatPeriod, stopHeartbeats.Token);
        try
        {
            // Ramp-up: every gateway connects (TLS handshake, Hello → Welcome) with a bounded number in flight.
            context.Say(string.Create(CultureInfo.InvariantCulture, $"fanIn: connecting {gateways} gateways from {sources.Length} source addresses ({connectParallel} at a time)"));
            var ramp = Stopwatch.StartNew();
            var failures = 0;
            string? firstFailure = null;
            await Parallel.ForEachAsync(fleet, new ParallelOptions { MaxDegreeOfParallelism = connectParallel, CancellationToken = cancellationToken }, async (gateway, ct) =>
            {
                try
                {
                    await gateway.ConnectAsync(grpcUrl, ca, ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    Interlocked.Increment(ref failures);
                    Interlocked.CompareExchange(ref firstFailure, $"{gateway.GatewayId}: {e.GetType().Name}: {e.Message}", null);
                }
            }).ConfigureAwait(false);
            ramp.Stop();
            var connected = fleet.Count(g => g.IsHeld);
            context.Say(string.Create(CultureInfo.InvariantCulture, $"fanIn: {connected} held after {ramp.Elapsed.TotalSeconds:0.0} s ({failures} failed{(firstFailure is null ? "" : ", first: " + firstFailure)})"));
            if (connected == 0)
            {
                throw new InvalidOperationException("no gateway could connect: " + firstFailure);
            }

            // One heartbeat period to settle (every gateway has sent one), then the steady window.
            await Task.Delay(options.Quick ? TimeSpan.FromSeconds(5) : HeartbeatPeriod, cancellationToken).ConfigureAwait(false);
            var before = ProcessStats.Read(dispatch.Id);
            var windowClock = Stopwatch.StartNew();
            await Task.Delay(window, cancellationToken).ConfigureAwait(false);
            var after = ProcessStats.Read(dispatch.Id);
            var cpuPercent = (after.CpuTime - before.CpuTime).TotalSeconds / windowClock.Elapsed.TotalSeconds * 100;
            var heldInWindow = fleet.Count(g => g.IsHeld);
            context.Say(string.Create(CultureInfo.InvariantCulture, $"fanIn: holding {heldInWindow}: dispatch RSS {after.RssMiB:0.0} MiB, CPU {cpuPercent:0.0} % of a core, {after.Threads} threads"));

            // Alert latency under that load: alerts from random held gateways at a steady rate.
            context.Say(string.Create(CultureInfo.InvariantCulture, $"fanIn: {alertCount} alerts at {alertRate}/s from random gateways"));
            var random = new Random(8);
            var sends = new List<Task>(alertCount);
            using (var pace = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / alertRate)))
            {
                for (var n = 0; n < alertCount && await pace.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false); n++)
                {
                    var gateway = PickHeld(fleet, random);
                    if (gateway is null)
                    {
                        break;
                    }

                    var alertId = string.Create(CultureInfo.InvariantCulture, $"fanin-alert-{n:D5}");
                    sends.Add(gateway.SendAlertAsync(alertId, () => watcher.Sending(alertId), cancellationToken));
                }
            }

            await Task.WhenAll(sends).ConfigureAwait(false);
            await watcher.WaitForAsync(sends.Count, TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);

            var fleetStates = await FleetStatesAsync(web, cancellationToken).ConfigureAwait(false);
            var held = fleet.Count(g => g.IsHeld);
            var dropped = fleet.Where(g => g.WasDropped).ToList();
            if (dropped.Count > 0)
            {
                context.Say(string.Create(CultureInfo.InvariantCulture, $"fanIn: {dropped.Count} streams dropped, first: {dropped[0].GatewayId}: {dropped[0].DropReason}"));
            }

            var goalMet = held >= 20_000 && dropped.Count == 0;
            report.Add(new Figure("fanIn.gateways", "Gateways held by one dispatch node", held, "gateways")
            {
                Goal = "≥ 20 000 held by one node",
                GoalMet = goalMet,
                Note = (asked < 20_000 ? string.Create(CultureInfo.InvariantCulture, $"this run asked for {asked}; the goal needs --gateways 20000. ") : "")
                    + string.Create(CultureInfo.InvariantCulture, $"Held = stream open, Welcome received and still open at the end ({failures} failed to connect). ")
                    + (capped ?? ""),
            });
            report.Add(new Figure("fanIn.rampUpSeconds", "Fan-in ramp-up: all K connected", ramp.Elapsed.TotalSeconds, "s")
            {
                Note = string.Create(CultureInfo.InvariantCulture,
                    $"From the first connect to the last Welcome, {connectParallel} in flight: TCP + TLS 1.3 with client certificate + Hello → Welcome; {connected / ramp.Elapsed.TotalSeconds:0} gateways/s."),
            });
            report.Add(new Figure("fanIn.rssIdle", "Dispatch RSS idle (no gateway connected)", idle.RssMiB, "MiB")
            {
                Note = "After start-up and 5 s; K gateways registered in the store.",
            });
            report.Add(new Figure("fanIn.rss", "Dispatch RSS holding K gateways", after.RssMiB, "MiB")
            {
                Note = string.Create(CultureInfo.InvariantCulture, $"At the end of the steady window; peak {after.PeakRssMiB:0} MiB."),
            });
            report.Add(new Figure("fanIn.memoryPerGateway", "Dispatch memory per held gateway", (after.RssBytes - idle.RssBytes) / 1024.0 / Math.Max(1, heldInWindow), "KiB")
            {
                Note = "(RSS holding K − RSS idle) / K: connection, TLS session, HTTP/2 stream and dispatch's per-stream state.",
            });
            report.Add(new Figure("fanIn.cpu", "Dispatch CPU holding K gateways (20 s heartbeats)", cpuPercent, "% of a core")
            {
                Note = string.Create(CultureInfo.InvariantCulture,
                    $"utime+stime of dispatch over a {window.TotalSeconds:0} s steady window after ramp-up: {heldInWindow / HeartbeatPeriod.TotalSeconds:0} heartbeats/s (each stored as last contact) plus Kestrel's HTTP/2 pings."),
            });
            if (watcher.Latencies.Count > 0)
            {
                var latencyNote = string.Create(CultureInfo.InvariantCulture,
                    $"{watcher.Received} of {sends.Count} fall alerts, {alertRate}/s from random held gateways while all K are held: from handing the record to the gateway's stream ")
                    + "to its stored step arriving at a DispatchApi.WatchAlerts subscriber (fsync'd SQLite store in between).";
                report.Add(new Figure("fanIn.alertLatencyP50", "Alert latency under fan-in load, p50", watcher.Latencies.Percentile(50), "ms") { Note = latencyNote });
                report.Add(new Figure("fanIn.alertLatencyP99", "Alert latency under fan-in load, p99", watcher.Latencies.Percentile(99), "ms") { Note = latencyNote });
                report.Add(new Figure("fanIn.alertLatencyMax", "Alert latency under fan-in load, max", watcher.Latencies.Max, "ms") { Note = latencyNote });
            }

            report.Add(new Figure("fanIn.alertsUnseen", "Alerts sent but not seen by the subscriber", sends.Count - watcher.Received, "alerts")
            {
                Note = "Waited 30 s after the last one arrived.",
            });
            report.Add(new Figure("fanIn.streamsDropped", "Streams dispatch dropped while held", dropped.Count, "streams")
            {
                Note = dropped.Count == 0 ? "Seen by the simulated gateways: a stream that ended or failed a write." : "First: " + dropped[0].DropReason,
            });
            report.Add(new Figure("fanIn.flaggedOffline", "Gateways dispatch flagged offline", fleetStates.GetValueOrDefault("offline"), "gateways")
            {
                Note = string.Create(CultureInfo.InvariantCulture,
                    $"GET /api/gateways at the end: {string.Join(", ", fleetStates.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Value} {s.Key}"))}. Supervision as deployed: HeartbeatSeconds 20, ReportingSeconds 90."),
            });
        }
        finally
        {
            await stopHeartbeats.CancelAsync().ConfigureAwait(false);
            await heartbeats.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await Parallel.ForEachAsync(fleet, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (gateway, _) => await gateway.DisposeAsync().ConfigureAwait(false))
                .ConfigureAwait(false);
            foreach (var identity in identities)
            {
                identity.Certificate.Dispose();
            }
        }
    }

    /// <summary>
    /// The fleet's one heartbeat scheduler: gateway i is due at i/K of each period, so heartbeats arrive evenly
    /// (K/period per second) instead of in bursts, and the bench needs no timer per gateway.
    /// </summary>
    internal static async Task RunHeartbeatsAsync(IReadOnlyList<SimulatedGateway> fleet, TimeSpan period, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        long sent = 0;
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        var batch = new List<Task>();
        while (await tick.WaitForNextTickAsync(ct).ConfigureAwait(false))
        {
            var due = (long)(Stopwatch.GetElapsedTime(start) / period * fleet.Count);
            batch.Clear();
            for (; sent < due; sent++)
            {
                var gateway = fleet[(int)(sent % fleet.Count)];
                if (gateway.IsHeld)
                {
                    batch.Add(gateway.HeartbeatAsync(ct));
                }
            }

            await Task.WhenAll(batch).ConfigureAwait(false);
        }
    }

    private static SimulatedGateway? PickHeld(SimulatedGateway[] fleet, Random random)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var gateway = fleet[random.Next(fleet.Length)];
            if (gateway.IsHeld)
            {
                return gateway;
            }
        }

        return fleet.FirstOrDefault(g => g.IsHeld);
    }

    private static async Task<Dictionary<string, int>> FleetStatesAsync(HttpClient web, CancellationToken ct)
    {
        var rows = await web.GetFromJsonAsync<List<FleetRow>>(new Uri("api/gateways", UriKind.Relative), ct).ConfigureAwait(false) ?? [];
        return rows.GroupBy(r => r.State ?? "?", StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
    }

    private sealed record FleetRow(string? GatewayId, string? State);

    internal static async Task<string> CliSecretAsync(BenchContext context, string[] args, CancellationToken ct)
    {
        var (exitCode, output, error) = await ChildProcess.RunAsync(context.Binaries.Dispatch, args, ct).ConfigureAwait(false);
        return exitCode == 0 && output.Trim() is { Length: > 0 } secret
            ? secret
            : throw new InvalidOperationException($"homegateway-dispatch {args[0]} {args[1]} failed ({exitCode}): {error.Trim()}");
    }

    internal static async Task WaitHealthyAsync(ChildProcess dispatch, HttpClient web, string log, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var response = await web.GetAsync(new Uri("healthz", UriKind.Relative), ct).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (dispatch.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(120))
            {
                throw new InvalidOperationException($"dispatch did not become healthy; see {log}");
            }

            await Task.Delay(100, ct).ConfigureAwait(false);
        }
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
