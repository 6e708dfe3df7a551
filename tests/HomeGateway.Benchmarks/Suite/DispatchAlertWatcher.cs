using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using HomeGateway.Contracts.DispatchApiV1;
using HomeGateway.Gateway.Uplink;
using HomeGateway.Simulator.Demo;

namespace HomeGateway.Benchmarks.Suite;

/// <summary>
/// An integration watching dispatch's queue as a real one would: <c>DispatchApi.WatchAlerts</c> over TLS to
/// <c>Dispatch:ApiUrl</c>, trusting only dispatch's own CA, with an API token (LocalDeployment's, or the fan-in's). Every
/// change is handed over with the <see cref="Stopwatch"/> timestamp of its arrival, taken before anything else is done with it.
/// </summary>
internal sealed class DispatchAlertWatcher : IAsyncDisposable
{
    private readonly GrpcChannel channel;
    private readonly AsyncServerStreamingCall<AlertChange> call;
    private readonly CancellationTokenSource stop;
    private readonly Task reading;

    private DispatchAlertWatcher(GrpcChannel channel, AsyncServerStreamingCall<AlertChange> call, CancellationTokenSource stop, Task reading)
    {
        this.channel = channel;
        this.call = call;
        this.stop = stop;
        this.reading = reading;
    }

    /// <summary>Subscribes and returns once the snapshot is complete, i.e. every later change will be seen live.</summary>
    public static Task<DispatchAlertWatcher> StartAsync(LocalDeployment deployment, Action<AlertChange, long> onChange, CancellationToken cancellationToken) =>
        StartAsync(deployment.ApiUrl, deployment.ApiToken,
            X509CertificateLoader.LoadCertificateFromFile(Path.Combine(deployment.DispatchData, "ca", "ca.crt")), onChange, cancellationToken);

    /// <summary>Subscribes to the API at <paramref name="api"/> (dispatch's CA <paramref name="ca"/>, an API token).</summary>
    public static async Task<DispatchAlertWatcher> StartAsync(
        Uri api, string token, X509Certificate2 ca, Action<AlertChange, long> onChange, CancellationToken cancellationToken)
    {
        var handler = new SocketsHttpHandler();
        // The same check the gateway makes of dispatch: the host's name, and signed by dispatch's CA and no other.
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => DispatchCredentials.IsDispatch(ca, certificate, errors);
        var channel = GrpcChannel.ForAddress(api, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var call = new DispatchApi.DispatchApiClient(channel).WatchAlerts(new WatchAlertsRequest(),
            new Metadata { { "authorization", "Bearer " + token } }, cancellationToken: stop.Token);
        var snapshotDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reading = Task.Run(async () =>
        {
            try
            {
                while (await call.ResponseStream.MoveNext(stop.Token).ConfigureAwait(false))
                {
                    var arrived = Stopwatch.GetTimestamp();
                    var change = call.ResponseStream.Current;
                    onChange(change, arrived);
                    if (change.ChangeCase == AlertChange.ChangeOneofCase.SnapshotComplete)
                    {
                        snapshotDone.TrySetResult();
                    }
                }

                snapshotDone.TrySetException(new InvalidOperationException("dispatch ended the WatchAlerts stream"));
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                snapshotDone.TrySetCanceled();
            }
            catch (Exception e)
            {
                snapshotDone.TrySetException(e);
                throw;
            }
        }, CancellationToken.None);
        await snapshotDone.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        return new DispatchAlertWatcher(channel, call, stop, reading);
    }

    /// <summary>The watch failed (dispatch ended it, or a fault) rather than being stopped.</summary>
    public bool Failed => reading.IsFaulted;

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await reading.ConfigureAwait(false);
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException)
        {
            // Stopping the watch ends the call; that is the point.
        }

        call.Dispose();
        channel.Dispose();
        stop.Dispose();
    }
}
