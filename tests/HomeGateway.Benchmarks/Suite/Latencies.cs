namespace HomeGateway.Benchmarks.Suite;

/// <summary>Latency samples in milliseconds and their percentiles (nearest rank: p99 of 1,000 is the 990th smallest).</summary>
public sealed class Latencies
{
    private readonly List<double> samples = [];
    private readonly Lock gate = new();

    public int Count
    {
        get
        {
            lock (gate)
            {
                return samples.Count;
            }
        }
    }

    public void Add(double milliseconds)
    {
        lock (gate)
        {
            samples.Add(milliseconds);
        }
    }

    public void Add(TimeSpan elapsed) => Add(elapsed.TotalMilliseconds);

    public double Percentile(double percent)
    {
        double[] sorted;
        lock (gate)
        {
            if (samples.Count == 0)
            {
                throw new InvalidOperationException("no latency samples");
            }

            sorted = [.. samples];
        }

        Array.Sort(sorted);
        var rank = (int)Math.Ceiling(percent / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public double Max => Percentile(100);
}
