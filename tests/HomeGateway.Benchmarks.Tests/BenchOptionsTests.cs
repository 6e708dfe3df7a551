using HomeGateway.Benchmarks.Suite;

namespace HomeGateway.Benchmarks.Tests;

public class BenchOptionsTests
{
    [Fact]
    public void Scenarios_are_chosen_by_name_and_parameters_read_with_their_defaults()
    {
        var options = BenchOptions.Parse(["--only", "fanIn,nodeRed", "--skip=nodeRed", "--gateways", "20000"]);

        Assert.True(options.Wants("fanin"));
        Assert.False(options.Wants("nodeRed"));
        Assert.False(options.Wants("endToEnd"));
        Assert.Equal(20000, options.Int("gateways", 5000, 200));
        Assert.Equal(1000, options.Int("falls", 1000, 50));
    }

    [Fact]
    public void Quick_takes_the_smoke_defaults_but_an_explicit_value_wins()
    {
        var options = BenchOptions.Parse(["--quick", "--falls", "80"]);

        Assert.Equal(200, options.Int("gateways", 5000, 200));
        Assert.Equal(80, options.Int("falls", 1000, 50));
        Assert.True(options.Wants("anything"));
    }

    [Theory]
    [InlineData("--gateways", "many")]
    [InlineData("--gateways", "0")]
    [InlineData("--gateways", "-5")]
    public void A_bad_number_is_refused_with_the_parameter_named(string name, string value)
    {
        var options = BenchOptions.Parse([name, value]);
        var error = Assert.Throws<ArgumentException>(() => options.Int("gateways", 5000, 200));
        Assert.Contains("--gateways", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_reconnect_scenario_reads_its_outage_with_defaults_and_names_it_in_its_help()
    {
        var scenario = new HomeGateway.Benchmarks.Suite.FanIn.ReconnectScenario();
        var options = BenchOptions.Parse(["--only", scenario.Name, "--outage", "60"]);

        Assert.Equal("reconnect", scenario.Name);
        Assert.True(options.Wants("reconnect"));
        Assert.False(options.Wants("fanIn"));
        Assert.Equal(60, options.Int("outage", 30, 10));
        Assert.Equal(10, BenchOptions.Parse(["--quick"]).Int("outage", 30, 10));
        Assert.Contains("--outage S (30, quick 10)", scenario.Parameters, StringComparison.Ordinal);
    }

    [Fact]
    public void Stray_words_and_a_missing_value_are_refused()
    {
        Assert.Throws<ArgumentException>(() => BenchOptions.Parse(["fanIn"]));
        Assert.Throws<ArgumentException>(() => BenchOptions.Parse(["--gateways"]));
    }
}
