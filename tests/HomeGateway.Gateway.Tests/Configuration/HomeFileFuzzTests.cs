using HomeGateway.Core.Configuration;
using HomeGateway.Gateway.Configuration;
using HomeGateway.Testing;
using Xunit.Abstractions;

namespace HomeGateway.Gateway.Tests.Configuration;

/// <summary>
/// Guards, by seeded fuzzing: any damage to a real home file (the annotated example, the demo home) gives a care plan or
/// problems shaped FILE:LINE: field: problem — never an escaping exception. HOMEGATEWAY_FUZZ_INPUTS runs longer.
/// </summary>
public sealed class HomeFileFuzzTests(ITestOutputHelper output)
{
    private static readonly string[] Seeds =
    [
        File.ReadAllText(Path.Combine(HomeConfigLoaderTests.RepoRoot(), "deploy", "examples", "home.yaml")),
        File.ReadAllText(Path.Combine(HomeConfigLoaderTests.RepoRoot(), "src", "HomeGateway.Simulator", "Demo", "demo-home.yaml")),
        BadHomeFiles.Valid,
    ];

    [Fact]
    [Trait("Category", "Fuzz")]
    public async Task Mutated_home_files_give_a_plan_or_a_reasoned_refusal_with_file_line_field()
    {
        var report = await Fuzzer.Run("home file (mutated examples)", 6_000,
            random => Mutate.Text(random, Seeds[random.Next(Seeds.Length)], maxEdits: 6),
            Attempt,
            yaml => yaml,
            output);

        // The refusals are specific (many different reasons), not one catch-all message.
        Assert.True(report.Reasons.Count > 50, report.ToString());
    }

    internal static FuzzVerdict Attempt(string yaml)
    {
        try
        {
            HomeConfigLoader.Parse(yaml, "home.yaml");
            return FuzzVerdict.Accept;
        }
        catch (HomeConfigException ex)
        {
            foreach (var problem in ex.Problems)
            {
                var line = problem.Format("home.yaml");
                if (!HomeFileRefusalTests.ProblemShape().IsMatch(line) || line.Any(char.IsControl))
                {
                    throw new InvalidOperationException($"a refusal without the FILE:LINE: field: problem shape: {line}");
                }
            }

            return FuzzVerdict.Refuse(ex.Problems.Count == 0 ? "" : ex.Problems[0].Format("home.yaml"));
        }
    }
}
