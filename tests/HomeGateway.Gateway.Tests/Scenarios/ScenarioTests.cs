using HomeGateway.Gateway.Cli;

namespace HomeGateway.Gateway.Tests.Scenarios;

/// <summary>
/// Care-plan scenarios as a technician would write them: a timeline (events.jsonl, with its `# until:` line), the
/// home file beside them (home.yaml) and the alert lines `homegateway replay` must print (expected.jsonl), compared
/// line for line. Each folder under Scenarios/ is one case; add a folder to add a case.
/// </summary>
public class ScenarioTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var directory in Directory.GetDirectories(Folder()).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(directory));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Replaying_the_timeline_prints_exactly_the_expected_alert_lines(string scenario)
    {
        var directory = Path.Combine(Folder(), scenario);
        var events = Path.Combine(directory, "events.jsonl");
        var until = File.ReadLines(events).Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("# until:", StringComparison.Ordinal))?[8..].Trim();
        using var output = new StringWriter();
        using var errors = new StringWriter();

        var exit = ReplayCommand.Run(new FileInfo(Path.Combine(Folder(), "home.yaml")), new FileInfo(events), until, output, errors);

        Assert.True(exit == 0, errors.ToString());
        var expected = File.ReadAllLines(Path.Combine(directory, "expected.jsonl")).Where(l => l.Length > 0).ToList();
        var actual = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void There_are_scenarios() => Assert.True(Cases().Count >= 4);

    private static string Folder() => Path.Combine(AppContext.BaseDirectory, "Scenarios");
}
