using Microsoft.Extensions.Logging;

namespace HomeGateway.Gateway.Journal;

internal static partial class JournalLog
{
    [LoggerMessage(1100, LogLevel.Error, "The journal {Path} was unreadable ({Reason}); it was moved to {MovedTo} and a fresh journal started. Records not yet sent to dispatch may be missing; the old file is kept for inspection")]
    public static partial void SetAside(ILogger logger, string path, string movedTo, string reason);

    [LoggerMessage(1101, LogLevel.Warning, "Journal budget of {MaxBytes} bytes reached while dispatch is behind: dropped {Count} unsent sensor event(s), seq {FromSeq}..{ThroughSeq}; dispatch will receive a telemetry gap in their place. Alert steps are kept")]
    public static partial void TelemetryDropped(ILogger logger, long count, long fromSeq, long throughSeq, long maxBytes);

    [LoggerMessage(1102, LogLevel.Error, "ALERT STEPS ALONE EXCEED THE JOURNAL BUDGET: {UsedBytes} bytes used of {MaxBytes}, {Pending} record(s) waiting for dispatch. No alert step is ever dropped, so the journal keeps growing: restore the link to dispatch or free disk space")]
    public static partial void OverBudgetWithAlertsOnly(ILogger logger, long usedBytes, long maxBytes, long pending);

    [LoggerMessage(2987, LogLevel.Information, "Journal {Path} opened in {Milliseconds} ms: {Check}")]
    public static partial void Opened(ILogger logger, string path, string check, long milliseconds);

    [LoggerMessage(2988, LogLevel.Error, "THE JOURNAL {Path} IS DAMAGED: the running check found {Damage}. The service goes on appending; restart it (sudo systemctl restart homegateway) to set the file aside and start a fresh journal. Records not yet sent to dispatch may be unreadable")]
    public static partial void Damaged(ILogger logger, string path, string damage);

    [LoggerMessage(EventId = 2989, Message = "The running check of the journal {Path} {Verdict} ({Milliseconds} ms)")]
    public static partial void CheckDone(ILogger logger, LogLevel level, string path, string verdict, long milliseconds);
}
