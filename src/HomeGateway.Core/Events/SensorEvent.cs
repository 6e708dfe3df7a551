namespace HomeGateway.Core.Events;

/// <summary>
/// One normalised observation from one sensor, stamped with the gateway's clock.
/// </summary>
/// <param name="HomeId">The home the gateway serves.</param>
/// <param name="SensorId">The sensor's id from the home file.</param>
/// <param name="Kind">What the sensor measures.</param>
/// <param name="State">A word from <see cref="SensorStates"/>.</param>
/// <param name="At">When the gateway observed it (its <see cref="TimeProvider"/>).</param>
/// <param name="Source">Where it came from, e.g. <c>gpio:17</c> or <c>mqtt:zigbee2mqtt/front_door</c>.</param>
public sealed record SensorEvent(
    string HomeId,
    string SensorId,
    SensorKind Kind,
    string State,
    DateTimeOffset At,
    string Source)
{
    /// <summary>A measured value (temperature in °C), when the sensor reports one.</summary>
    public double? Value { get; init; }

    /// <summary>Battery level 0–100 %, when the device reported it in this message.</summary>
    public int? BatteryPercent { get; init; }

    /// <summary>Radio link quality as the device network reports it (Zigbee LQI 0–255).</summary>
    public int? LinkQuality { get; init; }

    /// <summary>
    /// The device's own low-battery flag (Zigbee2MQTT <c>battery_low</c>), when it sent one: many devices report
    /// the flag long before, or instead of, a percentage. Null when the message did not say.
    /// </summary>
    public bool? BatteryLow { get; init; }

    /// <summary>
    /// What the device added to the state in its own words, short and machine-readable: a dispenser error's
    /// <c>code=jam</c>, a dose's <c>dose_id=morning</c>. For the dispatcher and the journal; rules never branch on it.
    /// </summary>
    public string? Detail { get; init; }

    /// <summary>
    /// Who handed the gateway this report, for the technician and the journal: <c>login:NAME</c> for the embedded MQTT
    /// broker's login that published it, <c>broker:HOST:PORT</c> for a message from an external broker (which login
    /// published there is the broker's knowledge, not the gateway's). Null for inputs without one (GPIO).
    /// </summary>
    public string? Publisher { get; init; }
}
