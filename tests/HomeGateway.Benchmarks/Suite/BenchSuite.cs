using System.Diagnostics;
using System.Globalization;
using HomeGateway.Simulator.Demo;

namespace HomeGateway.Benchmarks.Suite;

/// <summary>
/// <c>make bench</c>: runs every scenario (each a class implementing <see cref="IBenchScenario"/>, found by reflection and
/// run in its <see cref="IBenchScenario.Order"/>) one after another on a quiet machine, then writes latest.json and
/// latest.md and prints the table. Goals are reported, never asserted: the exit code is 1 only when a scenario failed.
/// </summary>
public static class BenchSuite
{
    public static async Task<int> RunAsync(string[] args)
    {
        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync("bench: " + e.Message).ConfigureAwait(false);
            return 2;
        }

        var scenarios = typeof(BenchSuite).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IBenchScenario).IsAssignableFrom(t))
            .Select(t => (IBenchScenario)Activator.CreateInstance(t)!)
            .OrderBy(s => s.Order)
            .ToList();
        if (options.Help)
        {
            Console.WriteLine("make bench [BENCH_ARGS=\"…\"]   options: --only a,b  --skip a,b  --quick  --output DIR  --gateway-bin PATH  --dispatch-bin PATH");
            foreach (var s in scenarios)
            {
                Console.WriteLine($"  {s.Name,-14} {s.Title}{(s.Parameters.Length > 0 ? "   " + s.Parameters : "")}");
            }

            return 0;
        }

        var unknown = options.Only.Concat(options.Skip).Where(n => scenarios.All(s => !s.Name.Equals(n, StringComparison.OrdinalIgnoreCase))).ToList();
        if (unknown.Count > 0)
        {
            await Console.Error.WriteLineAsync($"bench: no scenario named {string.Join(", ", unknown)} (see --help)").ConfigureAwait(false);
            return 2;
        }

        var root = FindRepositoryRoot();
        var output = Path.GetFullPath(options.Output ?? Path.Combine(root, "artifacts", "bench"));
        Directory.CreateDirectory(output);
        var context = new BenchContext
        {
            Options = options,
            RepositoryRoot = root,
            OutputDirectory = output,
            Binaries = new ProductBinaries(
                options.Text("gateway-bin") ?? Path.Combine(root, "artifacts", "bin", "HomeGateway.Gateway", "release", "homegateway.dll"),
                options.Text("dispatch-bin") ?? Path.Combine(root, "artifacts", "bin", "HomeGateway.Dispatch", "release", "homegateway-dispatch.dll")),
        };
        foreach (var binary in new[] { context.Binaries.Gateway, context.Binaries.Dispatch })
        {
            if (!File.Exists(binary))
            {
                await Console.Error.WriteLineAsync($"bench: {binary} is missing; run `make build` first (make bench does)").ConfigureAwait(false);
                return 2;
            }
        }

        var report = new BenchReport();
        report.Parameters["quick"] = options.Quick ? "yes" : "no";
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };

        context.Say($"machine: {report.Machine.Describe()}");
        foreach (var scenario in scenarios.Where(s => options.Wants(s.Name)))
        {
            context.Say($"{scenario.Order}. {scenario.Name}: {scenario.Title}");
            var clock = Stopwatch.StartNew();
            try
            {
                await scenario.RunAsync(context, report, stop.Token).ConfigureAwait(false);
                context.Say(string.Create(CultureInfo.InvariantCulture, $"{scenario.Name} done in {clock.Elapsed.TotalSeconds:0} s"));
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                // One broken scenario must not hide the others' figures: report it and go on.
                report.Fail(scenario.Name, e.Message);
                context.Say($"{scenario.Name} FAILED after {clock.Elapsed.TotalSeconds:0} s: {e}");
            }
        }

        var json = Path.Combine(output, "latest.json");
        var markdown = Path.Combine(output, "latest.md");
        await File.WriteAllTextAsync(json, report.ToJson(), CancellationToken.None).ConfigureAwait(false);
        var table = report.ToMarkdown();
        await File.WriteAllTextAsync(markdown, table, CancellationToken.None).ConfigureAwait(false);
        Console.WriteLine();
        Console.WriteLine(table);
        Console.WriteLine($"Written: {Path.GetRelativePath(root, json)} and {Path.GetRelativePath(root, markdown)}");
        return report.Failures.Count == 0 && !stop.IsCancellationRequested ? 0 : 1;
    }

    private static string FindRepositoryRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "HomeGateway.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("HomeGateway.sln not found above the current directory: run from the repository");
    }
}
