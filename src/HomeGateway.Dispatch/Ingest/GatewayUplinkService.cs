using Grpc.Core;
using HomeGateway.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using HomeGateway.Dispatch.Acknowledgements;
using HomeGateway.Dispatch.Credentials;
using Microsoft.AspNetCore.Http;
using HomeGateway.Dispatch.Hosting;
using HomeGateway.Dispatch.LiveFeed;
using HomeGateway.Dispatch.Store;
using HomeGateway.Dispatch.Supervision;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HomeGateway.Dispatch.Ingest;

/// <summary>
/// The gateway end of the uplink: authenticate, Hello → Welcome, then store each record and ack
/// cumulatively. An ack is only sent after the record's transaction committed. Alongside, every acknowledgement
/// of the gateway's alerts after the one it says it has applied goes down the same stream, in order.
/// </summary>
internal sealed class GatewayUplinkService(
    IDispatchStore store,
    IAlertFeed feed,
    GatewaySessions sessions,
    DispatchAuthority authority,
    RevocationWatch revocations,
    IOptions<DispatchOptions> options,
    TimeProvider time,
    ILogger<GatewayUplinkService> logger,
    GatewaySupervisor supervisor,
    HeartbeatContacts contacts,
    StreamAdmission admission,
    UplinkLogGate logGate) : GatewayUplink.GatewayUplinkBase
{
    public override async Task Connect(
        IAsyncStreamReader<GatewayMessage> requestStream,
        IServerStreamWriter<DispatchMessage> responseStream,
        ServerCallContext context)
    {
        // Before anything touches the store: a fleet reconnecting at once is paced here (StreamAdmission).
        var (setup, retryAfter) = await admission.EnterAsync(context.CancellationToken);
        if (setup is null)
        {
            throw StreamAdmission.Refusal(retryAfter);
        }

        using var setupSlot = setup;
        using var revoked = new CancellationTokenSource();
        var (account, serial, watch) = await AuthenticateAsync(context, revoked);
        using var _ = watch;
        using var session = sessions.Open(account.GatewayId, context.CancellationToken);
        using var serving = CancellationTokenSource.CreateLinkedTokenSource(session.Token, revoked.Token);
        var ct = serving.Token;
        try
        {
            await ServeAsync(account, session, requestStream, responseStream, setup.Complete, ct);
        }
        catch (OperationCanceledException) when (revoked.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            throw Refuse(context, StatusCode.PermissionDenied,
                $"this gateway's certificate {serial} was revoked at dispatch; it needs a new enrolment code (homegateway enroll)");
        }
        catch (OperationCanceledException) when (session.WasReplaced)
        {
            IngestLog.StreamReplaced(logger, account.GatewayId);
            throw new RpcException(new Status(StatusCode.Aborted, "A newer stream from the same gateway replaced this one."));
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.InvalidArgument or StatusCode.PermissionDenied)
        {
            // One line per gateway and minute at most: a peer that sends bad frames in a loop must not fill the log.
            if (logGate.TryPass(account.GatewayId, "refused", out var held))
            {
                IngestLog.FrameRefused(logger, account.GatewayId, ex.StatusCode, ex.Status.Detail, held);
            }

            throw;
        }
        catch (Exception ex) when (UnreadableFrame(ex) is { } problem && !context.CancellationToken.IsCancellationRequested)
        {
            // Bytes that are not a GatewayMessage: the peer is told so, and the log gets one short line, never a stack
            // trace (gRPC would answer UNKNOWN and log ~30 lines for each such call).
            if (logGate.TryPass(account.GatewayId, "unreadable", out var held))
            {
                IngestLog.FrameUnreadable(logger, account.GatewayId, problem, held);
            }

            throw UplinkFrames.Invalid($"A frame on the stream is not a GatewayMessage ({problem}).");
        }
    }

    /// <summary>Why a frame could not be read as a message, when that is what <paramref name="ex"/> says; else null.</summary>
    internal static string? UnreadableFrame(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is Google.Protobuf.InvalidProtocolBufferException protobuf)
            {
                return UplinkLimits.Show(protobuf.Message);
            }
        }

        return null;
    }

    private async Task ServeAsync(
        GatewayAccount account,
        GatewaySession session,
        IAsyncStreamReader<GatewayMessage> requestStream,
        IServerStreamWriter<DispatchMessage> responseStream,
        Action welcomed,
        CancellationToken callToken)
    {
        if (!await requestStream.MoveNext(callToken))
        {
            return;
        }

        if (requestStream.Current.BodyCase != GatewayMessage.BodyOneofCase.Hello)
        {
            throw UplinkFrames.Invalid($"The first message on the stream must be Hello, not {Describe(requestStream.Current)}.");
        }

        var hello = requestStream.Current.Hello;
        UplinkFrames.CheckHello(hello, account);

        // A Hello is not contact: a gateway whose stream ends after Welcome (it cannot read what dispatch sends, its
        // link drops every time) is not working. Contact — the fleet page's last contact, supervision's "online" — is
        // the first frame this stream brings after Welcome, and every one after (ContactOnce, records, heartbeats).
        var softwareVersion = UplinkFrames.SoftwareVersion(hello);
        var contacted = false;
        async Task ContactOnceAsync(CancellationToken token)
        {
            if (!contacted)
            {
                contacted = true;
                await store.MarkSeenAsync(account.GatewayId, softwareVersion, token);
                await supervisor.ContactAsync(account.GatewayId, token);
            }
        }

        // Before Welcome: the alerts this stream brings are then shown with the names its home file gives them.
        // No profile (an older gateway): what dispatch had stays.
        var profiles = new HomeProfileIntake(store, time, logger, account.GatewayId);
        if (hello.Profile is { } profile)
        {
            await profiles.OfferAsync(profile, callToken);
        }

        // Read again: a stream this one replaced may have stored more since authentication.
        var current = await store.FindGatewayAsync(account.GatewayId, callToken) ?? account;
        await responseStream.WriteAsync(new DispatchMessage
        {
            Welcome = new Welcome
            {
                StoredThroughSeq = (ulong)current.StoredThroughSeq,
                HeartbeatSeconds = (uint)options.Value.HeartbeatSeconds,
                ReportingSeconds = (uint)options.Value.Supervision.ReportingSeconds,
                AcceptsHomeProfile = true,
                AcceptsRecordBatches = true,
            },
        }, callToken);
        welcomed();
        IngestLog.GatewayConnected(logger, account.GatewayId, current.StoredThroughSeq, hello.LastSeq);

        // Record acks and acknowledgements share the stream, and a gRPC stream takes one write at a time.
        using var writeLock = new SemaphoreSlim(1, 1);
        using var streamCancel = CancellationTokenSource.CreateLinkedTokenSource(callToken);
        var ct = streamCancel.Token;
        async Task WriteAsync(DispatchMessage message)
        {
            await writeLock.WaitAsync(ct);
            try
            {
                await responseStream.WriteAsync(message, ct);
            }
            finally
            {
                writeLock.Release();
            }
        }

        var acknowledgements = SendAcknowledgementsAsync(account.GatewayId, session, (long)Math.Min(hello.AppliedAckSeq, long.MaxValue), WriteAsync, streamCancel);
        try
        {
            // Records that have already arrived are stored together, in one transaction, and acknowledged once: a
            // backlog after an outage then costs a disk sync per burst, not per record. A record is never held back
            // waiting for more: the batch is stored as soon as the next message is not already there.
            var batch = new List<IncomingRecord>(MaxBatch);
            void Bounded(long seq, string problem)
            {
                // Stored cut and marked (UplinkFrames): worth one line, not one per record.
                if (logGate.TryPass(account.GatewayId, "bounded", out var held))
                {
                    IngestLog.TextBounded(logger, account.GatewayId, seq, problem, held);
                }
            }

            async Task StoreAsync()
            {
                await ContactOnceAsync(ct);
                await StoreBatchAsync(account.GatewayId, batch, WriteAsync, ct);
            }

            // A record alone or in a RecordBatch: the same checks, the same batch.
            async Task AddAsync(JournalRecord record)
            {
                IncomingRecord incoming;
                try
                {
                    incoming = UplinkFrames.ToIncoming(record, account, time.GetUtcNow(), Bounded);
                }
                catch (RpcException) when (batch.Count > 0)
                {
                    // The records before the refused one are good: stored and acked first, so the gateway's
                    // outbox moves up to the one record the refusal names.
                    await StoreAsync();
                    throw;
                }

                batch.Add(incoming);
                if (batch.Count >= MaxBatch)
                {
                    await StoreAsync();
                }
            }

            var moving = requestStream.MoveNext(ct);
            while (true)
            {
                if (!moving.IsCompleted && batch.Count > 0)
                {
                    await StoreAsync();
                }

                if (!await moving)
                {
                    break;
                }

                var message = requestStream.Current;
                await profiles.StoreIfDueAsync(ct);
                switch (message.BodyCase)
                {
                    case GatewayMessage.BodyOneofCase.Record:
                        await AddAsync(message.Record);
                        break;

                    case GatewayMessage.BodyOneofCase.RecordBatch:
                        UplinkFrames.CheckBatch(message.RecordBatch);
                        if (message.RecordBatch.Records.Count == 0)
                        {
                            await ContactOnceAsync(ct);
                        }

                        foreach (var record in message.RecordBatch.Records)
                        {
                            await AddAsync(record);
                        }

                        break;

                    case GatewayMessage.BodyOneofCase.Heartbeat:
                        await ContactOnceAsync(ct);
                        contacts.Seen(account.GatewayId);
                        await supervisor.ContactAsync(account.GatewayId, ct);
                        break;

                    case GatewayMessage.BodyOneofCase.HomeProfile:
                        await ContactOnceAsync(ct);
                        await profiles.OfferAsync(message.HomeProfile, ct);
                        break;

                    default:
                        throw UplinkFrames.Invalid($"Expected a record, a record batch, a heartbeat or a home profile, not {Describe(message)}.");
                }

                moving = requestStream.MoveNext(ct);
            }

            // The gateway ended the stream cleanly: what it sent last is stored and acknowledged before the call ends.
            if (batch.Count > 0)
            {
                await StoreAsync();
            }
        }
        finally
        {
            await streamCancel.CancelAsync();
            try
            {
                await acknowledgements;
            }
            catch (OperationCanceledException)
            {
                // Ends with the stream.
            }
        }
    }

    /// <summary>At most this many records in one transaction: bounds the time a burst holds the store's writer.</summary>
    private const int MaxBatch = 256;

    /// <summary>Stores the batch in one transaction, announces its alert steps, acks the stored-through sequence once.</summary>
    private async Task StoreBatchAsync(string gatewayId, List<IncomingRecord> batch, Func<DispatchMessage, Task> write, CancellationToken ct)
    {
        var outcomes = await store.StoreAsync(batch, ct);
        batch.Clear();
        await supervisor.ContactAsync(gatewayId, ct);
        foreach (var outcome in outcomes)
        {
            if (outcome.AlertStep is { } step)
            {
                feed.Publish(step);
            }

            if (outcome.Change is { } change)
            {
                // Reopened or escalated by the gateway's step: every console takes the alert as it now is.
                feed.Publish(change);
            }
        }

        await write(new DispatchMessage { Ack = new Ack { ThroughSeq = (ulong)outcomes[^1].StoredThroughSeq } });
    }

    /// <summary>
    /// Sends the gateway's acknowledgements and resolutions after <paramref name="appliedAckSeq"/> in order (one
    /// numbering), then each new one as it is made. Reading them from the store (not passing them in memory) keeps the
    /// order and survives a reconnect in between: the store is the one list; the session's signal only says "look again".
    /// </summary>
    private async Task SendAcknowledgementsAsync(
        string gatewayId, GatewaySession session, long appliedAckSeq, Func<DispatchMessage, Task> write, CancellationTokenSource streamCancel)
    {
        const int Batch = 100;
        var ct = streamCancel.Token;
        var sentThrough = appliedAckSeq;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var signal = session.NextAcknowledgementSignal;
                var batch = await store.ListLifecycleMessagesAfterAsync(gatewayId, sentThrough, Batch, ct);
                foreach (var message in batch)
                {
                    var outbound = message.Kind == GatewayLifecycleKind.Resolved
                        ? new DispatchMessage
                        {
                            AlertResolved = new AlertResolved
                            {
                                AlertId = message.AlertId,
                                ResolvedAt = Timestamp.FromDateTimeOffset(message.At),
                                By = message.ByRole,
                                AckSeq = (ulong)message.Seq,
                                EvidenceThroughSeq = (ulong)message.EvidenceThroughSeq,
                                Outcome = message.Outcome is { } outcome ? ResolutionOutcomes.ToName(outcome) : "",
                            },
                        }
                        : new DispatchMessage
                        {
                            AlertAcknowledged = new AlertAcknowledged
                            {
                                AlertId = message.AlertId,
                                AcknowledgedAt = Timestamp.FromDateTimeOffset(message.At),
                                By = message.ByRole,
                                AckSeq = (ulong)message.Seq,
                            },
                        };
                    sentThrough = message.Seq;
                    if (UnsendableProblem(outbound) is { } problem)
                    {
                        // One message the gateway could not take (an alert id stored before ids were bounded, a message
                        // past the send limit) must not end the stream: it would end at the same message after every
                        // reconnect, and nothing else would ever pass. Skipped and logged; the contract lets a number be
                        // missing, and the gateway applies the ones after it.
                        IngestLog.AcknowledgementSkipped(logger, gatewayId, message.Seq, problem);
                        continue;
                    }

                    await write(outbound);
                    AcknowledgementLog.Sent(logger, gatewayId, sentThrough, message.Kind == GatewayLifecycleKind.Resolved ? "resolution" : "acknowledgement", message.AlertId);
                }

                if (batch.Count < Batch)
                {
                    await signal.WaitAsync(ct);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A stream that cannot carry acknowledgements is broken: end it, the gateway reconnects and resumes.
            IngestLog.AcknowledgementsFailed(logger, gatewayId, ex.Message);
            await streamCancel.CancelAsync();
        }
    }

    /// <summary>The most a message to a gateway may be: dispatch's send limit (64 KiB) with room to spare.</summary>
    internal const int MaxOutboundBytes = 48 * 1024;

    /// <summary>Why the gateway could not take <paramref name="message"/> (an id out of the contract, too big), or null.</summary>
    internal static string? UnsendableProblem(DispatchMessage message)
    {
        var alertId = message.BodyCase switch
        {
            DispatchMessage.BodyOneofCase.AlertAcknowledged => message.AlertAcknowledged.AlertId,
            DispatchMessage.BodyOneofCase.AlertResolved => message.AlertResolved.AlertId,
            _ => null,
        };
        if (alertId is not null && UplinkLimits.IdProblem("alert_id", alertId) is { } problem)
        {
            return problem;
        }

        var size = message.CalculateSize();
        return size > MaxOutboundBytes ? $"{size} bytes, at most {MaxOutboundBytes}" : null;
    }

    /// <summary>
    /// Who is calling, from the client certificate alone: issued by this dispatch's CA, in its validity, known to
    /// the store and not revoked. The gateway id is the certificate's, whatever the gateway says in Hello. The
    /// returned registration cancels <paramref name="onRevoked"/> if the certificate is revoked during the call.
    /// </summary>
    private async Task<(GatewayAccount Account, string Serial, IDisposable Watch)> AuthenticateAsync(ServerCallContext context, CancellationTokenSource onRevoked)
    {
        var certificate = context.GetHttpContext().Connection.ClientCertificate;
        if (certificate is null)
        {
            throw Refuse(context, StatusCode.Unauthenticated,
                "a gateway certificate is required (mutual TLS); enrol the gateway with `homegateway enroll` and a code from `homegateway-dispatch gateways enroll`");
        }

        var check = authority.CheckGatewayCertificate(certificate);
        if (!check.IsAccepted)
        {
            throw Refuse(context, StatusCode.Unauthenticated, check.Problem);
        }

        // Watch first, then read: a revocation between the two is then seen by one or the other.
        var watch = revocations.Watch(check.Serial, onRevoked);
        try
        {
            var issued = await store.FindCertificateAsync(check.Serial, context.CancellationToken);
            if (issued is null || !string.Equals(issued.GatewayId, check.GatewayId, StringComparison.Ordinal))
            {
                throw Refuse(context, StatusCode.Unauthenticated, $"certificate {check.Serial} is not one this dispatch issued to gateway '{check.GatewayId}'");
            }

            if (issued.RevokedAt is { } revokedAt)
            {
                throw Refuse(context, StatusCode.PermissionDenied,
                    $"this gateway's certificate {check.Serial} was revoked at dispatch on {revokedAt:yyyy-MM-dd HH:mm} UTC; it needs a new enrolment code (homegateway enroll)");
            }

            var account = await store.FindGatewayAsync(issued.GatewayId, context.CancellationToken)
                ?? throw Refuse(context, StatusCode.Unauthenticated, $"gateway '{issued.GatewayId}' is not registered at this dispatch");
            return (account, check.Serial, watch);
        }
        catch
        {
            watch.Dispose();
            throw;
        }
    }

    private RpcException Refuse(ServerCallContext context, StatusCode status, string reason)
    {
        IngestLog.Unauthenticated(logger, context.Peer, reason);
        return new RpcException(new Status(status, "Dispatch refused this gateway: " + reason + "."));
    }

    private static string Describe(GatewayMessage message) => message.BodyCase switch
    {
        GatewayMessage.BodyOneofCase.None => "a message without a body",
        GatewayMessage.BodyOneofCase.Hello => "a second Hello",
        GatewayMessage.BodyOneofCase.Record => "a JournalRecord",
        GatewayMessage.BodyOneofCase.RecordBatch => "a RecordBatch",
        GatewayMessage.BodyOneofCase.Heartbeat => "a Heartbeat",
        GatewayMessage.BodyOneofCase.HomeProfile => "a HomeProfile",
        var other => other.ToString(),
    };
}

