using HomeGateway.Core.Events;

namespace HomeGateway.Gateway.Pipeline;

/// <summary>
/// Where sensor adapters (GPIO, MQTT) hand over normalised events. The pipeline behind it journals each
/// event before the rules see it. Thread-safe; may wait briefly when the pipeline is behind.
/// </summary>
public interface ISensorEventSink
{
    /// <summary>Hands the event over; completes when it is queued (in memory) for the journal.</summary>
    ValueTask PublishAsync(SensorEvent sensorEvent, CancellationToken cancellationToken);

    /// <summary>
    /// Hands the event over and completes when it is queued, in order with every other event; the returned task completes
    /// with its sequence number once it is durably in the journal (fsynced), and faults or is cancelled if it never will
    /// be. For an input that must not confirm receipt before then (an MQTT QoS 1 PUBACK), while the next event is already
    /// on its way: a burst is journalled in one commit. A sink that journals nothing (a test capture) completes it at
    /// once with 0. The pipeline's sink completes it on its own thread, and continuations that await it run there: they
    /// must be quick and must not block (send the acknowledgement, then return).
    /// </summary>
    async ValueTask<Task<long>> QueueDurablyAsync(SensorEvent sensorEvent, CancellationToken cancellationToken)
    {
        await PublishAsync(sensorEvent, cancellationToken).ConfigureAwait(false);
        return Task.FromResult(0L);
    }

    /// <summary>
    /// As <see cref="QueueDurablyAsync(SensorEvent, CancellationToken)"/>, for an event that came in a message with a delivery
    /// promise: the receipt is journalled with it, and when the message is a redelivery of one already journalled the event
    /// is not journalled or decided again — the task completes with the original's sequence number. A sink that journals
    /// nothing ignores the receipt.
    /// </summary>
    ValueTask<Task<long>> QueueDurablyAsync(SensorEvent sensorEvent, Journal.MessageReceipt? receipt, CancellationToken cancellationToken) =>
        QueueDurablyAsync(sensorEvent, cancellationToken);

    /// <summary>Hands the event over and completes once it is durably in the journal; returns its sequence number.</summary>
    async ValueTask<long> PublishDurablyAsync(SensorEvent sensorEvent, CancellationToken cancellationToken)
    {
        var journalled = await QueueDurablyAsync(sensorEvent, cancellationToken).ConfigureAwait(false);
        return await journalled.WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>
/// Told about each alert step after it is durably in the journal (local MQTT republish, LED/buzzer).
/// Called on the pipeline's loop: must be quick, must not throw and must not wait for the network (a copy for the home's
/// broker is queued, <see cref="Mqtt.LocalAlertCopies"/>); the loop goes on only when the observers return.
/// </summary>
public interface IAlertObserver
{
    ValueTask OnAlertCommittedAsync(long seq, HomeGateway.Core.Alerts.AlertEvent alert, CancellationToken cancellationToken);
}

/// <summary>
/// Sees each sensor event as the inputs hand it over (telemetry). Called on the input's thread, before the journal:
/// must be quick, must not wait and must not throw.
/// </summary>
public interface ISensorEventObserver
{
    void OnSensorEvent(HomeGateway.Core.Events.SensorEvent sensorEvent);
}
