using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using HomeGateway.Contracts.DispatchApiV1;
using HomeGateway.Gateway.Uplink;

namespace HomeGateway.Benchmarks.Suite.FanIn;

/// <summary>
/// An integration on <c>DispatchApi.WatchAlerts</c> (its own TLS endpoint, an API token), as a real one subscribes:
/// it measures each alert from the instant the bench hands it to a gateway's stream to the instant its stored step
/// arrives here. Both instants are this process's <see cref="Stopwatch"/>, so no clocks are compared.
/// </summary>
internal sealed class AlertWatcher : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, long> sentAt = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource stop = new();
    private readonly GrpcChannel channel;
    private Task watching = Task.CompletedTask;
    private int received;

    private AlertWatcher(GrpcChannel channel) => this.channel = channel;

    public Latencies Latencies { get; } = new();

    public int Received => Volatile.Read(ref received);

    /// <summary>Subscribes and returns once the snapshot is complete, so every alert sent afterwards is seen live.</summary>
    public static async Task<AlertWatcher> StartAsync(Uri api, string token, X509Certificate2 ca, CancellationToken ct)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new System.Net.Security.SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) => DispatchCredentials.IsDispatch(ca, certificate, errors),
            },
        };
        var watcher = new AlertWatcher(GrpcChannel.ForAddress(api, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true }));
        var call = new DispatchApi.DispatchApiClient(watcher.channel).WatchAlerts(
            new WatchAlertsRequest(), new Metadata { { "authorization", "Bearer " + token } }, cancellationToken: watcher.stop.Token);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (await call.ResponseStream.MoveNext(timeout.Token).ConfigureAwait(false))
        {
            if (call.ResponseStream.Current.ChangeCase == AlertChange.ChangeOneofCase.SnapshotComplete)
            {
                watcher.watching = watcher.WatchAsync(call);
                return watcher;
            }
        }

        call.Dispose();
        throw new InvalidOperationException("WatchAlerts ended before its snapshot was complete");
    }

    /// <summary>Call at the instant the alert is handed to the gateway's stream.</summary>
    public void Sending(string alertId) => sentAt[alertId] = Stopwatch.GetTimestamp();

    /// <summary>Waits until <paramref name="count"/> alerts have arrived, or <paramref name="patience"/> passed without a new one.</summary>
    public async Task WaitForAsync(int count, TimeSpan patience, CancellationToken ct)
    {
        var last = Received;
        var quietSince = Stopwatch.GetTimestamp();
        while (Received < count && Stopwatch.GetElapsedTime(quietSince) < patience && !watching.IsCompleted)
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
        await stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await watching.ConfigureAwait(false);
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException)
        {
            // Cancelled by us.
        }

        channel.Dispose();
        stop.Dispose();
    }

    private async Task WatchAsync(AsyncServerStreamingCall<AlertChange> call)
    {
        using (call)
        {
            while (await call.ResponseStream.MoveNext(stop.Token).ConfigureAwait(false))
            {
                var change = call.ResponseStream.Current;
                if (change.ChangeCase == AlertChange.ChangeOneofCase.Step && sentAt.TryRemove(change.Step.AlertId, out var sent))
                {
                    Latencies.Add(Stopwatch.GetElapsedTime(sent));
                    Interlocked.Increment(ref received);
                }
            }
        }
    }
}
