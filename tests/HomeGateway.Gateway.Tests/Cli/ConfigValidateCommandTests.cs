using System.Diagnostics;
using HomeGateway.Gateway.Tests.Configuration;

namespace HomeGateway.Gateway.Tests.Cli;

/// <summary>
/// Guards `homegateway config validate` as a technician runs it, in its own process: each class of bad file exits 1 with
/// FILE:LINE: field: problem on stderr and no stack trace — and no abort (YAML 40,000 deep used to end the process
/// with exit 134, which only a separate process can show).
/// </summary>
public sealed class ConfigValidateCommandTests : IDisposable
{
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    [Theory]
    [MemberData(nameof(BadHomeFiles.Names), MemberType = typeof(BadHomeFiles))]
    public async Task Each_class_of_bad_file_exits_1_with_file_line_field_problem_and_no_stack_trace(string name)
    {
        var bad = BadHomeFiles.Classes[name];
        File.WriteAllText(dir.File("home.yaml"), bad.Yaml);

        var (exit, stdout, stderr) = await RunAsync("config", "validate", "home.yaml");

        Assert.True(exit == 1, $"exit {exit}; stderr: {stderr}");
        Assert.Empty(stdout);
        Assert.Contains($"home.yaml:{bad.Line}: {bad.Field}: ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", stderr, StringComparison.Ordinal);
        Assert.All(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.Matches(@"^home\.yaml:[0-9]+: [^:\s][^:]*: \S", line));
    }

    [Fact]
    public async Task A_valid_file_exits_0()
    {
        File.WriteAllText(dir.File("home.yaml"), BadHomeFiles.Valid);
        var (exit, stdout, stderr) = await RunAsync("config", "validate", "home.yaml");
        Assert.True(exit == 0, stderr);
        Assert.Contains("home.yaml: valid: home a, 1 sensor(s)", stdout, StringComparison.Ordinal);
    }

    private async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "homegateway.exe" : "homegateway"))
        {
            WorkingDirectory = dir.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
