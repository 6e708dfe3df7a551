using System.Text.Json;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Gateway.Mqtt;

/// <summary>
/// Reads Tasmota devices. One message carries every sensor of the device, so each sensor of the home file names its
/// value by a dotted path (<c>mqtt.key</c>): <c>tele/&lt;topic&gt;/SENSOR</c> <c>{"Time":"…","Switch1":"ON"}</c> or
/// <c>{"DS18B20":{"Temperature":21.5}}</c>. That telemetry comes only every TelePeriod (300 s by default): far too late
/// for a door or a help button, so switch changes are also read from <c>stat/&lt;topic&gt;/RESULT</c>, where Tasmota
/// reports them at once as <c>{"Switch1":{"Action":"ON"}}</c> when switches are detached from relays
/// (<c>SetOption114 1</c>). The last will is <c>tele/&lt;topic&gt;/LWT</c>: <c>Online</c>/<c>Offline</c>.
/// For switches <c>ON</c> means the circuit is closed (<c>SwitchMode 1</c>): a reed contact closed by its magnet, so a
/// door is closed; a pressed button, a PIR or a leak probe that closes on detection. Invert on the device
/// (<c>SwitchMode 2</c>) for contacts wired the other way.
/// </summary>
public sealed class TasmotaProfile : IMqttPayloadProfile
{
    private const string Telemetry = "SENSOR";
    // The two-state kinds. ON is a closed circuit: the kind's active word (ContactStates), except for a door (a reed
    // closed by its magnet: closed) and power (a mains relay pulled in: power present).
    private static readonly HashSet<SensorKind> Binary =
    [
        SensorKind.Door, SensorKind.Motion, SensorKind.Presence, SensorKind.Bed, SensorKind.Chair, SensorKind.HelpButton,
        SensorKind.Smoke, SensorKind.WaterLeak, SensorKind.Gas, SensorKind.CarbonMonoxide, SensorKind.Tamper, SensorKind.Power,
    ];

    public string Name => MqttProfiles.Tasmota;

    /// <summary>The kinds this profile reads.</summary>
    public static IReadOnlyCollection<SensorKind> Kinds { get; } = [.. Binary, SensorKind.Temperature];

    public MqttSensorProblem? FindProblem(SensorConfig sensor)
    {
        if (!Kinds.Contains(sensor.Kind))
        {
            return new("kind", $"kind '{SensorKindNames.ToName(sensor.Kind)}' cannot be read from Tasmota");
        }

        if (sensor.Mqtt is not { } mqtt || !mqtt.Topic.EndsWith("/" + Telemetry, StringComparison.Ordinal) || mqtt.Topic.Length <= Telemetry.Length + 1)
        {
            return new("mqtt.topic", $"a Tasmota sensor is read from the device's telemetry topic, tele/<topic>/{Telemetry}; got '{sensor.Mqtt?.Topic}'");
        }

        if (mqtt.Key is null)
        {
            return new("mqtt.key", "a Tasmota sensor needs mqtt.key, the path of its value in the message (e.g. Switch1 or DS18B20.Temperature)");
        }

        return HomeConfigValidator.FindKeyProblem(mqtt.Key) is { } problem ? new("mqtt.key", problem) : null;
    }

    /// <summary>
    /// The telemetry topic, its <c>LWT</c> sibling and, when the topic has Tasmota's default <c>tele</c> prefix level,
    /// the matching <c>stat/…/RESULT</c> (the prefix level is swapped, so a custom FullTopic order works as well).
    /// </summary>
    public IReadOnlyList<MqttTopic> Topics(MqttInputConfig mqtt)
    {
        var topics = new List<MqttTopic> { new(mqtt.Topic, MqttTopicRole.State) };
        if (!mqtt.Topic.EndsWith("/" + Telemetry, StringComparison.Ordinal))
        {
            return topics;
        }

        var device = mqtt.Topic[..^Telemetry.Length];
        topics.Add(new MqttTopic(device + "LWT", MqttTopicRole.Availability));
        var levels = device.TrimEnd('/').Split('/');
        if (levels.Count(l => l == "tele") == 1)
        {
            topics.Add(new MqttTopic(string.Join('/', levels.Select(l => l == "tele" ? "stat" : l)) + "/RESULT", MqttTopicRole.State));
        }

        return topics;
    }

    public PayloadReading Read(SensorConfig sensor, ReadOnlyMemory<byte> payload) => Read(sensor, sensor.Mqtt?.Topic ?? "", payload);

    public PayloadReading Read(SensorConfig sensor, string topic, ReadOnlyMemory<byte> payload)
    {
        if (sensor.Mqtt?.Key is not { } key)
        {
            return PayloadReading.Rejected("the sensor has no mqtt.key");
        }

        if (!JsonPayload.TryParseObject(payload, out var document, out var problem))
        {
            return PayloadReading.Rejected(problem!);
        }

        using (document)
        {
            // A message without this sensor's key is another sensor's news (or a command's answer on RESULT).
            if (!JsonPayload.TryGetPath(document!.RootElement, key, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return new PayloadReading([], null, null);
            }

            // stat/…/RESULT reports a detached switch as {"Switch1":{"Action":"ON"}}.
            var isResult = !topic.EndsWith("/" + Telemetry, StringComparison.Ordinal);
            if (isResult && value.ValueKind == JsonValueKind.Object && value.TryGetProperty("Action", out var action))
            {
                value = action;
            }

            return sensor.Kind == SensorKind.Temperature ? ReadNumber(key, value) : ReadSwitch(sensor.Kind, key, value);
        }
    }

    private static PayloadReading ReadNumber(string key, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && double.IsFinite(number))
        {
            return new PayloadReading([new StateReading(SensorKind.Temperature, SensorStates.Measured, number)], null, null);
        }

        return PayloadReading.Rejected(value.ValueKind == JsonValueKind.Object
            ? $"'{key}' is an object; name the value inside it in mqtt.key (e.g. {key}.Temperature)"
            : $"'{key}' must be a number, got a {JsonPayload.Describe(value)}");
    }

    private static PayloadReading ReadSwitch(SensorKind kind, string key, JsonElement value)
    {
        if (!Binary.Contains(kind))
        {
            return PayloadReading.Rejected($"kind '{SensorKindNames.ToName(kind)}' cannot be read from Tasmota");
        }

        bool? on = value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String => value.GetString() switch
            {
                "ON" or "on" or "On" => true,
                "OFF" or "off" or "Off" => false,
                _ => null,
            },
            JsonValueKind.Number when value.TryGetInt32(out var n) && n is 0 or 1 => n == 1,
            _ => null,
        };
        if (on is not { } isOn)
        {
            var shown = value.ValueKind == JsonValueKind.String ? $"'{JsonPayload.Shorten(value.GetString()!)}'" : $"a {JsonPayload.Describe(value)}";
            return PayloadReading.Rejected($"'{key}' must be ON or OFF, got {shown}");
        }

        return new PayloadReading([new StateReading(kind, Word(kind, isOn))], null, null);
    }

    private static string Word(SensorKind kind, bool on) => ContactStates.For(kind, active: on != (kind is SensorKind.Door or SensorKind.Power));
}
