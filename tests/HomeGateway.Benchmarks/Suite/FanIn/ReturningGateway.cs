using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using HomeGateway.Contracts.V1;
using HomeGateway.Gateway.Uplink;

namespace HomeGateway.Benchmarks.Suite.FanIn;

/// <summary>
/// One simulated gateway that keeps coming back, as <c>DispatchUplink</c>'s loop does: connect (its own TLS connection
/// from its own loopback source address), Hello → Welcome, send what dispatch has not stored yet, hold the stream; when
/// it is lost, wait what the gateway's own <see cref="UplinkBackoff"/> says (reset after a Welcome, the hint when dispatch
/// pushes back, 15–30 s after a refused credential) and try again. Connect and Welcome timeouts are the gateway's
/// (10 s, 15 s). It notes, on the bench's one <see cref="Stopwatch"/>, when it was welcomed and when dispatch acknowledged
/// the record it journalled while dispatch was away.
/// </summary>
internal sealed class ReturningGateway(GatewayIdentity identity, IPAddress source, Uri dispatch, X509Certificate2 ca)
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan WelcomeTimeout = TimeSpan.FromSeconds(15);

    private readonly UplinkBackoff backoff = new();
    private long lastSeq;
    private long storedThrough;

    public string GatewayId => identity.GatewayId;

    /// <summary>Welcomed and holding a stream now.</summary>
    public bool IsHeld { get; private set; }

    /// <summary>Bench-clock ticks of the last Welcome (0: never).</summary>
    public long WelcomedAt { get; private set; }

    /// <summary>Bench-clock ticks when dispatch acknowledged everything journalled so far (0: not yet).</summary>
    public long StoredAt { get; private set; }

    public int Attempts { get; private set; }

    public int PushedBack { get; private set; }

    public int Failed { get; private set; }

    public string? LastProblem { get; private set; }

    /// <summary>Journals one alert step (sent at the next Welcome, or at once when a stream is held).</summary>
    public void Journal()
    {
        Interlocked.Increment(ref lastSeq);
        StoredAt = 0;
    }

    /// <summary>Counts attempts from now on (after the outage began).</summary>
    public void ResetCounts()
    {
        Attempts = 0;
        PushedBack = 0;
        Failed = 0;
        LastProblem = null;
    }

    /// <summary>The uplink loop until <paramref name="ct"/>; <paramref name="first"/> gates the very first connect (the ramp-up).</summary>
    public async Task RunAsync(SemaphoreSlim first, CancellationToken ct)
    {
        var gated = true;
        await first.WaitAsync(ct).ConfigureAwait(false);
        while (!ct.IsCancellationRequested)
        {
            TimeSpan wait;
            Attempts++;
            try
            {
                await StreamAsync(() =>
                {
                    if (gated)
                    {
                        gated = false;
                        first.Release();
                    }
                }, ct).ConfigureAwait(false);
                wait = backoff.AfterFailure();
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied)
            {
                Failed++;
                LastProblem = e.Status.Detail;
                wait = backoff.AfterRefusal();
            }
            catch (RpcException e) when (UplinkBackoff.PushbackOf(e) is { } hint)
            {
                PushedBack++;
                wait = backoff.AfterPushback(hint);
            }
            catch (Exception e)
            {
                Failed++;
                LastProblem = e.GetType().Name + ": " + e.Message;
                wait = backoff.AfterFailure();
            }

            IsHeld = false;
            if (gated)
            {
                gated = false;
                first.Release();
            }

            try
            {
                await Task.Delay(wait, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task StreamAsync(Action welcomed, CancellationToken ct)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = ConnectTimeout,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            ConnectCallback = (context, token) => SimulatedGateway.ConnectFromAsync(source, context.DnsEndPoint, token),
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = [identity.Certificate],
                LocalCertificateSelectionCallback = (_, _, _, _, _) => identity.Certificate,
                RemoteCertificateValidationCallback = (_, certificate, _, errors) => DispatchCredentials.IsDispatch(ca, certificate, errors),
            },
        };
        using var channel = GrpcChannel.ForAddress(dispatch, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true, MaxReceiveMessageSize = 1024 * 1024 });
        using var streamCancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var call = new GatewayUplink.GatewayUplinkClient(channel).Connect(cancellationToken: streamCancel.Token);
        var journalled = Interlocked.Read(ref lastSeq);
        await call.RequestStream.WriteAsync(new GatewayMessage
        {
            Hello = new Hello { GatewayId = identity.GatewayId, HomeId = identity.HomeId, SoftwareVersion = "reconnect-bench", LastSeq = (ulong)journalled },
        }, streamCancel.Token).ConfigureAwait(false);
        using (var welcomeTimeout = CancellationTokenSource.CreateLinkedTokenSource(streamCancel.Token))
        {
            welcomeTimeout.CancelAfter(WelcomeTimeout);
            if (!await call.ResponseStream.MoveNext(welcomeTimeout.Token).ConfigureAwait(false)
                || call.ResponseStream.Current.BodyCase != DispatchMessage.BodyOneofCase.Welcome)
            {
                throw new InvalidOperationException("dispatch did not answer Hello with Welcome");
            }
        }

        WelcomedAt = Stopwatch.GetTimestamp();
        IsHeld = true;
        backoff.Reset();
        welcomed();
        storedThrough = Math.Max(storedThrough, (long)call.ResponseStream.Current.Welcome.StoredThroughSeq);
        MarkStored();

        // A heartbeat at once, as the gateway does: dispatch counts contact (and restores an offline gateway) from the
        // first frame after Welcome, not from Hello.
        await call.RequestStream.WriteAsync(new GatewayMessage { Heartbeat = new Heartbeat { LastSeq = (ulong)Interlocked.Read(ref lastSeq) } }, streamCancel.Token)
            .ConfigureAwait(false);

        // Resend from what dispatch has, as the gateway does; records journalled while held go out at once.
        var sentThrough = storedThrough;
        var reading = ReadAcksAsync(call.ResponseStream, streamCancel.Token);
        while (!reading.IsCompleted)
        {
            var last = Interlocked.Read(ref lastSeq);
            for (var seq = sentThrough + 1; seq <= last; seq++)
            {
                await call.RequestStream.WriteAsync(new GatewayMessage { Record = Alert(seq) }, streamCancel.Token).ConfigureAwait(false);
                sentThrough = seq;
            }

            await Task.WhenAny(reading, Task.Delay(TimeSpan.FromMilliseconds(250), streamCancel.Token)).ConfigureAwait(false);
        }

        await reading.ConfigureAwait(false);
        throw new InvalidOperationException("dispatch ended the stream");
    }

    private async Task ReadAcksAsync(IAsyncStreamReader<DispatchMessage> responses, CancellationToken ct)
    {
        while (await responses.MoveNext(ct).ConfigureAwait(false))
        {
            if (responses.Current.BodyCase == DispatchMessage.BodyOneofCase.Ack)
            {
                storedThrough = Math.Max(storedThrough, (long)responses.Current.Ack.ThroughSeq);
                MarkStored();
            }
        }
    }

    private void MarkStored()
    {
        if (StoredAt == 0 && storedThrough >= Interlocked.Read(ref lastSeq))
        {
            StoredAt = Stopwatch.GetTimestamp();
        }
    }

    private JournalRecord Alert(long seq)
    {
        var now = Timestamp.FromDateTimeOffset(TimeProvider.System.GetUtcNow());
        return new JournalRecord
        {
            Seq = (ulong)seq,
            RecordedAt = now,
            AlertEvent = new AlertEvent
            {
                AlertId = $"help-{seq}",
                Kind = AlertEventKind.Raised,
                Type = AlertType.Help,
                Priority = AlertPriority.Critical,
                HomeId = identity.HomeId,
                SensorId = "help_button",
                At = now,
                EvidenceAt = now,
                Count = 1,
                Summary = "Help button pressed",
            },
        };
    }
}
