using HomeGateway.Simulator.Demo;

namespace HomeGateway.EndToEnd.Tests;

/// <summary>The built executables of this configuration, as `make` leaves them under artifacts/bin.</summary>
internal static class Built
{
    public static string RepoRoot { get; } = FindRepoRoot();

    // This test assembly lives in artifacts/bin/HomeGateway.EndToEnd.Tests/<configuration>/.
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory).Name;

    // Before Binaries: static initializers run in the order they are written.
    public static string HostRid { get; } = "linux-" + System.Runtime.InteropServices.RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant();

    /// <summary>
    /// The product as shipped: the gateway is the NativeAOT device build for this machine (`make publish-host`, which
    /// `make test` runs first), so every process test (the demo, kill -9, delivery, provisioning) runs what a Pi runs.
    /// </summary>
    public static ProductBinaries Binaries { get; } = new(
        DeviceGateway(),
        Binary("HomeGateway.Dispatch", "homegateway-dispatch.dll"));

    /// <summary>The JIT build of the gateway (what the in-process tests load), to compare the device build against.</summary>
    public static string JitGateway { get; } = Binary("HomeGateway.Gateway", "homegateway.dll");

    public static string Simulator { get; } = Binary("HomeGateway.Simulator", "homegateway-sim.dll");

    public static string NewWorkDirectory(string name) =>
        Path.Combine(Path.GetTempPath(), $"hg-e2e-{name}-{Guid.NewGuid().ToString("N")[..8]}");

    private static string Binary(string project, string file)
    {
        var path = Path.Combine(RepoRoot, "artifacts", "bin", project, Configuration, file);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is not built; run `make build` (or make test)", path);
    }

    // Published once when a test run finds none (run alone, outside make test); make test always publishes it fresh.
    private static string DeviceGateway()
    {
        var directory = Path.Combine(RepoRoot, "artifacts", "publish", HostRid);
        var executable = Path.Combine(directory, "homegateway");
        if (!File.Exists(executable))
        {
            var start = new System.Diagnostics.ProcessStartInfo("make", ["-C", RepoRoot, "publish-host"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var make = System.Diagnostics.Process.Start(start)!;
            var output = make.StandardOutput.ReadToEndAsync();
            var error = make.StandardError.ReadToEndAsync();
            make.WaitForExit();
            if (make.ExitCode != 0 || !File.Exists(executable))
            {
                throw new FileNotFoundException($"make publish-host failed (exit {make.ExitCode}): {output.Result}{error.Result}", executable);
            }
        }

        return executable;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HomeGateway.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("HomeGateway.sln not found above " + AppContext.BaseDirectory);
    }
}
