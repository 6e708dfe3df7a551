using HomeGateway.Core.Events;

namespace HomeGateway.Core.Configuration;

/// <summary>The safety and device-supervision rules. Each is off while null.</summary>
public sealed partial record RulesConfig
{
    public MissedDoseRuleConfig? MissedDose { get; init; }
    public SmokeRuleConfig? Smoke { get; init; }
    public GasRuleConfig? Gas { get; init; }
    public CarbonMonoxideRuleConfig? CarbonMonoxide { get; init; }
    public PowerFailureRuleConfig? PowerFailure { get; init; }
    public WaterLeakRuleConfig? WaterLeak { get; init; }
    public TemperatureRuleConfig? Temperature { get; init; }
    public SensorOfflineRuleConfig? SensorOffline { get; init; }
    public BatteryLowRuleConfig? BatteryLow { get; init; }
    public TamperRuleConfig? Tamper { get; init; }
    public DailyTestRuleConfig? DailyTest { get; init; }
}

/// <summary>
/// Each dose time in <see cref="ScheduleConfig.Doses"/> opens a window [dose, dose + <see cref="Window"/>); no
/// <c>dose_taken</c> inside it raises a high alert exactly at the window's end. The dispenser's own
/// <c>dose_missed</c> raises at once (never twice for one dose), <c>dispenser_error</c> is high, <c>refill_low</c> normal.
/// </summary>
public sealed record MissedDoseRuleConfig
{
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>The medication sensor that reports doses; null means every sensor of kind medication.</summary>
    public string? Dispenser { get; init; }
}

/// <summary>A smoke detector reports smoke: critical at once, cleared when it reports clear.</summary>
public sealed record SmokeRuleConfig
{
    /// <summary>The smoke sensors watched; empty means every sensor of kind smoke.</summary>
    public IReadOnlyList<string> Sensors { get; init; } = [];
}

/// <summary>A gas detector (natural gas, LPG) reports gas: critical at once, cleared when it reports clear.</summary>
public sealed record GasRuleConfig
{
    /// <summary>The gas sensors watched; empty means every sensor of kind gas.</summary>
    public IReadOnlyList<string> Sensors { get; init; } = [];
}

/// <summary>A carbon monoxide detector reports CO: critical at once (CO poisoning is silent), cleared when it reports clear.</summary>
public sealed record CarbonMonoxideRuleConfig
{
    /// <summary>The CO sensors watched; empty means every sensor of kind carbon_monoxide.</summary>
    public IReadOnlyList<string> Sensors { get; init; } = [];
}

/// <summary>
/// The UPS reports mains power lost (<c>mains_lost</c>) and it is not back (<c>mains_restored</c>) within
/// <see cref="After"/>: an alert (normal by default) exactly then; power back clears it. Short cuts are left alone:
/// the gateway rides them out on its battery, and a flickering grid must not page anyone.
/// </summary>
public sealed record PowerFailureRuleConfig
{
    public TimeSpan After { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Normal by default: the gateway keeps working on its battery, but heating, lights and a care phone without
    /// a battery may not; high where the client depends on mains-powered equipment (oxygen, an air mattress).
    /// </summary>
    public AlertPriorityChoice Priority { get; init; } = AlertPriorityChoice.Normal;
}

/// <summary>A leak sensor reports water: an alert at once (high by default), cleared when it reports dry.</summary>
public sealed record WaterLeakRuleConfig
{
    /// <summary>The leak sensors watched; empty means every sensor of kind water_leak.</summary>
    public IReadOnlyList<string> Sensors { get; init; } = [];

    /// <summary>
    /// High by default: water damages the home but rarely endangers the client at once. Critical where a leak
    /// is a fall risk the dispatcher must act on now (a client who walks at night to a wet bathroom floor).
    /// </summary>
    public AlertPriorityChoice Priority { get; init; } = AlertPriorityChoice.High;
}

/// <summary>
/// A temperature outside [<see cref="Min"/>, <see cref="Max"/>] °C continuously for <see cref="For"/> raises a
/// normal alert (high when a reading is below <see cref="HighBelow"/>); a reading back in range clears it.
/// </summary>
public sealed record TemperatureRuleConfig
{
    /// <summary>The temperature sensors watched; empty means every sensor of kind temperature.</summary>
    public IReadOnlyList<string> Sensors { get; init; } = [];

