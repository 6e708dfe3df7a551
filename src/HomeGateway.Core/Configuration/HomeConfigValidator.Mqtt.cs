using System.Text.RegularExpressions;

namespace HomeGateway.Core.Configuration;

/// <summary>The checks on a sensor's <c>mqtt:</c> block that need no knowledge of a device family's payloads.</summary>
public static partial class HomeConfigValidator
{
    // One level of a Tasmota JSON path: sensor and key names as Tasmota writes them (Switch1, DS18B20-1, ENERGY).
    [GeneratedRegex("^[A-Za-z0-9_-]{1,40}$")]
    private static partial Regex KeySegment();

    private const int MaxKeyDepth = 4;

    /// <summary>Why <paramref name="key"/> is not a usable dotted path; null when it is.</summary>
    public static string? FindKeyProblem(string key)
    {
        var segments = key.Split('.');
        if (segments.Length > MaxKeyDepth)
        {
            return $"key '{key}' is nested deeper than {MaxKeyDepth} levels";
        }

        return segments.All(s => KeySegment().IsMatch(s))
            ? null
            : $"key '{key}' is not a dotted path of names (letters, digits, '_' or '-'), e.g. Switch1 or DS18B20.Temperature";
    }

    private static void ValidateMqtt(string sensorId, MqttInputConfig mqtt, string at,
        Dictionary<string, string> seenTopics, Action<string, string> problem)
    {
        if (string.IsNullOrWhiteSpace(mqtt.Topic) || mqtt.Topic.Contains('#') || mqtt.Topic.Contains('+'))
        {
            problem($"{at}.mqtt.topic", "topic must be a concrete topic name without wildcards");
        }
        else
        {
            // A Tasmota device publishes all its sensors in one message: sensors share its topic and differ by key.
            var slot = MqttProfiles.NeedsKey(mqtt.Profile) && mqtt.Key is { } k ? $"{mqtt.Topic} (key {k})" : mqtt.Topic;
            if (seenTopics.TryGetValue(slot, out var other))
            {
                problem($"{at}.mqtt.topic", $"topic '{slot}' is already used by sensor '{other}'");
            }
            else
            {
                seenTopics[slot] = sensorId;
            }
        }

        if (!MqttProfiles.All.Contains(mqtt.Profile))
        {
            problem($"{at}.mqtt.profile", $"unknown profile '{mqtt.Profile}'; use one of: {string.Join(", ", MqttProfiles.All)}");
            return;
        }

        if (MqttProfiles.NeedsKey(mqtt.Profile))
        {
            if (mqtt.Key is null)
            {
                problem($"{at}.mqtt.key", $"sensor '{sensorId}': profile '{mqtt.Profile}' needs mqtt.key, the path of the value in the message (e.g. Switch1 or DS18B20.Temperature)");
            }
            else if (FindKeyProblem(mqtt.Key) is { } keyProblem)
            {
                problem($"{at}.mqtt.key", $"sensor '{sensorId}': {keyProblem}");
            }
        }
        else if (mqtt.Key is not null)
        {
            problem($"{at}.mqtt.key", $"sensor '{sensorId}': key is only used by the {MqttProfiles.Tasmota} profile; profile '{mqtt.Profile}' knows where its values are");
        }
    }
}
