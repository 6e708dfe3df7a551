
namespace HomeGateway.Benchmarks.Suite.Footprint;

/// <summary>
/// Runs the gateway with the runtime settings it ships with: the <c>Environment=DOTNET_…</c> lines of
/// deploy/systemd/homegateway.service (e.g. the GC's gen-0 budget) are exported by a small shell script that then starts
/// the gateway, so the bench measures what the Pi runs and a change to the unit shows in the figures.
/// </summary>
public static class GatewayShim
{
    /// <summary>The unit's <c>DOTNET_*</c> settings as <c>export NAME='value'</c> lines.</summary>
    public static IReadOnlyList<string> UnitExports(string repositoryRoot) =>
        [.. File.ReadLines(Path.Combine(repositoryRoot, "deploy", "systemd", "homegateway.service"))
            .Where(l => l.StartsWith("Environment=DOTNET_", StringComparison.Ordinal))
            .Select(l => l["Environment=".Length..].Split('=', 2))
            .Select(p => $"export {p[0]}='{p[1]}'")];

    /// <summary>A script that exports the unit's settings and <c>exec</c>s the gateway (same pid: /proc reads the gateway).</summary>
    public static string WriteExec(string directory, string repositoryRoot, string executable)
    {
        var lines = new List<string> { "#!/bin/sh" };
        lines.AddRange(UnitExports(repositoryRoot));
        lines.Add($"exec {Command(executable)} \"$@\"");
        return Write(Path.Combine(directory, "homegateway"), lines);
    }

    /// <summary>
    /// The gateway as a Type=notify unit starts it, as far as the gateway can tell: Microsoft.Extensions.Hosting.Systemd
    /// turns on sd_notify (and journald log lines) only when the process's parent is called <c>systemd</c>, so this script
    /// has that name and starts the gateway as its child with NOTIFY_SOCKET set, writes the gateway's pid to
    /// <paramref name="pidFile"/> (memory is read from the gateway, not the script), passes SIGTERM on and exits with the
    /// gateway's status.
    /// </summary>
    public static string WriteSystemd(string directory, string repositoryRoot, string executable, string socketPath, string pidFile)
    {
        var lines = new List<string> { "#!/bin/sh" };
        lines.AddRange(UnitExports(repositoryRoot));
        lines.AddRange(
        [
            // sh gives a background command /dev/null for stdin; `enroll --token-file -` reads the code from the script's own.
            "exec 3<&0",
            $"NOTIFY_SOCKET='{socketPath}' {Command(executable)} \"$@\" <&3 3<&- &",
            "exec 3<&-",
            "child=$!",
            $"echo $child > '{pidFile}'",
            "trap 'kill -TERM $child' TERM INT",
            "wait $child",
            "status=$?",
            // A trapped signal ends the first wait early: wait again for the gateway's own exit.
            "if kill -0 $child 2>/dev/null; then wait $child; status=$?; fi",
            "exit $status",
        ]);
        return Write(Path.Combine(directory, "systemd"), lines);
    }

    private static string Command(string executable) =>
        executable.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? $"dotnet '{executable}'" : $"'{executable}'";

    private static string Write(string path, List<string> lines)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, string.Join('\n', lines) + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }
}
