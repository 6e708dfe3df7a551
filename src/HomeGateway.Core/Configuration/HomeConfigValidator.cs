using System.Text.RegularExpressions;
using HomeGateway.Core.Events;
using HomeGateway.Core.Text;

namespace HomeGateway.Core.Configuration;

/// <summary>
/// Cross-field checks on a parsed home file: ids unique, pins not shared, rules pointing at sensors
/// that exist and are of the right kind, times that make sense. Returns every problem, in file order.
/// </summary>
public static partial class HomeConfigValidator
{
    // BCM GPIO numbers on the 40-pin header of every supported Pi.
    private const int MaxBcmPin = 27;

    /// <summary>More than any home needs, and what dispatch stores of one gateway's sensors at most.</summary>
    public const int MaxSensors = 256;

    [GeneratedRegex("^[a-z0-9][a-z0-9_.-]{0,62}$")]
    private static partial Regex IdPattern();

    public static IReadOnlyList<ConfigProblem> Validate(HomeConfig home, Func<string, int?>? lineOf = null)
    {
        lineOf ??= _ => null;
        var problems = new List<ConfigProblem>();
        void Problem(string field, string message) => problems.Add(new ConfigProblem(field, message, lineOf(field)));

        if (!IdPattern().IsMatch(home.HomeId))
        {
            Problem("home.id", $"'{PeerText.Escape(home.HomeId)}' is not a valid id: use lower-case letters, digits, '-', '_' or '.', at most 63 characters");
        }

        if (HomeTimeZones.Problem(home.TimeZoneId) is { } zoneProblem)
        {
            Problem("home.timezone", zoneProblem);
        }

        if (home.Sensors.Count > MaxSensors)
        {
            Problem("sensors", $"{home.Sensors.Count} sensors; a home file has at most {MaxSensors}");
        }

        var seenIds = new HashSet<string>(StringComparer.Ordinal);
        var seenPins = new Dictionary<int, string>();
        var seenTopics = new Dictionary<string, string>(StringComparer.Ordinal);
        var seenI2c = new Dictionary<(int Bus, int Address), string>();
        for (var i = 0; i < home.Sensors.Count; i++)
        {
            var sensor = home.Sensors[i];
            var at = $"sensors[{i}]";
            if (!IdPattern().IsMatch(sensor.Id))
            {
                Problem($"{at}.id", $"'{PeerText.Escape(sensor.Id)}' is not a valid id: use lower-case letters, digits, '-', '_' or '.'");
            }
            else if (!seenIds.Add(sensor.Id))
            {
                Problem($"{at}.id", $"sensor id '{sensor.Id}' is used twice");
            }

            if (sensor.Kind == SensorKind.Unknown)
            {
                Problem($"{at}.kind", "kind is required");
            }

            if (sensor.Name is { } name && SensorLabels.Problem(name) is { } nameProblem)
            {
                Problem($"{at}.name", $"the name of sensor '{sensor.Id}' {nameProblem}");
            }

            if (sensor.Location is { } location && SensorLabels.Problem(location) is { } locationProblem)
            {
                Problem($"{at}.location", $"the location of sensor '{sensor.Id}' {locationProblem}");
            }

            if ((sensor.Gpio is null ? 0 : 1) + (sensor.Mqtt is null ? 0 : 1) + (sensor.I2c is null ? 0 : 1) != 1)
            {
                Problem(at, $"sensor '{sensor.Id}' needs exactly one input: gpio, mqtt or i2c");
            }

            if (sensor.Gpio is { } gpio)
            {
                if (gpio.Pin is < 0 or > MaxBcmPin)
                {
                    Problem($"{at}.gpio.pin", $"pin {gpio.Pin} is not a BCM GPIO number on the header (0–{MaxBcmPin})");
                }
                else if (seenPins.TryGetValue(gpio.Pin, out var other))
                {
                    Problem($"{at}.gpio.pin", $"pin {gpio.Pin} is already used by sensor '{other}'");
                }
                else
                {
                    seenPins[gpio.Pin] = sensor.Id;
                }

                if (gpio.Debounce < TimeSpan.Zero || gpio.Debounce > TimeSpan.FromSeconds(5))
                {
                    Problem($"{at}.gpio.debounceMs", "debounce must be between 0 and 5000 ms");
                }
            }

            if (sensor.Mqtt is { } mqtt)
            {
                ValidateMqtt(sensor.Id, mqtt, at, seenTopics, Problem);
            }

            if (sensor.I2c is { } i2c)
            {
                ValidateI2c(sensor, i2c, at, seenI2c, Problem);
            }
        }

        ValidateRules(home, Problem);
        return problems;
    }

