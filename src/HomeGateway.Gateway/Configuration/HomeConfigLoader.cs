using System.Globalization;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Core.Text;
using HomeGateway.Gateway.Mqtt;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace HomeGateway.Gateway.Configuration;

/// <summary>
/// Reads a home file (YAML) into a <see cref="HomeConfig"/>. Strict on purpose: an unknown key, a wrong
/// type or an impossible value is an error naming the file, the line and the field — a typo in a care plan
/// must fail at install time, not silently switch a rule off. All problems are collected, not just the first.
/// The schema is documented in deploy/examples/home.yaml.
/// </summary>
public static partial class HomeConfigLoader
{
    /// <summary>
    /// The largest home file read: 256 KiB. The example home with every rule is 6 KiB and 256 sensors (the most a home
    /// may have) fit in well under 100 KiB; a bigger file is a wrong file, and it is refused before it is read.
    /// </summary>
    public const int MaxFileBytes = 256 * 1024;

    /// <summary>
    /// The deepest a home file nests mappings and lists: 20 (the schema itself needs 5). Checked on the parser's event
    /// stream before any tree is built: YamlDotNet builds its tree recursively, and 40,000 nested brackets overflowed
    /// the stack, which ends the process (exit 134) instead of throwing anything a caller could catch.
    /// </summary>
    public const int MaxDepth = 20;

    public static HomeConfig Load(string path) => Load(path, out _);

    /// <summary>Reads and checks the file; <paramref name="text"/> is exactly what was read (for the last good copy).</summary>
    public static HomeConfig Load(string path, out string text)
    {
        try
        {
            // Read at most one byte past the limit: the length a file reports says nothing for a pipe or a device
            // (config validate /dev/zero would read for ever), and a file can grow while it is read.
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var buffer = new byte[MaxFileBytes + 1];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = stream.Read(buffer, length, buffer.Length - length)) > 0)
            {
                length += read;
            }

            if (length > MaxFileBytes)
            {
                throw new HomeConfigException(path, [new ConfigProblem("(file)", $"is over {MaxFileBytes / 1024} KiB; a home file is at most {MaxFileBytes / 1024} KiB", 1)]);
            }

            using var reader = new StreamReader(new MemoryStream(buffer, 0, length), System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            text = reader.ReadToEnd();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException or System.Security.SecurityException)
        {
            throw new HomeConfigException(path, [new ConfigProblem("(file)", $"cannot be read: {ex.Message}")]);
        }

