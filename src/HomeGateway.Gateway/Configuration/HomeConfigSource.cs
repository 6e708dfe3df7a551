using System.Runtime.InteropServices;
using HomeGateway.Core.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HomeGateway.Gateway.Configuration;

/// <summary>
/// The home file as the running gateway knows it. Loaded at start (a bad file stops the start); afterwards
/// re-read when the file changes or the process gets SIGHUP. A bad new file is reported with every problem and
/// the last good care plan keeps running — a typo must never switch the alarms off.
/// </summary>
public sealed class HomeConfigSource : IHostedService, IDisposable
{
    // Editors save in several steps (truncate, write, rename): wait for the file to settle before reading it.
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(500);

    private readonly string path;
    private readonly TimeProvider time;
    private readonly ILogger<HomeConfigSource> logger;
    private readonly Lock gate = new();
    private FileSystemWatcher? watcher;
    private PosixSignalRegistration? hangup;
    private ITimer? settle;

    public HomeConfigSource(IOptions<GatewayOptions> options, TimeProvider time, ILogger<HomeConfigSource> logger)
    {
        path = Path.GetFullPath(options.Value.HomeFile);
        this.time = time;
        this.logger = logger;
        Current = HomeConfigLoader.Load(path);
    }

    /// <summary>The care plan in force.</summary>
    public HomeConfig Current { get; private set; }

    /// <summary>Raised (on a timer thread) after a changed, valid home file has become <see cref="Current"/>.</summary>
    public event Action<HomeConfig>? Changed;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(path)!;
        watcher = new FileSystemWatcher(directory, Path.GetFileName(path))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
            EnableRaisingEvents = true,
        };
        watcher.Changed += (_, _) => ScheduleReload();
        watcher.Created += (_, _) => ScheduleReload();
        watcher.Renamed += (_, _) => ScheduleReload();
        if (!OperatingSystem.IsWindows())
        {
            hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                // SIGHUP means "re-read your configuration" to a daemon, not "terminate".
                context.Cancel = true;
                HomeConfigLog.Hangup(logger);
                Reload();
            });
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Reads the file now; returns whether a new care plan took effect.</summary>
    public bool Reload()
    {
        HomeConfig loaded;
        try
        {
            loaded = HomeConfigLoader.Load(path);
        }
        catch (HomeConfigException ex)
        {
            HomeConfigLog.ReloadRefused(logger, path, ex.Problems.Count, string.Join(Environment.NewLine, ex.Problems.Select(p => p.Format(path))));
            return false;
        }

        Action<HomeConfig>? changed;
        lock (gate)
        {
            if (Same(loaded, Current))
            {
                return false;
            }

            if (!Inputs(loaded).SequenceEqual(Inputs(Current)) || loaded.HomeId != Current.HomeId)
            {
                HomeConfigLog.InputsNeedRestart(logger, path);
            }

            Current = loaded;
            changed = Changed;
        }

        HomeConfigLog.Reloaded(logger, path, loaded.HomeId);
        changed?.Invoke(loaded);
        return true;
    }

    public void Dispose()
    {
        watcher?.Dispose();
        hangup?.Dispose();
        settle?.Dispose();
    }

    private void ScheduleReload()
    {
        lock (gate)
        {
            settle ??= time.CreateTimer(_ => Reload(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            settle.Change(Settle, Timeout.InfiniteTimeSpan);
        }
    }

    // Records compare lists by reference; compare what a technician can change, by value.
    private static bool Same(HomeConfig a, HomeConfig b) =>
        a.HomeId == b.HomeId && a.TimeZoneId == b.TimeZoneId && a.Sensors.SequenceEqual(b.Sensors)
        && a.Schedule.Night == b.Schedule.Night && a.Schedule.Day == b.Schedule.Day && a.Schedule.Doses.SequenceEqual(b.Schedule.Doses)
        && RulesText(a) == RulesText(b);

    // A new name or location takes effect at once (dispatch is told); only the inputs themselves need a restart.
    private static IEnumerable<SensorConfig> Inputs(HomeConfig home) => home.Sensors.Select(s => s with { Name = null, Location = null });

    private static string RulesText(HomeConfig home) =>
        System.Text.Json.JsonSerializer.Serialize(home.Rules, Core.Rules.RuleStateJson.Options);
}

internal static partial class HomeConfigLog
{
    [LoggerMessage(3000, LogLevel.Information, "Home file {Path} re-read: the new care plan for {HomeId} is in force")]
    public static partial void Reloaded(ILogger logger, string path, string homeId);

    [LoggerMessage(3001, LogLevel.Error, "Home file {Path} changed but has {Count} problem(s); the last good care plan keeps running:\n{Problems}")]
    public static partial void ReloadRefused(ILogger logger, string path, int count, string problems);

    [LoggerMessage(3002, LogLevel.Warning, "Home file {Path}: sensors changed; rules use the new file now, the sensor inputs after a restart (systemctl restart homegateway)")]
    public static partial void InputsNeedRestart(ILogger logger, string path);

    [LoggerMessage(3003, LogLevel.Information, "SIGHUP: re-reading the home file")]
    public static partial void Hangup(ILogger logger);
}
