using System.Runtime.InteropServices;
using System.Text;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HomeGateway.Gateway.Configuration;

/// <summary>
/// The home file as the running gateway knows it. Loaded at start; afterwards re-read when the file changes or the
/// process gets SIGHUP. Whatever the file holds, a typo must never switch the alarms off:
/// <list type="bullet">
/// <item>A bad new file is refused (one log line with FILE:LINE) and the last good care plan keeps running. Every
/// non-fatal exception is caught at this boundary, not only the loader's own: an escaping one on the reload timer or in
/// the signal handler would end the service, and systemd's restart would then meet the same file.</item>
/// <item>Each plan that loads is copied to <see cref="LastGoodFileName"/> in the data directory (atomically, beside the
/// journal). A start with a bad file runs that copy and says so loudly (log, status, doctor); with no copy the start
/// fails with the FILE:LINE problems, and systemd restarts the service until the file is corrected.</item>
/// </list>
/// <see cref="FileProblem"/> says when the plan in force is not what the file on disk says.
/// </summary>
public sealed class HomeConfigSource : IHostedService, IDisposable
{
    /// <summary>The copy of the last home file that loaded, in the data directory (/var/lib/homegateway).</summary>
    public const string LastGoodFileName = "last-good-home.yaml";

    // Editors save in several steps (truncate, write, rename): wait for the file to settle before reading it.
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(500);

    private readonly string path;
    private readonly string lastGoodPath;
    private readonly TimeProvider time;
    private readonly ILogger<HomeConfigSource> logger;
    private readonly Lock gate = new();
    private FileSystemWatcher? watcher;
    private PosixSignalRegistration? hangup;
    private ITimer? settle;

    public HomeConfigSource(IOptions<GatewayOptions> options, TimeProvider time, ILogger<HomeConfigSource> logger)
    {
        path = Path.GetFullPath(options.Value.HomeFile);
        lastGoodPath = Path.Combine(Path.GetFullPath(options.Value.DataDirectory), LastGoodFileName);
        this.time = time;
        this.logger = logger;
        try
        {
            Current = HomeConfigLoader.Load(path, out var text);
            SaveLastGood(text);
        }
        catch (Exception ex) when (!IsFatal(ex))
        {
            var problems = Problems(ex);
            if (LoadLastGood() is not { } lastGood)
            {
                // No plan to fall back on: fail the start with the FILE:LINE problems (systemd retries; the log says what to fix).
                throw ex as HomeConfigException ?? new HomeConfigException(path, problems);
            }

            Current = lastGood;
            FileProblem = new HomeFileProblem(problems.Select(p => p.Format(path)).ToList(), time.GetUtcNow(), StartedFromLastGood: true);
            HomeConfigLog.StartedFromLastGood(logger, path, FileProblem.First, problems.Count - 1, lastGoodPath);
        }
    }

    /// <summary>The care plan in force.</summary>
    public HomeConfig Current { get; private set; }

    /// <summary>
    /// Null while the plan in force is the home file on disk (as last read); otherwise why the file on disk was refused
    /// and whether the gateway started from the last good copy.
    /// </summary>
    public HomeFileProblem? FileProblem { get; private set; }

