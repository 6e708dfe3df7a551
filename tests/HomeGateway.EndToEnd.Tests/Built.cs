using HomeGateway.Simulator.Demo;

namespace HomeGateway.EndToEnd.Tests;

/// <summary>The built executables of this configuration, as `make` leaves them under artifacts/bin.</summary>
internal static class Built
{
    public static string RepoRoot { get; } = FindRepoRoot();

    // This test assembly lives in artifacts/bin/HomeGateway.EndToEnd.Tests/<configuration>/.
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory).Name;

    public static ProductBinaries Binaries { get; } = new(
        Binary("HomeGateway.Gateway", "homegateway.dll"),
        Binary("HomeGateway.Dispatch", "homegateway-dispatch.dll"));

    public static string Simulator { get; } = Binary("HomeGateway.Simulator", "homegateway-sim.dll");

    public static string NewWorkDirectory(string name) =>
        Path.Combine(Path.GetTempPath(), $"hg-e2e-{name}-{Guid.NewGuid().ToString("N")[..8]}");

    private static string Binary(string project, string file)
    {
        var path = Path.Combine(RepoRoot, "artifacts", "bin", project, Configuration, file);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is not built; run `make build` (or make test)", path);
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
