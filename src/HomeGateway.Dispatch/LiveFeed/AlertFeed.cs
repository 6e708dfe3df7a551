using System.Threading.Channels;
using HomeGateway.Dispatch.Store;
using Microsoft.Extensions.Logging;

namespace HomeGateway.Dispatch.LiveFeed;

/// <summary>
/// Changes to the queue (newly stored alert steps, acknowledgements), fanned out to live consoles. Publishing never waits for a subscriber.
/// On PostgreSQL (several dispatch nodes) <see cref="PostgresAlertFeed"/> also sends a NOTIFY after the commit, and the
/// listener on every other node feeds its local subscribers; the contract stays the same.
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
    // Enough for a burst from many gateways; a console that falls this far behind reloads instead. Not sized for a mass
    // outage: thousands of gateways going offline (or coming back) together arrive as a few OutageBatch changes (one per
    // store transaction), so a live console takes a slot per batch, not per gateway. A larger capacity would only move
    // the cliff (5,000 gateways one by one needs 5,000 slots for each of 20 consoles) and hold more memory per console.
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

    /// <summary>Completes every subscription: the subscribers may have missed changes (another node's) and must reload.</summary>
    public void ReloadAll()
    {
        lock (gate)
        {
            foreach (var channel in subscribers)
            {
                channel.Writer.TryComplete();
            }

            subscribers.Clear();
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

    [LoggerMessage(3001, LogLevel.Warning, "Could not send a live feed notice to the other dispatch nodes (attempt {Attempt}); retrying")]
    public static partial void NotifyFailed(ILogger logger, int attempt, Exception exception);

    [LoggerMessage(3002, LogLevel.Error, "Gave up sending a live feed notice to the other dispatch nodes; their consoles see the change at their next reload")]
    public static partial void NotifyGaveUp(ILogger logger, Exception exception);

    [LoggerMessage(3003, LogLevel.Warning, "The live feed's listening connection failed ({Failures} in a row); consoles reload, reconnecting")]
    public static partial void ListenFailed(ILogger logger, int failures, Exception exception);

    [LoggerMessage(3004, LogLevel.Information, "The live feed listens to the other dispatch nodes again after {Failures} failure(s)")]
    public static partial void Relistening(ILogger logger, int failures);

    [LoggerMessage(3005, LogLevel.Warning, "An unreadable live feed notice from another node; consoles reload")]
    public static partial void UnreadableNotice(ILogger logger, Exception exception);
}
