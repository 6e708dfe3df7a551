using System.Text.Json;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Gateway.Mqtt;

/// <summary>
/// Reads Zigbee2MQTT device state messages (<c>zigbee2mqtt/&lt;friendly_name&gt;</c>, one JSON object with the
/// device's full state). Which key means what depends on the sensor's kind and, for fall radars, on the model:
/// falls have no common key in Zigbee2MQTT. The key table is in Mqtt/README.md.
/// </summary>
public sealed class Zigbee2MqttProfile : IMqttPayloadProfile
{
    /// <summary>Heiman HS2FD-EF1-3.0 radar: <c>fall_status</c> ∈ {normal, fall_warning, fall_alarm}.</summary>
    public const string HeimanHs2fdEf1 = "heiman-hs2fd-ef1";

    /// <summary>Tuya MIR-HE200-TY radar: <c>fall_down_status</c> ∈ {none, maybe_fall, fall}.</summary>
    public const string TuyaMirHe200 = "tuya-mir-he200";

    /// <summary>A measured value's state word (the number is in <see cref="StateReading.Value"/>).</summary>
    public const string Measured = "measured";

    private static readonly Dictionary<string, FallModel> FallModels = new(StringComparer.OrdinalIgnoreCase)
    {
        [HeimanHs2fdEf1] = new("fall_status", new(StringComparer.Ordinal)
        {
            ["fall_alarm"] = SensorStates.Fall,
            ["fall_warning"] = SensorStates.SuspectedFall,
            ["normal"] = SensorStates.Clear,
        }),
        [TuyaMirHe200] = new("fall_down_status", new(StringComparer.Ordinal)
        {
            ["fall"] = SensorStates.Fall,
            ["maybe_fall"] = SensorStates.SuspectedFall,
            ["none"] = SensorStates.Clear,
        }),
    };

    // Button actions differ per device; these are the ones that mean "someone pressed it".
    private static readonly HashSet<string> PressActions = new(StringComparer.Ordinal)
    {
        "single", "double", "triple", "quadruple", "hold", "long", "press", "long_press", "emergency", "sos",
    };

    private static readonly HashSet<string> ReleaseActions = new(StringComparer.Ordinal) { "release", "long_release", "hold_release" };

    private static readonly HashSet<SensorKind> Supported =
    [
        SensorKind.Door, SensorKind.Motion, SensorKind.Presence, SensorKind.Bed, SensorKind.Chair, SensorKind.Fall,
        SensorKind.HelpButton, SensorKind.Smoke, SensorKind.WaterLeak, SensorKind.Tamper, SensorKind.Temperature,
        SensorKind.Gas, SensorKind.CarbonMonoxide,
    ];

    /// <summary>The kinds this profile reads.</summary>
    public static IReadOnlyCollection<SensorKind> Kinds => Supported;

    public string Name => MqttProfiles.Zigbee2Mqtt;

    /// <summary>The fall radar models this profile knows.</summary>
    public static IEnumerable<string> KnownFallModels => FallModels.Keys;

    public MqttSensorProblem? FindProblem(SensorConfig sensor)
    {
        if (!Supported.Contains(sensor.Kind))
        {
            return new("kind", $"kind '{SensorKindNames.ToName(sensor.Kind)}' cannot be read from Zigbee2MQTT");
        }

        if (sensor.Kind == SensorKind.Fall && (sensor.Mqtt?.Model is not { } model || !FallModels.ContainsKey(model)))
        {
            var given = sensor.Mqtt?.Model is { } m ? $"model '{m}' is not a known fall radar" : "mqtt.model is missing";
            return new("mqtt.model", $"{given}; Zigbee2MQTT fall sensors report falls under model-specific keys, so set mqtt.model to one of: {string.Join(", ", FallModels.Keys)}");
        }

        return null;
    }

    /// <summary>
    /// The state topic, its <c>/availability</c> sibling (Zigbee2MQTT's device availability, off by default) and the
    /// bridge's <c>bridge/state</c> under every possible base topic: a friendly name may contain '/', so which prefix
    /// is the base topic cannot be told from the topic alone, and a candidate nobody publishes on costs nothing.
    /// </summary>
    public IReadOnlyList<MqttTopic> Topics(MqttInputConfig mqtt)
    {
        var topics = new List<MqttTopic> { new(mqtt.Topic, MqttTopicRole.State), new(mqtt.Topic + "/availability", MqttTopicRole.Availability) };
        for (var slash = mqtt.Topic.IndexOf('/', StringComparison.Ordinal); slash > 0; slash = mqtt.Topic.IndexOf('/', slash + 1))
        {
            topics.Add(new MqttTopic(mqtt.Topic[..slash] + "/bridge/state", MqttTopicRole.Bridge));
        }

        return topics;
    }

    public PayloadReading Read(SensorConfig sensor, ReadOnlyMemory<byte> payload)
    {
        if (!JsonPayload.TryParseObject(payload, out var document, out var problem))
        {
            return PayloadReading.Rejected(problem!);
        }

        using (document)
        {
            var obj = document!.RootElement;
            var states = new List<StateReading>(2);
            if (ReadPrimary(sensor, obj, states) is { } primaryProblem)
            {
                return PayloadReading.Rejected(primaryProblem);
            }

            // Many contact sensors and radars also report their case being opened.
            if (sensor.Kind != SensorKind.Tamper)
            {
                if (!JsonPayload.TryBool(obj, "tamper", out var tamper, out var tamperProblem))
                {
                    return PayloadReading.Rejected(tamperProblem!);
                }

                if (tamper is { } t)
                {
                    states.Add(new StateReading(SensorKind.Tamper, t ? SensorStates.Detected : SensorStates.Clear));
                }
            }

            var (battery, link, low, voltage) = JsonPayload.ReadHealth(obj);
            return new PayloadReading(states, battery, link) { BatteryLow = low, VoltageMillivolts = voltage };
        }
    }

