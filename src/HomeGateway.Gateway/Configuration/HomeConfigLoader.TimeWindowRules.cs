using HomeGateway.Core.Configuration;
using YamlDotNet.RepresentationModel;

namespace HomeGateway.Gateway.Configuration;

public static partial class HomeConfigLoader
{
    private sealed partial class Reader
    {
        /// <summary>The keys under <c>rules</c> read here.</summary>
        private static readonly string[] TimeWindowRuleKeys = ["nightExit", "inactivity", "bedNotReturned"];

        /// <summary>Reads the night/day rules (nightExit, inactivity, bedNotReturned) into <paramref name="rules"/>.</summary>
        partial void ReadTimeWindowRules(Dictionary<string, YamlNode> map, ref RulesConfig rules);

        partial void ReadTimeWindowRules(Dictionary<string, YamlNode> map, ref RulesConfig rules)
        {
            if (RuleMapping(map, "nightExit", ["door", "presence", "grace", "afterVisit", "priority"]) is { } n)
            {
                const string at = "rules.nightExit";
                var defaults = new NightExitRuleConfig();
                rules = rules with
                {
                    NightExit = new NightExitRuleConfig
                    {
                        Door = OptionalString(n, "door", $"{at}.door"),
                        Presence = OptionalIds(n, "presence", $"{at}.presence"),
                        Grace = OptionalDuration(n, "grace", $"{at}.grace") ?? defaults.Grace,
                        AfterVisit = OptionalDuration(n, "afterVisit", $"{at}.afterVisit") ?? defaults.AfterVisit,
                        Priority = OptionalPriority(n, $"{at}.priority") ?? defaults.Priority,
                    },
                };
            }

            if (RuleMapping(map, "inactivity", ["sensors", "after", "priority"]) is { } i)
            {
                const string at = "rules.inactivity";
                var defaults = new InactivityRuleConfig();
                rules = rules with
                {
                    Inactivity = new InactivityRuleConfig
                    {
                        Sensors = OptionalIds(i, "sensors", $"{at}.sensors"),
                        After = OptionalDuration(i, "after", $"{at}.after") ?? defaults.After,
                        Priority = OptionalPriority(i, $"{at}.priority") ?? defaults.Priority,
                    },
                };
            }

            if (RuleMapping(map, "bedNotReturned", ["bed", "after", "priority"]) is { } b)
            {
                const string at = "rules.bedNotReturned";
                var defaults = new BedNotReturnedRuleConfig();
                rules = rules with
                {
                    BedNotReturned = new BedNotReturnedRuleConfig
                    {
                        Bed = OptionalString(b, "bed", $"{at}.bed"),
                        After = OptionalDuration(b, "after", $"{at}.after") ?? defaults.After,
                        Priority = OptionalPriority(b, $"{at}.priority") ?? defaults.Priority,
                    },
                };
            }
        }

        /// <summary>A list of sensor ids, <c>[hall_motion, kitchen_motion]</c>; each id's line is kept for the validator's errors.</summary>
        private List<string> OptionalIds(Dictionary<string, YamlNode> map, string key, string field)
        {
            var ids = new List<string>();
            if (map.TryGetValue(key, out var node) && Expect<YamlSequenceNode>(node, field) is { } list)
            {
                for (var i = 0; i < list.Children.Count; i++)
                {
                    var itemField = $"{field}[{i}]";
                    lines[itemField] = (int)list.Children[i].Start.Line;
                    if (Expect<YamlScalarNode>(list.Children[i], itemField) is { Value: { Length: > 0 } id })
                    {
                        ids.Add(id);
                    }
                }
            }

            return ids;
        }

        private AlertPriorityChoice? OptionalPriority(Dictionary<string, YamlNode> map, string field) =>
            OptionalString(map, "priority", field) switch
            {
                null => null,
                "critical" => AlertPriorityChoice.Critical,
                "high" => AlertPriorityChoice.High,
                "normal" => AlertPriorityChoice.Normal,
                "low" => AlertPriorityChoice.Low,
                var p => Invalid<AlertPriorityChoice?>(null, field, $"'{p}' is not one of: critical, high, normal, low", map["priority"]),
            };
    }
}
