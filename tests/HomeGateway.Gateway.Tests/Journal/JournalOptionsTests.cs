namespace HomeGateway.Gateway.Tests.Journal;

/// <summary>Guards that a journal budget too small to hold a day of telemetry, and a repeat interval, mark interval or commit spacing out of range, fail at start with the setting's name.</summary>
public sealed class JournalOptionsTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(1024 * 1024 - 1)]
    public void A_budget_below_one_mebibyte_is_refused_at_start(long maxBytes)
    {
        var result = new GatewayOptionsValidator().Validate(null, new GatewayOptions
        {
            HomeFile = "home.yaml",
            DataDirectory = "data",
            Journal = new JournalOptions { MaxBytes = maxBytes },
        });

        Assert.True(result.Failed);
        Assert.Contains("Gateway:Journal:MaxBytes", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_budget_is_256_mebibytes_and_valid()
    {
        var options = new GatewayOptions { HomeFile = "home.yaml", DataDirectory = "data" };
        Assert.Equal(256L * 1024 * 1024, options.Journal.MaxBytes);
        Assert.True(new GatewayOptionsValidator().Validate(null, options).Succeeded);
    }

    [Theory]
    [InlineData("RepeatInterval", "-00:00:01")]
    [InlineData("RepeatInterval", "01:00:01")]
    [InlineData("MarkInterval", "00:00:00")]
    [InlineData("MarkInterval", "00:10:01")]
    [InlineData("CommitSpacing", "-00:00:00.001")]
    [InlineData("CommitSpacing", "00:00:01.001")]
    public void An_interval_out_of_range_is_refused_at_start_with_its_name(string setting, string value)
    {
        var journal = new JournalOptions();
        var parsed = TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
        switch (setting)
        {
            case "RepeatInterval":
                journal.RepeatInterval = parsed;
                break;
            case "MarkInterval":
                journal.MarkInterval = parsed;
                break;
            default:
                journal.CommitSpacing = parsed;
                break;
        }

        var result = new GatewayOptionsValidator().Validate(null, new GatewayOptions { HomeFile = "home.yaml", DataDirectory = "data", Journal = journal });

        Assert.True(result.Failed);
        Assert.Contains("Gateway:Journal:" + setting, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_intervals_are_five_minutes_for_repeats_and_for_marks()
    {
        var options = new GatewayOptions { HomeFile = "home.yaml", DataDirectory = "data" };
        Assert.Equal((TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5)), (options.Journal.RepeatInterval, options.Journal.MarkInterval));
        options.Journal.RepeatInterval = TimeSpan.Zero;
        Assert.True(new GatewayOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void Events_are_held_for_company_100_ms_after_a_commit_by_default_and_zero_commits_each_at_once()
    {
        var options = new GatewayOptions { HomeFile = "home.yaml", DataDirectory = "data" };
        Assert.Equal(TimeSpan.FromMilliseconds(100), options.Journal.CommitSpacing);
        options.Journal.CommitSpacing = TimeSpan.Zero;
        Assert.True(new GatewayOptionsValidator().Validate(null, options).Succeeded);
    }
}
