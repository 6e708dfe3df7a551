using HomeGateway.Core.Events;

namespace HomeGateway.Gateway.Pipeline;

/// <summary>
/// Where sensor adapters (GPIO, MQTT) hand over normalised events. The pipeline behind it journals each
/// event before the rules see it. Thread-safe; may wait briefly when the pipeline is behind.
/// </summary>
public interface ISensorEventSink
{
    ValueTask PublishAsync(SensorEvent sensorEvent, CancellationToken cancellationToken);
}

/// <summary>
/// Told about each alert step after it is durably in the journal (local MQTT republish, LED/buzzer).
/// Called on the pipeline's loop: must be quick and must not throw.
/// </summary>
public interface IAlertObserver
{
    ValueTask OnAlertCommittedAsync(long seq, HomeGateway.Core.Alerts.AlertEvent alert, CancellationToken cancellationToken);
}
