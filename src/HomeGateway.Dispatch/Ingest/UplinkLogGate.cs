using System.Collections.Concurrent;

namespace HomeGateway.Dispatch.Ingest;

/// <summary>
/// At most one log line per gateway, kind of trouble and <see cref="Window"/>, with how many were held back: a gateway
/// that sends bad frames in a loop (a broken build, a probe) reconnects every few seconds, and one line each time filled
/// megabytes of log that buried everything else. Keys are authenticated gateway ids (only a gateway with a certificate
/// gets this far), so the table is bounded by the fleet.
/// </summary>
internal sealed class UplinkLogGate(TimeProvider time)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<(string GatewayId, string Kind), Entry> entries = new();

    /// <summary>True when this one may be logged; <paramref name="held"/> is how many were not since the last one logged.</summary>
    public bool TryPass(string gatewayId, string kind, out long held)
    {
        var now = time.GetUtcNow();
        var entry = entries.GetOrAdd((gatewayId, kind), static _ => new Entry());
        lock (entry)
        {
            if (entry.LoggedAt is { } at && now - at < Window)
            {
                entry.Held++;
                held = 0;
                return false;
            }

            held = entry.Held;
            entry.Held = 0;
            entry.LoggedAt = now;
            return true;
        }
    }

    private sealed class Entry
    {
        public DateTimeOffset? LoggedAt { get; set; }

        public long Held { get; set; }
    }
}
