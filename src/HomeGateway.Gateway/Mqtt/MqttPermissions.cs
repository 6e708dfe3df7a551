using System.Text;

namespace HomeGateway.Gateway.Mqtt;

/// <summary>What a rule lets a login do on the topics its pattern covers, in mosquitto's <c>acl_file</c> words.</summary>
[Flags]
public enum MqttAccess
{
    /// <summary><c>read</c>: subscribe to the pattern (or any narrower filter) and receive what is published there.</summary>
    Read = 1,

    /// <summary><c>write</c>: publish on topics the pattern matches.</summary>
    Write = 2,

    /// <summary><c>readwrite</c>: both.</summary>
    ReadWrite = Read | Write,
}

/// <summary>
/// One line of a login's permissions, as in mosquitto's <c>acl_file</c>: <c>read|write|readwrite PATTERN</c>. The pattern is
/// an MQTT topic filter (<c>+</c> one level, <c>#</c> the rest) in which <c>%u</c> stands for the login's user name and
/// <c>%c</c> for the client id it connected with. <see cref="SensorTopics"/> (<c>@sensors</c>) stands for every topic the
/// home file's MQTT sensors are read from.
/// </summary>
public sealed record MqttTopicRule(MqttAccess Access, string Pattern)
{
    /// <summary>The pattern that means "every topic a sensor of the home file is read from" (state, availability, bridge).</summary>
    public const string SensorTopics = "@sensors";

    private const int MaxPatternLength = 256;

    /// <summary>The rule as one line of <c>mqtt users show</c> and of the credentials file.</summary>
    public override string ToString() => $"{AccessWord(Access)} {Pattern}";

    public static string AccessWord(MqttAccess access) => access switch
    {
        MqttAccess.Read => "read",
        MqttAccess.Write => "write",
        _ => "readwrite",
    };

    /// <summary>Null when <paramref name="pattern"/> is a valid pattern; otherwise why not, in words for the technician.</summary>
    public static string? ProblemWith(string pattern)
    {
        if (pattern == SensorTopics)
        {
            return null;
        }

        if (pattern.Length is 0 or > MaxPatternLength)
        {
            return $"a topic pattern must have 1 to {MaxPatternLength} characters";
        }

        if (pattern.Any(char.IsControl))
        {
            return "a topic pattern must not contain control characters (tabs, line breaks)";
        }

        var levels = pattern.Split('/');
        for (var i = 0; i < levels.Length; i++)
        {
            var level = levels[i];
            if (level.Contains('#', StringComparison.Ordinal) && (level != "#" || i != levels.Length - 1))
            {
                return "'#' must be a whole level and the last one (zigbee2mqtt/#)";
            }

            if (level.Contains('+', StringComparison.Ordinal) && level != "+")
            {
                return "'+' must be a whole level (tele/+/SENSOR)";
            }
        }

        return null;
    }

    /// <summary>True when this rule lets <paramref name="access"/> happen on <paramref name="filter"/> (a topic, or a subscription's filter).</summary>
    internal bool Allows(MqttAccess access, string filter, string userName, string clientId, IReadOnlyCollection<string> sensorTopics)
    {
        if ((Access & access) != access)
        {
            return false;
        }

        if (Pattern == SensorTopics)
        {
            // A sensor topic is a plain topic: it covers a filter only when the filter is that very topic.
            return sensorTopics.Contains(filter);
        }

        return Substitute(Pattern, userName, clientId) is { } pattern && MqttTopicPattern.Covers(pattern, filter);
    }

    // %u / %c as in mosquitto's "pattern" lines. A value that would add levels or wildcards ("a/b", "+", "#") matches
    // nothing: a client id must not be able to widen its own rule.
    private static string? Substitute(string pattern, string userName, string clientId)
    {
        if (!pattern.Contains('%', StringComparison.Ordinal))
        {
            return pattern;
        }

        if (pattern.Contains("%c", StringComparison.Ordinal) && (clientId.Length == 0 || clientId.AsSpan().IndexOfAny("/+#") >= 0))
        {
            return null;
        }

        if (pattern.Contains("%u", StringComparison.Ordinal) && (userName.Length == 0 || userName.AsSpan().IndexOfAny("/+#") >= 0))
        {
            return null;
        }

        return pattern.Replace("%u", userName, StringComparison.Ordinal).Replace("%c", clientId, StringComparison.Ordinal);
    }
}

