using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using HomeGateway.Contracts.DispatchApiV1;

namespace HomeGateway.Benchmarks.Suite.FanIn;

/// <summary>
/// Times each alert of the fan-in from the instant the bench hands it to a gateway's stream to the instant its stored
/// step arrives on an integration's <c>DispatchApi.WatchAlerts</c> (<see cref="DispatchAlertWatcher"/>). Both instants are
/// this process's <see cref="Stopwatch"/>, so no clocks are compared.
/// </summary>
internal sealed class AlertWatcher : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, long> sentAt = new(StringComparer.Ordinal);
    private DispatchAlertWatcher? watch;
    private int received;

    public Latencies Latencies { get; } = new();

    public int Received => Volatile.Read(ref received);

    /// <summary>Subscribes and returns once the snapshot is complete, so every alert sent afterwards is seen live.</summary>
    public static async Task<AlertWatcher> StartAsync(Uri api, string token, X509Certificate2 ca, CancellationToken ct)
    {
        var watcher = new AlertWatcher();
        watcher.watch = await DispatchAlertWatcher.StartAsync(api, token, ca, watcher.OnChange, ct).ConfigureAwait(false);
        return watcher;
    }

    /// <summary>Call at the instant the alert is handed to the gateway's stream.</summary>
    public void Sending(string alertId) => sentAt[alertId] = Stopwatch.GetTimestamp();

    /// <summary>Waits until <paramref name="count"/> alerts have arrived, or <paramref name="patience"/> passed without a new one.</summary>
    public async Task WaitForAsync(int count, TimeSpan patience, CancellationToken ct)
    {
        var last = Received;
        var quietSince = Stopwatch.GetTimestamp();
        while (Received < count && Stopwatch.GetElapsedTime(quietSince) < patience && watch is { Failed: false })
        {
            await Task.Delay(100, ct).ConfigureAwait(false);
            if (Received != last)
            {
                last = Received;
                quietSince = Stopwatch.GetTimestamp();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (watch is not null)
        {
            await watch.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void OnChange(AlertChange change, long arrived)
    {
        if (change.ChangeCase == AlertChange.ChangeOneofCase.Step && sentAt.TryRemove(change.Step.AlertId, out var sent))
        {
            Latencies.Add(Stopwatch.GetElapsedTime(sent, arrived));
            Interlocked.Increment(ref received);
        }
    }
}
