using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Core.Rules;
using HomeGateway.Gateway.Configuration;

namespace HomeGateway.Benchmarks.Suite.Rules;

/// <summary>
/// Issue 8 §4: events per second through the rules engine on one core, with the full default rule set of the example
/// home (deploy/examples/home.yaml, loaded by the gateway's own loader). A mixed stream of a home's everyday events
/// with the clock one second further at each event, so timers (door left open, inactivity, doses, night exit) come
/// due and fire inside the measured loop as they would in a busy home. Only <see cref="RulesEngine.Observe"/> is timed;
/// building the next slice of events is not.
/// </summary>
public sealed class RulesEngineScenario : IBenchScenario
{
    /// <summary>The goal src/README.md sets for the engine.</summary>
    private const double GoalEventsPerSecond = 1_000_000;

    private const int Slice = 50_000;

    public string Name => "rules";

    public int Order => 4;

    public string Title => "Rules engine: events per second on one core, full default rule set";

    public string Parameters => "--rules-seconds N (5; quick 1)";

    public Task RunAsync(BenchContext context, BenchReport report, CancellationToken cancellationToken)
    {
        var seconds = context.Options.Int("rules-seconds", 5, 1);
        report.Parameters["rules.seconds"] = seconds.ToString(CultureInfo.InvariantCulture);
        var homeFile = Path.Combine(context.RepositoryRoot, "deploy", "examples", "home.yaml");
        var home = HomeConfigLoader.Load(homeFile);
        var script = EverydayEvents(home);
        var rules = new RulesEngine(home, DateTimeOffset.UnixEpoch).Rules.Count;
        context.Say($"rules: {rules} rules, {home.Sensors.Count} sensors from {Path.GetRelativePath(context.RepositoryRoot, homeFile)}; {script.Length} kinds of event in the stream");

        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("the rules figure pins the process to one CPU, which the suite does on Linux only");
        }

        using var process = Process.GetCurrentProcess();
        var affinity = process.ProcessorAffinity;
        try
        {
            // One core, as the issue asks: the last one, which the rest of the suite's own threads use least.
            process.ProcessorAffinity = 1 << (Environment.ProcessorCount - 1);
            var start = new DateTimeOffset(2026, 11, 25, 6, 0, 0, TimeSpan.FromHours(2));
            var warm = Measure(home, script, start, TimeSpan.FromSeconds(Math.Min(1, seconds)), saveStatePerEvent: false, cancellationToken);
            context.Say(string.Create(CultureInfo.InvariantCulture, $"rules: warm-up {warm.Events:N0} events"));
            var run = Measure(home, script, start, TimeSpan.FromSeconds(seconds), saveStatePerEvent: false, cancellationToken);
            var withSave = Measure(home, script, start, TimeSpan.FromSeconds(Math.Max(1, seconds / 2.0)), saveStatePerEvent: true, cancellationToken);
            var perSecond = run.Events / run.Elapsed.TotalSeconds;
            var perCpuSecond = run.Events / run.CpuTime.TotalSeconds;
            context.Say(string.Create(CultureInfo.InvariantCulture,
                $"rules: {run.Events:N0} events in {run.Elapsed.TotalSeconds:0.00} s = {perSecond:N0}/s ({perCpuSecond:N0} per CPU-second of the thread: the core was {run.CpuTime / run.Elapsed:P0} ours), {run.AllocatedBytes / (double)run.Events:0.0} B/event, {run.Alerts:N0} alert steps"));

            report.Add(new Figure("rules.eventsPerSecond", "Rules engine throughput, one core", perSecond, "events/s")
            {
                Goal = "≥ 1,000,000 events/s on one core (src/README)",
                GoalMet = perSecond >= GoalEventsPerSecond,
                Note = string.Create(CultureInfo.InvariantCulture,
                    $"RulesEngine.Observe over {run.Events:N0} mixed events of the example home ({rules} rules), clock +1 s per event so timers fire; {run.Alerts:N0} alert steps decided; process pinned to one CPU; warmed up first"),
            });
            report.Add(new Figure("rules.eventsPerCpuSecond", "Rules engine throughput per CPU-second", perCpuSecond, "events/s")
            {
                Note = string.Create(CultureInfo.InvariantCulture,
                    $"the same run divided by the measuring thread's own CPU time (CLOCK_THREAD_CPUTIME_ID) instead of wall time: the rate with the core to itself; here the thread had the core {run.CpuTime / run.Elapsed:P0} of the time"),
            });
            report.Add(new Figure("rules.allocatedPerEvent", "Rules engine allocation per event", run.AllocatedBytes / (double)run.Events, "bytes")
            {
                Note = "GC.GetAllocatedBytesForCurrentThread around Observe only (the event itself is built outside)",
            });
            report.Add(new Figure("rules.eventsPerSecondWithStateSave", "Rules engine + state save per decision, one core", withSave.Events / withSave.Elapsed.TotalSeconds, "events/s")
            {
                Note = "Observe then RulesEngine.SaveStateEntries() after every event: what the gateway's pipeline does for a lone event that decides an alert step (it saves once per batch)",
            });
            report.Add(new Figure("rules.stateSaveMicroseconds", "Rules state save (per decision)", withSave.SaveTime.TotalMilliseconds * 1000 / withSave.Events, "µs")
            {
                Note = string.Create(CultureInfo.InvariantCulture, $"RulesEngine.SaveStateEntries() of the example home mid-stream: {withSave.StateBytes:N0} bytes of JSON in its entries, {withSave.SaveAllocatedBytes / (double)withSave.Events:N0} B allocated per save"),
            });
        }
        finally
        {
            process.ProcessorAffinity = affinity;
        }

