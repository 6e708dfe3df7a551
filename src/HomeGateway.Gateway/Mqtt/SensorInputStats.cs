using System.Collections.Concurrent;

namespace HomeGateway.Gateway.Mqtt;

/// <summary>
/// What the technician sees of one sensor's input (<c>homegateway sensors</c>): how many messages were read and
/// refused, when it was last heard from, why it was last refused, and its last reported health.
/// </summary>
/// <param name="SensorId">The sensor's id from the home file.</param>
/// <param name="Accepted">Messages read (whether or not they yielded an event).</param>
/// <param name="Rejected">Messages refused (malformed, wrong type, unknown key, too large).</param>
/// <param name="LastSeen">When the last readable message came (gateway clock).</param>
/// <param name="LastRejectionReason">Why the last refused message was refused (at most 200 characters).</param>
/// <param name="LastRejectedAt">When that was.</param>
/// <param name="BatteryPercent">The last battery level the device reported.</param>
/// <param name="BatteryLow">The last low-battery flag the device reported.</param>
/// <param name="LinkQuality">The last link quality (Zigbee LQI 0–255).</param>
/// <param name="VoltageMillivolts">The last battery or supply voltage, in mV.</param>
public sealed record SensorInputSnapshot(
    string SensorId,
    long Accepted,
    long Rejected,
    DateTimeOffset? LastSeen,
    string? LastRejectionReason,
    DateTimeOffset? LastRejectedAt,
    int? BatteryPercent,
    bool? BatteryLow,
    int? LinkQuality,
    int? VoltageMillivolts)
{
    /// <summary>Messages read (and counted in <see cref="Accepted"/>) whose events never reached the journal (the gateway was stopping).</summary>
    public long Dropped { get; init; }

    /// <summary>Who handed over its last readable message: <c>login:NAME</c> (embedded broker) or <c>broker:HOST:PORT</c> (external).</summary>
    public string? LastPublisher { get; init; }
}

/// <summary>
/// Counters of what the sensor inputs accepted and refused, per sensor, for <c>doctor</c>, metrics and the technician's
/// sensor listing (<see cref="Snapshot"/>). Messages on topics of no configured sensor are counted per topic, apart
/// from sensors. Thread-safe; memory is bounded: one entry per configured sensor (the inputs count only sensors of the
/// home file), at most 256 unknown topics, and each stored reason is cut to 200 characters.
/// </summary>
public sealed class SensorInputStats
{
    /// <summary>The key under which unknown topics are counted once <see cref="MaxUnknownTopics"/> distinct ones were seen.</summary>
    public const string OtherTopics = "(other)";

    private const int MaxUnknownTopics = 256;
    private const int MaxReasonLength = 200;

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

    /// <summary>One consistent line per sensor heard from (or refused) since start, ordered by sensor id.</summary>
    public IReadOnlyList<SensorInputSnapshot> Snapshot() =>
        _sensors.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value.Snapshot(p.Key)).ToList();

    /// <summary>The line of one sensor; null when nothing was heard from it.</summary>
    public SensorInputSnapshot? Snapshot(string sensorId) => _sensors.TryGetValue(sensorId, out var c) ? c.Snapshot(sensorId) : null;

    internal void CountRejected(string sensorId) => CountRejected(sensorId, null, null);

    internal void CountRejected(string sensorId, string? reason, DateTimeOffset? at)
    {
        var c = For(sensorId);
        lock (c)
        {
            c.Rejected++;
            if (reason is not null)
            {
                c.LastRejectionReason = reason.Length <= MaxReasonLength ? reason : reason[..MaxReasonLength] + "…";
                c.LastRejectedAt = at;
            }
        }
    }

    /// <summary>Messages from <paramref name="sensorId"/> that were read but whose events never reached the journal.</summary>
    public long DroppedMessages(string sensorId) => _sensors.TryGetValue(sensorId, out var c) ? Interlocked.Read(ref c.Dropped) : 0;

    internal void CountDropped(string sensorId)
    {
        var c = For(sensorId);
        lock (c)
        {
            c.Dropped++;
        }
    }

    internal void CountAccepted(string sensorId, DateTimeOffset at, string? publisher = null)
    {
        var c = For(sensorId);
        lock (c)
        {
            c.Accepted++;
            c.LastSeenTicks = at.UtcTicks;
            c.LastPublisher = publisher ?? c.LastPublisher;
        }
    }

    /// <summary>Keeps what the device last said about its health; a value the message did not carry stays as it was.</summary>
    internal void RecordHealth(string sensorId, int? batteryPercent, bool? batteryLow, int? linkQuality, int? voltageMillivolts)
    {
        if (batteryPercent is null && batteryLow is null && linkQuality is null && voltageMillivolts is null)
        {
            return;
        }

        var c = For(sensorId);
        lock (c)
        {
            c.BatteryPercent = batteryPercent ?? c.BatteryPercent;
            c.BatteryLow = batteryLow ?? c.BatteryLow;
            c.LinkQuality = linkQuality ?? c.LinkQuality;
            c.VoltageMillivolts = voltageMillivolts ?? c.VoltageMillivolts;
        }
    }

    internal void CountUnknownTopic(string topic)
    {
        // A client publishing to ever new topics must not grow this map without bound.
        var key = _unknownTopics.Count < MaxUnknownTopics || _unknownTopics.ContainsKey(topic) ? topic : OtherTopics;
        _unknownTopics.AddOrUpdate(key, 1, (_, n) => n + 1);
    }

    private Counters For(string sensorId) => _sensors.GetOrAdd(sensorId, _ => new Counters());

    // Written under its own lock; the 64-bit counters are also read lock-free with Interlocked.Read.
    private sealed class Counters
    {
        public long Rejected;
        public long Accepted;
        public long Dropped;
        public long LastSeenTicks;
        public string? LastPublisher;
        public string? LastRejectionReason;
        public DateTimeOffset? LastRejectedAt;
        public int? BatteryPercent;
        public bool? BatteryLow;
        public int? LinkQuality;
        public int? VoltageMillivolts;

        public SensorInputSnapshot Snapshot(string sensorId)
        {
            lock (this)
            {
                return new SensorInputSnapshot(sensorId, Accepted, Rejected,
                    LastSeenTicks == 0 ? null : new DateTimeOffset(LastSeenTicks, TimeSpan.Zero),
                    LastRejectionReason, LastRejectedAt, BatteryPercent, BatteryLow, LinkQuality, VoltageMillivolts) { Dropped = Dropped, LastPublisher = LastPublisher };
            }
        }
    }
}
