using HomeGateway.Dispatch.Hosting;
using HomeGateway.Dispatch.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HomeGateway.Dispatch.ClientRecords;

/// <summary>
/// The retention rule (ETSI EN 303 645 provision 5.11): a client record is anonymised
/// <see cref="ClientRecordOptions.RetentionDays"/> days after the day its client left the service (an admin marked
/// it). Passes hourly on <see cref="TimeProvider"/>, and at start: a record is deleted within the hour of its day
/// coming (UTC). The store claims each home in the transaction that anonymises it, so several nodes on one PostgreSQL
/// sweeping at once anonymise and audit each home once, and a repeat finds nothing to do.
/// </summary>
internal sealed class ClientRecordRetention(
    IDispatchStore store,
    IOptions<DispatchOptions> options,
    TimeProvider time,
    ILogger<ClientRecordRetention> logger) : BackgroundService
{
    /// <summary>The audit actor of the sweep, as for the other things dispatch does by itself.</summary>
    public const string Actor = "dispatch";

    public static readonly TimeSpan SweepInterval = TimeSpan.FromHours(1);

    private readonly int retentionDays = options.Value.ClientRecords.RetentionDays;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ClientRecordLog.RetentionStarted(logger, retentionDays);
        // Nothing but the clock wakes it: marking a client as left starts a wait of days.
        await DeadlineLoop.RunAsync(async ct =>
        {
            await SweepAsync(ct);
            return time.GetUtcNow() + SweepInterval;
        }, ct => Task.Delay(Timeout.InfiniteTimeSpan, ct), ex => ClientRecordLog.SweepFailed(logger, ex), time, stoppingToken);
    }

    /// <summary>One pass: anonymises every home whose client left at least the retention time ago; returns them.</summary>
    internal async Task<IReadOnlyList<string>> SweepAsync(CancellationToken ct)
    {
        var anonymised = await store.AnonymiseDueHomesAsync(LastDueDay(time.GetUtcNow(), retentionDays), Actor, ct);
        foreach (var homeId in anonymised)
        {
            ClientRecordLog.Anonymised(logger, homeId, retentionDays);
        }

        return anonymised;
    }

    /// <summary>The day the record of a client who left on <paramref name="leftOn"/> is deleted (UTC day).</summary>
    public static DateOnly DeletionDay(DateOnly leftOn, int retentionDays) => leftOn.AddDays(retentionDays);

    /// <summary>At <paramref name="now"/>, a client who left on this day or earlier has had the retention time.</summary>
    public static DateOnly LastDueDay(DateTimeOffset now, int retentionDays) =>
        DateOnly.FromDateTime(now.UtcDateTime).AddDays(-retentionDays);
}

internal static partial class ClientRecordLog
{
    [LoggerMessage(1560, LogLevel.Information, "Client record retention: records are anonymised {Days} days after the client left the service")]
    public static partial void RetentionStarted(ILogger logger, int days);

    [LoggerMessage(1561, LogLevel.Information, "Home {HomeId}: client record anonymised, {Days} days after the client left the service")]
    public static partial void Anonymised(ILogger logger, string homeId, int days);

    [LoggerMessage(1562, LogLevel.Error, "Client record retention pass failed; retrying shortly")]
    public static partial void SweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(1563, LogLevel.Warning, "Home {HomeId}: {Change} by {Actor}")]
    public static partial void RetentionChanged(ILogger logger, string homeId, string change, string actor);
}
