using System.Diagnostics;

namespace HomeGateway.EndToEnd.Tests.Device;

/// <summary>
/// Guards the build for the Pi: the self-contained, trimmed linux-arm64 <c>homegateway</c> starts on an arm64 CPU
/// (emulated by qemu-user with the arm64 C and C++ libraries of Debian's cross packages) and answers <c>--version</c>
/// and <c>doctor --simulated</c> in plain words with exit 0. `make test` publishes it first (make publish-arm64); run
/// alone, the test publishes it once. qemu missing is a failure, never a skip: tests/install-test-deps installs it.
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
            var home = Path.Combine(work, "home.yaml");
            await File.WriteAllTextAsync(home, """
                home: { id: qemu-home, timezone: Europe/Helsinki }
                sensors:
                  - { id: help, kind: help_button, gpio: { pin: 27, activeLow: true, pull: up } }
                rules:
                  help: {}
                """);
            var settings = Path.Combine(work, "settings.json");
            await File.WriteAllTextAsync(settings, $$"""{ "Gateway": { "DataDirectory": "{{Path.Combine(work, "data")}}", "Mqtt": { "Enabled": false } } }""");

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

    private static async Task<string> PublishOnceAsync()
    {
        var executable = Path.Combine(Built.RepoRoot, "artifacts", "publish", "linux-arm64", "homegateway");
        if (!File.Exists(executable))
        {
            var (exit, output, error) = await RunAsync("dotnet",
                ["publish", Path.Combine(Built.RepoRoot, "src", "HomeGateway.Gateway"), "-c", "Release", "-r", "linux-arm64", "--self-contained",
                 "-o", Path.GetDirectoryName(executable)!, "-nologo", "-v", "minimal"]);
            Assert.True(exit == 0, $"make publish-arm64 failed: {output}{error}");
        }

        return executable;
    }

    private static Task<(int Exit, string Output, string Error)> RunUnderQemuAsync(string executable, string[] args)
    {
        var qemu = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, Qemu)).FirstOrDefault(File.Exists);
        Assert.True(qemu is not null && Directory.Exists(Sysroot),
            $"{Qemu} or {Sysroot} is missing: run tests/install-test-deps (it installs qemu-user-static, libc6-arm64-cross and libstdc++6-arm64-cross)");
        return RunAsync(qemu, ["-L", Sysroot, executable, .. args]);
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
