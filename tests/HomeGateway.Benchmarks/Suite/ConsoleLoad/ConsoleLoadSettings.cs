namespace HomeGateway.Benchmarks.Suite.ConsoleLoad;

/// <summary>
/// The console-load scenario's knobs, read from the suite's options with their defaults (quick in brackets):
/// <c>--gateways K</c> (5000, 500), <c>--consoles N</c> (20, 5), <c>--reporting S</c> (20: dispatch's shortest reporting
/// time; heartbeats every S/2), <c>--stream plain|outages</c> (plain: what today's console script opens, one
/// <c>alert</c> event per step; outages: <c>?batch=outages</c>, one <c>outage_batch</c> event per store transaction),
/// <c>--connect-parallel N</c> (16), <c>--page-loads N</c> (3, 1), <c>--watch-page yes|no</c> (yes: a dispatcher's queue page
/// in Chromium stays open through the outage and the return; no leaves the raw streams alone on the machine).
/// </summary>
internal sealed record ConsoleLoadSettings(int Gateways, int Consoles, int ReportingSeconds, bool BatchedStreams, int ConnectParallel, int PageLoads, bool WatchPage = true)
{
    /// <summary>Dispatch refuses a shorter reporting time (<c>SupervisionOptions.MinReportingSeconds</c>).</summary>
    internal const int MinReportingSeconds = 20;

    internal const string Usage =
        "--gateways K (5000, quick 500)  --consoles N (20, quick 5)  --reporting S (20)  --stream plain|outages (plain)  --connect-parallel N (16)  --page-loads N (3, quick 1)  --watch-page yes|no (yes)";

    /// <summary>Heartbeats at half the reporting time, the longest dispatch accepts.</summary>
    public int HeartbeatSeconds => ReportingSeconds / 2;

    public string StreamPath => BatchedStreams ? "api/alerts/stream?batch=outages" : "api/alerts/stream";

    public static ConsoleLoadSettings From(BenchOptions options)
    {
        var stream = options.Text("stream") ?? "plain";
        if (stream is not ("plain" or "outages"))
        {
            throw new ArgumentException($"--stream must be 'plain' or 'outages', not '{stream}'");
        }

        var reporting = options.Int("reporting", MinReportingSeconds, MinReportingSeconds);
        if (reporting < MinReportingSeconds)
        {
            throw new ArgumentException($"--reporting must be at least {MinReportingSeconds} (dispatch refuses less), not {reporting}");
        }

        var watch = options.Text("watch-page") ?? "yes";
        if (watch is not ("yes" or "no"))
        {
            throw new ArgumentException($"--watch-page must be 'yes' or 'no', not '{watch}'");
        }

        return new ConsoleLoadSettings(
            options.Int("gateways", 5000, 500),
            options.Int("consoles", 20, 5),
            reporting,
            stream == "outages",
            options.Int("connect-parallel", 16, 16),
            options.Int("page-loads", 3, 1),
            watch == "yes");
    }
}
