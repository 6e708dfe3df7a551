using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using HomeGateway.Dispatch.Credentials;
using HomeGateway.Gateway.Uplink;
using HomeGateway.Simulator.Demo;

namespace HomeGateway.Benchmarks.Suite.FanIn;

/// <summary>
/// 7. A fleet back after a dispatch restart: K gateways hold their streams to one real <c>homegateway-dispatch</c>, dispatch
/// is killed, each gateway journals an alert while it is away, dispatch starts again on the same ports. Each gateway runs
/// the uplink's loop with the uplink's own <see cref="UplinkBackoff"/> (<see cref="ReturningGateway"/>), so the figures are
/// the product's policy against dispatch's admission. Measured from the moment the new dispatch says it is listening:
/// when each gateway is welcomed again and when its queued alert is stored (acknowledged).
/// </summary>
public sealed class ReconnectScenario : IBenchScenario
{
    public string Name => "reconnect";

    public int Order => 7;

    public string Title => "Fleet reconnect after a dispatch restart: K gateways, each with an alert queued during the outage";

    public string Parameters => "--gateways K (5000, quick 200)  --outage S (30, quick 10)  --connect-parallel N (16, the first ramp-up only)";

    public async Task RunAsync(BenchContext context, BenchReport report, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var asked = options.Int("gateways", 5000, 200);
        var outage = TimeSpan.FromSeconds(options.Int("outage", 30, 10));
        var connectParallel = options.Int("connect-parallel", 16, 16);
        // Two sockets per gateway here and in dispatch (its child, which inherits the limit) while a fleet comes back: the
        // new connection and the one being refused or timing out. One per gateway was not enough: at 5,000 a dispatch at
        // its open-file limit stopped accepting and the fleet saw "connection refused" for minutes.
        const int Headroom = 512;
        var limit = FileDescriptorLimit.Raise(Math.Min((2L * asked) + Headroom, FileDescriptorLimit.KernelCeiling()));
        var gateways = (int)Math.Min(asked, Math.Max(1, (limit - Headroom) / 2));
        report.Parameters["reconnect.gateways"] = gateways.ToString(CultureInfo.InvariantCulture);
        report.Parameters["reconnect.outageSeconds"] = outage.TotalSeconds.ToString(CultureInfo.InvariantCulture);

        var work = context.WorkDirectory("reconnect");
        var data = Path.Combine(work, "dispatch");
        Directory.CreateDirectory(data);
        await FanInScenario.CliSecretAsync(context, ["users", "add", "reconnect-admin", "--role", "admin", "--data", data], cancellationToken).ConfigureAwait(false);
        context.Say(string.Create(CultureInfo.InvariantCulture, $"reconnect: enrolling {gateways} gateways"));
        var identities = await FleetEnrolment.EnrolAsync(data, gateways, m => context.Say("reconnect: " + m), cancellationToken).ConfigureAwait(false);
        using var ca = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Path.Combine(data, DispatchAuthority.DirectoryName, DispatchAuthority.CaCertificateFile), cancellationToken).ConfigureAwait(false));

        var grpcUrl = new Uri($"https://127.0.0.1:{FanInScenario.FreePort()}/");
        string[] args =
        [
            "--Dispatch:DataDirectory=" + data,
            "--Dispatch:WebUrl=http://127.0.0.1:" + FanInScenario.FreePort().ToString(CultureInfo.InvariantCulture),
            "--Dispatch:GrpcUrl=" + grpcUrl.GetLeftPart(UriPartial.Authority),
        ];
        var dispatchLog = Path.Combine(work, "dispatch.log");
        ChildProcess? first = ChildProcess.Start("dispatch", context.Binaries.Dispatch, args, dispatchLog);
        ChildProcess? second = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sources = Enumerable.Range(0, Math.Max(2, (gateways + 9_999) / 10_000)).Select(i => new IPAddress([127, 0, 0, (byte)(2 + i)])).ToArray();
        var fleet = identities.Select((identity, i) => new ReturningGateway(identity, sources[i % sources.Length], grpcUrl, ca)).ToArray();
        var loops = new List<Task>();
        try
        {
            await first.WaitForLineAsync(l => l.StartsWith("Dispatch listening:", StringComparison.Ordinal), TimeSpan.FromSeconds(120)).ConfigureAwait(false);
            using var ramp = new SemaphoreSlim(connectParallel, connectParallel);
            var rampClock = Stopwatch.StartNew();
            loops.AddRange(fleet.Select(g => Task.Run(() => g.RunAsync(ramp, stop.Token), CancellationToken.None)));
            await WaitAsync(() => fleet.All(g => g.IsHeld), TimeSpan.FromMinutes(10), "every gateway to be held", cancellationToken).ConfigureAwait(false);
            context.Say(string.Create(CultureInfo.InvariantCulture, $"reconnect: {gateways} held after {rampClock.Elapsed.TotalSeconds:0.0} s; killing dispatch"));

            await first.KillAsync().ConfigureAwait(false);
            await first.DisposeAsync().ConfigureAwait(false);
            first = null;
            foreach (var gateway in fleet)
            {
                gateway.ResetCounts();
                gateway.Journal();
            }

            await Task.Delay(outage, cancellationToken).ConfigureAwait(false);
            var attemptsWhileDown = fleet.Sum(g => g.Attempts);
            context.Say(string.Create(CultureInfo.InvariantCulture, $"reconnect: {attemptsWhileDown} connect attempts in the {outage.TotalSeconds:0} s outage ({attemptsWhileDown / outage.TotalSeconds / gateways:0.00} per gateway per second); starting dispatch again"));

            second = ChildProcess.Start("dispatch", context.Binaries.Dispatch, args, dispatchLog);
            await second.WaitForLineAsync(l => l.StartsWith("Dispatch listening:", StringComparison.Ordinal), TimeSpan.FromSeconds(120)).ConfigureAwait(false);
            var listening = Stopwatch.GetTimestamp();
            foreach (var gateway in fleet)
            {
                gateway.ResetCounts();
            }

            await WaitAsync(() => fleet.All(g => g.StoredAt > listening), TimeSpan.FromMinutes(3), null, cancellationToken).ConfigureAwait(false);
            var back = Seconds(fleet.Where(g => g.WelcomedAt > listening).Select(g => g.WelcomedAt), listening);
            var stored = Seconds(fleet.Where(g => g.StoredAt > listening).Select(g => g.StoredAt), listening);
            var pushbacks = fleet.Sum(g => g.PushedBack);
            var failed = fleet.Sum(g => g.Failed);
            var attempts = fleet.Sum(g => g.Attempts);
            var problem = fleet.Select(g => g.LastProblem).FirstOrDefault(p => p is not null);
            context.Say(string.Create(CultureInfo.InvariantCulture,
                $"reconnect: {stored.Count}/{gateways} alerts stored; first {Percentile(stored, 0):0.00} s, p50 {Percentile(stored, 50):0.00} s, p95 {Percentile(stored, 95):0.00} s, max {Percentile(stored, 100):0.00} s after listening; {attempts} attempts, {pushbacks} pushed back, {failed} failed{(problem is null ? "" : " (e.g. " + problem + ")")}"));

            const string from = "from the restarted dispatch printing 'Dispatch listening' (SIGKILLed, then started on the same ports and data)";
            var policy = string.Create(CultureInfo.InvariantCulture,
                $"Gateways run the uplink's loop with its UplinkBackoff (full jitter {UplinkBackoff.Base.TotalSeconds} s .. {UplinkBackoff.Cap.TotalSeconds} s, dispatch's hint honoured); dispatch's admission (Admission:MaxConcurrentHandshakes, MaxConcurrentSetups) as deployed.");
            report.Add(new Figure("reconnect.gateways", "Gateways reconnecting after a dispatch restart", gateways, "gateways")
            {
                Note = string.Create(CultureInfo.InvariantCulture, $"{outage.TotalSeconds:0} s outage; {attemptsWhileDown} connect attempts while dispatch was down ({attemptsWhileDown / outage.TotalSeconds / gateways:0.00} per gateway per second, refused by the closed port). ") + policy,
            });
            if (stored.Count > 0)
            {
                report.Add(new Figure("reconnect.firstStoredSeconds", "Dispatch listening → first queued alert stored", Percentile(stored, 0), "s") { Note = from });
                report.Add(new Figure("reconnect.backP50", "Dispatch listening → gateway welcomed again, p50", Percentile(back, 50), "s") { Note = from });
                report.Add(new Figure("reconnect.backP95", "Dispatch listening → gateway welcomed again, p95", Percentile(back, 95), "s") { Note = from });
                report.Add(new Figure("reconnect.backMax", "Dispatch listening → last gateway welcomed again", Percentile(back, 100), "s") { Note = from });
                report.Add(new Figure("reconnect.storedP50", "Dispatch listening → queued alert stored, p50", Percentile(stored, 50), "s") { Note = from });
                report.Add(new Figure("reconnect.storedP95", "Dispatch listening → queued alert stored, p95", Percentile(stored, 95), "s") { Note = from });
                report.Add(new Figure("reconnect.storedMax", "Dispatch listening → every queued alert stored", Percentile(stored, 100), "s")
                {
                    Goal = "≤ 60 s (design: a fleet that reconnects at once is back within a minute)",
                    GoalMet = stored.Count == gateways && Percentile(stored, 100) <= 60,
                    Note = from,
                });
            }

            report.Add(new Figure("reconnect.drained", "Queued alerts stored after the restart", stored.Count, "records")
            {
                Note = string.Create(CultureInfo.InvariantCulture, $"one per gateway, journalled while dispatch was down; waited up to 3 min. {gateways - stored.Count} not stored."),
            });
            report.Add(new Figure("reconnect.pushedBack", "Attempts dispatch refused with a retry hint", pushbacks, "attempts")
            {
                Note = string.Create(CultureInfo.InvariantCulture, $"UNAVAILABLE + grpc-retry-pushback-ms from dispatch's admission, after it was listening; {attempts} attempts in all, {failed} failed otherwise{(problem is null ? "" : " (e.g. " + problem + ")")}."),
            });
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(loops).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (first is not null)
            {
                await first.DisposeAsync().ConfigureAwait(false);
            }

            if (second is not null)
            {
                await second.DisposeAsync().ConfigureAwait(false);
            }

            foreach (var identity in identities)
            {
                identity.Certificate.Dispose();
            }
        }
    }

    private static List<double> Seconds(IEnumerable<long> stamps, long from) =>
        stamps.Select(t => Stopwatch.GetElapsedTime(from, t).TotalSeconds).Order().ToList();

    private static double Percentile(List<double> sorted, double percent) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(percent / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static async Task WaitAsync(Func<bool> condition, TimeSpan patience, string? what, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > patience)
            {
                if (what is null)
                {
                    return;
                }

                throw new TimeoutException($"gave up waiting for {what} after {patience.TotalSeconds:0} s");
            }

            await Task.Delay(50, ct).ConfigureAwait(false);
        }
    }
}
