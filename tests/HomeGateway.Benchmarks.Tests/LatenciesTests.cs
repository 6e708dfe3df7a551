using HomeGateway.Benchmarks.Suite;

namespace HomeGateway.Benchmarks.Tests;

public class LatenciesTests
{
    [Fact]
    public void Percentiles_are_nearest_rank()
    {
        var latencies = new Latencies();
        // 1..1000 ms, shuffled: p50 is the 500th smallest, p99 the 990th, max the largest.
        foreach (var ms in Enumerable.Range(1, 1000).OrderBy(i => (i * 7919) % 1000))
        {
            latencies.Add(ms);
        }

        Assert.Equal(1000, latencies.Count);
        Assert.Equal(500, latencies.Percentile(50));
        Assert.Equal(950, latencies.Percentile(95));
        Assert.Equal(990, latencies.Percentile(99));
        Assert.Equal(1000, latencies.Max);
        Assert.Equal(1, latencies.Percentile(0));
    }

    [Fact]
    public void One_slow_sample_in_a_hundred_shows_in_p99_but_not_in_p95()
    {
        var latencies = new Latencies();
        for (var i = 0; i < 99; i++)
        {
            latencies.Add(TimeSpan.FromMilliseconds(2));
        }

        latencies.Add(TimeSpan.FromMilliseconds(250));
        Assert.Equal(2, latencies.Percentile(95));
        Assert.Equal(2, latencies.Percentile(99));
        Assert.Equal(250, latencies.Max);
    }

    [Fact]
    public void No_samples_is_an_error_not_a_zero()
    {
        Assert.Throws<InvalidOperationException>(() => new Latencies().Percentile(99));
    }
}
