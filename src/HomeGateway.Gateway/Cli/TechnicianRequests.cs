using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Core.Rules;
using HomeGateway.Gateway.Pipeline;
using HomeGateway.Gateway.Status;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HomeGateway.Gateway.Cli;

/// <summary>
/// The service's local command channel: a technician's command drops a request file into <c>requests/</c> of the
/// runtime directory (<c>/run/homegateway</c>, mode 0700, the service user's), the service picks it up within a
/// second, deletes it and acts. Only someone who may write there (the service user or root) can ask, there is no
/// socket to listen on, and the one request known today — <c>test-alarm</c> — can only raise a low-priority test
/// alert through the normal path (journal, rules, dispatch). Unknown files are deleted and logged, never run.
/// </summary>
public sealed class TechnicianRequests(
    IOptions<GatewayOptions> options,
    HomeConfig home,
    ISensorEventSink sink,
    TimeProvider time,
    ILogger<TechnicianRequests> logger) : BackgroundService
{
    public const string DirectoryName = "requests";
    public const string TestAlarm = "test-alarm";

    /// <summary>How often the directory is looked at: a technician waits at most this long for an answer.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>Where requests are dropped: beside <c>status.json</c>.</summary>
    public static string DirectoryFor(GatewayOptions options) =>
        Path.Combine(Path.GetDirectoryName(StatusFileWriter.PathFor(options))!, DirectoryName);

    /// <summary>The directory exists once the service has started: a command finding none knows the service is not running.</summary>
    /// <remarks>A channel that cannot be set up is logged and left off: it must never stop the alert path.</remarks>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        var directory = DirectoryFor(options.Value);
        try
        {
            Directory.CreateDirectory(directory);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TechnicianLog.ChannelOff(logger, directory, ex);
            return Task.CompletedTask;
        }

        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var directory = DirectoryFor(options.Value);
        using var timer = new PeriodicTimer(PollInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await HandlePendingAsync(directory, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Someone removed or locked the directory: try again next tick rather than end the service.
                TechnicianLog.ReadFailed(logger, directory, ex);
            }
        }
    }

    internal async Task HandlePendingAsync(string directory, CancellationToken cancellationToken)
    {
        foreach (var file in Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal).ToList())
        {
            var name = Path.GetFileName(file);
            // The command writes NAME.tmp and renames it: a .tmp file is still being written.
            if (name.EndsWith(".tmp", StringComparison.Ordinal))
            {
                continue;
            }

            File.Delete(file);
            if (name.StartsWith(TestAlarm, StringComparison.Ordinal))
            {
                TechnicianLog.TestAlarmRequested(logger);
                await sink.PublishAsync(
                    new SensorEvent(home.HomeId, DailyTestRule.SensorId, SensorKind.Unknown, DailyTestRule.TestRequestedState, time.GetUtcNow(), "technician:test-alarm"),
                    cancellationToken).ConfigureAwait(false);
            }
            else
            {
                TechnicianLog.UnknownRequest(logger, name);
            }
        }
    }
}

/// <summary>Log lines of the technician's request channel. Event ids 2950–2959 are stable.</summary>
internal static partial class TechnicianLog
{
    [LoggerMessage(EventId = 2950, Level = LogLevel.Information, Message = "Technician requests: test alarm asked for; raising it through the alert path")]
    public static partial void TestAlarmRequested(ILogger logger);

    [LoggerMessage(EventId = 2951, Level = LogLevel.Warning, Message = "Technician requests: '{Name}' is not a known request; deleted unread")]
    public static partial void UnknownRequest(ILogger logger, string name);

    [LoggerMessage(EventId = 2952, Level = LogLevel.Warning, Message = "Technician requests: {Directory} cannot be created; homegateway test-alarm will not work until the service is restarted")]
    public static partial void ChannelOff(ILogger logger, string directory, Exception exception);

    [LoggerMessage(EventId = 2953, Level = LogLevel.Warning, Message = "Technician requests: {Directory} cannot be read")]
    public static partial void ReadFailed(ILogger logger, string directory, Exception exception);
}