    public double Min { get; init; } = 16;
    public double Max { get; init; } = 30;
    public TimeSpan For { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Below this (°C) the alert is high: an old person in a cold home risks hypothermia. Null = never high.</summary>
    public double? HighBelow { get; init; }
}

/// <summary>
/// A sensor silent longer than its kind's supervision time, or reported offline by its network, raises a normal
/// alert; any message from it clears it.
/// </summary>
public sealed record SensorOfflineRuleConfig
{
    /// <summary>
    /// The supervision times used when <see cref="After"/> names no other. Battery Zigbee devices report at least
    /// daily (Zigbee2MQTT itself waits 25 h); mains-powered radars report often; a dispenser checks in hourly.
    /// Availability and visit sensors are not supervised: silence is normal for them.
    /// </summary>
    public static readonly IReadOnlyDictionary<SensorKind, TimeSpan> DefaultAfter = new Dictionary<SensorKind, TimeSpan>
    {
        [SensorKind.Door] = TimeSpan.FromHours(25),
        [SensorKind.Motion] = TimeSpan.FromHours(25),
        [SensorKind.Presence] = TimeSpan.FromHours(25),
        [SensorKind.Bed] = TimeSpan.FromHours(25),
        [SensorKind.Chair] = TimeSpan.FromHours(25),
        [SensorKind.HelpButton] = TimeSpan.FromHours(25),
        [SensorKind.Smoke] = TimeSpan.FromHours(25),
        [SensorKind.Gas] = TimeSpan.FromHours(25),
        [SensorKind.CarbonMonoxide] = TimeSpan.FromHours(25),
        [SensorKind.WaterLeak] = TimeSpan.FromHours(25),
        [SensorKind.Temperature] = TimeSpan.FromHours(25),
        [SensorKind.Tamper] = TimeSpan.FromHours(25),
        [SensorKind.Fall] = TimeSpan.FromHours(1),
        [SensorKind.Medication] = TimeSpan.FromHours(2),
    };

    /// <summary>Supervision time per kind, overriding <see cref="DefaultAfter"/> for the kinds it names.</summary>
    public IReadOnlyDictionary<SensorKind, TimeSpan> After { get; init; } = new Dictionary<SensorKind, TimeSpan>();

    /// <summary>
    /// False by default: a GPIO contact only speaks when it changes, so its silence says nothing about the wire
    /// (a door unused for a week is not a broken door). Set true only for inputs that toggle regularly.
    /// </summary>
    public bool IncludeGpio { get; init; }

    /// <summary>The supervision time for <paramref name="kind"/>, or null when the kind is not supervised.</summary>
    public TimeSpan? For(SensorKind kind) =>
        After.TryGetValue(kind, out var after) ? after : DefaultAfter.TryGetValue(kind, out var fallback) ? fallback : null;
}

/// <summary>
/// A message with a battery level below <see cref="Threshold"/> % raises a low alert, once per sensor; it clears
/// when a level above <see cref="Threshold"/> + <see cref="Hysteresis"/> is reported (a new battery).
/// </summary>
public sealed record BatteryLowRuleConfig
{
    public int Threshold { get; init; } = 15;

    /// <summary>Batteries read a few % higher when warm: without a margin one battery would clear and raise daily.</summary>
    public int Hysteresis { get; init; } = 5;
}

/// <summary>A device reports its case opened or removed from the wall: high, cleared when it reports clear.</summary>
public sealed record TamperRuleConfig;

/// <summary>A silent low-priority test alert every day at <see cref="At"/> (home-local), proving the alarm path works.</summary>
public sealed record DailyTestRuleConfig
{
    public TimeOnly At { get; init; } = new(10, 0);
}