    private static string? ReadPrimary(SensorConfig sensor, JsonElement obj, List<StateReading> states)
    {
        var kind = sensor.Kind;
        switch (kind)
        {
            case SensorKind.Door:
                // Zigbee2MQTT's contact is true when the magnet is near: the door is closed.
                return Flag(obj, "contact", kind, SensorStates.Closed, SensorStates.Open, states);
            case SensorKind.Motion:
                // Vibration sensors (on a bed frame, a walker) are the motion source of devices without occupancy.
                return Present(obj, "occupancy") || !Present(obj, "vibration")
                    ? Flag(obj, "occupancy", kind, SensorStates.Detected, SensorStates.Clear, states)
                    : Flag(obj, "vibration", kind, SensorStates.Detected, SensorStates.Clear, states);
            case SensorKind.Presence:
                return Present(obj, "presence")
                    ? Flag(obj, "presence", kind, SensorStates.Detected, SensorStates.Clear, states)
                    : Flag(obj, "occupancy", kind, SensorStates.Detected, SensorStates.Clear, states);
            case SensorKind.Bed or SensorKind.Chair:
                return Present(obj, "occupancy")
                    ? Flag(obj, "occupancy", kind, SensorStates.Occupied, SensorStates.Empty, states)
                    : Flag(obj, "presence", kind, SensorStates.Occupied, SensorStates.Empty, states);
            case SensorKind.Smoke:
                return Flag(obj, "smoke", kind, SensorStates.Detected, SensorStates.Clear, states);
            case SensorKind.WaterLeak:
                return Flag(obj, "water_leak", kind, SensorStates.Detected, SensorStates.Clear, states);
            case SensorKind.Gas:
                return Flag(obj, "gas", kind, SensorStates.Detected, SensorStates.Clear, states);
            case SensorKind.CarbonMonoxide:
                return Flag(obj, "carbon_monoxide", kind, SensorStates.Detected, SensorStates.Clear, states);
            case SensorKind.Tamper:
                return Flag(obj, "tamper", kind, SensorStates.Detected, SensorStates.Clear, states);
            case SensorKind.Temperature:
                if (!JsonPayload.TryNumber(obj, "temperature", out var celsius, out var problem))
                {
                    return problem;
                }

                if (celsius is { } c)
                {
                    states.Add(new StateReading(kind, Measured, c));
                }

                return null;
            case SensorKind.Fall:
                return ReadFall(sensor, obj, states);
            case SensorKind.HelpButton:
                return ReadButton(obj, states);
            default:
                return $"kind '{SensorKindNames.ToName(kind)}' cannot be read from Zigbee2MQTT";
        }
    }

    private static string? ReadFall(SensorConfig sensor, JsonElement obj, List<StateReading> states)
    {
        if (sensor.Mqtt?.Model is not { } modelName || !FallModels.TryGetValue(modelName, out var model))
        {
            return "fall sensor has no known model";
        }

        if (!JsonPayload.TryString(obj, model.Key, out var status, out var problem))
        {
            return problem;
        }

        if (status is null)
        {
            return null;
        }

        if (!model.States.TryGetValue(status, out var state))
        {
            return $"'{model.Key}' has unknown value '{JsonPayload.Shorten(status)}'";
        }

        states.Add(new StateReading(SensorKind.Fall, state));
        return null;
    }

    private static string? ReadButton(JsonElement obj, List<StateReading> states)
    {
        if (!JsonPayload.TryString(obj, "action", out var action, out var problem))
        {
            return problem;
        }

        if (action is not null)
        {
            if (PressActions.Contains(action))
            {
                states.Add(new StateReading(SensorKind.HelpButton, SensorStates.Pressed));
                return null;
            }

            if (ReleaseActions.Contains(action))
            {
                states.Add(new StateReading(SensorKind.HelpButton, SensorStates.Released));
                return null;
            }

            return $"'action' value '{JsonPayload.Shorten(action)}' is not a button press or release";
        }

        // SOS pendants report sos: true on a press; sos: false is their idle state, not a release.
        if (!JsonPayload.TryBool(obj, "sos", out var sos, out problem))
        {
            return problem;
        }

        if (sos == true)
        {
            states.Add(new StateReading(SensorKind.HelpButton, SensorStates.Pressed));
        }

        return null;
    }

    private static string? Flag(JsonElement obj, string key, SensorKind kind, string whenTrue, string whenFalse, List<StateReading> states)
    {
        if (!JsonPayload.TryBool(obj, key, out var value, out var problem))
        {
            return problem;
        }

        if (value is { } v)
        {
            states.Add(new StateReading(kind, v ? whenTrue : whenFalse));
        }

        return null;
    }

    // Zigbee2MQTT sends null for a key the device has not reported yet: null counts as absent.
    private static bool Present(JsonElement obj, string key) =>
        obj.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null;

    private sealed record FallModel(string Key, Dictionary<string, string> States);
}
