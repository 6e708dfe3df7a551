namespace HomeGateway.Benchmarks.Suite;

/// <summary>One scenario of <c>make bench</c>: it runs the real thing and adds its figures to the report.</summary>
public interface IBenchScenario
{
    /// <summary>Short name for <c>--only</c>/<c>--skip</c> and the group of its figures (e.g. "endToEnd").</summary>
    string Name { get; }

    /// <summary>Where it runs in the suite (the numbering: 1 end-to-end latency … 6 dispatch fan-in).</summary>
    int Order { get; }

    /// <summary>One line for the table and the log.</summary>
    string Title { get; }

    /// <summary>Extra parameters it reads (for <c>--help</c>), e.g. "--falls N (1000)".</summary>
    string Parameters { get; }

    Task RunAsync(BenchContext context, BenchReport report, CancellationToken cancellationToken);
}
