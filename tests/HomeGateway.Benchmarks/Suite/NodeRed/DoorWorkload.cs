using System.Diagnostics;

namespace HomeGateway.Benchmarks.Suite.NodeRed;

/// <summary>
/// The run both sides consume at once: every door cycles open → held → closed → a pause, staggered so openings spread
/// evenly. Three cycles in four hold the door for the limit + 1.5 s (an alert is due at opening + limit, and clears on
/// the close); every fourth closes at half the limit (nothing may be raised). The entrance's cycles also drive night
/// exit: after each close the hall motion sensor sees the client back in. Runs until each side raised
/// <c>wanted</c> alerts that were due (door left open and night exit together).
/// </summary>
public sealed class DoorWorkload(SensorTraffic traffic, DoorPlan plan, int doors, int wanted)
{
    private static readonly TimeSpan Hold = TimeSpan.FromMilliseconds(1500);
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(500);
    private readonly Lock gate = new();
    private readonly Dictionary<string, DoorCycle> cycles = new(StringComparer.Ordinal);
    private readonly Dictionary<AlertSource, Latencies> latency = new() { [AlertSource.Gateway] = new(), [AlertSource.NodeRed] = new() };
    private readonly Dictionary<AlertSource, int> missed = new() { [AlertSource.Gateway] = 0, [AlertSource.NodeRed] = 0 };
    private readonly Dictionary<AlertSource, int> unexpected = new() { [AlertSource.Gateway] = 0, [AlertSource.NodeRed] = 0 };
    private int openings;

    public int Doors => doors;

    public int Openings => openings;

    public Latencies Latency(AlertSource source) => latency[source];

    /// <summary>Cycles held past the limit whose door-left-open alert had not come by the close.</summary>
    public int Missed(AlertSource source)
    {
        lock (gate)
        {
            return missed[source];
        }
    }

    /// <summary>Alerts raised for a door closed before its limit.</summary>
    public int Unexpected(AlertSource source)
    {
        lock (gate)
        {
            return unexpected[source];
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var done = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        traffic.AlertReceived += OnAlert;
        try
        {
            var period = plan.Limit + Hold + Pause;
            var loops = plan.AllDoors.Take(doors).Select((door, i) => CycleAsync(door, period * i / doors, i, done)).ToList();
            // A safety net: five times the time the run should take at its rate.
            var expected = period * (wanted / (0.75 * doors) + 1) * 5;
            await Task.WhenAny(Task.WhenAll(loops), Task.Delay(expected, cancellationToken)).ConfigureAwait(false);
            await done.CancelAsync().ConfigureAwait(false);
            try
            {
                await Task.WhenAll(loops).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The loops end by cancellation once enough alerts came.
            }

            if (latency.Values.Any(l => l.Count < wanted))
            {
                throw new TimeoutException($"after {expected.TotalSeconds:0} s: gateway {latency[AlertSource.Gateway].Count}, Node-RED {latency[AlertSource.NodeRed].Count} of {wanted} alerts");
            }
        }
        finally
        {
            traffic.AlertReceived -= OnAlert;
        }
    }

    private async Task CycleAsync(string door, TimeSpan stagger, int index, CancellationTokenSource done)
    {
        var random = new Random(index);
        await Task.Delay(stagger, done.Token).ConfigureAwait(false);
        for (var n = 1; !done.IsCancellationRequested; n++)
        {
            var early = n % 4 == 0;
            var cycle = new DoorCycle(early);
            lock (gate)
            {
                cycles[door] = cycle;
            }

            var openedAt = await traffic.OpenAsync(door, done.Token).ConfigureAwait(false);
            lock (gate)
            {
                cycle.OpenedAt = openedAt;
            }

            Interlocked.Increment(ref openings);
            await Task.Delay(early ? plan.Limit / 2 : plan.Limit + Hold, done.Token).ConfigureAwait(false);
            lock (gate)
            {
                foreach (var source in early ? [] : latency.Keys.Where(s => !cycle.Alerted.Contains((s, DoorLeftOpen))))
                {
                    missed[source]++;
                }
            }

            await traffic.CloseAsync(door, done.Token).ConfigureAwait(false);
            if (door == DoorPlan.Entrance)
            {
                await traffic.ComeBackInAsync(done.Token).ConfigureAwait(false);
            }

            if (latency.Values.All(l => l.Count >= wanted))
            {
                await done.CancelAsync().ConfigureAwait(false);
                return;
            }

            await Task.Delay(Pause + TimeSpan.FromMilliseconds(random.Next(0, 250)), done.Token).ConfigureAwait(false);
        }
    }

    private const string DoorLeftOpen = "door_left_open";

    private void OnAlert(ReceivedAlert alert)
    {
        if (alert.Kind != "raised" || alert.Type is not (DoorLeftOpen or "night_exit"))
        {
            return;
        }

        lock (gate)
        {
            if (!cycles.TryGetValue(alert.SensorId, out var cycle) || cycle.OpenedAt == 0)
            {
                return;
            }

            if (cycle.Early)
            {
                unexpected[alert.Source]++;
                return;
            }

            if (cycle.Alerted.Add((alert.Source, alert.Type)))
            {
                latency[alert.Source].Add(Stopwatch.GetElapsedTime(cycle.OpenedAt, alert.ReceivedAt).TotalMilliseconds - plan.Limit.TotalMilliseconds);
            }
        }
    }

    /// <summary>One opening of one door and what each side raised for it.</summary>
    private sealed class DoorCycle(bool early)
    {
        public bool Early { get; } = early;

        public long OpenedAt { get; set; }

        public HashSet<(AlertSource, string)> Alerted { get; } = [];
    }
}
