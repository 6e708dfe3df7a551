using System.Threading.Channels;
using HomeGateway.Dispatch.Store;
using Microsoft.Extensions.Logging;

namespace HomeGateway.Dispatch.LiveFeed;

/// <summary>
/// Changes to the queue (newly stored alert steps, acknowledgements), fanned out to live consoles. Publishing never waits for a subscriber.
/// With several dispatch nodes this becomes PostgreSQL LISTEN/NOTIFY: <see cref="Publish"/> sends a NOTIFY
/// after the commit, and a listener on every node feeds its local subscribers; the contract stays the same.
/// </summary>
public interface IAlertFeed
{
    /// <summary>Called after the change is committed, once per change (never for a duplicate).</summary>
    void Publish(QueueChange change);

    /// <summary>Steps published from now on, until the subscription is disposed or dropped for being slow.</summary>
    AlertSubscription Subscribe();
}

/// <summary>One subscriber's bounded queue. When it completes, the subscriber was dropped: reload and resubscribe.</summary>
public sealed class AlertSubscription(ChannelReader<QueueChange> reader, Action unsubscribe) : IDisposable
{
    public ChannelReader<QueueChange> Reader => reader;

    public void Dispose() => unsubscribe();
}

/// <summary>The single-node feed: an in-process fan-out.</summary>
public sealed class InProcessAlertFeed(ILogger<InProcessAlertFeed> logger) : IAlertFeed
{
    // Enough for a burst from many gateways; a console that falls this far behind reloads instead.
    internal const int SubscriberCapacity = 256;

    private readonly Lock gate = new();
    private readonly List<Channel<QueueChange>> subscribers = [];

    public void Publish(QueueChange change)
    {
        List<Channel<QueueChange>>? slow = null;
        lock (gate)
        {
            foreach (var channel in subscribers)
            {
                if (!channel.Writer.TryWrite(change))
                {
                    (slow ??= []).Add(channel);
                }
            }

            if (slow is not null)
            {
                foreach (var channel in slow)
                {
                    subscribers.Remove(channel);
                    channel.Writer.TryComplete(new SubscriberTooSlowException());
                    LiveFeedLog.SubscriberDropped(logger, SubscriberCapacity);
                }
            }
        }
    }

    public AlertSubscription Subscribe()
    {
        var channel = Channel.CreateBounded<QueueChange>(new BoundedChannelOptions(SubscriberCapacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails instead of silently dropping a step.
        });
        lock (gate)
        {
            subscribers.Add(channel);
        }

        return new AlertSubscription(channel.Reader, () =>
        {
            lock (gate)
            {
                subscribers.Remove(channel);
            }

            channel.Writer.TryComplete();
        });
    }
}

/// <summary>The subscriber did not keep up and was dropped; it has missed steps.</summary>
public sealed class SubscriberTooSlowException() : Exception("The live feed subscriber fell behind and was dropped.");

internal static partial class LiveFeedLog
{
    [LoggerMessage(3000, LogLevel.Warning, "A live feed subscriber fell {Capacity} steps behind and was dropped")]
    public static partial void SubscriberDropped(ILogger logger, int capacity);
}
