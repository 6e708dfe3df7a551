using System.Reflection;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using HomeGateway.Contracts.V1;
using HomeGateway.Core.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HomeGateway.Gateway.Uplink;

public enum UplinkState
{
    Disabled,
    Connecting,
    Connected,
    Waiting,
}

/// <summary>
/// The supervised uplink: one long-lived bidirectional gRPC stream to dispatch. On every (re)connect the
/// gateway says what it has (Hello), dispatch says what it has stored (Welcome), and the gateway sends the
/// journal from there on. Dispatch acknowledges cumulatively; the acknowledged sequence is persisted, so after
/// a crash or a cut the resend starts where dispatch left off. gRPC's own retry cannot resume a stream, so
/// this loop does: reconnect on <see cref="TimeProvider"/> after the waits <see cref="UplinkBackoff"/> chooses (within 5 s of
/// dispatch's return; a dispatch that is busy says when).
/// Dispatch also sends acknowledgements of the gateway's alerts down the stream; they go to the pipeline through
/// the <see cref="AcknowledgementInbox"/>, and Hello says how far they have been applied.
/// Hello also carries the home's profile (time zone, sensors' names and places); when the home file is re-read, the new
/// profile follows on the open stream, so the dispatcher reads the new names without waiting for a reconnect.
/// </summary>
public sealed class DispatchUplink(
    Journal.Journal journal,
    HomeConfig home,
    IOptions<GatewayOptions> options,
    TimeProvider time,
    ILogger<DispatchUplink> logger,
    AcknowledgementInbox? acknowledgements = null,
    Watchdog.AlertPathHeartbeats? heartbeats = null,
    Configuration.HomeConfigSource? homeSource = null) : BackgroundService
{
    // Unacknowledged records allowed on the wire at once: bounds memory at dispatch and in HTTP/2 buffers.
    private const int MaxInFlight = 512;
    private const int ReadBatch = 128;

    // One RecordBatch: at most this many records and about this many bytes (dispatch takes messages up to 1 MiB and at
    // most UplinkLimits.MaxRecordsPerBatch records; a record is a few hundred bytes, at most a few KiB).
    private const int RecordsPerMessage = ReadBatch;
    private const int BytesPerMessage = 64 * 1024;
    private static readonly TimeSpan WelcomeTimeout = TimeSpan.FromSeconds(15);

    private readonly GatewayOptions settings = options.Value;

    // A retry every few seconds through a long outage must not write two lines each time to a Pi's SD card: the same
    // failure, and the wait after it, are logged once a minute with how many were held back.
    private readonly Mqtt.LogGate retryLog = new(time, TimeSpan.FromMinutes(1));

    // Completed (and replaced) on every ack, to wake a sender whose in-flight window was full.
    private TaskCompletionSource ackProgress = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Completed (and replaced) when the home file was re-read, to wake the sender to send the new profile.
    private TaskCompletionSource profileChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int profileVersion;

    public UplinkState State { get; private set; } = UplinkState.Connecting;

    public string GatewayId => settings.GatewayId is { Length: > 0 } id ? id : home.HomeId;

    internal static string SoftwareVersion { get; } =
        typeof(DispatchUplink).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (string.IsNullOrWhiteSpace(settings.Dispatch.Url))
        {
            State = UplinkState.Disabled;
            UplinkLog.Disabled(logger);
            heartbeats?.Uplink.Retire();
            return;
        }

        using var channel = new DispatchChannel(settings);
        var backoff = new UplinkBackoff();
        if (homeSource is not null)
        {
            homeSource.Changed += OnHomeChanged;
        }

        try
        {
            await RunAsync(channel, backoff, stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            if (homeSource is not null)
            {
                homeSource.Changed -= OnHomeChanged;
            }
        }
    }

    private async Task RunAsync(DispatchChannel channel, UplinkBackoff backoff, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            // Beats whether or not dispatch answers: only a loop that no longer turns is the watchdog's business.
            heartbeats?.Uplink.Beat();
            State = UplinkState.Connecting;
            TimeSpan wait;
            try
            {
                await RunStreamAsync(channel.Client(), backoff.Reset, stoppingToken).ConfigureAwait(false);
                wait = backoff.AfterFailure();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied)
            {
                UplinkLog.Refused(logger, ex.Status.Detail);
                wait = backoff.AfterRefusal();
            }
            catch (RpcException ex) when (UplinkBackoff.PushbackOf(ex) is { } hint)
            {
                // Dispatch is up but busy (starting, or admitting a fleet): it said when to come back.
                wait = backoff.AfterPushback(hint);
                UplinkLog.PushedBack(logger, ex.StatusCode, hint.TotalSeconds, ex.Status.Detail);
            }
            catch (DispatchCredentialsException ex)
            {
                UplinkLog.NotEnrolled(logger, ex.Message);
                wait = backoff.AfterRefusal();
            }
            catch (Exception ex)
            {
                if (retryLog.TryPass("failed:" + ex.GetType().Name + ":" + ex.Message, out var held))
                {
                    UplinkLog.StreamFailed(logger, ex.GetType().Name, ex.Message, held);
                }

                wait = backoff.AfterFailure();
            }

            State = UplinkState.Waiting;
            if (retryLog.TryPass("reconnecting", out var heldWaits))
            {
                UplinkLog.Reconnecting(logger, wait.TotalSeconds, journal.OutboxDepth, heldWaits);
            }
            try
            {
                await Task.Delay(wait, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task RunStreamAsync(GatewayUplink.GatewayUplinkClient client, Action onWelcome, CancellationToken stoppingToken)
    {
        using var streamCancel = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        // Who this gateway is comes from its TLS client certificate, not from a header.
        using var call = client.Connect(cancellationToken: streamCancel.Token);

        // Read before the profile that goes into Hello: a reload in between is then sent again, never missed.
        var profileSent = Volatile.Read(ref profileVersion);

        await call.RequestStream.WriteAsync(new GatewayMessage
        {
            Hello = new Hello
            {
                GatewayId = GatewayId,
                HomeId = home.HomeId,
                SoftwareVersion = SoftwareVersion,
                LastSeq = (ulong)journal.LastSeq,
                AppliedAckSeq = (ulong)(acknowledgements?.AppliedAckSeq ?? 0),
                Profile = HomeProfiles.From(homeSource?.Current ?? home),
            },
        }, streamCancel.Token).ConfigureAwait(false);

        using var welcomeTimeout = CancellationTokenSource.CreateLinkedTokenSource(streamCancel.Token);
        welcomeTimeout.CancelAfter(WelcomeTimeout);
        if (!await call.ResponseStream.MoveNext(welcomeTimeout.Token).ConfigureAwait(false)
            || call.ResponseStream.Current.BodyCase != DispatchMessage.BodyOneofCase.Welcome)
        {
            throw new InvalidOperationException("dispatch did not answer Hello with Welcome");
        }

        var welcome = call.ResponseStream.Current.Welcome;
        journal.Acknowledge((long)welcome.StoredThroughSeq);
        onWelcome();
        State = UplinkState.Connected;
        UplinkLog.Connected(logger, settings.Dispatch.Url!, (long)welcome.StoredThroughSeq, journal.LastSeq);

        var heartbeat = TimeSpan.FromSeconds(welcome.HeartbeatSeconds is > 0 and var s && s < settings.Dispatch.HeartbeatSeconds
            ? s
            : settings.Dispatch.HeartbeatSeconds);
        var acks = ReadAcksAsync(call.ResponseStream, streamCancel.Token);
        try
        {
            var profiles = new ProfileSender(welcome.AcceptsHomeProfile, profileSent);
            var batching = welcome.AcceptsRecordBatches
                ? TimeSpan.FromMilliseconds(settings.Dispatch.BatchWindowMilliseconds)
                : (TimeSpan?)null;
            await SendAsync(call.RequestStream, Math.Max((long)welcome.StoredThroughSeq, journal.AckedSeq), heartbeat, batching, acks, profiles, streamCancel.Token)
                .ConfigureAwait(false);
        }
        finally
        {
            await streamCancel.CancelAsync().ConfigureAwait(false);
            try
            {
                await acks.ConfigureAwait(false);
            }
            catch (Exception) when (streamCancel.IsCancellationRequested)
            {
                // The reader ends with the stream; its own failure was already the reason we are here.
            }
        }
    }

    /// <summary>
    /// Sends the journal from <paramref name="sentThrough"/> on, profiles when the home file changes, and heartbeats when
    /// idle. With <paramref name="batchWindow"/> (a dispatch that takes RecordBatch) records go several to a message: the
    /// first record not yet sent waits at most the window for others, unless an urgent one (<see cref="Journal.Journal.IsUrgent"/>)
    /// comes; a backlog of a message's worth found when the uplink looks (after a reconnect) goes at once. Each message is one HTTP/2 frame, one TLS record and a wake-up at both ends,
    /// and dispatch acknowledges each; one per record was about a fifth of the gateway's CPU on a busy flow (make bench
    /// nodeRed). Without it, one record per message, each as soon as it is journalled.
    /// </summary>
    private async Task SendAsync(
        IClientStreamWriter<GatewayMessage> writer, long sentThrough, TimeSpan heartbeat, TimeSpan? batchWindow, Task acks, ProfileSender profiles,
        CancellationToken cancellationToken)
    {
        // As if the last send was a heartbeat ago: with nothing else to send, a heartbeat goes at once after Welcome.
        // Dispatch counts contact only from a frame after Welcome (a Hello alone proves nothing), so the gateway is
        // online as soon as the exchange works, not a heartbeat interval later.
        var lastSendAt = time.GetUtcNow() - heartbeat;

        // When the uplink first saw a record it has not sent yet (the batch window's start); null when everything is sent.
        DateTimeOffset? holdingSince = null;

        // One timer while its time stays the same (the window's end, a heartbeat after the last send), and waits on the
        // journal's signals themselves: a timer and a linked token made and cancelled on every turn cost two thread-pool
        // hand-overs a turn (the cancellation's callbacks run on the pool), a few hundred a minute on a busy home.
        using var timer = new Pipeline.DeadlineWake(time, cancellationToken);
        var waits = new List<Task>(4);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            heartbeats?.Uplink.Beat();
            if (acks.IsCompleted)
            {
                await acks.ConfigureAwait(false);
                throw new InvalidOperationException("dispatch closed the stream");
            }

            var ackSignal = Volatile.Read(ref ackProgress).Task;
            var profileSignal = Volatile.Read(ref profileChanged).Task;
            if (profiles.Accepted && Volatile.Read(ref profileVersion) is var version && version != profiles.SentVersion)
            {
                // Before more records: an alert sent next is then shown with the names the technician just wrote.
                var current = homeSource?.Current ?? home;
                await writer.WriteAsync(new GatewayMessage { HomeProfile = HomeProfiles.From(current) }, cancellationToken).ConfigureAwait(false);
                profiles.SentVersion = version;
                lastSendAt = time.GetUtcNow();
                UplinkLog.ProfileSent(logger, current.Sensors.Count, current.TimeZoneId);
                continue;
            }

            var room = MaxInFlight - (sentThrough - journal.AckedSeq);
            DateTimeOffset? holdUntil = null;
            if (room > 0 && journal.LastSeq > sentThrough)
            {
                if (batchWindow is not { } window)
                {
                    foreach (var record in journal.ReadAfter(sentThrough, (int)Math.Min(room, ReadBatch)))
                    {
                        await writer.WriteAsync(new GatewayMessage { Record = record }, cancellationToken).ConfigureAwait(false);
                        sentThrough = (long)record.Seq;
                    }

                    lastSendAt = time.GetUtcNow();
                    continue;
                }

                var now = time.GetUtcNow();
                holdingSince ??= now;
                var sendAt = holdingSince.Value + window;
                if (now >= sendAt || journal.LastUrgentSeq > sentThrough || journal.LastSeq - sentThrough >= RecordsPerMessage)
                {
                    sentThrough = await SendBatchesAsync(writer, journal.ReadAfter(sentThrough, (int)Math.Min(room, ReadBatch)), sentThrough, cancellationToken)
                        .ConfigureAwait(false);
                    // What is still unsent (more than one read, or a full window) goes on the next turn without waiting.
                    holdingSince = journal.LastSeq > sentThrough ? holdingSince : null;
                    lastSendAt = time.GetUtcNow();
                    continue;
                }

                holdUntil = sendAt;
            }

            if (time.GetUtcNow() - lastSendAt >= heartbeat)
            {
                await writer.WriteAsync(new GatewayMessage
                {
                    Heartbeat = new Heartbeat { SentAt = Timestamp.FromDateTimeOffset(time.GetUtcNow()), LastSeq = (ulong)journal.LastSeq },
                }, cancellationToken).ConfigureAwait(false);
                lastSendAt = time.GetUtcNow();
                continue;
            }

            // Wait for new records (only an urgent one while records are held for a batch: the window's end sends the rest),
            // an ack that opens the in-flight window, the stream ending, or the heartbeat.
            var heartbeatAt = lastSendAt + heartbeat;
            waits.Clear();
            waits.Add(timer.Until(holdUntil is { } until && until < heartbeatAt ? until : heartbeatAt)!);
            waits.Add(acks);
            waits.Add(holdUntil is not null ? journal.WaitForUrgentAfterAsync(sentThrough, CancellationToken.None)
                : room > 0 ? journal.WaitForRecordsAfterAsync(sentThrough, CancellationToken.None)
                : ackSignal);
            if (profiles.Accepted)
            {
                waits.Add(profileSignal);
            }

            // The timer ends with the stream's token, so a stop wakes this wait too.
            await Task.WhenAny(waits).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// <paramref name="records"/> as RecordBatch messages of at most <see cref="RecordsPerMessage"/> records and about
    /// <see cref="BytesPerMessage"/> bytes (one record alone may be more); returns the last sequence number sent.
    /// </summary>
    private static async Task<long> SendBatchesAsync(
        IClientStreamWriter<GatewayMessage> writer, IReadOnlyList<JournalRecord> records, long sentThrough, CancellationToken cancellationToken)
    {
        var batch = new RecordBatch();
        var bytes = 0;
        foreach (var record in records)
        {
            // A repeated field's element costs its tag, its length prefix (at most 3 bytes here) and its bytes.
            var size = record.CalculateSize() + 4;
            if (batch.Records.Count > 0 && (batch.Records.Count >= RecordsPerMessage || bytes + size > BytesPerMessage))
            {
                await writer.WriteAsync(new GatewayMessage { RecordBatch = batch }, cancellationToken).ConfigureAwait(false);
                sentThrough = (long)batch.Records[^1].Seq;
                batch = new RecordBatch();
                bytes = 0;
            }

            batch.Records.Add(record);
            bytes += size;
        }

        if (batch.Records.Count > 0)
        {
            await writer.WriteAsync(new GatewayMessage { RecordBatch = batch }, cancellationToken).ConfigureAwait(false);
            sentThrough = (long)batch.Records[^1].Seq;
        }

        return sentThrough;
    }

    private async Task ReadAcksAsync(IAsyncStreamReader<DispatchMessage> reader, CancellationToken cancellationToken)
    {
        // Dispatch acks every record, and each persisted ack is a durable commit (an fsync) under the journal's lock,
        // which the pipeline's alert commits wait for. Acks are cumulative, so one that already has a later one queued
        // behind it on the stream need not be persisted: the later one is, as soon as nothing more is queued. A drain
        // then costs one commit per read of the stream rather than one per record, and a gateway that stops in between
        // resends a few records that dispatch stores idempotently.
        long received = 0;
        try
        {
            while (true)
            {
                var next = reader.MoveNext(cancellationToken);
                // Persist when the stream has nothing more queued, or before the window the sender waits on would fill.
                if (received > 0 && (!next.IsCompleted || received - journal.AckedSeq >= MaxInFlight / 2))
                {
                    PersistAck(received);
                    received = 0;
                }

                if (!await next.ConfigureAwait(false))
                {
                    break;
                }

                switch (reader.Current.BodyCase)
                {
                    case DispatchMessage.BodyOneofCase.Ack:
                        received = Math.Max(received, (long)reader.Current.Ack.ThroughSeq);
                        break;

                    case DispatchMessage.BodyOneofCase.AlertAcknowledged:
                        HandOver(reader.Current.AlertAcknowledged);
                        break;

                    case DispatchMessage.BodyOneofCase.AlertResolved:
                        HandOver(reader.Current.AlertResolved);
                        break;
                }
            }
        }
        finally
        {
            if (received > 0)
            {
                PersistAck(received);
            }
        }
    }

    private void OnHomeChanged(HomeConfig changed)
    {
        Interlocked.Increment(ref profileVersion);
        Interlocked.Exchange(ref profileChanged, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>Whether this stream's dispatch takes profile updates, and which reload the last profile sent on it reflects.</summary>
    private sealed class ProfileSender(bool accepted, int sentVersion)
    {
        public bool Accepted { get; } = accepted;

        public int SentVersion { get; set; } = sentVersion;
    }

    private void PersistAck(long throughSeq)
    {
        journal.Acknowledge(throughSeq);
        Interlocked.Exchange(ref ackProgress, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    private void HandOver(AlertAcknowledged message)
    {
        if (UplinkLimits.IdProblem("alert_id", message.AlertId) is not null || message.AckSeq is 0 or > long.MaxValue)
        {
            // Not from a dispatch that follows the contract; nothing in it can be applied safely.
            UplinkLog.AcknowledgementRefused(logger, UplinkLimits.Show(message.AlertId), message.AckSeq);
            return;
        }

        var at = message.AcknowledgedAt is { } stamp ? stamp.ToDateTimeOffset() : time.GetUtcNow();
        UplinkLog.AcknowledgementReceived(logger, message.AlertId, message.By, (long)message.AckSeq);
        acknowledgements?.Post(new DispatchAcknowledgement(message.AlertId, at, message.By, (long)message.AckSeq));
    }

    private void HandOver(AlertResolved message)
    {
        if (UplinkLimits.IdProblem("alert_id", message.AlertId) is not null || message.AckSeq is 0 or > long.MaxValue
            || message.EvidenceThroughSeq > long.MaxValue)
        {
            UplinkLog.AcknowledgementRefused(logger, UplinkLimits.Show(message.AlertId), message.AckSeq);
            return;
        }

        var at = message.ResolvedAt is { } stamp ? stamp.ToDateTimeOffset() : time.GetUtcNow();
        UplinkLog.ResolutionReceived(logger, message.AlertId, message.By, (long)message.AckSeq);
        acknowledgements?.Post(new DispatchResolution(message.AlertId, at, message.By, (long)message.AckSeq,
            (long)message.EvidenceThroughSeq, message.Outcome));
    }
}

internal static partial class UplinkLog
{
    [LoggerMessage(2000, LogLevel.Warning, "No dispatch URL configured: running offline, alerts are journalled and shown locally only")]
    public static partial void Disabled(ILogger logger);

    [LoggerMessage(2001, LogLevel.Information, "Connected to dispatch {Url}: it has through seq {StoredThrough}, journal at {LastSeq}")]
    public static partial void Connected(ILogger logger, string url, long storedThrough, long lastSeq);

    [LoggerMessage(2002, LogLevel.Warning, "Uplink to dispatch lost ({Error}: {Message}); {Suppressed} more like it in the last minute not logged")]
    public static partial void StreamFailed(ILogger logger, string error, string message, long suppressed);

    [LoggerMessage(2003, LogLevel.Error, "Dispatch refused this gateway's credential: {Detail}. Enrol the gateway again: `homegateway enroll --dispatch URL --token-file -` with a new code from `homegateway-dispatch gateways enroll`")]
    public static partial void Refused(ILogger logger, string detail);

    [LoggerMessage(2005, LogLevel.Error, "Cannot connect to dispatch: {Detail}. Alerts are journalled and sent once the gateway is enrolled")]
    public static partial void NotEnrolled(ILogger logger, string detail);

    [LoggerMessage(2007, LogLevel.Information, "Dispatch is busy ({Status}) and asked for {Seconds:F1} s before the next attempt: {Detail}")]
    public static partial void PushedBack(ILogger logger, StatusCode status, double seconds, string detail);

    [LoggerMessage(2004, LogLevel.Information, "Reconnecting to dispatch in {Seconds:F1} s; {Pending} record(s) waiting in the outbox ({Suppressed} earlier waits in the last minute not logged)")]
    public static partial void Reconnecting(ILogger logger, double seconds, long pending, long suppressed);

    [LoggerMessage(2008, LogLevel.Information, "Dispatch: alert {AlertId} acknowledged by a {By} (ack {AckSeq})")]
    public static partial void AcknowledgementReceived(ILogger logger, string alertId, string by, long ackSeq);

    [LoggerMessage(2020, LogLevel.Information, "Dispatch: alert {AlertId} resolved by a {By} (ack {AckSeq})")]
    public static partial void ResolutionReceived(ILogger logger, string alertId, string by, long ackSeq);

    [LoggerMessage(2030, LogLevel.Information, "Home file re-read: sent dispatch the home's profile ({Sensors} sensor(s), time zone {TimeZone})")]
    public static partial void ProfileSent(ILogger logger, int sensors, string timeZone);

    [LoggerMessage(2006, LogLevel.Warning, "Dispatch sent an acknowledgement without a valid alert id or number (alert '{AlertId}', ack {AckSeq}); ignored")]
    public static partial void AcknowledgementRefused(ILogger logger, string alertId, ulong ackSeq);
}