        return Parse(text, path);
    }

    public static HomeConfig Parse(string yaml, string fileName)
    {
        var reader = new Reader();
        var home = reader.Read(yaml);
        if (home is not null)
        {
            // Cross-field checks run even after a syntax-level problem, so one run shows everything;
            // a field already reported is not reported again.
            var reported = reader.Problems.Select(p => p.Field).ToHashSet(StringComparer.Ordinal);
            reader.Problems.AddRange(HomeConfigValidator.Validate(home, reader.LineOf).Where(p => !reported.Contains(p.Field)));

            // Whether the gateway can read each MQTT device is the adapters' knowledge (fall keys differ per model).
            for (var i = 0; i < home.Sensors.Count; i++)
            {
                if (home.Sensors[i].Mqtt is { } mqtt && MqttPayloadProfiles.Find(mqtt.Profile) is { } profile
                    && profile.FindProblem(home.Sensors[i]) is { } problem)
                {
                    var field = $"sensors[{i}].{problem.Field}";
                    if (!reader.Problems.Exists(p => p.Field == field))
                    {
                        reader.Problems.Add(new ConfigProblem(field, $"sensor '{home.Sensors[i].Id}': {problem.Message}", reader.LineOf(field)));
                    }
                }
            }
        }

        if (reader.Problems.Count > 0 || home is null)
        {
            // Every problem names a line (the key's, else its nearest parent's, else the first line for a key missing at
            // the top), and what it echoes from the file is escaped: the file may hold terminal escapes or newlines.
            var problems = reader.Problems
                .Select(p => new ConfigProblem(PeerText.Escape(p.Field, 120), PeerText.Escape(p.Message, 600), p.Line is > 0 ? p.Line : reader.LineOf(p.Field) ?? 1))
                .OrderBy(p => p.Line)
                .ToList();
            if (problems.Count == 0)
            {
                problems.Add(new ConfigProblem("(file)", "is not a home file", 1));
            }

            throw new HomeConfigException(fileName, problems);
        }

        return home;
    }

    private sealed partial class Reader
    {
        private readonly Dictionary<string, int> lines = new(StringComparer.Ordinal);

        public List<ConfigProblem> Problems { get; } = [];

        public int? LineOf(string field)
        {
            // The validator names fields like rules.doorLeftOpen.doors[0]; fall back to the nearest parent.
            for (var key = field; key.Length > 0; key = Parent(key))
            {
                if (lines.TryGetValue(key, out var line))
                {
                    return line;
                }
            }

            return null;
        }

        public HomeConfig? Read(string yaml)
        {
            if (yaml.Length > MaxFileBytes)
            {
                Problems.Add(new ConfigProblem("(file)", $"is {yaml.Length} characters; a home file is at most {MaxFileBytes / 1024} KiB", 1));
                return null;
            }

            if (!CheckStructure(yaml))
            {
                return null;
            }

            var stream = new YamlStream();
            try
            {
                stream.Load(new StringReader(yaml));
            }
            catch (YamlException ex)
            {
                Problems.Add(new ConfigProblem("(yaml)", ex.InnerException?.Message ?? ex.Message, LineOf(ex.Start)));
                return null;
            }
            catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException or OverflowException)
            {
                // YamlDotNet's scanner throws these (without a position) on some malformed input, e.g. unterminated flow collections.
                Problems.Add(new ConfigProblem("(yaml)", "is not valid YAML: look for an unclosed [ or { or quote", 1));
                return null;
            }

            if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
            {
                Problems.Add(new ConfigProblem("(file)", "must be one YAML document with the keys home, sensors and rules", 1));
                return null;
            }

            var map = Mapping(root, "", ["home", "schedule", "sensors", "rules"]);
            var homeNode = Required<YamlMappingNode>(map, "home", "home");
            string? homeId = null;
            string? timeZone = null;
            if (homeNode is not null)
            {
                var homeMap = Mapping(homeNode, "home", ["id", "timezone"]);
                homeId = RequiredString(homeMap, "id", "home.id");
                timeZone = RequiredString(homeMap, "timezone", "home.timezone");
            }

            var sensors = new List<SensorConfig>();
            if (Required<YamlSequenceNode>(map, "sensors", "sensors") is { } sensorNodes)
            {
                for (var i = 0; i < sensorNodes.Children.Count; i++)
                {
                    if (ReadSensor(sensorNodes.Children[i], $"sensors[{i}]") is { } sensor)
                    {
                        sensors.Add(sensor);
                    }
                }
            }

            var schedule = map.TryGetValue("schedule", out var scheduleNode) ? ReadSchedule(scheduleNode) : new ScheduleConfig();
            var rules = map.TryGetValue("rules", out var rulesNode) ? ReadRules(rulesNode) : new RulesConfig();
            return homeId is null || timeZone is null ? null : new HomeConfig(homeId, timeZone, sensors, rules) { Schedule = schedule };
        }

        /// <summary>
        /// One pass over the parser's events, before any tree is built: nesting deeper than <see cref="MaxDepth"/> and
        /// aliases are refused with their line. The parser keeps its own stack on the heap, so this pass cannot overflow
        /// the call stack however deep the file; the tree builder after it is recursive, and only ever sees a bounded depth.
        /// Aliases (<c>*name</c>) are no part of a home file, and refusing them rules out a file that expands to millions of nodes.
        /// </summary>
        private bool CheckStructure(string yaml)
        {
            var parser = new Parser(new StringReader(yaml));
            var depth = 0;
            var documents = 0;
            try
            {
                while (parser.MoveNext())
                {
                    switch (parser.Current)
                    {
                        case MappingStart or SequenceStart when ++depth > MaxDepth:
                            Problems.Add(new ConfigProblem("(yaml)", $"nests lists and mappings more than {MaxDepth} deep; a home file needs far fewer", LineOf(parser.Current.Start)));
                            return false;
                        case MappingEnd or SequenceEnd:
                            depth--;
                            break;
                        case AnchorAlias alias:
                            Problems.Add(new ConfigProblem("(yaml)", $"uses the alias *{alias.Value}; a home file writes each value out (no anchors and aliases)", LineOf(alias.Start)));
                            return false;
                        case DocumentStart when ++documents > 1:
                            Problems.Add(new ConfigProblem("(file)", "must be one YAML document with the keys home, sensors and rules", LineOf(parser.Current.Start)));
                            return false;
                    }
                }
            }
            catch (YamlException ex)
            {
                Problems.Add(new ConfigProblem("(yaml)", ex.InnerException?.Message ?? ex.Message, LineOf(ex.Start)));
                return false;
            }
            catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException or OverflowException)
            {
                // YamlDotNet's scanner throws these (without a position) on some malformed input, e.g. unterminated flow collections.
                Problems.Add(new ConfigProblem("(yaml)", "is not valid YAML: look for an unclosed [ or { or quote", 1));
                return false;
            }

            return true;
        }

        [System.Text.RegularExpressions.GeneratedRegex(@"^[\p{L}\p{N}_.-]{1,64}$")]
        private static partial System.Text.RegularExpressions.Regex PlainKey();

        private static int LineOf(Mark mark) => mark.Line is > 0 and <= int.MaxValue ? (int)mark.Line : 1;

        private ScheduleConfig ReadSchedule(YamlNode node)
        {
            var defaults = new ScheduleConfig();
            if (Expect<YamlMappingNode>(node, "schedule") is not { } mapping)
            {
                return defaults;
            }

            var map = Mapping(mapping, "schedule", ["night", "day", "doses"]);
            var doses = new List<TimeOnly>();
            if (map.TryGetValue("doses", out var dosesNode) && Expect<YamlSequenceNode>(dosesNode, "schedule.doses") is { } list)
            {
                for (var i = 0; i < list.Children.Count; i++)
                {
                    var field = $"schedule.doses[{i}]";
                    lines[field] = (int)list.Children[i].Start.Line;
                    if (Expect<YamlScalarNode>(list.Children[i], field) is { Value: { } text } && ParseTime(text, field, list.Children[i]) is { } time)
                    {
                        doses.Add(time);
                    }
                }
            }

            return new ScheduleConfig
            {
                Night = OptionalWindow(map, "night", "schedule.night") ?? defaults.Night,
                Day = OptionalWindow(map, "day", "schedule.day") ?? defaults.Day,
                Doses = doses,
            };
        }

        /// <summary>A daily window written as <c>{ from: "22:00", to: "06:30" }</c>.</summary>
        private DailyWindow? OptionalWindow(Dictionary<string, YamlNode> map, string key, string field)
        {
            if (!map.TryGetValue(key, out var node) || Expect<YamlMappingNode>(node, field) is not { } mapping)
            {
                return null;
            }

            var window = Mapping(mapping, field, ["from", "to"]);
            var from = RequiredTime(window, "from", $"{field}.from");
            var to = RequiredTime(window, "to", $"{field}.to");
            if (from is null || to is null)
            {
                return null;
            }

            if (from == to)
            {
                Add(field, "from and to are the same time: the window would be empty", node);
                return null;
            }

            return new DailyWindow(from.Value, to.Value);
        }

        private TimeOnly? RequiredTime(Dictionary<string, YamlNode> map, string key, string field) =>
            map.ContainsKey(key) ? OptionalTime(map, key, field) : Missing<TimeOnly?>(field);

        /// <summary>A local time of day written as <c>"HH:mm"</c> (24-hour clock).</summary>
        private TimeOnly? OptionalTime(Dictionary<string, YamlNode> map, string key, string field) =>
            OptionalString(map, key, field) is { } text ? ParseTime(text, field, map[key]) : null;

        private TimeOnly? ParseTime(string text, string field, YamlNode node)
        {
            if (text.Length == 5 && text[2] == ':'
                && int.TryParse(text.AsSpan(0, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var hour)
                && int.TryParse(text.AsSpan(3, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var minute)
                && hour < 24 && minute < 60)
            {
                return new TimeOnly(hour, minute);
            }

            Add(field, $"'{text}' is not a time of day; write it as \"HH:mm\" from 00:00 to 23:59", node);
            return null;
        }

        private SensorConfig? ReadSensor(YamlNode node, string at)
        {
            if (node is not YamlMappingNode mapping)
            {
                Add(at, "each sensor must be a mapping with id, kind and gpio, mqtt or i2c", node);
                return null;
            }

            var map = Mapping(mapping, at, ["id", "kind", "name", "location", "gpio", "mqtt", "i2c"]);
            var id = RequiredString(map, "id", $"{at}.id");
            var kindName = RequiredString(map, "kind", $"{at}.kind");
            var kind = SensorKind.Unknown;
            if (kindName is not null && !SensorKindNames.TryParse(kindName, out kind))
            {
                Add($"{at}.kind", $"unknown kind '{kindName}'; use one of: {string.Join(", ", SensorKindNames.All)}", map["kind"]);
            }

            GpioInputConfig? gpio = null;
            if (map.TryGetValue("gpio", out var gpioNode) && Expect<YamlMappingNode>(gpioNode, $"{at}.gpio") is { } gpioMapping)
            {
                var g = Mapping(gpioMapping, $"{at}.gpio", ["pin", "activeLow", "pull", "debounceMs"]);
                var pin = RequiredInt(g, "pin", $"{at}.gpio.pin");
                var pull = GpioPull.None;
                if (OptionalString(g, "pull", $"{at}.gpio.pull") is { } pullName)
                {
                    pull = pullName switch
                    {
                        "up" => GpioPull.Up,
                        "down" => GpioPull.Down,
                        "none" => GpioPull.None,
                        _ => Invalid(GpioPull.None, $"{at}.gpio.pull", $"'{pullName}' is not one of: up, down, none", g["pull"]),
                    };
                }

                if (pin is not null)
                {
                    gpio = new GpioInputConfig(pin.Value)
                    {
                        ActiveLow = OptionalBool(g, "activeLow", $"{at}.gpio.activeLow") ?? false,
                        Pull = pull,
                        Debounce = TimeSpan.FromMilliseconds(OptionalInt(g, "debounceMs", $"{at}.gpio.debounceMs") ?? 50),
                    };
                }
            }

            MqttInputConfig? mqtt = null;
            if (map.TryGetValue("mqtt", out var mqttNode) && Expect<YamlMappingNode>(mqttNode, $"{at}.mqtt") is { } mqttMapping)
            {
                var m = Mapping(mqttMapping, $"{at}.mqtt", ["topic", "profile", "model", "key"]);
                var topic = RequiredString(m, "topic", $"{at}.mqtt.topic");
                var profile = RequiredString(m, "profile", $"{at}.mqtt.profile");
                if (topic is not null && profile is not null)
                {
                    mqtt = new MqttInputConfig(topic, profile)
                    {
                        Model = OptionalString(m, "model", $"{at}.mqtt.model"),
                        Key = OptionalString(m, "key", $"{at}.mqtt.key"),
                    };
                }
            }

            var i2c = map.TryGetValue("i2c", out var i2cNode) ? ReadI2c(i2cNode, $"{at}.i2c") : null;

            return id is null || kindName is null
                ? null
                : new SensorConfig(id, kind)
                {
                    Gpio = gpio,
                    Mqtt = mqtt,
                    I2c = i2c,
                    // Trimmed here, so a stray space inside quotes is not an error; the validator checks the rest.
                    Name = OptionalString(map, "name", $"{at}.name")?.Trim(),
                    Location = OptionalString(map, "location", $"{at}.location")?.Trim(),
                };
        }

        private RulesConfig ReadRules(YamlNode node)
        {
            if (Expect<YamlMappingNode>(node, "rules") is not { } rulesMapping)
            {
                return new RulesConfig();
            }

            var map = Mapping(rulesMapping, "rules", ["fall", "help", "doorLeftOpen", "escalation", "visits", .. TimeWindowRuleKeys, .. SafetyRuleKeys]);
            FallRuleConfig? fall = null;
            HelpRuleConfig? help = null;
            DoorLeftOpenRuleConfig? door = null;
            if (RuleMapping(map, "fall", ["confirmWindow", "repeatWindow"]) is { } f)
            {
                var defaults = new FallRuleConfig();
                fall = new FallRuleConfig
                {
                    ConfirmWindow = OptionalDuration(f, "confirmWindow", "rules.fall.confirmWindow") ?? defaults.ConfirmWindow,
                    RepeatWindow = OptionalDuration(f, "repeatWindow", "rules.fall.repeatWindow") ?? defaults.RepeatWindow,
                };
            }

            if (RuleMapping(map, "help", ["repeatWindow"]) is { } h)
            {
                help = new HelpRuleConfig
                {
                    RepeatWindow = OptionalDuration(h, "repeatWindow", "rules.help.repeatWindow") ?? new HelpRuleConfig().RepeatWindow,
                };
            }

            if (RuleMapping(map, "doorLeftOpen", ["doors", "after", "repeatEvery", "priority"]) is { } d)
            {
                var defaults = new DoorLeftOpenRuleConfig();
                var doors = new List<string>();
                if (d.TryGetValue("doors", out var doorsNode) && Expect<YamlSequenceNode>(doorsNode, "rules.doorLeftOpen.doors") is { } list)
                {
                    for (var i = 0; i < list.Children.Count; i++)
                    {
                        if (Expect<YamlScalarNode>(list.Children[i], $"rules.doorLeftOpen.doors[{i}]") is { Value: { } doorId })
                        {
                            lines[$"rules.doorLeftOpen.doors[{i}]"] = (int)list.Children[i].Start.Line;
                            doors.Add(doorId);
                        }
                    }
                }

                var priority = defaults.Priority;
                if (OptionalString(d, "priority", "rules.doorLeftOpen.priority") is { } p)
                {
                    priority = p switch
                    {
                        "critical" => AlertPriorityChoice.Critical,
                        "high" => AlertPriorityChoice.High,
                        "normal" => AlertPriorityChoice.Normal,
                        "low" => AlertPriorityChoice.Low,
                        _ => Invalid(defaults.Priority, "rules.doorLeftOpen.priority", $"'{p}' is not one of: critical, high, normal, low", d["priority"]),
                    };
                }

                door = new DoorLeftOpenRuleConfig
                {
                    Doors = doors,
                    After = OptionalDuration(d, "after", "rules.doorLeftOpen.after") ?? defaults.After,
                    RepeatEvery = OptionalDuration(d, "repeatEvery", "rules.doorLeftOpen.repeatEvery") ?? defaults.RepeatEvery,
                    Priority = priority,
                };
            }

            var escalation = new EscalationConfig();
            if (map.TryGetValue("escalation", out var escalationNode) && Expect<YamlMappingNode>(escalationNode, "rules.escalation") is { } em)
            {
                var e = Mapping(em, "rules.escalation", ["ackTimeoutSeconds", "maxEscalations"]);
                escalation = new EscalationConfig
                {
                    AckTimeout = TimeSpan.FromSeconds(OptionalInt(e, "ackTimeoutSeconds", "rules.escalation.ackTimeoutSeconds") ?? (int)escalation.AckTimeout.TotalSeconds),
                    MaxEscalations = OptionalInt(e, "maxEscalations", "rules.escalation.maxEscalations") ?? escalation.MaxEscalations,
                };
            }

            var visits = new VisitsConfig();
            if (map.TryGetValue("visits", out var visitsNode) && Expect<YamlMappingNode>(visitsNode, "rules.visits") is { } vm)
            {
                var v = Mapping(vm, "rules.visits", ["maxLength"]);
                visits = new VisitsConfig { MaxLength = OptionalDuration(v, "maxLength", "rules.visits.maxLength") ?? visits.MaxLength };
            }

            var rules = new RulesConfig { Fall = fall, Help = help, DoorLeftOpen = door, Escalation = escalation, Visits = visits };
            ReadTimeWindowRules(map, ref rules);
            ReadSafetyRules(map, ref rules);
            return rules;
        }

        /// <summary>A rule is on when its key is present: <c>help: {}</c> or <c>help: on</c> takes the defaults.</summary>
        private Dictionary<string, YamlNode>? RuleMapping(Dictionary<string, YamlNode> rules, string name, string[] keys)
        {
            if (!rules.TryGetValue(name, out var node))
            {
                return null;
            }

            switch (node)
            {
                case YamlMappingNode mapping:
                    return Mapping(mapping, $"rules.{name}", keys);
                case YamlScalarNode { Value: "on" or "true" or "yes" }:
                    return [];
                case YamlScalarNode { Value: "off" or "false" or "no" }:
                    return null;
                default:
                    Add($"rules.{name}", "must be a mapping of settings ({} for the defaults), or on/off", node);
                    return null;
            }
        }

        private Dictionary<string, YamlNode> Mapping(YamlMappingNode node, string at, string[] knownKeys)
        {
            var result = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
            foreach (var (keyNode, value) in node.Children)
            {
                var key = (keyNode as YamlScalarNode)?.Value ?? "";
                var field = at.Length == 0 ? key : $"{at}.{key}";
                if (!knownKeys.Contains(key, StringComparer.Ordinal))
                {
                    // A key that is no name (empty, with ':' or spaces, a list) is reported at its parent, so the line
                    // still reads FILE:LINE: field: problem.
                    if (!PlainKey().IsMatch(key))
                    {
                        field = at.Length == 0 ? "(file)" : at;
                    }

                    var hint = knownKeys.FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase));
                    Add(field, hint is null
                        ? $"unknown key '{key}'; expected one of: {string.Join(", ", knownKeys)}"
                        : $"unknown key '{key}'; did you mean '{hint}'?", keyNode);
                    continue;
                }

                if (!result.TryAdd(key, value))
                {
                    Add(field, $"'{key}' is given twice", keyNode);
                    continue;
                }

                lines[field] = (int)keyNode.Start.Line;
            }

            if (at.Length > 0)
            {
                lines.TryAdd(at, (int)node.Start.Line);
            }

            return result;
        }

        private T? Required<T>(Dictionary<string, YamlNode> map, string key, string field)
            where T : YamlNode
        {
            if (!map.TryGetValue(key, out var node))
            {
                Add(field, "is required", null);
                return null;
            }

            return Expect<T>(node, field);
        }

        private T? Expect<T>(YamlNode node, string field)
            where T : YamlNode
        {
            if (node is T typed)
            {
                return typed;
            }

            var expected = typeof(T) == typeof(YamlMappingNode) ? "a mapping (key: value)"
                : typeof(T) == typeof(YamlSequenceNode) ? "a list" : "a single value";
            Add(field, $"must be {expected}", node);
            return null;
        }

        private string? RequiredString(Dictionary<string, YamlNode> map, string key, string field) =>
            map.ContainsKey(key) ? OptionalString(map, key, field) : Missing<string>(field);

        private string? OptionalString(Dictionary<string, YamlNode> map, string key, string field)
        {
            if (!map.TryGetValue(key, out var node))
            {
                return null;
            }

            if (Expect<YamlScalarNode>(node, field) is not { } scalar || string.IsNullOrWhiteSpace(scalar.Value))
            {
                if (node is YamlScalarNode)
                {
                    Add(field, "must not be empty", node);
                }

                return null;
            }

            return scalar.Value;
        }

        private int? RequiredInt(Dictionary<string, YamlNode> map, string key, string field) =>
            map.ContainsKey(key) ? OptionalInt(map, key, field) : Missing<int>(field);

        private int? OptionalInt(Dictionary<string, YamlNode> map, string key, string field)
        {
            if (OptionalString(map, key, field) is not { } text)
            {
                return null;
            }

            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                Add(field, text.Any(c => char.IsDigit(c) && c is not (>= '0' and <= '9'))
                    ? $"'{text}' has a digit that is not ASCII; use ASCII digits 0-9"
                    : $"'{text}' is not a whole number", map[key]);
                return null;
            }

            return value;
        }

        private bool? OptionalBool(Dictionary<string, YamlNode> map, string key, string field)
        {
            if (OptionalString(map, key, field) is not { } text)
            {
                return null;
            }

            return text switch
            {
                "true" or "yes" or "on" => true,
                "false" or "no" or "off" => false,
                _ => Invalid<bool?>(null, field, $"'{text}' is not true or false", map[key]),
            };
        }

        private TimeSpan? OptionalDuration(Dictionary<string, YamlNode> map, string key, string field)
        {
            if (OptionalString(map, key, field) is not { } text)
            {
                return null;
            }

            if (Durations.Problem(text, out var duration) is { } problem)
            {
                Add(field, problem, map[key]);
                return null;
            }

            return duration;
        }

        private T? Missing<T>(string field)
        {
            Add(field, "is required", null);
            return default;
        }

        private T Invalid<T>(T fallback, string field, string message, YamlNode node)
        {
            Add(field, message, node);
            return fallback;
        }

        private void Add(string field, string message, YamlNode? node) =>
            Problems.Add(new ConfigProblem(field, message, node is null ? LineOf(field) : (int)node.Start.Line));

        private static string Parent(string field)
        {
            var bracket = field.LastIndexOf('[');
            var dot = field.LastIndexOf('.');
            var cut = Math.Max(bracket, dot);
            return cut <= 0 ? "" : field[..cut];
        }
    }
}
