namespace HomeGateway.Core.Configuration;

/// <summary>
/// A chip wired to the Pi's I2C bus and read every <see cref="Every"/>: a temperature sensor (BME280) or a UPS's
/// battery monitor (INA219). Validated by <see cref="HomeConfigValidator"/>; read by the gateway's I2C input.
/// </summary>
/// <param name="Bus">The bus number: 1 is the header's SDA/SCL (GPIO2/GPIO3, <c>/dev/i2c-1</c>).</param>
/// <param name="Address">The 7-bit address, as <c>i2cdetect -y 1</c> shows it (0x76).</param>
/// <param name="Chip">One of <see cref="I2cChips"/>.</param>
public sealed record I2cInputConfig(int Bus, int Address, string Chip)
{
    /// <summary>How often the chip is read. The journal gets far fewer records: see the gateway's I2C README.</summary>
    public TimeSpan Every { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>INA219 only: the battery monitor's settings.</summary>
    public UpsBatteryConfig? Battery { get; init; }
}

/// <summary>
/// What an INA219 on a UPS HAT needs to tell mains from battery and how full the battery is. Mains is decided by the
/// battery's current, not its voltage: a battery recharging after an outage sits below any "mains lost" voltage for an
/// hour while the mains is back, and a full battery stays above it for minutes after the mains is gone.
/// </summary>
public sealed record UpsBatteryConfig
{
    /// <summary>The shunt resistor in ohms (0.1 on the Waveshare UPS HATs): current = shunt voltage / shunt.</summary>
    public double ShuntOhms { get; init; } = 0.1;

    /// <summary>
    /// Discharge current (mA) above which the gateway runs on its battery: mains is lost. Mains is back once the discharge
    /// falls below half of it (or the battery charges). Two readings in a row decide either way.
    /// </summary>
    public double OnBatteryAboveMilliamps { get; init; } = 100;

    /// <summary>Battery voltage at full and at empty (V): the battery percentage is linear between them (a rough guide).</summary>
    public double FullVolts { get; init; } = 8.4;
    public double EmptyVolts { get; init; } = 6.0;

    /// <summary>Below this battery voltage the UPS says its battery is low (the battery-low rule raises).</summary>
    public double LowBelowVolts { get; init; } = 7.0;

    /// <summary>The battery's capacity (mAh), for a runtime estimate while on battery; null = no estimate.</summary>
    public int? CapacityMilliampHours { get; init; }
}

/// <summary>The I2C chips the gateway reads, the kind each measures and the addresses it can answer on.</summary>
public static class I2cChips
{
    public const string Bme280 = "bme280";
    public const string Ina219 = "ina219";

    public static readonly IReadOnlyList<string> All = [Bme280, Ina219];

    /// <summary>What the chip measures for the home file: temperature or the UPS's power.</summary>
    public static Events.SensorKind KindOf(string chip) => chip == Ina219 ? Events.SensorKind.Power : Events.SensorKind.Temperature;

    /// <summary>The addresses the chip's address pins allow.</summary>
    public static IReadOnlyList<int> Addresses(string chip) => chip switch
    {
        Bme280 => [0x76, 0x77],
        // A0/A1 select 16 addresses; Waveshare's UPS HAT (B) uses 0x42, the UPS HAT (C) 0x43, Adafruit's breakout 0x40.
        Ina219 => [.. Enumerable.Range(0x40, 16)],
        _ => [],
    };

    /// <summary>The address as i2cdetect prints it.</summary>
    public static string Hex(int address) => $"0x{address:x2}";
}
