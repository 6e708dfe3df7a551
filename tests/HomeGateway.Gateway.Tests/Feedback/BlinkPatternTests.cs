using HomeGateway.Gateway.Feedback;

namespace HomeGateway.Gateway.Tests.Feedback;

public class BlinkPatternTests
{
    private static TimeSpan Ms(int ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void Three_beeps_then_quiet_for_the_rest_of_the_period()
    {
        var beeps = BlinkPattern.EscalationBeeps;
        Assert.Equal(
            [true, false, true, false, true, false, false],
            new[] { 0, 200, 400, 600, 800, 1000, 9_999 }.Select(ms => beeps.IsOnAt(Ms(ms))));
        Assert.True(beeps.IsOnAt(Ms(10_000)));
    }

    [Fact]
    public void The_next_change_is_the_next_edge_and_then_the_next_period()
    {
        var beeps = BlinkPattern.EscalationBeeps;
        Assert.Equal(Ms(200), beeps.NextChangeAfter(Ms(0)));
        Assert.Equal(Ms(400), beeps.NextChangeAfter(Ms(250)));
        Assert.Equal(Ms(10_000), beeps.NextChangeAfter(Ms(1_000)));
        Assert.Equal(Ms(10_200), beeps.NextChangeAfter(Ms(10_000)));
    }

    [Fact]
    public void Steady_and_dark_never_change()
    {
        Assert.True(BlinkPattern.Steady.IsOnAt(Ms(123_456)));
        Assert.Null(BlinkPattern.Steady.NextChangeAfter(Ms(5)));
        Assert.False(BlinkPattern.Dark.IsOnAt(Ms(5)));
        Assert.Null(BlinkPattern.Dark.NextChangeAfter(Ms(5)));
    }

    [Fact]
    public void Heartbeat_is_a_short_flash_every_five_seconds()
    {
        Assert.True(BlinkPattern.Heartbeat.IsOnAt(Ms(5_050)));
        Assert.False(BlinkPattern.Heartbeat.IsOnAt(Ms(5_100)));
        Assert.Equal(Ms(5_000), BlinkPattern.Heartbeat.NextChangeAfter(Ms(100)));
    }
}
