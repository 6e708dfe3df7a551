using System.Globalization;

namespace HomeGateway.Benchmarks.Suite.ConsoleLoad;

/// <summary>What the consoles saw in one phase (the outage, or the fleet's return).</summary>
/// <param name="FromStartMs">Per console that got every step: from the drop (or the first reconnect) to its last step.</param>
/// <param name="SpreadMs">Per such console: from the phase's first step at any console to its own last step.</param>
/// <param name="Incomplete">Consoles that had not every step when the bench stopped waiting (dropped ones included).</param>
/// <param name="Dropped">Consoles whose stream dispatch ended: a real console would reload the whole queue.</param>
/// <param name="Duplicates">Steps a console was told twice.</param>
/// <param name="Mismatched">Consoles whose offline alerts at the end differ from the store's open ones.</param>
/// <param name="EventsPerConsole">Server-Sent Events that carried the phase's steps, the most any console received.</param>
internal sealed record ConsolePhase(
    IReadOnlyList<double> FromStartMs,
    IReadOnlyList<double> SpreadMs,
    int Incomplete,
    int Dropped,
    int Duplicates,
    int Mismatched,
    int EventsPerConsole);

/// <summary>One <c>GET /api/alerts</c>: the median of a few fetches' wall time (request to last byte) and the body's size.</summary>
internal sealed record QueueFetch(double Milliseconds, long Bytes);

/// <summary>
/// The queue page left open in Chromium through the outage and the return: seconds from the drop (the first reconnect)
/// until it says K (0) open and live, null when it did not within <paramref name="PatienceSeconds"/>; its reloads of the
/// queue and reconnects of its stream meanwhile.
/// </summary>
internal sealed record BrowserWatch(double? OutageSeconds, double? RestoreSeconds, int Reloads, int Reconnects, double PatienceSeconds);

