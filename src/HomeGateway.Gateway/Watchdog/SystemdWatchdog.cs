using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace HomeGateway.Gateway.Watchdog;

/// <summary>
/// Pings systemd's watchdog (<c>WATCHDOG=1</c>) at half of <c>WATCHDOG_USEC</c>, but only while every loop of the
/// alert path beats (<see cref="AlertPathHeartbeats"/>). A stalled loop stops the pings, and systemd then kills and
/// restarts the service (<c>WatchdogSec=</c>, <c>Restart=on-failure</c>): a gateway that looks alive but no longer
/// journals or times alerts is worse than one that restarts. Outside systemd, or without <c>WatchdogSec=</c>, it
/// does nothing.
/// </summary>
public sealed class SystemdWatchdog(
    ISystemdNotifier? notifier,
    AlertPathHeartbeats heartbeats,
    TimeProvider time,
    ILogger<SystemdWatchdog> logger,
    TimeSpan? watchdogTimeout) : BackgroundService
{
    // Whether the last round found a stalled loop: the stall is logged once, and so is the recovery.
    private bool stalledBefore;

    /// <summary>
    /// The watchdog timeout systemd asks this process for: <c>WATCHDOG_USEC</c>, when <c>WATCHDOG_PID</c> is unset or
    /// this process (sd_watchdog_enabled's rule); null when there is none.
    /// </summary>
    public static TimeSpan? TimeoutFromEnvironment(Func<string, string?> environment, int processId)
    {
        if (environment("WATCHDOG_PID") is { Length: > 0 } pid && pid != processId.ToString(CultureInfo.InvariantCulture))
        {
            return null;
        }

        return long.TryParse(environment("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out var microseconds) && microseconds > 0
            ? TimeSpan.FromMicroseconds(microseconds)
            : null;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (notifier is not { IsEnabled: true } || watchdogTimeout is not { } timeout)
        {
            WatchdogLog.Off(logger);
            return;
        }

        var interval = timeout / 2;
        WatchdogLog.On(logger, timeout.TotalSeconds, interval.TotalSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            Check(timeout);
            try
            {
                await Task.Delay(interval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>One round: pings when every loop beats; otherwise says which stalled (once per stall). True when it pinged.</summary>
    internal bool Check(TimeSpan timeout)
    {
        var stalled = heartbeats.Stalled();
        if (stalled.Count == 0)
        {
            notifier?.Notify(new ServiceState("WATCHDOG=1"));
            if (stalledBefore)
            {
                WatchdogLog.Recovered(logger);
            }
        }
        else if (!stalledBefore)
        {
            foreach (var loop in stalled)
            {
                WatchdogLog.Stalled(logger, loop.Name, loop.Silence.TotalSeconds, timeout.TotalSeconds);
            }
        }

        stalledBefore = stalled.Count > 0;
        return stalled.Count == 0;
    }
}

internal static partial class WatchdogLog
{
    [LoggerMessage(2960, LogLevel.Information, "systemd watchdog: {TimeoutSeconds} s, pinged every {IntervalSeconds} s while the alert path's loops beat")]
    public static partial void On(ILogger logger, double timeoutSeconds, double intervalSeconds);

    [LoggerMessage(2961, LogLevel.Debug, "No systemd watchdog for this process (not under systemd, or no WatchdogSec=)")]
    public static partial void Off(ILogger logger);

    [LoggerMessage(2962, LogLevel.Critical, "The {Loop} has not moved for {SilenceSeconds:0} s: watchdog pings stop, and systemd restarts the gateway within {TimeoutSeconds} s")]
    public static partial void Stalled(ILogger logger, string loop, double silenceSeconds, double timeoutSeconds);

    [LoggerMessage(2963, LogLevel.Warning, "The alert path's loops beat again: watchdog pings resume")]
    public static partial void Recovered(ILogger logger);
}
