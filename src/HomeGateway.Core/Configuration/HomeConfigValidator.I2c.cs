using HomeGateway.Core.Events;

namespace HomeGateway.Core.Configuration;

/// <summary>The checks on a sensor's <c>i2c:</c> block: a chip the gateway reads, on an address it can have, once per bus.</summary>
public static partial class HomeConfigValidator
{
    // /dev/i2c-0 … /dev/i2c-22 exist on a Pi 4 with every overlay on; 31 leaves room and refuses nonsense.
    private const int MaxI2cBus = 31;

    /// <summary>The fastest poll (a chip read every second is already more than any rule needs).</summary>
    public static readonly TimeSpan I2cFastest = TimeSpan.FromSeconds(1);

    /// <summary>A temperature read less often than hourly is no use to the temperature rule.</summary>
    public static readonly TimeSpan I2cSlowestTemperature = TimeSpan.FromHours(1);

    /// <summary>A UPS read less often than this would delay the power-failure alert by more than it waits itself.</summary>
    public static readonly TimeSpan I2cSlowestPower = TimeSpan.FromSeconds(60);

    private static void ValidateI2c(SensorConfig sensor, I2cInputConfig i2c, string at,
        Dictionary<(int Bus, int Address), string> seen, Action<string, string> problem)
    {
        if (i2c.Bus is < 0 or > MaxI2cBus)
        {
            problem($"{at}.i2c.bus", $"bus {i2c.Bus} is not an I2C bus number (0–{MaxI2cBus}); the header's SDA/SCL is bus 1");
        }

        if (!I2cChips.All.Contains(i2c.Chip))
        {
            problem($"{at}.i2c.chip", $"unknown chip '{i2c.Chip}'; use one of: {string.Join(", ", I2cChips.All)}");
            return;
        }

        var addresses = I2cChips.Addresses(i2c.Chip);
        if (!addresses.Contains(i2c.Address))
        {
            problem($"{at}.i2c.address", $"chip {i2c.Chip} answers on {string.Join(" or ", addresses.Count > 2 ? [I2cChips.Hex(addresses[0]) + "–" + I2cChips.Hex(addresses[^1])] : addresses.Select(I2cChips.Hex))}, not {I2cChips.Hex(i2c.Address)} (check with: i2cdetect -y {i2c.Bus})");
        }
        else if (seen.TryGetValue((i2c.Bus, i2c.Address), out var other))
        {
            problem($"{at}.i2c.address", $"{I2cChips.Hex(i2c.Address)} on bus {i2c.Bus} is already used by sensor '{other}'");
        }
        else
        {
            seen[(i2c.Bus, i2c.Address)] = sensor.Id;
        }

        var kind = I2cChips.KindOf(i2c.Chip);
        if (sensor.Kind != SensorKind.Unknown && sensor.Kind != kind)
        {
            problem($"{at}.i2c.chip", $"chip {i2c.Chip} measures {SensorKindNames.ToName(kind)}; sensor '{sensor.Id}' has kind {SensorKindNames.ToName(sensor.Kind)}");
        }

        var slowest = kind == SensorKind.Power ? I2cSlowestPower : I2cSlowestTemperature;
        if (i2c.Every < I2cFastest || i2c.Every > slowest)
        {
            problem($"{at}.i2c.every", $"must be between {Durations.Describe(I2cFastest)} and {Durations.Describe(slowest)} for chip {i2c.Chip}");
        }

        if (i2c.Chip != I2cChips.Ina219)
        {
            if (i2c.Battery is not null)
            {
                problem($"{at}.i2c", $"sensor '{sensor.Id}': shunt and the battery settings are for chip ina219, not {i2c.Chip}");
            }

            return;
        }

        var battery = i2c.Battery ?? new UpsBatteryConfig();
        if (!(battery.ShuntOhms is > 0 and <= 10))
        {
            problem($"{at}.i2c.shunt", "the shunt resistor must be more than 0 and at most 10 ohms (0.1 on a Waveshare UPS HAT)");
        }

        if (!(battery.OnBatteryAboveMilliamps is >= 10 and <= 5000))
        {
            problem($"{at}.i2c.onBatteryAboveMa", "must be between 10 and 5000 mA: the discharge current of the gateway on battery");
        }

        if (!(battery.EmptyVolts is > 0 and <= 30) || !(battery.FullVolts is > 0 and <= 30) || battery.EmptyVolts >= battery.FullVolts)
        {
            problem($"{at}.i2c.batteryEmpty", "batteryEmpty and batteryFull are volts between 0 and 30, empty below full (a 2-cell Li-ion pack: 6.0 and 8.4)");
        }
        else if (!(battery.LowBelowVolts > battery.EmptyVolts && battery.LowBelowVolts < battery.FullVolts))
        {
            problem($"{at}.i2c.batteryLowBelow", $"must lie between batteryEmpty ({battery.EmptyVolts} V) and batteryFull ({battery.FullVolts} V)");
        }

        if (battery.CapacityMilliampHours is { } capacity && capacity is < 100 or > 100_000)
        {
            problem($"{at}.i2c.capacityMah", "must be between 100 and 100000 mAh");
        }
    }
}
