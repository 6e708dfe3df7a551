namespace HomeGateway.Gateway.Tests.Uplink;

/// <summary>Guards that the uplink's batch window is validated at start, naming the setting, and that its default is valid.</summary>
public sealed class UplinkOptionsTests
{
    [Theory]
    [InlineData(-1)]
    [InlineData(5001)]
    public void A_batch_window_out_of_range_is_refused_at_start_with_its_name(int milliseconds)
    {
        var result = new GatewayOptionsValidator().Validate(null, Options(milliseconds));

        Assert.True(result.Failed);
        Assert.Contains($"Gateway:Dispatch:BatchWindowMilliseconds must be between 0 and 5000 (is {milliseconds})", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5000)]
    public void A_batch_window_in_range_is_taken(int milliseconds) =>
        Assert.True(new GatewayOptionsValidator().Validate(null, Options(milliseconds)).Succeeded);

    [Fact]
    public void The_default_window_is_a_quarter_of_a_second()
    {
        var options = new GatewayOptions { HomeFile = "home.yaml", DataDirectory = "data" };
        Assert.Equal(250, options.Dispatch.BatchWindowMilliseconds);
        Assert.True(new GatewayOptionsValidator().Validate(null, options).Succeeded);
    }

    private static GatewayOptions Options(int milliseconds) =>
        new() { HomeFile = "home.yaml", DataDirectory = "data", Dispatch = { BatchWindowMilliseconds = milliseconds } };
}
