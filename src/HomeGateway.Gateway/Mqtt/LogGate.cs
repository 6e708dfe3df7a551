using System.Collections.Concurrent;

namespace HomeGateway.Gateway.Mqtt;

/// <summary>
/// Lets one log line per key through per interval and counts the ones held back, so a misbehaving
/// device (or a password-guessing client) cannot flood the journal on a small SD card.
/// </summary>
internal sealed class LogGate(TimeProvider time, TimeSpan interval)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>True when a line for <paramref name="key"/> may be written now; <paramref name="suppressed"/> is how many were held back since the last one.</summary>
    public bool TryPass(string key, out long suppressed)
    {
        var now = time.GetTimestamp();
        var entry = _entries.GetOrAdd(key, _ => new Entry());
        lock (entry)
        {
            if (entry.LastPassed is { } last && time.GetElapsedTime(last, now) < interval)
            {
                entry.Suppressed++;
                suppressed = 0;
                return false;
            }

            suppressed = entry.Suppressed;
            entry.Suppressed = 0;
            entry.LastPassed = now;
            return true;
        }
    }

    private sealed class Entry
    {
        public long? LastPassed;
        public long Suppressed;
    }
}
