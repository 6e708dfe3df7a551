using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using HomeGateway.Benchmarks.Suite.FanIn;
using HomeGateway.Dispatch.Credentials;
using HomeGateway.Simulator.Demo;

namespace HomeGateway.Benchmarks.Suite.ConsoleLoad;

/// <summary>
/// 9. The live queue under a mass outage: K fan-in gateways hold real uplink streams to one real
/// <c>homegateway-dispatch</c> (Release build, SQLite) while N consoles (raw Server-Sent Event clients with a console user's
/// session) watch the queue; then every gateway goes silent at once, and later all come back. Measures how long each
/// console takes to hold every "gateway offline" (and "restored") step, whether dispatch dropped any console (which would
/// reload the whole queue) or told one a step twice, and with K open alerts: <c>/api/alerts</c>' time and size, plain and
/// grouped, and the queue page's render time in headless Chromium.
/// </summary>
public sealed class ConsoleLoadScenario : IBenchScenario
{
    private const int GatewaysPerSourceAddress = 10_000;
    private const int Fetches = 5;

    /// <summary>How long the open page may take to show the outage (or the return) before it is reported as not reached.</summary>
    private static readonly TimeSpan BrowserPatience = TimeSpan.FromMinutes(4);

    public string Name => "consoleLoad";

    public int Order => 9;

    public string Title => "Live queue under a mass outage: K gateways drop at once and return, N consoles watching";

    public string Parameters => ConsoleLoadSettings.Usage;

