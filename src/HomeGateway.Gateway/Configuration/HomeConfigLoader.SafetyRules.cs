using System.Globalization;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using YamlDotNet.RepresentationModel;

namespace HomeGateway.Gateway.Configuration;

public static partial class HomeConfigLoader
{
    private sealed partial class Reader
    {
        /// <summary>The keys under <c>rules</c> read here.</summary>
        private static readonly string[] SafetyRuleKeys =
            ["missedDose", "smoke", "gas", "carbonMonoxide", "powerFailure", "waterLeak", "temperature", "sensorOffline", "batteryLow", "tamper", "dailyTest"];

        /// <summary>Reads the safety and device rules (missedDose, smoke, gas, carbonMonoxide, powerFailure, waterLeak, temperature, sensorOffline, batteryLow, tamper, dailyTest) into <paramref name="rules"/>.</summary>
        partial void ReadSafetyRules(Dictionary<string, YamlNode> map, ref RulesConfig rules);

        partial void ReadSafetyRules(Dictionary<string, YamlNode> map, ref RulesConfig rules)
        {
            if (RuleMapping(map, "missedDose", ["window", "dispenser"]) is { } dose)
            {
                var defaults = new MissedDoseRuleConfig();
                rules = rules with
                {
                    MissedDose = new MissedDoseRuleConfig
                    {
                        Window = OptionalDuration(dose, "window", "rules.missedDose.window") ?? defaults.Window,
                        Dispenser = OptionalString(dose, "dispenser", "rules.missedDose.dispenser"),
                    },
                };
            }

            if (RuleMapping(map, "smoke", ["sensors"]) is { } smoke)
            {
                rules = rules with { Smoke = new SmokeRuleConfig { Sensors = SensorIds(smoke, "rules.smoke") } };
            }

            if (RuleMapping(map, "gas", ["sensors"]) is { } gas)
            {
                rules = rules with { Gas = new GasRuleConfig { Sensors = SensorIds(gas, "rules.gas") } };
            }

            if (RuleMapping(map, "carbonMonoxide", ["sensors"]) is { } co)
            {
                rules = rules with { CarbonMonoxide = new CarbonMonoxideRuleConfig { Sensors = SensorIds(co, "rules.carbonMonoxide") } };
            }

            if (RuleMapping(map, "powerFailure", ["after", "priority"]) is { } power)
            {
                var defaults = new PowerFailureRuleConfig();
                rules = rules with
                {
                    PowerFailure = new PowerFailureRuleConfig
                    {
                        After = OptionalDuration(power, "after", "rules.powerFailure.after") ?? defaults.After,
                        Priority = OptionalPriority(power, "rules.powerFailure.priority") ?? defaults.Priority,
                    },
                };
            }

            if (RuleMapping(map, "waterLeak", ["sensors", "priority"]) is { } water)
            {
                var defaults = new WaterLeakRuleConfig();
                var priority = defaults.Priority;
                if (OptionalString(water, "priority", "rules.waterLeak.priority") is { } p)
                {
                    priority = p switch
                    {
                        "critical" => AlertPriorityChoice.Critical,
                        "high" => AlertPriorityChoice.High,
                        _ => Invalid(defaults.Priority, "rules.waterLeak.priority", $"'{p}' is not one of: critical, high", water["priority"]),
                    };
                }

                rules = rules with { WaterLeak = new WaterLeakRuleConfig { Sensors = SensorIds(water, "rules.waterLeak"), Priority = priority } };
            }

            if (RuleMapping(map, "temperature", ["sensors", "min", "max", "for", "highBelow"]) is { } t)
            {
                var defaults = new TemperatureRuleConfig();
                rules = rules with
                {
                    Temperature = new TemperatureRuleConfig
                    {
                        Sensors = SensorIds(t, "rules.temperature"),
                        Min = OptionalCelsius(t, "min", "rules.temperature.min") ?? defaults.Min,
                        Max = OptionalCelsius(t, "max", "rules.temperature.max") ?? defaults.Max,
                        For = OptionalDuration(t, "for", "rules.temperature.for") ?? defaults.For,
                        HighBelow = OptionalCelsius(t, "highBelow", "rules.temperature.highBelow"),
                    },
                };
            }

            if (RuleMapping(map, "sensorOffline", ["after", "includeGpio"]) is { } offline)
            {
                var after = new Dictionary<SensorKind, TimeSpan>();
                if (offline.TryGetValue("after", out var afterNode) && Expect<YamlMappingNode>(afterNode, "rules.sensorOffline.after") is { } afterMapping)
                {
                    // Any kind name is a valid key; whether the kind can be supervised is the validator's question.
                    var kinds = Mapping(afterMapping, "rules.sensorOffline.after", SensorKindNames.All.ToArray());
                    foreach (var name in kinds.Keys)
                    {
                        if (SensorKindNames.TryParse(name, out var kind)
                            && OptionalDuration(kinds, name, $"rules.sensorOffline.after.{name}") is { } duration)
                        {
                            after[kind] = duration;
                        }
                    }
                }

                rules = rules with
                {
                    SensorOffline = new SensorOfflineRuleConfig
                    {
                        After = after,
                        IncludeGpio = OptionalBool(offline, "includeGpio", "rules.sensorOffline.includeGpio") ?? false,
                    },
                };
            }

            if (RuleMapping(map, "batteryLow", ["threshold", "hysteresis"]) is { } battery)
            {
                var defaults = new BatteryLowRuleConfig();
                rules = rules with
                {
                    BatteryLow = new BatteryLowRuleConfig
                    {
                        Threshold = OptionalInt(battery, "threshold", "rules.batteryLow.threshold") ?? defaults.Threshold,
                        Hysteresis = OptionalInt(battery, "hysteresis", "rules.batteryLow.hysteresis") ?? defaults.Hysteresis,
                    },
                };
            }

            if (RuleMapping(map, "tamper", []) is not null)
            {
                rules = rules with { Tamper = new TamperRuleConfig() };
            }

            if (RuleMapping(map, "dailyTest", ["at"]) is { } daily)
            {
                rules = rules with
                {
                    DailyTest = new DailyTestRuleConfig { At = OptionalTime(daily, "at", "rules.dailyTest.at") ?? new DailyTestRuleConfig().At },
                };
            }
        }

        /// <summary>A rule's <c>sensors: [a, b]</c> list; each entry keeps its line for the validator's messages.</summary>
        private List<string> SensorIds(Dictionary<string, YamlNode> rule, string at)
        {
            var ids = new List<string>();
            if (rule.TryGetValue("sensors", out var node) && Expect<YamlSequenceNode>(node, $"{at}.sensors") is { } list)
            {
                for (var i = 0; i < list.Children.Count; i++)
                {
                    var field = $"{at}.sensors[{i}]";
                    lines[field] = (int)list.Children[i].Start.Line;
                    if (Expect<YamlScalarNode>(list.Children[i], field) is { Value: { Length: > 0 } id })
                    {
                        ids.Add(id);
                    }
                }
            }

            return ids;
        }

        /// <summary>A temperature in °C, written as a plain number (<c>16</c>, <c>-5</c>, <c>17.5</c>).</summary>
        private double? OptionalCelsius(Dictionary<string, YamlNode> map, string key, string field)
        {
            if (OptionalString(map, key, field) is not { } text)
            {
                return null;
            }

            if (!double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
                || !double.IsFinite(value))
            {
                Add(field, $"'{text}' is not a temperature; write degrees Celsius as a number such as 16 or 17.5", map[key]);
                return null;
            }

            return value;
        }
    }
}
