using BenchmarkDotNet.Running;

// `make bench` runs every benchmark; pass BenchmarkDotNet arguments (e.g. --filter '*Rules*') to choose.
BenchmarkSwitcher.FromAssembly(typeof(HomeGateway.Benchmarks.RulesEngineBenchmarks).Assembly).Run(args);
