using System.Text.Json;
using HomeGateway.Benchmarks.Suite;

namespace HomeGateway.Benchmarks.Tests;

public class BenchReportTests
{
    [Fact]
    public void A_comparison_puts_value_peer_and_ratio_under_the_group_so_the_ratios_are_easy_to_find()
    {
        var report = new BenchReport();
        report.Add(new Figure("nodeRed.latencyP99", "p99", 2.0, "ms") { Peer = "Node-RED", PeerValue = 4.0, Goal = "ratio ≤ 1", GoalMet = true });
        report.Add(new Figure("nodeRed.rss", "RSS", 30, "MiB") { Peer = "Node-RED", PeerValue = 80 });
        report.Add(new Figure("rules.eventsPerSecond", "rules", 1_234_567, "events/s"));

        using var json = JsonDocument.Parse(report.ToJson());
        var nodeRed = json.RootElement.GetProperty("results").GetProperty("nodeRed");
        Assert.Equal(2.0, nodeRed.GetProperty("latencyP99").GetDouble());
        Assert.Equal(4.0, nodeRed.GetProperty("latencyP99Peer").GetDouble());
        Assert.Equal(0.5, nodeRed.GetProperty("latencyP99Ratio").GetDouble());
        Assert.Equal(0.375, nodeRed.GetProperty("rssRatio").GetDouble());
        var rules = json.RootElement.GetProperty("results").GetProperty("rules");
        Assert.Equal(1_234_567, rules.GetProperty("eventsPerSecond").GetDouble());
        Assert.False(rules.TryGetProperty("eventsPerSecondRatio", out _));

        var figure = json.RootElement.GetProperty("figures")[0];
        Assert.Equal("nodeRed.latencyP99", figure.GetProperty("name").GetString());
        Assert.Equal("ms", figure.GetProperty("unit").GetString());
        Assert.True(figure.GetProperty("goalMet").GetBoolean());
    }

    [Fact]
    public void The_output_names_the_machine_and_the_failed_scenarios()
    {
        var report = new BenchReport();
        report.Software["Node-RED"] = "4.1.15";
        report.Fail("fanIn", "dispatch exited during start-up");

        using var json = JsonDocument.Parse(report.ToJson());
        var machine = json.RootElement.GetProperty("machine");
        Assert.Equal(Environment.ProcessorCount, machine.GetProperty("cores").GetInt32());
        Assert.Contains(".NET", machine.GetProperty("dotnet").GetString(), StringComparison.Ordinal);
        Assert.True(machine.GetProperty("memoryGiB").GetDouble() > 0);
        Assert.Equal("4.1.15", json.RootElement.GetProperty("software").GetProperty("Node-RED").GetString());
        Assert.Equal("fanIn", json.RootElement.GetProperty("failures")[0].GetProperty("scenario").GetString());

        var table = report.ToMarkdown();
        Assert.Contains("fanIn failed", table, StringComparison.Ordinal);
        Assert.Contains($"{Environment.ProcessorCount} cores", table, StringComparison.Ordinal);
        Assert.Contains("Node-RED 4.1.15", table, StringComparison.Ordinal);
    }

    [Fact]
    public void A_table_row_shows_the_peer_the_ratio_and_whether_the_goal_was_met()
    {
        var report = new BenchReport();
        report.Add(new Figure("nodeRed.startup", "start-up to ready", 300, "ms") { Peer = "Node-RED", PeerValue = 1200, Goal = "ratio ≤ 0.2", GoalMet = false });

        var row = report.ToMarkdown().Split('\n').Single(l => l.Contains("nodeRed.startup", StringComparison.Ordinal));
        Assert.Contains("| 300 ms |", row, StringComparison.Ordinal);
        Assert.Contains("1 200 ms (Node-RED)", row, StringComparison.Ordinal);
        Assert.Contains("| 0.25 |", row, StringComparison.Ordinal);
        Assert.Contains("missed", row, StringComparison.Ordinal);
    }

    [Fact]
    public void A_figure_without_a_group_or_value_is_refused()
    {
        var report = new BenchReport();
        Assert.Throws<ArgumentException>(() => report.Add(new Figure("latency", "no group", 1, "ms")));
        Assert.Throws<ArgumentException>(() => report.Add(new Figure("a.b", "no value", double.NaN, "ms")));
    }
}
