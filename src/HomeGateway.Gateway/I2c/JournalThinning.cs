using HomeGateway.Core.Configuration;

namespace HomeGateway.Gateway.I2c;

/// <summary>
/// Which polled readings go to the journal. A chip read every minute would write 1,440 records a day per sensor to the
/// SD card for nothing; the rules need only what changes their decision. A temperature is journalled when it is the first,
/// has moved <see cref="TemperatureStep"/> or more since the last journalled one, has crossed a limit of the temperature
/// rule (min, max, highBelow: the rule's timer must start at the reading that left the range, not up to 15 minutes later),
/// or <see cref="Heartbeat"/> has passed (the offline rule's sign of life, and a value for the dispatcher's chart).
/// A UPS reading is journalled when mains or the battery-low flag changes, the percentage moved <see cref="BatteryStep"/>
/// points or more, or <see cref="Heartbeat"/> has passed. Every reading still updates <c>homegateway sensors</c>.
/// Not thread-safe: one sensor's loop owns it.
/// </summary>
public sealed class JournalThinning(TemperatureRuleConfig? temperatureRule)
{
    public const double TemperatureStep = 0.5;
    public const int BatteryStep = 5;
    public static readonly TimeSpan Heartbeat = TimeSpan.FromMinutes(15);

    private DateTimeOffset? _lastAt;
    private double _lastCelsius;
    private UpsState _lastUps;

    public bool ShouldJournal(double celsius, DateTimeOffset at)
    {
        var journal = _lastAt is not { } last
            || at - last >= Heartbeat
            || !IsWithinStep(temperatureRule, _lastCelsius, celsius);
        if (journal)
        {
            _lastAt = at;
            _lastCelsius = celsius;
        }

        return journal;
    }

    public bool ShouldJournal(UpsState state, DateTimeOffset at)
    {
        var journal = _lastAt is not { } last
            || state.OnBattery != _lastUps.OnBattery
            || state.Low != _lastUps.Low
            || Math.Abs(state.Percent - _lastUps.Percent) >= BatteryStep
            || at - last >= Heartbeat;
        if (journal)
        {
            _lastAt = at;
            _lastUps = state;
        }

        return journal;
    }

    /// <summary>Forget the last journalled reading: after an outage the first reading back is journalled whatever it is.</summary>
    public void Reset() => _lastAt = null;

    /// <summary>
    /// True when <paramref name="reading"/> is less than <see cref="TemperatureStep"/> from the <paramref name="journalled"/>
    /// one and on the same side of each limit of the temperature rule (min, max, highBelow): what a journalled reading may
    /// stand for, here and for a thermometer over MQTT (<see cref="Pipeline.RepeatedReports"/>).
    /// </summary>
    public static bool IsWithinStep(TemperatureRuleConfig? temperatureRule, double journalled, double reading) =>
        Math.Abs(reading - journalled) < TemperatureStep && !CrossesLimit(temperatureRule, journalled, reading);

    private static bool CrossesLimit(TemperatureRuleConfig? temperatureRule, double before, double now)
    {
        if (temperatureRule is null)
        {
            return false;
        }

        // "Inside" as the rule counts it: both limits are in range.
        static bool Below(double value, double limit) => value < limit;
        static bool Above(double value, double limit) => value > limit;
        return Below(before, temperatureRule.Min) != Below(now, temperatureRule.Min)
            || Above(before, temperatureRule.Max) != Above(now, temperatureRule.Max)
            || (temperatureRule.HighBelow is { } high && Below(before, high) != Below(now, high));
    }
}
