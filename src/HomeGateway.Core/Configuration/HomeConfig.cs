using HomeGateway.Core.Events;

namespace HomeGateway.Core.Configuration;

/// <summary>
/// One home's care plan: who it is, its sensors and which rules watch them. Written by a technician
/// as YAML (the gateway's loader turns it into this), validated by <see cref="HomeConfigValidator"/>.
/// </summary>
public sealed record HomeConfig(
    string HomeId,
    string TimeZoneId,
    IReadOnlyList<SensorConfig> Sensors,
    RulesConfig Rules)
{
    /// <summary>Night, day and dose times in the home's local time.</summary>
    public ScheduleConfig Schedule { get; init; } = new();

    /// <summary>The sensor with this id, or null. Rules ask for every event: a plain loop, no LINQ closure to allocate.</summary>
    public SensorConfig? FindSensor(string id)
    {
        foreach (var sensor in Sensors)
        {
            if (sensor.Id == id)
            {
                return sensor;
            }
        }

        return null;
    }
}

/// <summary>One sensor: its id, what it measures and exactly one input that feeds it.</summary>
public sealed record SensorConfig(string Id, SensorKind Kind)
{
    public GpioInputConfig? Gpio { get; init; }
    public MqttInputConfig? Mqtt { get; init; }
    public I2cInputConfig? I2c { get; init; }

    /// <summary>
    /// What the dispatcher calls the sensor ("Eteisen ovi"): shown instead of the id. Optional; at most
    /// <see cref="SensorLabels.MaxLength"/> characters, trimmed, no control characters.
    /// </summary>
    public string? Name { get; init; }

    /// <summary>Where the sensor is, for the dispatcher ("Makuuhuone"). Optional; the same limits as <see cref="Name"/>.</summary>
    public string? Location { get; init; }
}

/// <summary>The limits on a sensor's display name and location: they travel to dispatch and onto its pages.</summary>
public static class SensorLabels
{
    public const int MaxLength = 64;

    /// <summary>Why <paramref name="text"/> cannot be a name or location, or null when it can.</summary>
    public static string? Problem(string text)
    {
        if (text.Length == 0 || text.Trim().Length == 0)
        {
            return "must not be empty (leave the key out instead)";
        }

        if (text.Trim().Length != text.Length)
        {
            return "must not start or end with a space";
        }

        if (text.Length > MaxLength)
        {
            return $"is {text.Length} characters long; at most {MaxLength}";
        }

        foreach (var c in text)
        {
            if (IsRefused(c))
            {
                return $"contains a control character (U+{(int)c:X4}); write it on one line without tabs";
            }
        }

        return null;
    }

    /// <summary>
    /// Control characters (C0, C1: newlines, tabs, terminal escapes), line and paragraph separators and the bidirectional
    /// overrides: none has a place in a one-line label, and each can disguise what a log line or a page says.
    /// </summary>
    public static bool IsRefused(char c) =>
        char.IsControl(c) || c is '\u2028' or '\u2029' || c is >= '\u202A' and <= '\u202E' || c is >= '\u2066' and <= '\u2069';
}

public enum GpioPull
{
    None = 0,
    Up = 1,
    Down = 2,
}

/// <summary>A contact or output wired to a GPIO pin (BCM numbering).</summary>
public sealed record GpioInputConfig(int Pin)
{
    /// <summary>True when the pin reads low while the contact is active (button pressed, door open).</summary>
    public bool ActiveLow { get; init; }
    public GpioPull Pull { get; init; } = GpioPull.None;
    public TimeSpan Debounce { get; init; } = TimeSpan.FromMilliseconds(50);
}

/// <summary>A device that publishes on MQTT.</summary>
/// <param name="Topic">The state topic, e.g. <c>zigbee2mqtt/front_door</c>.</param>
/// <param name="Profile">How to read the payload; one of <see cref="MqttProfiles"/>.</param>
public sealed record MqttInputConfig(string Topic, string Profile)
{
    /// <summary>The device model, where the payload keys depend on it (fall radars).</summary>
    public string? Model { get; init; }