internal static partial class IngestLog
{
    [LoggerMessage(2000, LogLevel.Information, "Gateway {GatewayId} connected: stored through {StoredThroughSeq}, journalled through {LastSeq}")]
    public static partial void GatewayConnected(ILogger logger, string gatewayId, long storedThroughSeq, ulong lastSeq);

    [LoggerMessage(2001, LogLevel.Warning, "Uplink call from {Peer} refused: {Reason}")]
    public static partial void Unauthenticated(ILogger logger, string peer, string reason);

    [LoggerMessage(2002, LogLevel.Warning, "Gateway {GatewayId}: stream ended with {StatusCode}: {Detail} ({Suppressed} more refusals of this gateway in the last minute not logged)")]
    public static partial void FrameRefused(ILogger logger, string gatewayId, StatusCode statusCode, string detail, long suppressed);

    [LoggerMessage(1400, LogLevel.Warning, "Gateway {GatewayId}: unreadable frame ({Problem}); stream ended with InvalidArgument ({Suppressed} more of this gateway in the last minute not logged)")]
    public static partial void FrameUnreadable(ILogger logger, string gatewayId, string problem, long suppressed);

    [LoggerMessage(1401, LogLevel.Warning, "Gateway {GatewayId}: record {Seq} stored with a text cut to the uplink's limits ({Problem}) ({Suppressed} more of this gateway in the last minute not logged)")]
    public static partial void TextBounded(ILogger logger, string gatewayId, long seq, string problem, long suppressed);

