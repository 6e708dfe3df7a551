using HomeGateway.Core.Rules;
using HomeGateway.Gateway.Uplink;
using Microsoft.Extensions.Logging;

namespace HomeGateway.Gateway.Pipeline;

/// <summary>
/// The pipeline's command channel for acknowledgements and resolutions from dispatch. They come here, not to the engine
/// directly, because the engine is single-threaded and the pipeline is its only caller.
/// </summary>
public sealed partial class AlertPipeline
{
    private static readonly Task<bool> Never = new TaskCompletionSource<bool>().Task;

    private Task<bool> WaitForAcknowledgementAsync(CancellationToken cancellationToken) =>
        acknowledgements?.Reader.WaitToReadAsync(cancellationToken).AsTask() ?? Never;

    /// <summary>
    /// Applies each message in order: an acknowledgement stops the alert's escalation; a resolution closes the alert in
    /// the rules (no more escalation, the next evidence raises a new alert) unless they hold evidence newer than
    /// dispatch had seen. Then saves the rules' state durably (neither may be undone by a restart), then moves the
    /// persisted mark and tells the client feedback. A resend of one already applied (after a reconnect) is skipped.
    /// </summary>
    private async Task ApplyAcknowledgementsAsync(CancellationToken cancellationToken)
    {
        var inbox = acknowledgements!;
        var through = inbox.AppliedAckSeq;
        var applied = new List<DispatchAlertMessage>();
        while (inbox.Reader.TryRead(out var message))
        {
            if (message.AckSeq <= through)
            {
                continue;
            }

            through = message.AckSeq;
            applied.Add(message);
            switch (message)
            {
                case DispatchAcknowledgement acknowledgement:
                    // The device's clock, as the LED times "help is coming" on it.
                    engine.Acknowledge(acknowledgement.AlertId, time.GetUtcNow());
                    PipelineLog.AcknowledgedAtDispatch(logger, acknowledgement.AlertId, acknowledgement.By, acknowledgement.AckSeq);
                    break;
                case DispatchResolution resolution:
                    var closing = engine.Close(resolution.AlertId, resolution.EvidenceThroughSeq);
                    resolution.KeptOpen = closing == AlertClosing.NewerEvidence;
                    if (closing == AlertClosing.NewerEvidence)
                    {
                        PipelineLog.ResolvedButNewerEvidence(logger, resolution.AlertId, resolution.By, resolution.AckSeq, resolution.EvidenceThroughSeq);
                    }
                    else
                    {
                        PipelineLog.ResolvedAtDispatch(logger, resolution.AlertId, resolution.By, resolution.Outcome, resolution.AckSeq, closing == AlertClosing.Closed);
                    }

                    break;
            }
        }

        if (applied.Count == 0)
        {
            return;
        }

        // Durable before the mark: dispatch resends only what is past it, so a mark ahead of the state on disk would lose
        // the acknowledgement to a power cut (the state that decided no alert otherwise waits up to MarkInterval). The held
        // events first: the state has seen them.
        if (held.Count > 0)
        {
            await CommitHeldAsync([], cancellationToken).ConfigureAwait(false);
        }

        await DecideAsync([], appliedSeq, cancellationToken).ConfigureAwait(false);
        journal.Flush();
        try
        {
            inbox.MarkApplied(applied);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The rules already know; without the mark dispatch resends it at the next connect, which changes nothing.
            PipelineLog.AcknowledgementMarkFailed(logger, ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A failing local output (the LED) must never stop the pipeline.
            PipelineLog.ObserverFailed(logger, ex, nameof(AcknowledgementInbox), applied[^1].AlertId);
        }
    }

    /// <summary>
    /// After a restart, tells the outputs what the restored rules know: the alerts still open and which of them dispatch
    /// acknowledged, so the client sees the truth (an alarm still waiting, help coming) rather than a blank start.
    /// </summary>
    private async Task AnnounceRestoredAsync(CancellationToken cancellationToken)
    {
        var open = engine.OpenAlerts.ToList();
        foreach (var observer in observers.OfType<IAlertStateObserver>())
        {
            try
            {
                await observer.OnAlertsRestoredAsync(open, journal.LastSeq, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                PipelineLog.ObserverFailed(logger, ex, observer.GetType().Name, "(restored state)");
            }
        }
    }
}

/// <summary>An alert output that shows state, not only steps (the LED): told what is open after the rules' state is restored.</summary>
public interface IAlertStateObserver
{
    /// <param name="open">The alerts open in the restored rules, with whether dispatch acknowledged them.</param>
    /// <param name="journalledThroughSeq">Every step of them is journalled at or below this sequence.</param>
    ValueTask OnAlertsRestoredAsync(IReadOnlyList<OpenAlert> open, long journalledThroughSeq, CancellationToken cancellationToken);
}

internal static partial class PipelineLog
{
    [LoggerMessage(1007, LogLevel.Information, "Alert {AlertId} acknowledged at dispatch by a {By} (ack {AckSeq}): escalation stopped")]
    public static partial void AcknowledgedAtDispatch(ILogger logger, string alertId, string by, long ackSeq);

    [LoggerMessage(1008, LogLevel.Warning, "The applied-acknowledgement mark could not be saved ({Problem}); dispatch will resend, harmlessly")]
    public static partial void AcknowledgementMarkFailed(ILogger logger, string problem);

    [LoggerMessage(1020, LogLevel.Information, "Alert {AlertId} resolved at dispatch by a {By} as {Outcome} (ack {AckSeq}); closed here: {Closed}")]
    public static partial void ResolvedAtDispatch(ILogger logger, string alertId, string by, string outcome, long ackSeq, bool closed);

    [LoggerMessage(1021, LogLevel.Warning, "Alert {AlertId} resolved at dispatch by a {By} (ack {AckSeq}), but it has evidence newer than dispatch had seen (after seq {EvidenceThroughSeq}): kept open; dispatch reopens it when that evidence arrives")]
    public static partial void ResolvedButNewerEvidence(ILogger logger, string alertId, string by, long ackSeq, long evidenceThroughSeq);
}
