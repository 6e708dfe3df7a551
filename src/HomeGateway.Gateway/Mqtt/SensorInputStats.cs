using System.Collections.Concurrent;

namespace HomeGateway.Gateway.Mqtt;

/// <summary>
/// Counters of what the sensor inputs accepted and refused, per sensor, for <c>doctor</c> and metrics.
/// Messages on topics of no configured sensor are counted per topic, apart from sensors.
/// Thread-safe; counters only go up while the process runs.
/// </summary>
public sealed class SensorInputStats
{
    /// <summary>The key under which unknown topics are counted once <see cref="MaxUnknownTopics"/> distinct ones were seen.</summary>
    public const string OtherTopics = "(other)";

    private const int MaxUnknownTopics = 256;

    private readonly ConcurrentDictionary<string, Counters> _sensors = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _unknownTopics = new(StringComparer.Ordinal);

    /// <summary>Messages from <paramref name="sensorId"/> that were refused (malformed, wrong type, too large).</summary>
    public long RejectedMessages(string sensorId) => _sensors.TryGetValue(sensorId, out var c) ? Interlocked.Read(ref c.Rejected) : 0;

    /// <summary>Messages from <paramref name="sensorId"/> that were read (whether or not they yielded an event).</summary>
    public long AcceptedMessages(string sensorId) => _sensors.TryGetValue(sensorId, out var c) ? Interlocked.Read(ref c.Accepted) : 0;

    /// <summary>When the sensor was last heard from with a readable message (gateway clock).</summary>
    public DateTimeOffset? LastSeen(string sensorId) =>
        _sensors.TryGetValue(sensorId, out var c) && Interlocked.Read(ref c.LastSeenTicks) is var t && t != 0
            ? new DateTimeOffset(t, TimeSpan.Zero)
            : null;

    /// <summary>Messages on <paramref name="topic"/>, which no sensor in the home file uses.</summary>
    public long UnknownTopicMessages(string topic) => _unknownTopics.TryGetValue(topic, out var n) ? n : 0;

    /// <summary>All messages on topics of no configured sensor.</summary>
    public long TotalUnknownTopicMessages => _unknownTopics.Values.Sum();

    /// <summary>Rejected counts of every sensor that has any.</summary>
    public IReadOnlyDictionary<string, long> RejectedBySensor() =>
        _sensors.Where(p => Interlocked.Read(ref p.Value.Rejected) > 0)
            .ToDictionary(p => p.Key, p => Interlocked.Read(ref p.Value.Rejected), StringComparer.Ordinal);

    internal void CountRejected(string sensorId) => Interlocked.Increment(ref For(sensorId).Rejected);

    internal void CountAccepted(string sensorId, DateTimeOffset at)
    {
        var c = For(sensorId);
        Interlocked.Increment(ref c.Accepted);
        Interlocked.Exchange(ref c.LastSeenTicks, at.UtcTicks);
    }

    internal void CountUnknownTopic(string topic)
    {
        // A client publishing to ever new topics must not grow this map without bound.
        var key = _unknownTopics.Count < MaxUnknownTopics || _unknownTopics.ContainsKey(topic) ? topic : OtherTopics;
        _unknownTopics.AddOrUpdate(key, 1, (_, n) => n + 1);
    }

    private Counters For(string sensorId) => _sensors.GetOrAdd(sensorId, _ => new Counters());

    private sealed class Counters
    {
        public long Rejected;
        public long Accepted;
        public long LastSeenTicks;
    }
}