    [LoggerMessage(1402, LogLevel.Error, "Gateway {GatewayId}: acknowledgement/resolution {AckSeq} cannot be sent ({Problem}); skipped so the stream goes on")]
    public static partial void AcknowledgementSkipped(ILogger logger, string gatewayId, long ackSeq, string problem);

    [LoggerMessage(2003, LogLevel.Information, "Gateway {GatewayId}: a newer stream replaced the previous one")]
    public static partial void StreamReplaced(ILogger logger, string gatewayId);

    [LoggerMessage(2004, LogLevel.Warning, "Gateway {GatewayId}: acknowledgements could not be sent ({Problem}); ending the stream")]
    public static partial void AcknowledgementsFailed(ILogger logger, string gatewayId, string problem);

    [LoggerMessage(2006, LogLevel.Warning, "Admission: {Refused} new gateway stream(s) refused in the last second with a retry hint ({Completed} set up, {Limit} at once)")]
    public static partial void AdmissionRefused(ILogger logger, int refused, int completed, int limit);

    [LoggerMessage(2007, LogLevel.Warning, "Admission: {Closed} new connection(s) to the gateway endpoint closed before TLS in the last second ({Limit} handshakes at once, a queue of at most 5 s)")]
    public static partial void HandshakesRefused(ILogger logger, int closed, int limit);

    [LoggerMessage(2005, LogLevel.Warning, "Heartbeat contacts of {Count} gateway(s) could not be stored ({Problem}); kept for the next batch")]
    public static partial void ContactsNotStored(ILogger logger, int count, string problem);
}
