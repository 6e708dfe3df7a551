using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Core.Rules;
using HomeGateway.Core.Text;
using HomeGateway.Gateway.Configuration;

namespace HomeGateway.Gateway.Cli;

/// <summary>
/// <c>homegateway replay --config FILE --events EVENTS.jsonl [--until TIME]</c>: test a care plan before installing
/// it. Reads a timeline of sensor reports (JSON lines), plays it through the real rules engine on a virtual clock
/// and prints the alert steps as JSON lines. Formats: deploy/README.md.
/// </summary>
internal static partial class ReplayCommand
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
        try
        {
            return RunChecked(configFile, eventsFile, untilText, output, errors);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The backstop for a problem the readers below do not know (a bug to report): one line, no stack trace.
            errors.WriteLine($"{PeerText.Escape(eventsFile.ToString())}:1: (file): cannot be replayed: {ex.GetType().Name}: {PeerText.Escape(ex.Message)} (please report this)");
            return 2;
        }
    }

    private static int RunChecked(FileInfo configFile, FileInfo eventsFile, string? untilText, TextWriter output, TextWriter errors)
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
                errors.WriteLine(problem.Format(PeerText.Escape(configFile.ToString())));
            }

            return 1;
        }

        List<SensorEvent> timeline;
        try
        {
            timeline = ReadTimeline(home, eventsFile);
        }
        catch (TimelineException ex)
        {
            errors.WriteLine(ex.Message);
            return 2;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            errors.WriteLine($"{PeerText.Escape(eventsFile.ToString())}: cannot be read: {PeerText.Escape(ex.Message)}");
            return 2;
        }

        if (timeline.Count == 0)
        {
            errors.WriteLine($"{PeerText.Escape(eventsFile.ToString())}:1: (file): no events");
            return 2;
        }

        DateTimeOffset? until = null;
        if (untilText is not null)
        {
            if (TimelineTime.Problem(untilText, out var parsed) is { } problem)
            {
                errors.WriteLine($"--until: {problem}");
                return 2;
            }

            // The virtual clock runs every timer up to --until: a bound keeps a typo in the year from running for hours.
            if (parsed < timeline[^1].At || parsed - timeline[^1].At > MaxRunOn)
            {
                errors.WriteLine($"--until: must be after the last event ({timeline[^1].At:O}) and at most {MaxRunOn.Days} days after it");
                return 2;
            }

            until = parsed;
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

    /// <summary>How long after the last event --until may keep the clock running.</summary>
    private static readonly TimeSpan MaxRunOn = TimeSpan.FromDays(31);

    /// <summary>The longest state word: the normalised states are short words (open, pressed, suspected_fall).</summary>
    private const int MaxStateLength = 64;

    /// <summary>
    /// Reads the timeline. Each refusal is <c>FILE:LINE: field: problem</c> (<see cref="TimelineException"/>), for any line
    /// a technician may write: times need an explicit offset (a time without one would be read in the zone of whichever
    /// machine replays it), years 2000-2100, a battery is a whole percent 0-100, a value a finite number.
    /// </summary>
    internal static List<SensorEvent> ReadTimeline(HomeConfig home, FileInfo file)
    {
        var timeline = new List<SensorEvent>();
        var lineNumber = 0;
        var shownFile = PeerText.Escape(file.ToString());
        foreach (var line in Lines(file.FullName, shownFile))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line) || line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            TimelineException Error(string field, string message) => new($"{shownFile}:{lineNumber}: {field}: {message}");
            JsonObject json;
            try
            {
                json = JsonNode.Parse(line) as JsonObject ?? throw Error("(line)", "expected a JSON object");

                // A JsonObject reads its properties on first use: a key given twice throws then, so inside this try.
                _ = json.Count;
            }
            catch (JsonException ex)
            {
                throw Error("(line)", $"not JSON: {PeerText.Escape(ex.Message)}");
            }
            catch (ArgumentException)
            {
                throw Error("(line)", "a key is given twice");
            }

            var unknown = json.Select(p => p.Key).Except(["at", "sensor", "state", "value", "battery"]).ToList();
            if (unknown.Count > 0)
            {
                throw PlainKey().IsMatch(unknown[0])
                    ? Error(unknown[0], "unknown key; expected at, sensor, state, value, battery")
                    : Error("(line)", $"unknown key '{PeerText.Escape(unknown[0], 40)}'; expected at, sensor, state, value, battery");
            }

            if (!TryString(json, "at", out var atText))
            {
                throw Error("at", $"is required, as a string: an ISO 8601 time with an offset, e.g. {TimelineTime.Example}");
            }

            if (TimelineTime.Problem(atText!, out var at) is { } atProblem)
            {
                throw Error("at", atProblem);
            }

            if (!TryString(json, "sensor", out var sensorId) || home.FindSensor(sensorId!) is not { } sensor)
            {
                throw Error("sensor", $"must name a sensor of the home file; '{PeerText.Escape(sensorId, 64)}' does not");
            }

            double? value = null;
            if (json["value"] is { } valueNode)
            {
                value = valueNode.GetValueKind() == JsonValueKind.Number && valueNode.AsValue().TryGetValue<double>(out var number) && double.IsFinite(number)
                    ? number
                    : throw Error("value", "must be a finite number, e.g. 21.5");
            }

            int? battery = null;
            if (json["battery"] is { } batteryNode)
            {
                battery = batteryNode.GetValueKind() == JsonValueKind.Number && batteryNode.AsValue().TryGetValue<int>(out var percent) && percent is >= 0 and <= 100
                    ? percent
                    : throw Error("battery", $"must be a whole percent from 0 to 100; '{PeerText.Escape(batteryNode.ToJsonString(), 40)}' is not");
            }

            string? state = null;
            if (json["state"] is { } stateNode)
            {
                state = TryString(json, "state", out var text) && text!.Length is > 0 and <= MaxStateLength && !text.Any(SensorLabels.IsRefused)
                    ? text
                    : throw Error("state", $"must be a word such as open, closed, pressed or detected (at most {MaxStateLength} characters)");
            }

            if (state is null && value is null && battery is null)
            {
                throw Error("(line)", "give a 'state', a 'value' or a 'battery'");
            }

            // The kind follows from the word as written: "tampered" and online/offline are reports about the device.
            var kind = state is SensorStates.Online or SensorStates.Offline ? SensorKind.Availability
                : state is "tampered" ? SensorKind.Tamper : sensor.Kind;
            state = state is null ? (value is not null ? SensorStates.Measured : "report")
                : ShortStates.TryGetValue(state, out var normalised) ? normalised : state;
            if (timeline.Count > 0 && at < timeline[^1].At)
            {
                throw Error("at", $"events must be in time order; {at:O} is before the line above");
            }

            timeline.Add(new SensorEvent(home.HomeId, sensor.Id, kind, state, at, $"replay:{lineNumber}") { Value = value, BatteryPercent = battery });
        }

        return timeline;
    }

    [GeneratedRegex("^[A-Za-z0-9_]{1,40}$")]
    private static partial Regex PlainKey();

    /// <summary>The longest timeline line: one event is about 100 characters.</summary>
    private const int MaxLineLength = 4096;

    /// <summary>
    /// The file's lines, none longer than <see cref="MaxLineLength"/>: a line is refused when it grows past the bound, not
    /// after it was read whole (a file without newlines, or --events /dev/zero, would otherwise fill the memory).
    /// </summary>
    private static IEnumerable<string> Lines(string path, string shownFile)
    {
        using var reader = new StreamReader(path, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var line = new System.Text.StringBuilder();
        var number = 1;
        int c;
        while ((c = reader.Read()) >= 0)
        {
            if (c == '\n')
            {
                yield return line.ToString().TrimEnd('\r');
                line.Clear();
                number++;
            }
            else if (line.Length >= MaxLineLength)
            {
                throw new TimelineException($"{shownFile}:{number}: (line): is longer than {MaxLineLength} characters; one event is one short JSON object");
            }
            else
            {
                line.Append((char)c);
            }
        }

        if (line.Length > 0)
        {
            yield return line.ToString().TrimEnd('\r');
        }
    }

    private static bool TryString(JsonObject json, string key, out string? value)
    {
        value = json[key] is { } node && node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;
        return value is not null;
    }
}