/// <summary>MQTT topic filters compared as sets of topics.</summary>
internal static class MqttTopicPattern
{
    /// <summary>
    /// True when every topic <paramref name="filter"/> matches is also matched by <paramref name="pattern"/>: a topic
    /// (no wildcards) is covered when the pattern matches it; a subscription's filter only when it is no wider than the
    /// pattern (<c>zigbee2mqtt/+</c> is covered by <c>zigbee2mqtt/#</c>, <c>#</c> is not). As mosquitto, <c>a/#</c> also
    /// matches <c>a</c> itself.
    /// </summary>
    public static bool Covers(string pattern, string filter)
    {
        var p = pattern.Split('/');
        var f = filter.Split('/');
        for (var i = 0; i < p.Length; i++)
        {
            if (p[i] == "#")
            {
                // MQTT §4.7.2: a wildcard at the first level never matches a topic starting with '$' (the broker's own).
                return i > 0 || f[0].Length == 0 || f[0][0] != '$';
            }

            if (i >= f.Length)
            {
                return false;
            }

            if (f[i] == "#")
            {
                return false;
            }

            if (p[i] == "+")
            {
                if (i == 0 && f[0].StartsWith('$'))
                {
                    return false;
                }

                continue;
            }

            if (f[i] == "+" || !string.Equals(p[i], f[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return f.Length == p.Length;
    }
}

/// <summary>
/// What one login may publish and subscribe to: its role's rules plus any given one by one. Nothing is allowed that no rule
/// allows. Stored with the login in the credentials file (<see cref="MqttCredentialStore"/>).
/// </summary>
/// <param name="Role">The preset it was made from (<see cref="MqttRoles"/>), or <c>custom</c>.</param>
/// <param name="Rules">Every rule, the role's first.</param>
/// <param name="Legacy">True for a login written before permissions existed: it got its role at load (see <see cref="MqttRoles.ForLegacyLogin"/>).</param>
public sealed record MqttPermissions(string Role, IReadOnlyList<MqttTopicRule> Rules, bool Legacy = false)
{
    public bool MayPublish(string topic, string userName, string clientId, IReadOnlyCollection<string> sensorTopics) =>
        Rules.Any(r => r.Allows(MqttAccess.Write, topic, userName, clientId, sensorTopics));

    public bool MaySubscribe(string filter, string userName, string clientId, IReadOnlyCollection<string> sensorTopics) =>
        Rules.Any(r => r.Allows(MqttAccess.Read, filter, userName, clientId, sensorTopics));

    /// <summary>One line for <c>mqtt users list</c>: the role and the rules.</summary>
    public string Describe()
    {
        var text = new StringBuilder(Role);
        if (Legacy)
        {
            text.Append(" (no permissions stored: given at load)");
        }

        text.Append(": ");
        text.Append(Rules.Count == 0 ? "nothing" : string.Join(", ", Rules));
        return text.ToString();
    }
}

/// <summary>
/// The presets of <c>homegateway mqtt users add NAME --role ROLE</c>, each what one kind of client needs and no more.
/// </summary>
public static class MqttRoles
{
    /// <summary>A Zigbee2MQTT bridge: its base topic (state, availability, bridge, commands) and Home Assistant discovery.</summary>
    public const string Zigbee2Mqtt = "zigbee2mqtt";

    /// <summary>One device (an ESPHome node, a Tasmota device) logging in under its own name: its own topics only.</summary>
    public const string Device = "device";

    /// <summary>Read everything (Home Assistant, a technician's <c>mosquitto_sub</c>); publish nothing.</summary>
    public const string Reader = "reader";

    /// <summary>Home Assistant: read everything (sensors, the gateway's alerts, discovery), publish only its birth message.</summary>
    public const string HomeAssistant = "homeassistant";

    /// <summary>Publish on any topic a sensor of the home file is read from, nothing else (a generic bridge such as Node-RED).</summary>
    public const string Sensors = "sensors";

    /// <summary>No preset: only the rules given with <c>--allow-publish</c> / <c>--allow-subscribe</c>.</summary>
    public const string Custom = "custom";

    public const string DefaultZigbee2MqttBaseTopic = "zigbee2mqtt";

    public static IReadOnlyList<string> Names { get; } = [Zigbee2Mqtt, Device, Reader, HomeAssistant, Sensors];

    /// <summary>The rules of <paramref name="role"/>; null when there is no such role.</summary>
    public static IReadOnlyList<MqttTopicRule>? RulesOf(string role, string? baseTopic = null) => role switch
    {
        Zigbee2Mqtt =>
        [
            new(MqttAccess.ReadWrite, (baseTopic ?? DefaultZigbee2MqttBaseTopic) + "/#"),
            new(MqttAccess.ReadWrite, "homeassistant/#"),
        ],

        // ESPHome's topic prefix is the node name, Tasmota's %topic% the device name: log each in under that name.
        Device =>
        [
            new(MqttAccess.ReadWrite, "%u/#"),
            new(MqttAccess.Write, "tele/%u/#"),
            new(MqttAccess.Write, "stat/%u/#"),
            new(MqttAccess.Read, "cmnd/%u/#"),
        ],
        Reader => [new(MqttAccess.Read, "#")],

        // Its birth message ("online" on homeassistant/status) is how it asks for discovery again after a restart.
        HomeAssistant => [new(MqttAccess.Read, "#"), new(MqttAccess.Write, "homeassistant/status")],
        Sensors => [new(MqttAccess.Write, MqttTopicRule.SensorTopics)],
        Custom => [],
        _ => null,
    };

    /// <summary>A role's permissions with extra rules after its own.</summary>
    public static MqttPermissions Of(string role, IEnumerable<MqttTopicRule>? extra = null, string? baseTopic = null) =>
        new(role, [.. RulesOf(role, baseTopic) ?? throw new ArgumentException($"'{role}' is not a role: use one of {string.Join(", ", Names)}", nameof(role)), .. extra ?? []]);

    /// <summary>
    /// The permissions of a login stored before logins had any. Such a login could publish and subscribe anywhere; the
    /// migration keeps what a sensor needs working and closes the rest: a login named after a role gets that role
    /// (<c>zigbee2mqtt</c>, the name the deployment guide used), any other gets <see cref="Sensors"/> — it may still
    /// publish on the home file's sensor topics, no longer on the gateway's topics or anywhere else, and may not
    /// subscribe. The broker logs this for every such login (event 2171) until it is given permissions.
    /// </summary>
    public static MqttPermissions ForLegacyLogin(string userName) =>
        (Names.Contains(userName, StringComparer.Ordinal) ? Of(userName) : Of(Sensors)) with { Legacy = true };
}
