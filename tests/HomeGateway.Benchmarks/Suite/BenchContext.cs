using HomeGateway.Simulator.Demo;

namespace HomeGateway.Benchmarks.Suite;

/// <summary>What every scenario gets: the options, where the built product is, a work directory and a log.</summary>
public sealed class BenchContext
{
    public required BenchOptions Options { get; init; }

    /// <summary>The repository (the folder holding HomeGateway.sln).</summary>
    public required string RepositoryRoot { get; init; }

    /// <summary>artifacts/bench (or --output): latest.json, latest.md, the work directories and the Node-RED install.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>The Release build's executables (<c>make build</c>): the gateway and dispatch as the demo runs them.</summary>
    public required ProductBinaries Binaries { get; init; }

    public TextWriter Log { get; init; } = Console.Error;

    /// <summary>A fresh, empty directory for one scenario's files (kept after the run for a look at the logs).</summary>
    public string WorkDirectory(string name)
    {
        var path = Path.Combine(OutputDirectory, "work", name);
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }

        Directory.CreateDirectory(path);
        return path;
    }

    public void Say(string message) => Log.WriteLine($"[bench {DateTime.Now:HH:mm:ss}] {message}");
}
