namespace HomeGateway.Core.Events;

/// <summary>
/// The normalised state vocabulary. Adapters translate device payloads into these words so that
/// rules never see a vendor's key (Zigbee2MQTT's inverted <c>contact</c>, a radar's <c>fall_down_status</c>).
/// Persisted in the journal: the strings never change.
/// </summary>
public static class SensorStates
{
    public const string Open = "open";
    public const string Closed = "closed";

    public const string Detected = "detected";
    public const string Clear = "clear";

    public const string Fall = "fall";
    public const string SuspectedFall = "suspected_fall";

    public const string Pressed = "pressed";
    public const string Released = "released";

    public const string Occupied = "occupied";
    public const string Empty = "empty";

    public const string Online = "online";
    public const string Offline = "offline";

    /// <summary>A reading whose meaning is in <see cref="SensorEvent.Value"/> (temperature in °C).</summary>
    public const string Measured = "measured";

    /// <summary>A carer arrived (keyswitch, NFC tag, app) / left.</summary>
    public const string CheckIn = "check_in";
    public const string CheckOut = "check_out";

    /// <summary>Medication dispenser events (our documented homegateway profile).</summary>
    public const string DoseDue = "dose_due";
    public const string DoseDispensed = "dose_dispensed";
    public const string DoseTaken = "dose_taken";
    public const string DoseMissed = "dose_missed";
    public const string DispenserError = "dispenser_error";
    public const string RefillLow = "refill_low";

    /// <summary>The UPS reports that mains power failed (the gateway runs on battery) / came back.</summary>
    public const string MainsLost = "mains_lost";
    public const string MainsRestored = "mains_restored";
}
