using System.Diagnostics;

namespace HomeGateway.EndToEnd.Tests.Device;

/// <summary>
/// Guards the build for the Pi: the NativeAOT linux-arm64 <c>homegateway</c> starts on an arm64 CPU (emulated by
/// qemu-user with the arm64 C libraries of Debian's cross packages), answers <c>--version</c> and <c>doctor --simulated</c>
/// in plain words with exit 0, and replays timelines exactly as the JIT build does. `make test` publishes it first
/// (make publish-arm64); run alone, the test publishes it once. qemu missing is a failure, never a skip:
/// tests/install-test-deps installs it.
/// </summary>
public sealed class ArmBuildTests
{
    private const string Qemu = "qemu-aarch64-static";
    private const string Sysroot = "/usr/aarch64-linux-gnu";

    /// <summary>Guards against a hung emulator, never a measure of speed.</summary>
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(5);

    private static readonly Lazy<Task<string>> Published = new(PublishOnceAsync);

    [Fact]
    public async Task The_arm64_build_tells_its_version_under_qemu()
    {
        var (exit, output, error) = await RunUnderQemuAsync(await Published.Value, ["--version"]);

        Assert.True(exit == 0, $"exit {exit}: {error}");
        Assert.StartsWith("homegateway 0.1.0", output, StringComparison.Ordinal);
        Assert.Contains("linux-arm64 (arm64)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_arm64_build_runs_doctor_simulated_under_qemu()
    {
        var work = Built.NewWorkDirectory("arm64-doctor");
        Directory.CreateDirectory(Path.Combine(work, "data"));
        try
        {
            var (home, settings) = await WriteHelpButtonHomeAsync(work, Path.Combine(work, "data"));

            var (exit, output, error) = await RunUnderQemuAsync(await Published.Value, ["doctor", "--simulated", "--config", home, "--settings", settings]);

            Assert.True(exit == 0, $"exit {exit}: {output}{error}");
            Assert.Contains("OK    config    home file", output, StringComparison.Ordinal);
            Assert.Contains("home qemu-home, 1 sensor(s)", output, StringComparison.Ordinal);
            Assert.Contains("OK    gpio      skipped: simulated pins", output, StringComparison.Ordinal);
            Assert.Contains("OK    journal   no journal yet", output, StringComparison.Ordinal);
            Assert.Contains("doctor: all checks passed", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    public static TheoryData<string> Scenarios()
    {
        var data = new TheoryData<string>();
        foreach (var directory in Directory.GetDirectories(ScenarioFolder).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(directory));
        }

        return data;
    }

    /// <summary>
    /// The care plan decides the same on the Pi as on the build machine: every replay scenario of the gateway's tests (the
    /// rules, time zones across DST, the JSON the CLI prints) gives the JIT build's output byte for byte.
    /// </summary>
    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task The_arm64_build_replays_a_timeline_byte_for_byte_as_the_jit_build_does(string scenario)
    {
        var events = Path.Combine(ScenarioFolder, scenario, "events.jsonl");
        var until = File.ReadLines(events).Select(l => l.Trim()).First(l => l.StartsWith("# until:", StringComparison.Ordinal))[8..].Trim();
        string[] args = ["replay", "--config", Path.Combine(ScenarioFolder, "home.yaml"), "--events", events, "--until", until];

        var jit = await RunAsync("dotnet", [Built.JitGateway, .. args]);
        var aot = await RunUnderQemuAsync(await Published.Value, args);

        Assert.True(jit.Exit == 0, $"JIT build: exit {jit.Exit}: {jit.Error}");
        Assert.True(aot.Exit == 0, $"arm64 build: exit {aot.Exit}: {aot.Error}");
        Assert.Contains("\"action\":\"raised\"", jit.Output, StringComparison.Ordinal);
        Assert.Equal(jit.Output, aot.Output);
        Assert.Equal(jit.Error, aot.Error);
    }

    /// <summary>A wrong timeline is refused with the same FILE:LINE words and exit code by both builds.</summary>
    [Fact]
    public async Task The_arm64_build_refuses_a_bad_timeline_with_the_same_words_as_the_jit_build()
    {
        var work = Built.NewWorkDirectory("arm64-replay");
        Directory.CreateDirectory(work);
        try
        {
            var events = Path.Combine(work, "events.jsonl");
            await File.WriteAllTextAsync(events, """
                {"at":"2026-06-01T10:00:00+03:00","sensor":"bed","state":"occupied"}
                {"at":"yesterday","sensor":"bed","state":"empty"}
                """);
            string[] args = ["replay", "--config", Path.Combine(ScenarioFolder, "home.yaml"), "--events", events];

            var jit = await RunAsync("dotnet", [Built.JitGateway, .. args]);
            var aot = await RunUnderQemuAsync(await Published.Value, args);

            Assert.NotEqual(0, jit.Exit);
            Assert.Contains(events + ":2:", jit.Error, StringComparison.Ordinal);
            Assert.Equal((jit.Exit, jit.Output, jit.Error), (aot.Exit, aot.Output, aot.Error));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>
    /// The service itself on arm64: a help button held down on simulated pins is journalled (the arm64 SQLite library, the
    /// source-generated rule state) and raised; after a stop the journal reads back intact, with the alert in it.
    /// </summary>
    [Fact]
    public async Task The_arm64_service_journals_a_help_press_and_its_journal_reads_back_under_qemu()
    {
        var work = Built.NewWorkDirectory("arm64-service");
        var data = Path.Combine(work, "data");
        var pins = Path.Combine(work, "pins");
        Directory.CreateDirectory(data);
        Directory.CreateDirectory(pins);
        try
        {
            var (home, settings) = await WriteHelpButtonHomeAsync(work, data);
            // Held down (active low) before the start: the pin's first reading is the press.
            HomeGateway.Simulator.Scenarios.PinFiles.Write(pins, 27, high: false);
            var executable = await Published.Value;
            var qemu = QemuPath();

            await using (var service = HomeGateway.Simulator.Demo.ChildProcess.Start("arm64-gateway", qemu,
                ["-L", Sysroot, executable, "run", "--Gateway:HomeFile=" + home, "--Gateway:DataDirectory=" + data,
                 "--Gateway:RuntimeDirectory=" + data, "--Gateway:Mqtt:Enabled=false", "--Gateway:Gpio:Driver=simulated",
                 "--Gateway:Gpio:SimulatedPinDirectory=" + pins], Path.Combine(work, "gateway.log")))
            {
                await service.WaitForLineAsync(l => l.Contains(": raised help ", StringComparison.Ordinal), Guard);
                await service.StopAsync(TimeSpan.FromSeconds(30));
            }

            var doctor = await RunUnderQemuAsync(executable, ["doctor", "--simulated", "--config", home, "--settings", settings]);
            var events = await RunUnderQemuAsync(executable, ["events", "tail", "--data", data]);

            Assert.Contains("OK    journal   the journal", doctor.Output, StringComparison.Ordinal);
            Assert.Contains("is intact", doctor.Output, StringComparison.Ordinal);
            Assert.True(events.Exit == 0, $"exit {events.Exit}: {events.Output}{events.Error}");
            Assert.Contains("help", events.Output, StringComparison.Ordinal);
            Assert.Contains("raised", events.Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>A home with one GPIO help button (pin 27, active low) and the settings that point at its data directory.</summary>
    private static async Task<(string Home, string Settings)> WriteHelpButtonHomeAsync(string work, string data)
    {
        var home = Path.Combine(work, "home.yaml");
        await File.WriteAllTextAsync(home, """
            home: { id: qemu-home, timezone: Europe/Helsinki }
            sensors:
              - { id: help, kind: help_button, gpio: { pin: 27, activeLow: true, pull: up } }
            rules:
              help: {}
            """);
        var settings = Path.Combine(work, "settings.json");
        await File.WriteAllTextAsync(settings, $$"""{ "Gateway": { "DataDirectory": "{{data}}", "RuntimeDirectory": "{{data}}", "Mqtt": { "Enabled": false } } }""");
        return (home, settings);
    }

    // The gateway tests' scenarios (timeline, home file, expected alerts), read from the source tree.
    private static string ScenarioFolder => Path.Combine(Built.RepoRoot, "tests", "HomeGateway.Gateway.Tests", "Scenarios");

    private static async Task<string> PublishOnceAsync()
    {
        var executable = Path.Combine(Built.RepoRoot, "artifacts", "publish", "linux-arm64", "homegateway");
        if (!File.Exists(executable))
        {
            var (exit, output, error) = await RunAsync("make", ["-C", Built.RepoRoot, "publish-arm64"]);
            Assert.True(exit == 0, $"make publish-arm64 failed: {output}{error}");
        }

        return executable;
    }

    private static Task<(int Exit, string Output, string Error)> RunUnderQemuAsync(string executable, string[] args) =>
        RunAsync(QemuPath(), ["-L", Sysroot, executable, .. args]);

    private static string QemuPath()
    {
        var qemu = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, Qemu)).FirstOrDefault(File.Exists);
        Assert.True(qemu is not null && Directory.Exists(Sysroot),
            $"{Qemu} or {Sysroot} is missing: run tests/install-test-deps (it installs qemu-user-static, libc6-arm64-cross and libstdc++6-arm64-cross)");
        return qemu;
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(string file, string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Built.RepoRoot };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The machine's own settings must not leak into what the build under test reads.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("Gateway__", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        using var process = Process.Start(start)!;
        using var guard = new CancellationTokenSource(Guard);
        var output = process.StandardOutput.ReadToEndAsync(guard.Token);
        var error = process.StandardError.ReadToEndAsync(guard.Token);
        try
        {
            await process.WaitForExitAsync(guard.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await output, await error);
    }
}