    /// <summary>
    /// Where in the payload the sensor's value is, as a dotted path (<c>Switch1</c>, <c>DS18B20.Temperature</c>):
    /// one Tasmota message carries every sensor of the device. Required for <see cref="MqttProfiles.Tasmota"/>, unused otherwise.
    /// </summary>
    public string? Key { get; init; }
}

public static class MqttProfiles
{
    public const string Zigbee2Mqtt = "zigbee2mqtt";
    public const string HomeGateway = "homegateway";
    public const string EspHome = "esphome";
    public const string Tasmota = "tasmota";

    public static readonly IReadOnlyList<string> All = [Zigbee2Mqtt, EspHome, Tasmota, HomeGateway];

    /// <summary>Profiles whose one message carries several sensors, told apart by <see cref="MqttInputConfig.Key"/>.</summary>
    public static bool NeedsKey(string profile) => profile == Tasmota;
}

/// <summary>The care-plan rules this home uses. A rule left out is off.</summary>
public sealed partial record RulesConfig
{
    public FallRuleConfig? Fall { get; init; }
    public HelpRuleConfig? Help { get; init; }
    public DoorLeftOpenRuleConfig? DoorLeftOpen { get; init; }

    /// <summary>Critical alerts not acknowledged in time escalate. On by default.</summary>
    public EscalationConfig Escalation { get; init; } = new();

    /// <summary>Carer visits: how long a check-in lasts at most.</summary>
    public VisitsConfig Visits { get; init; } = new();
}

/// <summary>
/// A critical alert that dispatch has not acknowledged within <see cref="AckTimeout"/> escalates: an escalated
/// step (the local buzzer sounds, dispatch highlights it), again every <see cref="AckTimeout"/>, at most
/// <see cref="MaxEscalations"/> times.
/// </summary>
public sealed record EscalationConfig
{
    public TimeSpan AckTimeout { get; init; } = TimeSpan.FromSeconds(120);
    public int MaxEscalations { get; init; } = 3;
}

/// <summary>
/// A carer visit (check-in by keyswitch, MQTT or a dispatch command) holds back the door and inactivity rules
/// until check-out or <see cref="MaxLength"/> — never fall, help, smoke or water.
/// </summary>
public sealed record VisitsConfig
{
    public TimeSpan MaxLength { get; init; } = TimeSpan.FromHours(2);
}

/// <summary>
/// A fall sensor reports a fall: critical at once. A suspected fall becomes a high alert unless the
/// sensor clears it within <see cref="ConfirmWindow"/>.
/// </summary>
public sealed record FallRuleConfig
{
    public TimeSpan ConfirmWindow { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// While a fall alert is open, further fall reports from the same sensor within this time count up
    /// on it instead of raising a new alert.
    /// </summary>
    public TimeSpan RepeatWindow { get; init; } = TimeSpan.FromMinutes(10);
}

/// <summary>The help button is pressed: critical at once.</summary>
public sealed record HelpRuleConfig
{
    /// <summary>Presses within this time of the last one count up on the open alert.</summary>
    public TimeSpan RepeatWindow { get; init; } = TimeSpan.FromMinutes(10);
}

/// <summary>A door stays open longer than <see cref="After"/>; repeats every <see cref="RepeatEvery"/>; clears when closed.</summary>
public sealed record DoorLeftOpenRuleConfig
{
    /// <summary>The door sensors watched; empty means every sensor of kind door.</summary>
    public IReadOnlyList<string> Doors { get; init; } = [];
    public TimeSpan After { get; init; } = TimeSpan.FromMinutes(10);
    public TimeSpan RepeatEvery { get; init; } = TimeSpan.FromMinutes(15);
    public AlertPriorityChoice Priority { get; init; } = AlertPriorityChoice.Normal;
}

/// <summary>Priority as a technician may set it in the home file.</summary>
public enum AlertPriorityChoice
{
    Critical = 1,
    High = 2,
    Normal = 3,
    Low = 4,
}
