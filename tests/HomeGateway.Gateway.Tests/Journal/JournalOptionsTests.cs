namespace HomeGateway.Gateway.Tests.Journal;

/// <summary>Guards that a journal budget too small to hold a day of telemetry fails at start with the setting's name.</summary>
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
}
