using System.Globalization;
using System.Text;

namespace HomeGateway.Simulator.Scenarios;

/// <summary>
/// A script of what happens in the simulated home, one step a line:
/// <code>
/// # offset  action  arguments
/// 0s    gpio 27 0                                        # set BCM pin 27 to level 0 (low)
/// 500ms gpio 27 1
/// 3s    mqtt zigbee2mqtt/front_door {"contact":false}  # publish a payload (the rest of the line)
/// </code>
/// Offsets count from the start of the scenario and must not go backwards. Payloads are sent as written,
/// so a scenario can also carry malformed input on purpose.
/// </summary>
public sealed record Scenario(IReadOnlyList<ScenarioStep> Steps)
{
    public static Scenario Parse(string text, string name)
    {
        var steps = new List<ScenarioStep>();
        var lineNumber = 0;
        var previous = TimeSpan.Zero;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.TrimEnd('\r').Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var parts = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts.Length < 3)
            {
                throw Error(name, lineNumber, "expected: OFFSET ACTION ARGUMENTS");
            }

            if (!TryParseOffset(parts[0], out var at))
            {
                throw Error(name, lineNumber, $"'{parts[0]}' is not an offset such as 500ms, 3s or 2m");
            }

            if (at < previous)
            {
                throw Error(name, lineNumber, "offsets must not go backwards");
            }

            previous = at;
            steps.Add(parts[1] switch
            {
                "gpio" => ParseGpio(parts[2], at, name, lineNumber),
                "mqtt" => ParseMqtt(parts[2], at, name, lineNumber),
                "say" => new SayStep(at, parts[2]),
                _ => throw Error(name, lineNumber, $"unknown action '{parts[1]}'; use gpio, mqtt or say"),
            });
        }

        return new Scenario(steps);
    }

    public static Scenario Load(string path) => Parse(File.ReadAllText(path), path);

    private static GpioStep ParseGpio(string args, TimeSpan at, string name, int line)
    {
        var parts = args.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pin) || parts[1] is not ("0" or "1"))
        {
            throw Error(name, line, "gpio takes a pin number and a level 0 or 1, e.g. 'gpio 27 0'");
        }

        return new GpioStep(at, pin, parts[1] == "1");
    }

    private static MqttStep ParseMqtt(string args, TimeSpan at, string name, int line)
    {
        var space = args.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0)
        {
            throw Error(name, line, "mqtt takes a topic and a payload, e.g. 'mqtt zigbee2mqtt/front_door {\"contact\":false}'");
        }

        return new MqttStep(at, args[..space], Encoding.UTF8.GetBytes(args[(space + 1)..].Trim()));
    }

    private static bool TryParseOffset(string text, out TimeSpan offset)
    {
        offset = TimeSpan.Zero;
        (string Suffix, double Scale)[] units = [("ms", 1), ("s", 1000), ("m", 60_000)];
        foreach (var (suffix, scale) in units)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal)
                && double.TryParse(text[..^suffix.Length], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            {
                offset = TimeSpan.FromMilliseconds(value * scale);
                return true;
            }
        }

        return false;
    }

    private static FormatException Error(string name, int line, string message) => new($"{name}:{line}: {message}");
}

public abstract record ScenarioStep(TimeSpan At);

/// <summary>Set a simulated GPIO input pin to a level.</summary>
public sealed record GpioStep(TimeSpan At, int Pin, bool High) : ScenarioStep(At);

/// <summary>Publish a payload on a topic, as a device (or Zigbee2MQTT) would.</summary>
public sealed record MqttStep(TimeSpan At, string Topic, byte[] Payload) : ScenarioStep(At);

/// <summary>Print a line for the person watching.</summary>
public sealed record SayStep(TimeSpan At, string Text) : ScenarioStep(At);