    public async Task RunAsync(BenchContext context, BenchReport report, CancellationToken cancellationToken)
    {
        var asked = ConsoleLoadSettings.From(context.Options);
        const int Headroom = 512;
        var limit = FileDescriptorLimit.Raise(Math.Min(asked.Gateways + Headroom, FileDescriptorLimit.KernelCeiling()));
        var settings = asked with { Gateways = (int)Math.Min(asked.Gateways, Math.Max(1, limit - Headroom)) };
        if (settings.Gateways < asked.Gateways)
        {
            context.Say(Invariant($"consoleLoad: capped at {settings.Gateways} of {asked.Gateways} gateways by the open-file limit {limit}"));
        }

        report.Parameters["consoleLoad.gateways"] = Invariant($"{settings.Gateways}");
        report.Parameters["consoleLoad.consoles"] = Invariant($"{settings.Consoles}");
        report.Parameters["consoleLoad.reportingSeconds"] = Invariant($"{settings.ReportingSeconds}");
        report.Parameters["consoleLoad.stream"] = settings.BatchedStreams ? "outages" : "plain";

        var work = context.WorkDirectory("consoleLoad");
        var data = Path.Combine(work, "dispatch");
        Directory.CreateDirectory(data);
        const string User = "console-load";
        var password = await FanInScenario.CliSecretAsync(context, ["users", "add", User, "--role", "dispatcher", "--data", data], cancellationToken).ConfigureAwait(false);
        context.Say(Invariant($"consoleLoad: enrolling {settings.Gateways} gateways"));
        var identities = await FleetEnrolment.EnrolAsync(data, settings.Gateways, m => context.Say("consoleLoad: " + m), cancellationToken).ConfigureAwait(false);
        using var ca = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Path.Combine(data, DispatchAuthority.DirectoryName, DispatchAuthority.CaCertificateFile), cancellationToken).ConfigureAwait(false));

        var webUrl = new Uri($"http://127.0.0.1:{FanInScenario.FreePort()}/");
        var grpcUrl = new Uri($"https://127.0.0.1:{FanInScenario.FreePort()}/");
        var dispatchLog = Path.Combine(work, "dispatch.log");
        await using var dispatch = ChildProcess.Start("dispatch", context.Binaries.Dispatch,
        [
            "--Dispatch:DataDirectory=" + data,
            "--Dispatch:WebUrl=" + webUrl.GetLeftPart(UriPartial.Authority),
            "--Dispatch:GrpcUrl=" + grpcUrl.GetLeftPart(UriPartial.Authority),
            Invariant($"--Dispatch:HeartbeatSeconds={settings.HeartbeatSeconds}"),
            Invariant($"--Dispatch:Supervision:ReportingSeconds={settings.ReportingSeconds}"),
        ], dispatchLog);
        using (var probe = new HttpClient { BaseAddress = webUrl })
        {
            await FanInScenario.WaitHealthyAsync(dispatch, probe, dispatchLog, cancellationToken).ConfigureAwait(false);
        }

        var sources = Enumerable.Range(0, Math.Max(2, (settings.Gateways + GatewaysPerSourceAddress - 1) / GatewaysPerSourceAddress))
            .Select(i => new IPAddress([127, 0, 0, (byte)(2 + i)])).ToArray();
        SimulatedGateway[] NewFleet() => identities.Select((identity, i) => new SimulatedGateway(identity, sources[i % sources.Length])).ToArray();
        var heartbeatPeriod = TimeSpan.FromSeconds(settings.HeartbeatSeconds);
        var fleet = NewFleet();
        var consoles = new List<ConsoleStreamRecorder>();
        ConsoleBrowser? browser = null;
        var heartbeats = new CancellationTokenSource();
        var beating = FanInScenario.RunHeartbeatsAsync(fleet, heartbeatPeriod, heartbeats.Token);
        try
        {
            context.Say(Invariant($"consoleLoad: connecting {settings.Gateways} gateways ({settings.ConnectParallel} at a time)"));
            var connect = await ConnectAsync(fleet, grpcUrl, ca, settings.ConnectParallel, cancellationToken).ConfigureAwait(false);
            context.Say(Invariant($"consoleLoad: {fleet.Count(g => g.IsHeld)} held after {connect.TotalSeconds:0.0} s"));

            browser = await ConsoleBrowser.LaunchAsync(webUrl).ConfigureAwait(false);
            var session = await browser.LogInAsync(User, password).ConfigureAwait(false);
            using var web = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = webUrl, Timeout = TimeSpan.FromMinutes(2) };
            web.DefaultRequestHeaders.Add("Cookie", session);
            for (var i = 0; i < settings.Consoles; i++)
            {
                consoles.Add(await ConsoleStreamRecorder.OpenAsync(webUrl, session, settings.StreamPath, settings.Gateways, cancellationToken).ConfigureAwait(false));
            }

            // And, when asked, one dispatcher's real page left open through it all.
            var watching = settings.WatchPage ? await browser.WatchAsync(0, TimeSpan.FromMinutes(1)).ConfigureAwait(false) : null;

            // The fault: every gateway's last contact within one burst, then every stream gone. Dispatch flags them when
            // their reporting time has passed, all in the same moment.
            await heartbeats.CancelAsync().ConfigureAwait(false);
            await beating.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await Parallel.ForEachAsync(fleet, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken },
                async (gateway, ct) => await gateway.HeartbeatAsync(ct).ConfigureAwait(false)).ConfigureAwait(false);
            context.Say(Invariant($"consoleLoad: dropping all {settings.Gateways} gateways; {settings.Consoles} consoles watching ({(settings.BatchedStreams ? "batched" : "plain")} streams)"));
            var dropAt = Stopwatch.GetTimestamp();
            await DisposeAllAsync(fleet).ConfigureAwait(false);
            var browserOutage = watching is null ? null : SecondsUntilAsync(dropAt, watching.WaitForOpenAsync(settings.Gateways, BrowserPatience));
            await WaitAllAsync(consoles.Select(c => c.AllRaised), TimeSpan.FromSeconds(settings.ReportingSeconds + 180), cancellationToken).ConfigureAwait(false);
            var browserOutageSeconds = browserOutage is null ? null : await browserOutage.ConfigureAwait(false);
            if (watching is not null)
            {
                context.Say(Invariant($"consoleLoad: the open page shows {settings.Gateways} open: {(browserOutageSeconds is { } b ? $"after {b:0.0} s" : "not within the wait")}, {watching.Reloads} reloads"));
            }

            var (list, open) = await FetchQueueAsync(web, "api/alerts", cancellationToken).ConfigureAwait(false);
            var outage = Phase(consoles, dropAt, c => c.FirstRaisedAt, c => c.AllRaisedAt, open, new PhaseBaseline(0, 0, 0));
            context.Say(Invariant($"consoleLoad: outage: {open.Count} open in the store; {consoles.Count - outage.Incomplete} of {consoles.Count} consoles have all, {outage.Dropped} dropped"));

            var (grouped, _) = await FetchQueueAsync(web, "api/alerts?group=outages", cancellationToken).ConfigureAwait(false);
            context.Say(Invariant($"consoleLoad: /api/alerts {list.Milliseconds:0} ms {list.Bytes / 1024} KiB; ?group=outages {grouped.Milliseconds:0} ms {grouped.Bytes / 1024} KiB"));
            var renders = new List<double>();
            for (var i = 0; i < settings.PageLoads; i++)
            {
                renders.Add(await browser.TimeQueuePageAsync(open.Count, TimeSpan.FromMinutes(3)).ConfigureAwait(false));
            }

            context.Say("consoleLoad: queue page " + string.Join(", ", renders.Select(ms => Invariant($"{ms:0} ms"))));

            // The fault ends: the whole fleet reconnects.
            var baseline = new PhaseBaseline(consoles.Count(c => c.Dropped), consoles.Sum(c => c.Duplicates), consoles.Max(c => c.Events));
            fleet = NewFleet();
            heartbeats = new CancellationTokenSource();
            beating = FanInScenario.RunHeartbeatsAsync(fleet, heartbeatPeriod, heartbeats.Token);
            var restoreAt = Stopwatch.GetTimestamp();
            var browserRestore = watching is null ? null : SecondsUntilAsync(restoreAt, watching.WaitForOpenAsync(0, BrowserPatience));
            var reconnect = await ConnectAsync(fleet, grpcUrl, ca, settings.ConnectParallel, cancellationToken).ConfigureAwait(false);
            context.Say(Invariant($"consoleLoad: {fleet.Count(g => g.IsHeld)} back after {reconnect.TotalSeconds:0.0} s"));
            await WaitAllAsync(consoles.Select(c => c.AllCleared), TimeSpan.FromSeconds(180), cancellationToken).ConfigureAwait(false);
            BrowserWatch? watch = null;
            if (watching is not null)
            {
                watch = new BrowserWatch(browserOutageSeconds, await browserRestore!.ConfigureAwait(false), watching.Reloads, watching.Reconnects, BrowserPatience.TotalSeconds);
                await watching.CloseAsync().ConfigureAwait(false);
            }

            var (_, stillOpen) = await FetchQueueAsync(web, "api/alerts", cancellationToken).ConfigureAwait(false);
            var restore = Phase(consoles, restoreAt, c => c.FirstClearedAt, c => c.AllClearedAt, stillOpen, baseline);
            context.Say(Invariant($"consoleLoad: return: {stillOpen.Count} still open; {consoles.Count - restore.Incomplete} of {consoles.Count} consoles have all, {restore.Dropped} dropped"));

            var result = new ConsoleLoadResult(settings, open.Count, outage, restore, reconnect.TotalSeconds, list, grouped, renders, watch);
            foreach (var figure in result.ToFigures())
            {
                report.Add(figure);
            }
        }
        finally
        {
            await heartbeats.CancelAsync().ConfigureAwait(false);
            await beating.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            heartbeats.Dispose();
            foreach (var console in consoles)
            {
                await console.DisposeAsync().ConfigureAwait(false);
            }

            if (browser is not null)
            {
                await browser.DisposeAsync().ConfigureAwait(false);
            }

            await DisposeAllAsync(fleet).ConfigureAwait(false);
            foreach (var identity in identities)
            {
                identity.Certificate.Dispose();
            }
        }
    }

    /// <summary>The seconds from <paramref name="since"/> until <paramref name="shown"/> said yes; null when it said no.</summary>
    private static async Task<double?> SecondsUntilAsync(long since, Task<bool> shown) =>
        await shown.ConfigureAwait(false) ? Stopwatch.GetElapsedTime(since).TotalSeconds : null;

    /// <summary>Connects every gateway, a bounded number in flight; a gateway that fails is left unheld (and counted by the caller).</summary>
    private static async Task<TimeSpan> ConnectAsync(SimulatedGateway[] fleet, Uri grpcUrl, X509Certificate2 ca, int parallel, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(fleet, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = ct }, async (gateway, token) =>
        {
            try
            {
                await gateway.ConnectAsync(grpcUrl, ca, token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
            {
                // Not held: the phase's figures then show consoles that never got every step.
            }
        }).ConfigureAwait(false);
        return clock.Elapsed;
    }

    private static Task DisposeAllAsync(SimulatedGateway[] fleet) =>
        Parallel.ForEachAsync(fleet, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (gateway, _) => await gateway.DisposeAsync().ConfigureAwait(false));

    private static async Task WaitAllAsync(IEnumerable<Task> tasks, TimeSpan patience, CancellationToken ct)
    {
        try
        {
            await Task.WhenAll(tasks).WaitAsync(patience, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Reported: the consoles that did not get everything count as incomplete.
        }
    }

    /// <summary>The queue as a console loads it: the median time of a few fetches, the size, and the open gateway-offline alerts.</summary>
    private static async Task<(QueueFetch Fetch, HashSet<string> OpenOutages)> FetchQueueAsync(HttpClient web, string path, CancellationToken ct)
    {
        var times = new List<double>();
        byte[] body = [];
        for (var i = 0; i < Fetches; i++)
        {
            var clock = Stopwatch.StartNew();
            body = await web.GetByteArrayAsync(new Uri(path, UriKind.Relative), ct).ConfigureAwait(false);
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        var open = new HashSet<string>(StringComparer.Ordinal);
        using var json = JsonDocument.Parse(body);
        if (json.RootElement.ValueKind == JsonValueKind.Array)
        {
            foreach (var row in json.RootElement.EnumerateArray())
            {
                if (row.GetProperty("type").GetString() == "gateway_health" && row.GetProperty("status").GetString() == "open")
                {
                    open.Add(row.GetProperty("alertId").GetString()!);
                }
            }
        }

        times.Sort();
        return (new QueueFetch(times[times.Count / 2], body.Length), open);
    }

    private sealed record PhaseBaseline(int Dropped, int Duplicates, int Events);

    private static ConsolePhase Phase(
        List<ConsoleStreamRecorder> consoles, long startedAt, Func<ConsoleStreamRecorder, long> first, Func<ConsoleStreamRecorder, long> all,
        IReadOnlySet<string> storeOpen, PhaseBaseline before)
    {
        var firsts = consoles.Select(first).Where(t => t != 0).ToList();
        var firstAnywhere = firsts.Count > 0 ? firsts.Min() : 0;
        var complete = consoles.Where(c => all(c) != 0).ToList();
        return new ConsolePhase(
            complete.Select(c => Stopwatch.GetElapsedTime(startedAt, all(c)).TotalMilliseconds).ToList(),
            complete.Select(c => Stopwatch.GetElapsedTime(firstAnywhere, all(c)).TotalMilliseconds).ToList(),
            consoles.Count - complete.Count,
            consoles.Count(c => c.Dropped) - before.Dropped,
            consoles.Sum(c => c.Duplicates) - before.Duplicates,
            consoles.Count(c => !c.Dropped && !c.Offline.SetEquals(storeOpen)),
            consoles.Max(c => c.Events) - before.Events);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
