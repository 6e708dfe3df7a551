using System.Net;

namespace HomeGateway.Gateway.Mqtt;

/// <summary>
/// A token bucket per source address for TCP connections to the embedded broker: a burst of <c>perMinute</c> attempts,
/// then <c>perMinute</c> a minute. A device that reconnects after a Wi-Fi blip never notices; a script that opens
/// connections as fast as it can (to guess passwords, or to fill memory before logging in) gets its sockets closed
/// before a byte is read. Memory is bounded: at most <see cref="MaxSources"/> addresses are tracked, and a full bucket
/// (an address quiet for a minute) is forgotten first.
/// </summary>
internal sealed class ConnectionAttemptLimiter(TimeProvider time, int perMinute)
{
    internal const int MaxSources = 4096;

    private readonly Lock _gate = new();
    private readonly Dictionary<IPAddress, Bucket> _buckets = [];

    /// <summary>True when <paramref name="source"/> may open one more connection now (and takes its token).</summary>
    public bool TryAcquire(IPAddress source)
    {
        var now = time.GetTimestamp();
        lock (_gate)
        {
            if (!_buckets.TryGetValue(source, out var bucket))
            {
                if (_buckets.Count >= MaxSources)
                {
                    Forget(now);
                }

                bucket = new Bucket { Tokens = perMinute, Stamp = now };
                _buckets[source] = bucket;
            }

            Refill(bucket, now);
            if (bucket.Tokens < 1)
            {
                return false;
            }

            bucket.Tokens -= 1;
            return true;
        }
    }

    private void Refill(Bucket bucket, long now)
    {
        var elapsed = time.GetElapsedTime(bucket.Stamp, now);
        bucket.Tokens = Math.Min(perMinute, bucket.Tokens + elapsed.TotalMinutes * perMinute);
        bucket.Stamp = now;
    }

    private void Forget(long now)
    {
        foreach (var (address, bucket) in _buckets.ToList())
        {
            Refill(bucket, now);
            if (bucket.Tokens >= perMinute)
            {
                _buckets.Remove(address);
            }
        }

        // Every tracked address is busy: forget the fullest half rather than grow (a flood of spoofed sources).
        if (_buckets.Count >= MaxSources)
        {
            foreach (var address in _buckets.OrderByDescending(p => p.Value.Tokens).Take(MaxSources / 2).Select(p => p.Key).ToList())
            {
                _buckets.Remove(address);
            }
        }
    }

    private sealed class Bucket
    {
        public double Tokens;
        public long Stamp;
    }
}