/// <summary>A timeline line that cannot be replayed; the message is FILE:LINE: field: problem.</summary>
internal sealed class TimelineException(string message) : Exception(message);

/// <summary>
/// A time in a replay timeline (or --until): ISO 8601 with an explicit offset or Z, ASCII digits, years 2000-2100. Without
/// an offset .NET reads a time in the zone of the machine that replays it, so the same file would give other alerts on the
/// technician's laptop than on the gateway; years outside the range are typos, and near 0001 or 9999 the rules' timers
/// would leave the range of a date.
/// </summary>
internal static partial class TimelineTime
{
    public const string Example = "2026-03-29T02:14:00+02:00";

    private static readonly DateTimeOffset Earliest = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Latest = new(2101, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [GeneratedRegex("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,7})?)?(Z|[+-][0-9]{2}:[0-9]{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();

    public static string? Problem(string text, out DateTimeOffset at)
    {
        at = default;
        if (text.Length > 40 || !Shape().IsMatch(text))
        {
            return $"'{PeerText.Escape(text, 40)}' is not an ISO 8601 time with an offset (or Z) in ASCII digits, e.g. {Example}";
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out at))
        {
            return $"'{text}' is not a time that exists, e.g. {Example}";
        }

        if (at < Earliest || at >= Latest)
        {
            return $"'{text}' is outside the years 2000-2100 a timeline covers";
        }

        return null;
    }
}
