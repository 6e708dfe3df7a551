using HomeGateway.Core.Configuration;

namespace HomeGateway.Gateway.I2c;

/// <summary>One reading of a UPS's battery monitor: battery voltage and current (positive = charging).</summary>
public readonly record struct BatteryReading(double Volts, double Milliamps);

/// <summary>What the UPS's battery says after a reading: mains or battery, how full, how long it lasts.</summary>
public readonly record struct UpsState(bool OnBattery, int Percent, bool Low, TimeSpan? Runtime);

/// <summary>
/// Turns battery readings into mains lost / restored, a percentage and a runtime estimate (see <see cref="UpsBatteryConfig"/>
/// for why the current decides, not the voltage). A discharge above the threshold twice in a row is mains lost; below half
/// of it (or charging) twice in a row is mains back: one spike of load on a charging UPS, or one noisy reading, changes nothing.
/// Starts on mains. Not thread-safe: one sensor's loop owns it.
/// </summary>
public sealed class UpsBattery(UpsBatteryConfig config)
{
    private bool _onBattery;
    private int _votes;

    /// <summary>The state decided so far (on mains until two readings say otherwise).</summary>
    public UpsState Current { get; private set; }

    public UpsState Observe(BatteryReading reading)
    {
        var discharge = -reading.Milliamps;
        var pointsOtherWay = _onBattery
            ? discharge < config.OnBatteryAboveMilliamps / 2
            : discharge > config.OnBatteryAboveMilliamps;
        _votes = pointsOtherWay ? _votes + 1 : 0;
        if (_votes >= 2)
        {
            _onBattery = !_onBattery;
            _votes = 0;
        }

        var percent = Percent(reading.Volts);
        TimeSpan? runtime = null;
        if (_onBattery && config.CapacityMilliampHours is { } capacity && discharge > 1)
        {
            // A straight line from full to empty is rough for Li-ion (flat in the middle, steep at the ends): an estimate
            // for the technician and the dispatcher, never a rule's input.
            runtime = TimeSpan.FromHours(capacity * percent / 100.0 / discharge);
        }

        Current = new UpsState(_onBattery, percent, reading.Volts < config.LowBelowVolts, runtime);
        return Current;
    }

    public int Percent(double volts) =>
        (int)Math.Round(Math.Clamp((volts - config.EmptyVolts) / (config.FullVolts - config.EmptyVolts), 0, 1) * 100);
}
