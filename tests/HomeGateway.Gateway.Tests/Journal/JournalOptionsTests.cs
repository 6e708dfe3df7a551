namespace HomeGateway.Gateway.Tests.Journal;

/// <summary>Guards that a journal budget too small to hold a day of telemetry, and a repeat or mark interval out of range, fail at start with the setting's name.</summary>
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
    public void An_interval_out_of_range_is_refused_at_start_with_its_name(string setting, string value)
    {
        var journal = new JournalOptions();
        if (setting == "RepeatInterval")
        {
            journal.RepeatInterval = TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
        }
        else
        {
            journal.MarkInterval = TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
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
}
