using HomeGateway.Simulator.Demo;
using HomeGateway.Simulator.Scenarios;

namespace HomeGateway.EndToEnd.Tests.Processes;

/// <summary>
/// Invariant: the running service holds its journal alone, with the WAL's index in its memory (no <c>journal.db-shm</c>
/// beside the journal, whose pages the kernel would write back to the SD card every half minute), and the technician's
/// commands still work beside it as separate processes: <c>events tail</c> shows what the service journalled a moment ago,
/// and <c>doctor</c> reports the service's own check rather than reading the file without locks; with the service stopped
/// doctor checks the file itself. A second gateway on the same data directory does not start beside the first.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class JournalHeldProcessTests
{
    [Fact]
    public async Task Events_tail_and_doctor_read_the_journal_beside_the_running_service_which_keeps_no_shm_file()
    {
        var work = Built.NewWorkDirectory("journal-held");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = timeout.Token;
        try
        {
            await using var deployment = await LocalDeployment.CreateAsync(Built.Binaries, work, null, (0, 0, 0), ct);
            await deployment.StartDispatchAsync(ct);
            await deployment.StartGatewayAsync(ct);
            var journal = Path.Combine(deployment.GatewayData, "journal.db");

            // A second gateway started on the same data directory (its own broker port and pins) must not write beside the
            // first: it waits for the lock, then stops with a clear error. Its ~30 s of waiting overlap the checks below.
            var second = ChildProcess.RunAsync(Built.Binaries.Gateway,
            [
                "run", "--Gateway:HomeFile=" + deployment.HomeFile, "--Gateway:DataDirectory=" + deployment.GatewayData,
                "--Gateway:Mqtt:Port=" + LocalDeployment.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--Gateway:Gpio:Driver=simulated", "--Gateway:Gpio:SimulatedPinDirectory=" + Path.Combine(work, "second-pins"),
            ], ct);

            await DeliveryProcessTests.PressHelpAsync(deployment, ct);
            var tail = await EventuallyAsync(() => RunAsync(["events", "tail", "--data", deployment.GatewayData, "-n", "50"], ct),
                r => r.Output.Contains("alert   raised help", StringComparison.Ordinal), ct);
            Assert.Equal(0, tail.Exit);
            Assert.Contains("sensor  help_button (help button): pressed", tail.Output, StringComparison.Ordinal);

            Assert.True(File.Exists(journal + "-wal"), "the service has its journal open in WAL mode");
            Assert.False(File.Exists(journal + "-shm"), "no shared-memory file beside the journal while the service runs");

            // A second look sees what was journalled after the first one (each read is a snapshot of its own).
            Assert.DoesNotContain("front_door", tail.Output, StringComparison.Ordinal);
            await using (var player = new ScenarioPlayer(deployment.HomeLink, TimeProvider.System, _ => { }))
            {
                await player.ConnectAsync(ct);
                await player.PlayAsync(Scenario.Parse("0s mqtt zigbee2mqtt/front_door {\"contact\":false}", "journal-held"), ct);
            }

            await EventuallyAsync(() => RunAsync(["events", "tail", "--data", deployment.GatewayData, "-n", "50"], ct),
                r => r.Output.Contains("sensor  front_door (door): open", StringComparison.Ordinal), ct);

            var (secondExit, secondOutput, secondError) = await second;
            Assert.NotEqual(0, secondExit);
            Assert.Contains("is held by another process (another homegateway on the same data directory?)", secondOutput + secondError, StringComparison.Ordinal);

            // Meanwhile the first went on journalling: the door it saw open is now an alert (after 15 s in the demo home).
            await EventuallyAsync(() => RunAsync(["events", "tail", "--data", deployment.GatewayData, "-n", "50"], ct),
                r => r.Output.Contains("alert   raised door left open", StringComparison.Ordinal), ct);

            var held = await RunAsync(["doctor", "--config", deployment.HomeFile, "--data", deployment.GatewayData, "--simulated"], ct);
            Assert.Matches(@"OK +journal +the journal .*journal\.db \(\d+ KiB\) is held by the running service: its (first check of the whole file runs within 10 minutes|check read the whole file)", held.Output);

            await deployment.StopGatewayAsync();
            Assert.False(File.Exists(journal + "-shm"));
            var stopped = await RunAsync(["doctor", "--config", deployment.HomeFile, "--data", deployment.GatewayData, "--simulated"], ct);
            Assert.Matches(@"OK +journal +the journal .*journal\.db is intact", stopped.Output);
        }
        finally
        {
            DemoProcessTests.TryDelete(work);
        }
    }

    private static async Task<(int Exit, string Output)> RunAsync(string[] args, CancellationToken ct)
    {
        var (exit, output, error) = await ChildProcess.RunAsync(Built.Binaries.Gateway, args, ct);
        return (exit, output + error);
    }

    private static async Task<(int Exit, string Output)> EventuallyAsync(
        Func<Task<(int Exit, string Output)>> run, Func<(int Exit, string Output), bool> done, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var result = await run();
            if (done(result))
            {
                return result;
            }

            Assert.True(DateTime.UtcNow < deadline, $"not seen within 30 s; the last run said ({result.Exit}):\n{result.Output}");
            await Task.Delay(300, ct);
        }
    }
}