        return Task.CompletedTask;
    }

    private sealed record Run(long Events, TimeSpan Elapsed, TimeSpan CpuTime, long AllocatedBytes, long Alerts, TimeSpan SaveTime, long SaveAllocatedBytes, int StateBytes);

    private static Run Measure(HomeConfig home, SensorEvent[] script, DateTimeOffset start, TimeSpan duration, bool saveStatePerEvent, CancellationToken cancellationToken)
    {
        var engine = new RulesEngine(home, start);
        var now = start;
        long seq = 0, alerts = 0, allocated = 0, saveAllocated = 0;
        var stateBytes = 0;
        var timed = TimeSpan.Zero;
        var cpu = TimeSpan.Zero;
        var saving = TimeSpan.Zero;
        var slice = new SensorEvent[Slice];
        while (timed < duration && !cancellationToken.IsCancellationRequested)
        {
            for (var i = 0; i < slice.Length; i++)
            {
                // A second between events: a day passes every 86,400 events, so night windows, doses and the daily test come round.
                now = now.AddSeconds(1);
                slice[i] = script[(int)((seq + i) % script.Length)] with { At = now };
            }

            var before = GC.GetAllocatedBytesForCurrentThread();
            var cpuBefore = ThreadCpuTime();
            var clock = Stopwatch.GetTimestamp();
            if (saveStatePerEvent)
            {
                foreach (var e in slice)
                {
                    alerts += engine.Observe(e, ++seq, e.At).Count;
                    var saveAt = Stopwatch.GetTimestamp();
                    var saveBefore = GC.GetAllocatedBytesForCurrentThread();
                    var saved = engine.SaveStateEntries();
                    saveAllocated += GC.GetAllocatedBytesForCurrentThread() - saveBefore;
                    saving += Stopwatch.GetElapsedTime(saveAt);
                    stateBytes = saved.Values.Sum(v => v.Length);
                }
            }
            else
            {
                foreach (var e in slice)
                {
                    alerts += engine.Observe(e, ++seq, e.At).Count;
                }
            }

            timed += Stopwatch.GetElapsedTime(clock);
            cpu += ThreadCpuTime() - cpuBefore;
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
        }

        return new Run(seq, timed, cpu, allocated - saveAllocated, alerts, saving, saveAllocated, stateBytes);
    }

    /// <summary>
    /// What a home reports all day, from the home's own sensors: doors open and close, motion comes and goes, the bed
    /// empties and fills, temperatures are measured, the fall radar reports clear. Hazards and falls stay quiet (a stream
    /// of alarms is not an everyday home), but the door and bed sequences raise and clear the time-window alerts.
    /// </summary>
    private static SensorEvent[] EverydayEvents(HomeConfig home)
    {
        var at = DateTimeOffset.UnixEpoch;
        var script = new List<SensorEvent>();
        foreach (var (kind, states) in new (SensorKind Kind, string[] States)[]
        {
            (SensorKind.Door, [SensorStates.Open, SensorStates.Closed]),
            (SensorKind.Motion, [SensorStates.Detected, SensorStates.Clear]),
            (SensorKind.Bed, [SensorStates.Empty, SensorStates.Occupied]),
            (SensorKind.Temperature, [SensorStates.Measured]),
            (SensorKind.Fall, [SensorStates.Clear]),
        })
        {
            foreach (var sensor in home.Sensors.Where(s => s.Kind == kind))
            {
                foreach (var state in states)
                {
                    script.Add(new SensorEvent(home.HomeId, sensor.Id, kind, state, at, "mqtt:zigbee2mqtt/" + sensor.Id)
                    {
                        Value = kind == SensorKind.Temperature ? 21.5 : null,
                        BatteryPercent = 80,
                        LinkQuality = 120,
                    });
                }
            }
        }

        // Every sensor's first state, then every sensor's second: a door stays open and the bed empty for a few events.
        return [.. script.Select((e, i) => (e, i)).OrderBy(p => p.i % 2).ThenBy(p => p.i).Select(p => p.e)];
    }

    /// <summary>CPU time of the calling thread: on a shared machine, wall time also counts other processes' turns on the core.</summary>
    private static TimeSpan ThreadCpuTime()
    {
        const int ClockThreadCpuTimeId = 3;
        if (ClockGetTime(ClockThreadCpuTimeId, out var value) != 0)
        {
            throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
        }

        return TimeSpan.FromTicks((value.Seconds * TimeSpan.TicksPerSecond) + (value.Nanoseconds / 100));
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out Timespec value);

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