    public string HomeFilePath => path;

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
                ReloadAtBoundary();
            });
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Reads the file now; returns whether a new care plan took effect. Never throws for what the file holds.</summary>
    public bool Reload()
    {
        HomeConfig loaded;
        string text;
        try
        {
            loaded = HomeConfigLoader.Load(path, out text);
        }
        catch (Exception ex) when (!IsFatal(ex))
        {
            var problems = Problems(ex);
            HomeFileProblem refused;
            lock (gate)
            {
                refused = new HomeFileProblem(problems.Select(p => p.Format(path)).ToList(), time.GetUtcNow(), FileProblem?.StartedFromLastGood ?? false);
                FileProblem = refused;
            }

            HomeConfigLog.ReloadRefused(logger, refused.First, problems.Count - 1, path);
            return false;
        }

        Action<HomeConfig>? changed;
        lock (gate)
        {
            var wasRefused = FileProblem is not null;
            FileProblem = null;
            if (Same(loaded, Current))
            {
                if (wasRefused)
                {
                    HomeConfigLog.FileMatchesAgain(logger, path);
                }

                SaveLastGood(text);
                return false;
            }

            if (!Inputs(loaded).SequenceEqual(Inputs(Current)) || loaded.HomeId != Current.HomeId)
            {
                HomeConfigLog.InputsNeedRestart(logger, path);
            }

            Current = loaded;
            changed = Changed;
        }

        SaveLastGood(text);
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

    /// <summary>The file watcher's timer and the signal handler: nothing may escape from here, or the service ends.</summary>
    private void ReloadAtBoundary()
    {
        try
        {
            Reload();
        }
        catch (Exception ex) when (!IsFatal(ex))
        {
            HomeConfigLog.ReloadFailed(logger, ex, path);
        }
    }

    private void ScheduleReload()
    {
        lock (gate)
        {
            settle ??= time.CreateTimer(_ => ReloadAtBoundary(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            settle.Change(Settle, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>The loader's problems; anything else the file provoked becomes one FILE:LINE problem naming it.</summary>
    private IReadOnlyList<ConfigProblem> Problems(Exception ex) => ex is HomeConfigException config
        ? config.Problems
        : [new ConfigProblem("(file)", $"cannot be used: {ex.GetType().Name}: {PeerText.Escape(ex.Message)}", 1)];

    private static bool IsFatal(Exception ex) => ex is OutOfMemoryException or AccessViolationException or SEHException;

    /// <summary>
    /// Keeps a copy of a file that loaded, for a start that meets a broken file. Atomic (a crash mid-write leaves the old
    /// copy) and durable; written only when it differs, so a daily restart does not wear the SD card.
    /// </summary>
    private void SaveLastGood(string text)
    {
        try
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            if (File.Exists(lastGoodPath) && File.ReadAllBytes(lastGoodPath).AsSpan().SequenceEqual(bytes))
            {
                return;
            }

            AtomicFile.Write(lastGoodPath, bytes, AtomicFile.GroupReadable, durable: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            HomeConfigLog.LastGoodNotSaved(logger, lastGoodPath, ex.Message);
        }
    }

    private HomeConfig? LoadLastGood()
    {
        if (!File.Exists(lastGoodPath))
        {
            return null;
        }

        try
        {
            return HomeConfigLoader.Load(lastGoodPath);
        }
        catch (Exception ex) when (!IsFatal(ex))
        {
            // A copy that no longer loads (written by an older version with other rules) is no plan to fall back on.
            HomeConfigLog.LastGoodUnusable(logger, lastGoodPath, Problems(ex)[0].Format(lastGoodPath));
            return null;
        }
    }

    // Records compare lists by reference; compare what a technician can change, by value.
    private static bool Same(HomeConfig a, HomeConfig b) =>
        a.HomeId == b.HomeId && a.TimeZoneId == b.TimeZoneId && a.Sensors.SequenceEqual(b.Sensors)
        && a.Schedule.Night == b.Schedule.Night && a.Schedule.Day == b.Schedule.Day && a.Schedule.Doses.SequenceEqual(b.Schedule.Doses)
        && RulesText(a) == RulesText(b);

    // A new name or location takes effect at once (dispatch is told), and the I2C input follows the file by itself
    // (I2cSensorInput opens, closes and reopens its chips on Changed); only the GPIO and MQTT inputs need a restart.
    private static IEnumerable<SensorConfig> Inputs(HomeConfig home) =>
        home.Sensors.Where(s => s.I2c is null).Select(s => s with { Name = null, Location = null });

    private static string RulesText(HomeConfig home) =>
        System.Text.Json.JsonSerializer.Serialize(home.Rules, RulesConfigJsonContext.Default.RulesConfig);
}

/// <summary>Why the plan in force is not the home file on disk.</summary>
/// <param name="Lines">Every problem of the file on disk as FILE:LINE: field: problem.</param>
/// <param name="At">When the file was last refused.</param>
/// <param name="StartedFromLastGood">The gateway started from the last good copy (the file was bad at start).</param>
public sealed record HomeFileProblem(IReadOnlyList<string> Lines, DateTimeOffset At, bool StartedFromLastGood)
{
    public string First => Lines.Count > 0 ? Lines[0] : "";
}

internal static partial class HomeConfigLog
{
    [LoggerMessage(3000, LogLevel.Information, "Home file {Path} re-read: the new care plan for {HomeId} is in force")]
    public static partial void Reloaded(ILogger logger, string path, string homeId);

    [LoggerMessage(3002, LogLevel.Warning, "Home file {Path}: GPIO or MQTT sensors changed; rules use the new file now, those inputs after a restart (systemctl restart homegateway)")]
    public static partial void InputsNeedRestart(ILogger logger, string path);

    [LoggerMessage(3003, LogLevel.Information, "SIGHUP: re-reading the home file")]
    public static partial void Hangup(ILogger logger);

    [LoggerMessage(2500, LogLevel.Error, "Home file refused, the last good care plan keeps running: {Problem} (and {More} more; homegateway config validate {Path} lists all)")]
    public static partial void ReloadRefused(ILogger logger, string problem, int more, string path);

    [LoggerMessage(2501, LogLevel.Critical, "RUNNING THE LAST GOOD CARE PLAN, NOT THE HOME FILE: {Problem} (and {More} more problems in {Path}); started from the copy {LastGood}. Correct the file and send SIGHUP")]
    public static partial void StartedFromLastGood(ILogger logger, string path, string problem, int more, string lastGood);

    [LoggerMessage(2502, LogLevel.Warning, "Cannot save the last good copy of the home file to {LastGood} ({Problem}); a start with a broken home file would then fail")]
    public static partial void LastGoodNotSaved(ILogger logger, string lastGood, string problem);

    [LoggerMessage(2503, LogLevel.Error, "Applying the re-read home file {Path} failed; the service keeps running")]
    public static partial void ReloadFailed(ILogger logger, Exception exception, string path);

    [LoggerMessage(2504, LogLevel.Information, "Home file {Path} is valid again and matches the care plan in force")]
    public static partial void FileMatchesAgain(ILogger logger, string path);

    [LoggerMessage(2505, LogLevel.Warning, "The last good copy {LastGood} cannot be used: {Problem}")]
    public static partial void LastGoodUnusable(ILogger logger, string lastGood, string problem);
}

/// <summary>The care plan's rules as JSON, only to compare two home files by value (source-generated for NativeAOT).</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(RulesConfig))]
internal sealed partial class RulesConfigJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
