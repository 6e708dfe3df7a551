using System.Diagnostics;

namespace HomeGateway.Benchmarks.Suite.NodeRed;

/// <summary>
/// Start-up to ready, by behaviour and with one definition for both sides: from the process spawn, the bench opens a new
/// door every 25 ms (50 ms after 2 s, 200 ms after 5 s; each a door both know, none closed during the probe). The first
/// alert that comes back names the earliest opening the process caught; ready = that opening's publish − the spawn.
/// The resolution is therefore the probe step at that moment. Afterwards every probed door is closed again, so the
/// gateway's saved rule state holds no open door into its next start.
/// </summary>
public sealed class StartupProbe(SensorTraffic traffic, DoorPlan plan)
{
    /// <summary>Doors needed to cover 21 s of start-up at the probe's steps.</summary>
    public const int Doors = 80 + 60 + 80;

    /// <summary>Spawns a process with <paramref name="spawn"/> (which returns how to stop it) and probes it; returns ms to ready.</summary>
    public async Task<(double ReadyMs, Func<Task> Stop)> StartAsync(AlertSource source, Func<Task<Func<Task>>> spawn, CancellationToken cancellationToken)
    {
        var first = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnAlert(ReceivedAlert alert)
        {
            if (alert.Source == source && alert.Type == "door_left_open" && alert.Kind == "raised")
            {
                first.TrySetResult(alert.SensorId);
            }
        }

        traffic.AlertReceived += OnAlert;
        var opened = new Dictionary<string, long>(StringComparer.Ordinal);
        Func<Task>? stop = null;
        try
        {
            var spawnedAt = Stopwatch.GetTimestamp();
            stop = await spawn().ConfigureAwait(false);
            foreach (var door in plan.AllDoors)
            {
                if (first.Task.IsCompleted)
                {
                    break;
                }

                opened[door] = await traffic.OpenAsync(door, cancellationToken).ConfigureAwait(false);
                var since = Stopwatch.GetElapsedTime(spawnedAt);
                var step = since < TimeSpan.FromSeconds(2) ? 25 : since < TimeSpan.FromSeconds(5) ? 50 : 200;
                await Task.WhenAny(first.Task, Task.Delay(step, cancellationToken)).ConfigureAwait(false);
            }

            string caught;
            try
            {
                caught = await first.Task.WaitAsync(plan.Limit + TimeSpan.FromSeconds(15), cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"{source} raised no alert for any of {opened.Count} probe doors; see its log in the work directory");
            }

            var ready = Stopwatch.GetElapsedTime(spawnedAt, opened[caught]).TotalMilliseconds;
            foreach (var door in opened.Keys)
            {
                await traffic.CloseAsync(door, cancellationToken).ConfigureAwait(false);
            }

            // The closes reach the process (and the gateway's journal) before anyone stops it.
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            return (ready, stop);
        }
        catch when (stop is not null)
        {
            await stop().ConfigureAwait(false);
            throw;
        }
        finally
        {
            traffic.AlertReceived -= OnAlert;
        }
    }
}