    // Each family of rules checks its own settings in its own file (HomeConfigValidator.<Family>.cs).
    static partial void ValidateTimeWindowRules(HomeConfig home, Action<string, string> problem);

    static partial void ValidateSafetyRules(HomeConfig home, Action<string, string> problem);

    private static void ValidateRules(HomeConfig home, Action<string, string> problem)
    {
        ValidateTimeWindowRules(home, problem);
        ValidateSafetyRules(home, problem);

        if (home.Rules.Fall is { } fall)
        {
            RuleTimer(fall.ConfirmWindow, "rules.fall.confirmWindow", problem);
            RuleTimer(fall.RepeatWindow, "rules.fall.repeatWindow", problem);
            if (!home.Sensors.Any(s => s.Kind == SensorKind.Fall))
            {
                problem("rules.fall", "the fall rule is on but no sensor has kind fall");
            }
        }

        if (home.Rules.Help is { } help)
        {
            RuleTimer(help.RepeatWindow, "rules.help.repeatWindow", problem);
            if (!home.Sensors.Any(s => s.Kind == SensorKind.HelpButton))
            {
                problem("rules.help", "the help rule is on but no sensor has kind help_button");
            }
        }

        var escalation = home.Rules.Escalation;
        if (escalation.AckTimeout < TimeSpan.FromSeconds(10) || escalation.AckTimeout > TimeSpan.FromHours(1))
        {
            problem("rules.escalation.ackTimeoutSeconds", "must be between 10 and 3600 seconds");
        }

        if (escalation.MaxEscalations is < 0 or > 20)
        {
            problem("rules.escalation.maxEscalations", "must be between 0 (never escalate) and 20");
        }

        if (home.Rules.Visits.MaxLength < TimeSpan.FromMinutes(5) || home.Rules.Visits.MaxLength > TimeSpan.FromHours(24))
        {
            problem("rules.visits.maxLength", "must be between 5m and 24h: a forgotten check-out must not silence the door rules for days");
        }

        if (home.Rules.DoorLeftOpen is { } door)
        {
            RuleTimer(door.After, "rules.doorLeftOpen.after", problem);
            RuleTimer(door.RepeatEvery, "rules.doorLeftOpen.repeatEvery", problem);
            for (var i = 0; i < door.Doors.Count; i++)
            {
                var sensor = home.FindSensor(door.Doors[i]);
                if (sensor is null)
                {
                    problem($"rules.doorLeftOpen.doors[{i}]", $"no sensor has id '{door.Doors[i]}'");
                }
                else if (sensor.Kind != SensorKind.Door)
                {
                    problem($"rules.doorLeftOpen.doors[{i}]", $"sensor '{sensor.Id}' is a {SensorKindNames.ToName(sensor.Kind)}, not a door");
                }
            }

            if (door.Doors.Count == 0 && !home.Sensors.Any(s => s.Kind == SensorKind.Door))
            {
                problem("rules.doorLeftOpen", "the doorLeftOpen rule is on but no sensor has kind door");
            }
        }
    }

    /// <summary>A rule's timer: more than nothing, at most <see cref="Durations.LongestRuleTimer"/> (a week).</summary>
    private static void RuleTimer(TimeSpan value, string field, Action<string, string> problem)
    {
        if (value <= TimeSpan.Zero || value > Durations.LongestRuleTimer)
        {
            problem(field, $"must be a positive duration of at most {Durations.Describe(Durations.LongestRuleTimer)}, such as 90s, 10m or 4h");
        }
    }
}
