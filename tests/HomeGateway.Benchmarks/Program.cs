using BenchmarkDotNet.Running;
using HomeGateway.Benchmarks.Suite;

// `make bench` runs the suite: every scenario of Suite/ against the built product, figures in artifacts/bench/latest.json
// and a table on stdout (`--help` lists the options). `micro …` runs the BenchmarkDotNet micro-benchmarks instead
// (e.g. `micro --filter '*Rules*' --job short`).
if (args is ["micro", .. var rest])
{
    BenchmarkSwitcher.FromAssembly(typeof(HomeGateway.Benchmarks.RulesEngineBenchmarks).Assembly).Run(rest);
    return 0;
}

return await BenchSuite.RunAsync(args).ConfigureAwait(false);
