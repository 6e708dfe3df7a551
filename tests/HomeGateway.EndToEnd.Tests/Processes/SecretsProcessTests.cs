using System.Text;
using System.Text.RegularExpressions;
using HomeGateway.Simulator.Demo;

namespace HomeGateway.EndToEnd.Tests.Processes;

/// <summary>
/// Invariant: on a machine shared with other users, the demo's deployment (as `make run` sets it up) shows no secret on any
/// process's command line — the enrolment code goes to `homegateway enroll` on stdin — and both programs run with umask
/// 077 and keep their databases (with -wal and -shm) owner-only.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class SecretsProcessTests
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task The_demo_enrols_without_the_code_on_any_command_line_and_both_programs_keep_their_files_private()
    {
        var work = Built.NewWorkDirectory("secrets");
        try
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            await using var deployment = await LocalDeployment.CreateAsync(Built.Binaries, work, null, (0, 0, 0), cancel.Token);
            await deployment.StartDispatchAsync(cancel.Token);

            using var stopWatching = new CancellationTokenSource();
            var watching = Task.Run(() => WatchCommandLines(deployment.EnrolmentCode, stopWatching.Token));
            await deployment.EnrolGatewayAsync(cancel.Token);
            await stopWatching.CancelAsync();
            var (sawEnrol, showingTheCode) = await watching;

            Assert.True(sawEnrol, "the watcher saw `homegateway enroll` running (else it proves nothing)");
            Assert.Empty(showingTheCode);
            Assert.True(deployment.IsGatewayEnrolled, deployment.EnrolmentReport);

            await deployment.StartGatewayAsync(cancel.Token);
            Assert.Equal("0077", Umask(deployment.Dispatch!.Id));
            Assert.Equal("0077", Umask(deployment.Gateway!.Id));
            foreach (var database in new[] { Path.Combine(deployment.DispatchData, "dispatch.db"), Path.Combine(deployment.GatewayData, "journal.db") })
            {
                foreach (var file in new[] { database, database + "-wal", database + "-shm" }.Where(File.Exists))
                {
                    Assert.Equal(OwnerOnly, File.GetUnixFileMode(file));
                }
            }
        }
        finally
        {
            DemoProcessTests.TryDelete(work);
        }
    }

    /// <summary>Reads every process's command line over and over until stopped; what contained the code, and whether enroll was seen.</summary>
    private static (bool SawEnrol, List<string> ShowingTheCode) WatchCommandLines(string code, CancellationToken stop)
    {
        var sawEnrol = false;
        var showing = new List<string>();
        while (!stop.IsCancellationRequested)
        {
            foreach (var process in Directory.EnumerateDirectories("/proc").Where(d => Path.GetFileName(d).All(char.IsAsciiDigit)))
            {
                string commandLine;
                try
                {
                    commandLine = Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(process, "cmdline"))).Replace('\0', ' ');
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    continue;
                }

                sawEnrol |= commandLine.Contains(" enroll ", StringComparison.Ordinal);
                if (commandLine.Contains(code, StringComparison.Ordinal))
                {
                    showing.Add(commandLine);
                }
            }
        }

        return (sawEnrol, showing);
    }

    private static string Umask(int pid) => UmaskLine().Match(File.ReadAllText($"/proc/{pid}/status")).Groups[1].Value;

    [GeneratedRegex(@"(?m)^Umask:\s*(\d+)")]
    private static partial Regex UmaskLine();
}