/// <summary>Everything one console-load run measured, turned into the report's figures by <see cref="ToFigures"/>.</summary>
internal sealed record ConsoleLoadResult(
    ConsoleLoadSettings Settings,
    int OpenAlerts,
    ConsolePhase Outage,
    ConsolePhase Restore,
    double ReconnectSeconds,
    QueueFetch List,
    QueueFetch Grouped,
    IReadOnlyList<double> PageRenderMs,
    BrowserWatch? Browser = null)
{
    public IEnumerable<Figure> ToFigures()
    {
        var k = Settings.Gateways;
        var n = Settings.Consoles;
        var mode = Settings.BatchedStreams ? "?batch=outages (one outage_batch event per store transaction)" : "plain (one alert event per step, as today's console script)";
        var outageNote = Invariant($"{k} gateways silent at once (heartbeats in one burst, then every stream closed), reporting time {Settings.ReportingSeconds} s; {n} consoles, stream {mode}. ");
        foreach (var figure in Spread("outage", "Mass outage", outageNote + "From the first offline step any console received to the console holding all K.", Outage))
        {
            yield return figure;
        }

        if (Outage.FromStartMs.Count > 0)
        {
            yield return new Figure("consoleLoad.outageFromDrop", "Mass outage: drop → last console has all K offline", Outage.FromStartMs.Max() / 1000, "s")
            {
                Note = outageNote + Invariant($"Includes the reporting time ({Settings.ReportingSeconds} s) dispatch waits before flagging a silent gateway."),
            };
        }

        var restoreNote = Invariant($"All K reconnect ({Settings.ConnectParallel} in flight, TLS + Hello → Welcome; the last Welcome after {ReconnectSeconds:0.0} s), each restore published as dispatch commits it. ");
        foreach (var figure in Spread("restore", "Fleet back", restoreNote + "From the first restored step any console received to the console holding all K.", Restore))
        {
            yield return figure;
        }

        if (Restore.FromStartMs.Count > 0)
        {
            yield return new Figure("consoleLoad.restoreFromReconnect", "Fleet back: first reconnect → last console has all K restored", Restore.FromStartMs.Max() / 1000, "s")
            {
                Note = restoreNote + "Bounded by the reconnect ramp, not by the consoles.",
            };
        }

        yield return new Figure("consoleLoad.consolesDropped", "Consoles dropped (would reload) during outage and return", Outage.Dropped + Restore.Dropped, "consoles")
        {
            Goal = "0",
            GoalMet = Outage.Dropped + Restore.Dropped == 0,
            Note = Invariant($"{n} consoles; a dropped console's stream ended and a real one would reload all {OpenAlerts} rows. Incomplete: {Outage.Incomplete} after the outage, {Restore.Incomplete} after the return."),
        };
        var wrong = Outage.Duplicates + Restore.Duplicates + Outage.Mismatched + Restore.Mismatched;
        yield return new Figure("consoleLoad.stepsWrong", "Steps shown twice, or consoles not matching the store", wrong, "count")
        {
            Goal = "0",
            GoalMet = wrong == 0,
            Note = Invariant($"Duplicates {Outage.Duplicates} + {Restore.Duplicates}; consoles whose offline set differed from the store's open alerts: {Outage.Mismatched} after the outage, {Restore.Mismatched} after the return."),
        };
        yield return new Figure("consoleLoad.outageEvents", "Server-Sent Events per console for the outage", Outage.EventsPerConsole, "events")
        {
            Note = Invariant($"For K = {k}: K with the plain stream; with ?batch=outages one per store transaction (at most 500 gateways each). Return: {Restore.EventsPerConsole}."),
        };
        var listNote = Invariant($"With {OpenAlerts} open alerts, the console user's session, median of 5 fetches on loopback, uncompressed JSON.");
        yield return new Figure("consoleLoad.queueListMs", "GET /api/alerts with K open: time", List.Milliseconds, "ms") { Note = listNote };
        yield return new Figure("consoleLoad.queueListSize", "GET /api/alerts with K open: size", List.Bytes / 1024.0, "KiB") { Note = listNote };
        yield return new Figure("consoleLoad.queueGroupedMs", "GET /api/alerts?group=outages with K open: time", Grouped.Milliseconds, "ms") { Note = listNote };
        yield return new Figure("consoleLoad.queueGroupedSize", "GET /api/alerts?group=outages with K open: size", Grouped.Bytes / 1024.0, "KiB") { Note = listNote };
        if (Browser is { } watch)
        {
            foreach (var figure in BrowserFigures(watch))
            {
                yield return figure;
            }
        }

        if (PageRenderMs.Count > 0)
        {
            var sorted = PageRenderMs.Order().ToList();
            yield return new Figure("consoleLoad.pageRenderMs", "Queue page in Chromium with K open: navigation → live with rows", sorted[sorted.Count / 2], "ms")
            {
                Note = Invariant($"Headless Chromium (Playwright), logged in: from navigating to / until #status says \"{OpenAlerts} open, … Live.\" with rows; median of {sorted.Count} ({string.Join(", ", sorted.Select(ms => ms.ToString("0", CultureInfo.InvariantCulture)))} ms)."),
            };
        }
    }

    private IEnumerable<Figure> BrowserFigures(BrowserWatch watch)
    {
        var note = Invariant($"The queue page open in headless Chromium through the outage, with today's console script (the plain stream, a full re-render per step); waited at most {watch.PatienceSeconds:0} s. ");
        yield return new Figure("consoleLoad.browserOutage", "Browser console: drop → page shows K open, live", watch.OutageSeconds ?? watch.PatienceSeconds, "s")
        {
            Note = note + (watch.OutageSeconds is null ? "NOT reached within the wait. " : "") + Invariant($"Includes the reporting time ({Settings.ReportingSeconds} s)."),
        };
        yield return new Figure("consoleLoad.browserRestore", "Browser console: first reconnect → page shows 0 open, live", watch.RestoreSeconds ?? watch.PatienceSeconds, "s")
        {
            Note = note + (watch.RestoreSeconds is null ? "NOT reached within the wait. " : "") + "Includes the fleet's reconnect ramp.",
        };
        yield return new Figure("consoleLoad.browserReloads", "Browser console: queue reloads during outage and return", watch.Reloads, "reloads")
        {
            Goal = "0",
            GoalMet = watch.Reloads == 0,
            Note = note + Invariant($"GET /api/alerts after the page's first; its stream reconnected {watch.Reconnects} times (a dropped stream reconnects and reloads)."),
        };
    }

    private static IEnumerable<Figure> Spread(string phase, string title, string note, ConsolePhase result)
    {
        if (result.SpreadMs.Count == 0)
        {
            yield break;
        }

        var spread = new Latencies();
        foreach (var ms in result.SpreadMs)
        {
            spread.Add(ms);
        }

        yield return new Figure($"consoleLoad.{phase}SpreadP50", $"{title}: first step → console has all K, p50", spread.Percentile(50), "ms") { Note = note };
        yield return new Figure($"consoleLoad.{phase}SpreadP99", $"{title}: first step → console has all K, p99", spread.Percentile(99), "ms") { Note = note };
        yield return new Figure($"consoleLoad.{phase}SpreadMax", $"{title}: first step → console has all K, max", spread.Max, "ms") { Note = note };
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
