using HomeGateway.Gateway.Uplink;
using Microsoft.Extensions.Logging;

namespace HomeGateway.Gateway.Pipeline;

/// <summary>
/// The pipeline's command channel for acknowledgements from dispatch. They come here, not to the engine directly,
/// because the engine is single-threaded and the pipeline is its only caller.
/// </summary>
public sealed partial class AlertPipeline
{
    private static readonly Task<bool> Never = new TaskCompletionSource<bool>().Task;

    private Task<bool> WaitForAcknowledgementAsync(CancellationToken cancellationToken) =>
        acknowledgements?.Reader.WaitToReadAsync(cancellationToken).AsTask() ?? Never;

    /// <summary>
    /// Stops the escalation of each acknowledged alert, saves the rules' state durably (escalation must not resume
    /// after a restart), then moves the persisted mark and tells the client feedback. A resend of one already
    /// applied (after a reconnect) is skipped.
    /// </summary>
    private async Task ApplyAcknowledgementsAsync(CancellationToken cancellationToken)
    {
        var inbox = acknowledgements!;
        var through = inbox.AppliedAckSeq;
        var applied = new List<DispatchAcknowledgement>();
        while (inbox.Reader.TryRead(out var acknowledgement))
        {
            if (acknowledgement.AckSeq <= through)
            {
                continue;
            }

            through = acknowledgement.AckSeq;
            engine.Acknowledge(acknowledgement.AlertId);
            applied.Add(acknowledgement);
            PipelineLog.AcknowledgedAtDispatch(logger, acknowledgement.AlertId, acknowledgement.By, acknowledgement.AckSeq);
        }

        if (applied.Count == 0)
        {
            return;
        }

        await DecideAsync([], appliedSeq, cancellationToken).ConfigureAwait(false);
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
}

internal static partial class PipelineLog
{
    [LoggerMessage(1007, LogLevel.Information, "Alert {AlertId} acknowledged at dispatch by a {By} (ack {AckSeq}): escalation stopped")]
    public static partial void AcknowledgedAtDispatch(ILogger logger, string alertId, string by, long ackSeq);

    [LoggerMessage(1008, LogLevel.Warning, "The applied-acknowledgement mark could not be saved ({Problem}); dispatch will resend, harmlessly")]
    public static partial void AcknowledgementMarkFailed(ILogger logger, string problem);
}
