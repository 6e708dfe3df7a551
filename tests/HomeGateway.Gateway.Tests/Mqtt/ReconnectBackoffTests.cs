using HomeGateway.Gateway.Mqtt;

namespace HomeGateway.Gateway.Tests.Mqtt;

// The reconnect schedule: exponential from 1 s to a 60 s cap, jittered but never zero, back to 1 s after a stable connection.
public sealed class ReconnectBackoffTests
{
    [Fact]
    public void Doubles_from_one_second_to_the_cap_at_the_top_of_the_jitter()
    {
        var backoff = new ReconnectBackoff(() => 1.0);
        var waits = Enumerable.Range(0, 9).Select(_ => backoff.Next().TotalSeconds).ToArray();
        Assert.Equal([1, 2, 4, 8, 16, 32, 60, 60, 60], waits);
    }

    [Fact]
    public void Jitter_keeps_at_least_half_of_each_step()
    {
        var backoff = new ReconnectBackoff(() => 0.0);
        Assert.Equal([0.5, 1, 2, 4], Enumerable.Range(0, 4).Select(_ => backoff.Next().TotalSeconds));
    }

    [Fact]
    public void A_short_lived_connection_keeps_the_backoff_and_a_stable_one_resets_it()
    {
        var backoff = new ReconnectBackoff(() => 1.0);
        backoff.Next();
        backoff.Next();
        backoff.AfterConnection(TimeSpan.FromSeconds(5));
        Assert.Equal(TimeSpan.FromSeconds(4), backoff.Next());
        backoff.AfterConnection(ReconnectBackoff.StableAfter);
        Assert.Equal(TimeSpan.FromSeconds(1), backoff.Next());
    }
}
