using HomeGateway.Benchmarks.Suite;
using HomeGateway.Benchmarks.Suite.ConsoleLoad;

namespace HomeGateway.Benchmarks.Tests;

/// <summary>
/// The console-load scenario reads its knobs as documented and reports every figure under stable keys: a renamed key or
/// a dropped console reported as zero would publish wrong figures without the bench failing.
/// </summary>
public class ConsoleLoadTests
{
    [Fact]
    public void Defaults_quick_and_explicit_values_are_read_as_its_help_says()
    {
        var scenario = new ConsoleLoadScenario();
        Assert.Equal("consoleLoad", scenario.Name);
        Assert.Equal(9, scenario.Order);
        Assert.Contains("--gateways K (5000, quick 500)", scenario.Parameters, StringComparison.Ordinal);
        Assert.Contains("--consoles N (20, quick 5)", scenario.Parameters, StringComparison.Ordinal);

        var full = ConsoleLoadSettings.From(BenchOptions.Parse(["--only", "consoleLoad"]));
        Assert.Equal(new ConsoleLoadSettings(5000, 20, 20, false, 16, 3, WatchPage: true), full);
        Assert.Equal(10, full.HeartbeatSeconds);
        Assert.Equal("api/alerts/stream", full.StreamPath);

        var quick = ConsoleLoadSettings.From(BenchOptions.Parse(["--quick"]));
        Assert.Equal((500, 5, 1), (quick.Gateways, quick.Consoles, quick.PageLoads));

        var asked = ConsoleLoadSettings.From(BenchOptions.Parse(["--quick", "--consoles", "40", "--stream", "outages", "--reporting", "60", "--watch-page", "no"]));
        Assert.Equal((40, true, 60, 30, false), (asked.Consoles, asked.BatchedStreams, asked.ReportingSeconds, asked.HeartbeatSeconds, asked.WatchPage));
        Assert.Equal("api/alerts/stream?batch=outages", asked.StreamPath);
    }

    [Theory]
    [InlineData("--stream", "grouped", "--stream")]
    [InlineData("--reporting", "10", "--reporting")]
    [InlineData("--consoles", "0", "--consoles")]
    [InlineData("--watch-page", "maybe", "--watch-page")]
    public void A_value_dispatch_or_the_scenario_cannot_take_is_refused_with_its_name(string name, string value, string named)
    {
        var error = Assert.Throws<ArgumentException>(() => ConsoleLoadSettings.From(BenchOptions.Parse([name, value])));
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_figure_is_reported_under_its_key_and_a_dropped_console_misses_the_goal()
    {
        var settings = ConsoleLoadSettings.From(BenchOptions.Parse([]));
        var outage = new ConsolePhase([20_100, 20_300], [100, 300], Incomplete: 1, Dropped: 1, Duplicates: 0, Mismatched: 0, EventsPerConsole: 10);
        var restore = new ConsolePhase([30_000, 31_000], [900, 1000], Incomplete: 0, Dropped: 0, Duplicates: 2, Mismatched: 1, EventsPerConsole: 40);
        var result = new ConsoleLoadResult(settings, 5000, outage, restore, 29.5, new QueueFetch(120, 4_096_000), new QueueFetch(40, 1_024_000), [900, 700, 800],
            new BrowserWatch(OutageSeconds: null, RestoreSeconds: 95, Reloads: 2, Reconnects: 2, PatienceSeconds: 240));

        var report = new BenchReport();
        foreach (var figure in result.ToFigures())
        {
            report.Add(figure);
        }

        var figures = report.Figures.ToDictionary(f => f.Name, StringComparer.Ordinal);
        Assert.Equal(
            [
                "consoleLoad.browserOutage", "consoleLoad.browserReloads", "consoleLoad.browserRestore", "consoleLoad.consolesDropped", "consoleLoad.outageEvents", "consoleLoad.outageFromDrop", "consoleLoad.outageSpreadMax",
                "consoleLoad.outageSpreadP50", "consoleLoad.outageSpreadP99", "consoleLoad.pageRenderMs", "consoleLoad.queueGroupedMs",
                "consoleLoad.queueGroupedSize", "consoleLoad.queueListMs", "consoleLoad.queueListSize", "consoleLoad.restoreFromReconnect",
                "consoleLoad.restoreSpreadMax", "consoleLoad.restoreSpreadP50", "consoleLoad.restoreSpreadP99", "consoleLoad.stepsWrong",
            ],
            figures.Keys.Order(StringComparer.Ordinal));
        Assert.Equal((1, false), (figures["consoleLoad.consolesDropped"].Value, figures["consoleLoad.consolesDropped"].GoalMet));
        Assert.Equal((3, false), (figures["consoleLoad.stepsWrong"].Value, figures["consoleLoad.stepsWrong"].GoalMet));
        Assert.Equal(300, figures["consoleLoad.outageSpreadMax"].Value);
        Assert.Equal(20.3, figures["consoleLoad.outageFromDrop"].Value, 6);
        Assert.Equal(800, figures["consoleLoad.pageRenderMs"].Value);
        Assert.Equal(4000, figures["consoleLoad.queueListSize"].Value);
        Assert.Equal((240, false), (figures["consoleLoad.browserOutage"].Value, figures["consoleLoad.browserReloads"].GoalMet));
        Assert.Contains("NOT reached", figures["consoleLoad.browserOutage"].Note, StringComparison.Ordinal);
        Assert.Contains("\"consoleLoad\"", report.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_phase_no_console_completed_reports_no_timings_rather_than_failing()
    {
        var none = new ConsolePhase([], [], Incomplete: 20, Dropped: 20, Duplicates: 0, Mismatched: 0, EventsPerConsole: 0);
        var result = new ConsoleLoadResult(ConsoleLoadSettings.From(BenchOptions.Parse([])), 5000, none, none, 30, new QueueFetch(1, 1), new QueueFetch(1, 1), []);

        var names = result.ToFigures().Select(f => f.Name).ToList();

        Assert.DoesNotContain("consoleLoad.outageSpreadP50", names);
        Assert.DoesNotContain("consoleLoad.pageRenderMs", names);
        Assert.Contains("consoleLoad.consolesDropped", names);
    }
}
