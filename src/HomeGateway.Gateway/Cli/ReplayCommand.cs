using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Core.Rules;
using HomeGateway.Gateway.Configuration;

namespace HomeGateway.Gateway.Cli;

/// <summary>
/// <c>homegateway replay --config FILE --events EVENTS.jsonl [--until TIME]</c>: test a care plan before installing
/// it. Reads a timeline of sensor reports (JSON lines), plays it through the real rules engine on a virtual clock
/// and prints the alert steps as JSON lines. Formats: deploy/README.md.
/// </summary>
internal static class ReplayCommand
{
    // Times carry a '+' offset; keep it readable ("+03:00", not "\u002B03:00"). The lines are JSON, not HTML.
    private static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // Short words a technician may write in a timeline, and the normalised state they mean.
    private static readonly Dictionary<string, string> ShortStates = new(StringComparer.Ordinal)
    {
        ["suspected"] = SensorStates.SuspectedFall,
        ["taken"] = SensorStates.DoseTaken,
        ["missed"] = SensorStates.DoseMissed,
        ["dispensed"] = SensorStates.DoseDispensed,
        ["due"] = SensorStates.DoseDue,
        ["error"] = SensorStates.DispenserError,
        ["tampered"] = SensorStates.Detected,
    };

    public static Command Create()
    {
        var config = new Option<FileInfo>("--config") { Description = "The home file (YAML)", Required = true };
        var events = new Option<FileInfo>("--events") { Description = "The timeline: one JSON object per line", Required = true };
        var until = new Option<string?>("--until") { Description = "Keep the clock running until this ISO 8601 time after the last event" };
        var command = new Command("replay", "Play a timeline of sensor reports through the care plan and print the alerts as JSON lines")
        {
            config, events, until,
        };
        command.SetAction(parse => Run(parse.GetValue(config)!, parse.GetValue(events)!, parse.GetValue(until), Console.Out, Console.Error));
        return command;
    }

    internal static int Run(FileInfo configFile, FileInfo eventsFile, string? untilText, TextWriter output, TextWriter errors)
    {
        HomeConfig home;
        try
        {
            home = HomeConfigLoader.Load(configFile.FullName);
        }
        catch (HomeConfigException ex)
        {
            foreach (var problem in ex.Problems)
            {
                errors.WriteLine(problem.Format(configFile.ToString()));
            }

            return 1;
        }

        DateTimeOffset? until = null;
        if (untilText is not null)
        {
            if (!DateTimeOffset.TryParse(untilText, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
            {
                errors.WriteLine($"--until '{untilText}' is not an ISO 8601 time such as 2026-03-29T08:00:00+03:00");
                return 2;
            }

            until = parsed;
        }

        List<SensorEvent> timeline;
        try
        {
            timeline = ReadTimeline(home, eventsFile);
        }
        catch (FormatException ex)
        {
            errors.WriteLine(ex.Message);
            return 2;
        }
        catch (IOException ex)
        {
            errors.WriteLine($"{eventsFile}: cannot be read: {ex.Message}");
            return 2;
        }

        if (timeline.Count == 0)
        {
            errors.WriteLine($"{eventsFile}: no events");
            return 2;
        }

        var clock = HomeTime.For(home);
        foreach (var step in Replay.Run(home, timeline[0].At, timeline, until))
        {
            var line = new JsonObject
            {
                ["at"] = clock.ToLocal(step.At).ToString("yyyy-MM-dd'T'HH:mm:ss.FFFzzz", CultureInfo.InvariantCulture),
                ["action"] = AlertTypeNames.ToName(step.Kind),
                ["type"] = Replay.RuleKey(step.Type),
                ["priority"] = AlertTypeNames.ToName(step.Priority),
                ["sensor"] = step.SensorId,
                ["alertId"] = step.AlertId,
                ["count"] = step.Count,
                ["summary"] = step.Summary,
            };
            output.WriteLine(line.ToJsonString(Json));
        }

        return 0;
    }

    internal static List<SensorEvent> ReadTimeline(HomeConfig home, FileInfo file)
    {
        var timeline = new List<SensorEvent>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(file.FullName))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line) || line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            FormatException Error(string message) => new($"{file}:{lineNumber}: {message}");
            JsonObject json;
            try
            {
                json = JsonNode.Parse(line) as JsonObject ?? throw Error("expected a JSON object");
            }
            catch (JsonException ex)
            {
                throw Error($"not JSON: {ex.Message}");
            }

            var unknown = json.Select(p => p.Key).Except(["at", "sensor", "state", "value", "battery"]).ToList();
            if (unknown.Count > 0)
            {
                throw Error($"unknown key '{unknown[0]}'; expected at, sensor, state, value, battery");
            }

            if (!TryString(json, "at", out var atText) || !DateTimeOffset.TryParse(atText, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at))
            {
                throw Error("'at' must be an ISO 8601 time with an offset, e.g. 2026-03-29T02:14:00+02:00");
            }

            if (!TryString(json, "sensor", out var sensorId) || home.FindSensor(sensorId!) is not { } sensor)
            {
                throw Error($"'sensor' must name a sensor of the home file; '{sensorId}' does not");
            }

            double? value = null;
            if (json["value"] is { } valueNode)
            {
                value = valueNode.GetValueKind() == JsonValueKind.Number ? valueNode.GetValue<double>() : throw Error("'value' must be a number");
            }

            int? battery = null;
            if (json["battery"] is { } batteryNode)
            {
                battery = batteryNode.GetValueKind() == JsonValueKind.Number ? batteryNode.GetValue<int>() : throw Error("'battery' must be a whole number 0-100");
            }

            TryString(json, "state", out var state);
            if (state is null && value is null && battery is null)
            {
                throw Error("give a 'state', a 'value' or a 'battery'");
            }

            // The kind follows from the word as written: "tampered" and online/offline are reports about the device.
            var kind = state is SensorStates.Online or SensorStates.Offline ? SensorKind.Availability
                : state is "tampered" ? SensorKind.Tamper : sensor.Kind;
            state = state is null ? (value is not null ? SensorStates.Measured : "report")
                : ShortStates.TryGetValue(state, out var normalised) ? normalised : state;
            if (timeline.Count > 0 && at < timeline[^1].At)
            {
                throw Error($"events must be in time order; {at:O} is before the line above");
            }

            timeline.Add(new SensorEvent(home.HomeId, sensor.Id, kind, state, at, $"replay:{lineNumber}") { Value = value, BatteryPercent = battery });
        }

        return timeline;
    }

    private static bool TryString(JsonObject json, string key, out string? value)
    {
        value = json[key] is { } node && node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;
        return value is not null;
    }
}
