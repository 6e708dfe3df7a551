using System.Text.Json;
using HomeGateway.Gateway.Status;

namespace HomeGateway.Gateway.Cli;

/// <summary>
/// Where the technician's commands find the running service's <c>status.json</c>, and reading it with one plain
/// message per way it can be missing. The commands never talk to the service for this: the file is the interface.
/// </summary>
internal static class StatusFile
{
    /// <summary>Older than this, the file says more about a stopped service than about the home.</summary>
    public static readonly TimeSpan StaleAfter = StatusFileWriter.Interval * 6;

    public const string SystemdRuntimeDirectory = "/run/homegateway";

    public static string DefaultPath()
    {
        var runtime = Environment.GetEnvironmentVariable("RUNTIME_DIRECTORY") is { Length: > 0 } r ? r.Split(':')[0] : SystemdRuntimeDirectory;
        return Path.Combine(runtime, StatusFileWriter.FileName);
    }

    /// <summary>The status, or null after writing why not to <paramref name="error"/>.</summary>
    public static GatewayStatus? Read(string path, TextWriter error)
    {
        GatewayStatus? snapshot;
        try
        {
            snapshot = JsonSerializer.Deserialize(File.ReadAllBytes(path), StatusJsonContext.Default.GatewayStatus);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            error.WriteLine($"{path} does not exist: is the homegateway service running? (sudo systemctl status homegateway; or give --data DIR / --status FILE)");
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            error.WriteLine($"{path} is readable by the service user and its group only: run with sudo");
            return null;
        }
        catch (JsonException ex)
        {
            error.WriteLine($"{path} is not a status file ({ex.Message})");
            return null;
        }

        if (snapshot is null || snapshot.Version > GatewayStatus.CurrentVersion)
        {
            error.WriteLine($"{path} has status format version {snapshot?.Version}; this homegateway reads up to {GatewayStatus.CurrentVersion}");
            return null;
        }

        return snapshot;
    }

    internal static string Ago(TimeSpan span) =>
        span < TimeSpan.Zero ? "0 s"
        : span.TotalSeconds < 90 ? $"{(int)span.TotalSeconds} s"
        : span.TotalMinutes < 90 ? $"{(int)span.TotalMinutes} min"
        : span.TotalHours < 48 ? $"{(int)span.TotalHours} h"
        : $"{(int)span.TotalDays} d";
}
