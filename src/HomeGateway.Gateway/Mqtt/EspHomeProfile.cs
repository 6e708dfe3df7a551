using System.Globalization;
using System.Text;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Gateway.Mqtt;

/// <summary>
/// Reads ESPHome nodes with the MQTT component: each entity has its own topic with a plain-text payload —
/// <c>&lt;prefix&gt;/binary_sensor/&lt;name&gt;/state</c> → <c>ON</c>/<c>OFF</c>, <c>&lt;prefix&gt;/sensor/&lt;name&gt;/state</c>
/// → a number — and the node announces itself on <c>&lt;prefix&gt;/status</c> (<c>online</c>, last will <c>offline</c>,
/// retained), which covers every sensor of the node. <c>ON</c> means what Home Assistant's binary sensor device class
/// of the kind means by "on": door open, motion or smoke detected, bed occupied, mains power present.
/// </summary>
public sealed class EspHomeProfile : IMqttPayloadProfile
{
    private const string BinarySensor = "binary_sensor";
    private const string Sensor = "sensor";

    // The two-state kinds. ON means what Home Assistant's device class of the kind means by "on": the kind's active
    // word (ContactStates), except power, whose "on" is power present.
    private static readonly HashSet<SensorKind> Binary =
    [
        SensorKind.Door, SensorKind.Motion, SensorKind.Presence, SensorKind.Bed, SensorKind.Chair, SensorKind.Fall, SensorKind.HelpButton,
        SensorKind.Smoke, SensorKind.WaterLeak, SensorKind.Gas, SensorKind.CarbonMonoxide, SensorKind.Tamper, SensorKind.Power,
    ];

    public string Name => MqttProfiles.EspHome;

    /// <summary>The kinds this profile reads.</summary>
    public static IReadOnlyCollection<SensorKind> Kinds { get; } = [.. Binary, SensorKind.Temperature];

    public MqttSensorProblem? FindProblem(SensorConfig sensor)
    {
        if (!Kinds.Contains(sensor.Kind))
        {
            return new("kind", $"kind '{SensorKindNames.ToName(sensor.Kind)}' cannot be read from ESPHome");
        }

        var component = sensor.Kind == SensorKind.Temperature ? Sensor : BinarySensor;
        if (sensor.Mqtt is not { } mqtt || Split(mqtt.Topic) is not { } parts || parts.Component != component)
        {
            return new("mqtt.topic", $"an ESPHome {SensorKindNames.ToName(sensor.Kind)} sensor publishes on <prefix>/{component}/<name>/state; got '{sensor.Mqtt?.Topic}'");
        }

        return null;
    }

    public IReadOnlyList<MqttTopic> Topics(MqttInputConfig mqtt) =>
        Split(mqtt.Topic) is { } parts
            ? [new(mqtt.Topic, MqttTopicRole.State), new(parts.Prefix + "/status", MqttTopicRole.Availability)]
            : [new(mqtt.Topic, MqttTopicRole.State)];

    public PayloadReading Read(SensorConfig sensor, ReadOnlyMemory<byte> payload)
    {
        if (PlainText.TryRead(payload.Span, out var text) is { } problem)
        {
            return PayloadReading.Rejected(problem);
        }

        if (sensor.Kind == SensorKind.Temperature)
        {
            // ESPHome publishes "nan" while a sensor has no reading (a probe unplugged): nothing to report, not an error.
            if (text.Equals("nan", StringComparison.OrdinalIgnoreCase))
            {
                return new PayloadReading([], null, null);
            }

            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var celsius) && double.IsFinite(celsius)
                ? new PayloadReading([new StateReading(SensorKind.Temperature, SensorStates.Measured, celsius)], null, null)
                : PayloadReading.Rejected($"payload '{JsonPayload.Shorten(text)}' is not a number");
        }

        if (!Binary.Contains(sensor.Kind))
        {
            return PayloadReading.Rejected($"kind '{SensorKindNames.ToName(sensor.Kind)}' cannot be read from ESPHome");
        }

        return text switch
        {
            "ON" => new PayloadReading([new StateReading(sensor.Kind, Word(sensor.Kind, on: true))], null, null),
            "OFF" => new PayloadReading([new StateReading(sensor.Kind, Word(sensor.Kind, on: false))], null, null),
            _ => PayloadReading.Rejected($"payload '{JsonPayload.Shorten(text)}' is not ON or OFF"),
        };
    }

    /// <summary>The node prefix and the component of <c>&lt;prefix&gt;/&lt;component&gt;/&lt;name&gt;/state</c>; null for any other shape.</summary>
    internal static (string Prefix, string Component)? Split(string topic)
    {
        var levels = topic.Split('/');
        if (levels.Length < 4 || levels[^1] != "state" || levels[^2].Length == 0 || levels[..^3].Any(l => l.Length == 0)
            || levels[^3] is not (BinarySensor or Sensor))
        {
            return null;
        }

        return (string.Join('/', levels[..^3]), levels[^3]);
    }
    private static string Word(SensorKind kind, bool on) => ContactStates.For(kind, active: on != (kind == SensorKind.Power));
}

/// <summary>Plain-text payloads (ESPHome states, availability words): strict UTF-8, short, trimmed.</summary>
internal static class PlainText
{
    private const int MaxLength = 64;
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Null when read; otherwise why not.</summary>
    public static string? TryRead(ReadOnlySpan<byte> payload, out string text)
    {
        text = "";
        if (payload.Length > MaxLength)
        {
            return $"a plain-text payload of {payload.Length} bytes is longer than {MaxLength}";
        }

        try
        {
            text = Strict.GetString(payload).Trim();
        }
        catch (DecoderFallbackException)
        {
            return "payload is not UTF-8 text";
        }

        return text.Length == 0 ? "payload is empty" : null;
    }

}
