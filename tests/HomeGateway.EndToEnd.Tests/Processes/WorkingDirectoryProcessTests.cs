using System.Globalization;
using HomeGateway.Simulator.Demo;

namespace HomeGateway.EndToEnd.Tests.Processes;

/// <summary>
/// Invariant: the service may be started from any directory (a technician's <c>homegateway run</c> in a home directory, a
/// bench beside its logs). It reads <c>appsettings.json</c> beside the program, the file doctor reads, not one in the
/// directory it was started from, and it watches nothing under that directory: the host's settings watcher once held an
/// inotify watch on every subdirectory there and woke for each write beneath them.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class WorkingDirectoryProcessTests
{
    private const int Subdirectories = 40;

    [Fact]
    public async Task Started_from_a_busy_directory_the_service_reads_no_settings_there_and_watches_none_of_it()
    {
        var work = Built.NewWorkDirectory("working-directory");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = timeout.Token;
        try
        {
            await using var deployment = await LocalDeployment.CreateAsync(Built.Binaries, work, null, (0, 0, 0), ct);

            // A directory a technician might be in: settings the service must refuse if it read them, and a tree below.
            var home = Path.Combine(work, "technician");
            for (var i = 0; i < Subdirectories; i++)
            {
                Directory.CreateDirectory(Path.Combine(home, "projects", "p" + (i / 8).ToString(CultureInfo.InvariantCulture), "d" + i.ToString(CultureInfo.InvariantCulture)));
            }

            string[] below = [home, .. Directory.GetDirectories(home, "*", SearchOption.AllDirectories)];
            await File.WriteAllTextAsync(Path.Combine(home, "appsettings.json"), """{ "Gateway": { "Dispatch": { "HeartbeatSeconds": 1 } } }""", ct);

            deployment.GatewayWorkingDirectory = home;
            await deployment.StartDispatchAsync(ct);
            await deployment.StartGatewayAsync(ct);
            var gateway = deployment.Gateway!;
            Assert.False(gateway.HasExited, "the gateway started; its last lines:\n" + gateway.Tail);
            Assert.DoesNotContain("HeartbeatSeconds", gateway.Tail, StringComparison.Ordinal);

            // The alarm path works as anywhere else.
            await DeliveryProcessTests.PressHelpAsync(deployment, ct);

            var watched = InotifyWatchedInodes(gateway.Id);
            Assert.NotEmpty(watched); // the home file's directory is watched for reloads
            var inodes = await InodesAsync(below, ct);
            var underStart = watched.Where(inodes.ContainsKey).Select(i => inodes[i]).ToList();
            Assert.True(underStart.Count == 0,
                $"the gateway watches {underStart.Count} directories under the one it was started from, e.g. {underStart.FirstOrDefault()}");
        }
        finally
        {
            DemoProcessTests.TryDelete(work);
        }
    }

    /// <summary>
    /// The inode of each directory the process holds an inotify watch on, from <c>/proc/PID/fdinfo</c>
    /// ("inotify wd:1 ino:2a3 sdev:…", the inode in hex).
    /// </summary>
    private static HashSet<ulong> InotifyWatchedInodes(int pid)
    {
        var inodes = new HashSet<ulong>();
        foreach (var info in Directory.GetFiles($"/proc/{pid}/fdinfo"))
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(info);
            }
            catch (IOException)
            {
                continue; // closed meanwhile
            }

            foreach (var line in lines.Where(l => l.StartsWith("inotify wd:", StringComparison.Ordinal)))
            {
                var ino = line.Split(' ').First(f => f.StartsWith("ino:", StringComparison.Ordinal))[4..];
                inodes.Add(ulong.Parse(ino, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            }
        }

        return inodes;
    }

    /// <summary>Each directory by its inode (coreutils' stat: .NET has no call for it).</summary>
    private static async Task<Dictionary<ulong, string>> InodesAsync(IReadOnlyList<string> directories, CancellationToken ct)
    {
        var (exit, output, error) = await ChildProcess.RunAsync("stat", ["--format=%i %n", .. directories], ct);
        Assert.True(exit == 0, "stat: " + error);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ', 2))
            .ToDictionary(f => ulong.Parse(f[0], CultureInfo.InvariantCulture), f => f[1]);
    }
}
