using HomeGateway.Simulator.Demo;

namespace HomeGateway.EndToEnd.Tests.Processes;

/// <summary>Guards what `make run` promises: the help, fall and door alerts reach dispatch and the API returns them.</summary>
public class DemoProcessTests
{
    [Fact]
    public async Task The_demo_delivers_help_fall_and_door_alerts_to_dispatch()
    {
        var work = Built.NewWorkDirectory("demo");
        try
        {
            var (exitCode, output, error) = await ChildProcess.RunAsync(Built.Simulator,
                ["demo", "--gateway", Built.Binaries.Gateway, "--dispatch", Built.Binaries.Dispatch, "--work", work, "--exit-when-done", "--any-ports"],
                new CancellationTokenSource(TimeSpan.FromMinutes(3)).Token);

            Assert.True(exitCode == 0, $"demo exited {exitCode}\n{output}\n{error}\n{Logs(work)}");
            var alerts = output.Split('\n').Where(l => l.StartsWith("ALERT ", StringComparison.Ordinal)).ToList();
            Assert.Contains(alerts, l => l.Contains(" help ", StringComparison.Ordinal) && l.Contains("critical", StringComparison.Ordinal));
            Assert.Contains(alerts, l => l.Contains(" fall ", StringComparison.Ordinal) && l.Contains("critical", StringComparison.Ordinal));
            Assert.Contains(alerts, l => l.Contains(" door_left_open ", StringComparison.Ordinal) && l.Contains("normal", StringComparison.Ordinal));
            Assert.All(alerts, l => Assert.Matches(@"latency -?\d+ ms", l));
            Assert.Contains("GET /api/alerts returns 3 alert(s).", output, StringComparison.Ordinal);
            Assert.Contains("Enrolled as gateway 'kotka-0042' (home 'kotka-0042')", output, StringComparison.Ordinal);
            Assert.Contains("Connected to dispatch https://127.0.0.1:", File.ReadAllText(Path.Combine(work, "gateway.log")), StringComparison.Ordinal);
            Assert.Matches(@"log in as 'demo' with password \S{20,}", output);
            Assert.Matches(@"curl -H 'Authorization: Bearer \S{20,}' http://127\.0\.0\.1:\d+/api/alerts", output);

            // A responder to try the phone page with: printed, and first in the demo home's cascade.
            Assert.Matches(@"Responder's phone   http://127\.0\.0\.1:\d+/responder", output);
            Assert.Matches(@"log in as 'ronja' \(night patrol, Finnish\) with password \S{20,};", output);
            var cascade = await ChildProcess.RunAsync(Built.Binaries.Dispatch,
                ["homes", "cascade", "show", LocalDeployment.HomeId, "--data", Path.Combine(work, "dispatch")], CancellationToken.None);
            var teams = await ChildProcess.RunAsync(Built.Binaries.Dispatch, ["teams", "list", "--data", Path.Combine(work, "dispatch")], CancellationToken.None);
            Assert.Contains("yopartio", cascade.Output, StringComparison.Ordinal);
            Assert.Contains("ronja", teams.Output, StringComparison.Ordinal);
        }
        finally
        {
            TryDelete(work);
        }
    }

    internal static string Logs(string work) =>
        string.Join('\n', new[] { "gateway.log", "dispatch.log" }
            .Select(f => Path.Combine(work, f))
            .Where(File.Exists)
            .Select(f => $"--- {Path.GetFileName(f)} ---\n{File.ReadAllText(f)}"));

    internal static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // Temp is cleaned by the OS; a leftover directory is not a test failure.
        }
    }
}
