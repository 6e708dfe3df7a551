using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Gateway.Mqtt;

/// <summary>
/// Our own JSON for devices we build or integrate ourselves: medication dispensers (<c>event</c>) and generic devices
/// (<c>state</c>, a normalised word). The contract is <c>homegateway-profile.schema.json</c> beside this file, explained
/// with examples in <c>homegateway-profile.md</c>; a test holds the two together. Strict on purpose: we control these
/// devices, so an unknown key, a wrong type or an event that does not fit the sensor's kind is refused, naming the key —
/// a typo must never pass silently. The sensor's kind comes from the home file, which the schema cannot see: that part
/// (a door may say open or closed, a dispenser only events) is checked here alone.
/// </summary>
public sealed partial class HomeGatewayProfile : IMqttPayloadProfile
{
    /// <summary>The version of the document format this gateway reads (the optional <c>schema</c> key).</summary>
    public const int SchemaVersion = 1;

    private static readonly string[] Keys =
        ["schema", "event", "status", "dose_id", "scheduled_at", "at", "code", "state", "value", "battery", "battery_low", "linkquality"];

    private static readonly HashSet<string> Events = new(StringComparer.Ordinal)
    {
        SensorStates.DoseDue, SensorStates.DoseDispensed, SensorStates.DoseTaken, SensorStates.DoseMissed,
        SensorStates.DispenserError, SensorStates.RefillLow,
    };

    // Borrowed from FHIR MedicationAdministration.status where a dispenser can know it: the one status each dose
    // event can carry. dose_due has none (nothing was administered yet); errors and refills are about the device.
    private static readonly Dictionary<string, string> StatusOf = new(StringComparer.Ordinal)
    {
        [SensorStates.DoseDispensed] = "in-progress",
        [SensorStates.DoseTaken] = "completed",
        [SensorStates.DoseMissed] = "not-done",
    };

    private static readonly HashSet<string> DoseEvents = new(StringComparer.Ordinal)
    {
        SensorStates.DoseDue, SensorStates.DoseDispensed, SensorStates.DoseTaken, SensorStates.DoseMissed,
    };

    // The words each kind may send as its state; anything else would reach rules unnormalised.
    private static readonly Dictionary<SensorKind, string[]> StatesOf = new()
    {
        [SensorKind.Door] = [SensorStates.Open, SensorStates.Closed],
        [SensorKind.Motion] = [SensorStates.Detected, SensorStates.Clear],
        [SensorKind.Presence] = [SensorStates.Detected, SensorStates.Clear],
        [SensorKind.Bed] = [SensorStates.Occupied, SensorStates.Empty],
        [SensorKind.Chair] = [SensorStates.Occupied, SensorStates.Empty],
        [SensorKind.Fall] = [SensorStates.Fall, SensorStates.SuspectedFall, SensorStates.Clear],
        [SensorKind.HelpButton] = [SensorStates.Pressed, SensorStates.Released],
        [SensorKind.Smoke] = [SensorStates.Detected, SensorStates.Clear],
        [SensorKind.WaterLeak] = [SensorStates.Detected, SensorStates.Clear],
        [SensorKind.Gas] = [SensorStates.Detected, SensorStates.Clear],
        [SensorKind.CarbonMonoxide] = [SensorStates.Detected, SensorStates.Clear],
        [SensorKind.Tamper] = [SensorStates.Detected, SensorStates.Clear],
        [SensorKind.Temperature] = [SensorStates.Measured],
        [SensorKind.Visit] = [SensorStates.CheckIn, SensorStates.CheckOut],
        [SensorKind.Power] = [SensorStates.MainsLost, SensorStates.MainsRestored],
    };

    /// <summary>Every word a generic device may send as <c>state</c> (the schema's enum).</summary>
    public static IReadOnlySet<string> GenericStates { get; } = StatesOf.Values.SelectMany(w => w).ToHashSet(StringComparer.Ordinal);

    /// <summary>The kinds this profile reads.</summary>
    public static IReadOnlyCollection<SensorKind> Kinds { get; } = [.. StatesOf.Keys, SensorKind.Medication];

    public string Name => MqttProfiles.HomeGateway;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")]
    private static partial Regex DoseId();

    [GeneratedRegex("^[a-z0-9][a-z0-9_.-]{0,31}$")]
    private static partial Regex ErrorCode();

    // RFC 3339 date-time with an offset, as the schema's pattern: a device clock without a zone is ambiguous.
    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})$")]
    private static partial Regex DateTime();

    public MqttSensorProblem? FindProblem(SensorConfig sensor) =>
        Kinds.Contains(sensor.Kind)
            ? null
            : new("kind", $"kind '{SensorKindNames.ToName(sensor.Kind)}' cannot be read from the homegateway profile");

    /// <summary>The state topic and its <c>/availability</c> sibling (<c>online</c>/<c>offline</c>, the device's last will).</summary>
    public IReadOnlyList<MqttTopic> Topics(MqttInputConfig mqtt) =>
        [new(mqtt.Topic, MqttTopicRole.State), new(mqtt.Topic + "/availability", MqttTopicRole.Availability)];

    public PayloadReading Read(SensorConfig sensor, ReadOnlyMemory<byte> payload)
    {
        if (!JsonPayload.TryParseObject(payload, out var document, out var problem))
        {
            return PayloadReading.Rejected(problem!);
        }

        using (document)
        {
            try
            {
                return Read(sensor.Kind, document!.RootElement);
            }
            catch (Refusal refusal)
            {
                return PayloadReading.Rejected(refusal.Message);
            }
        }
    }

    private static PayloadReading Read(SensorKind kind, JsonElement obj)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in obj.EnumerateObject())
        {
            if (Array.IndexOf(Keys, property.Name) < 0)
            {
                throw new Refusal($"unknown key '{JsonPayload.Shorten(property.Name)}'; the homegateway profile knows: {string.Join(", ", Keys)}");
            }

            // Which of two equal keys wins differs between JSON readers: refuse rather than guess.
            Require(seen.Add(property.Name), $"key '{property.Name}' appears twice");
        }

        if (Number(obj, "schema") is { } version && version != SchemaVersion)
        {
            throw new Refusal($"'schema' {version.ToString(CultureInfo.InvariantCulture)} is not a version this gateway reads ({SchemaVersion})");
        }

        var eventName = String(obj, "event");
        var state = String(obj, "state");
        if (eventName is not null && state is not null)
        {
            throw new Refusal("a message carries either 'event' (a dispenser) or 'state' (any other device), not both");
        }

        if (eventName is not null && !Events.Contains(eventName))
        {
            throw new Refusal($"'event' value '{JsonPayload.Shorten(eventName)}' is not one of: {string.Join(", ", Events)}");
        }

        if (state is not null && !GenericStates.Contains(state))
        {
            throw new Refusal($"'state' value '{JsonPayload.Shorten(state)}' is not a normalised state word");
        }

        var details = new List<string>(3);
        if (String(obj, "status") is { } status
            && (eventName is null || !StatusOf.TryGetValue(eventName, out var expected) || status != expected))
        {
            var allowed = eventName is not null && StatusOf.TryGetValue(eventName, out var only) ? $"'{only}'" : "no status";
            throw new Refusal($"'status' '{JsonPayload.Shorten(status)}' does not fit event '{eventName ?? "(none)"}', which takes {allowed}");
        }

        if (String(obj, "dose_id") is { } doseId)
        {
            RequireDoseEvent("dose_id", eventName);
            Require(DoseId().IsMatch(doseId), "'dose_id' must be 1–64 letters, digits, '_', '.', ':' or '-'");
            details.Add("dose_id=" + doseId);
        }

        if (String(obj, "scheduled_at") is { } scheduledAt)
        {
            RequireDoseEvent("scheduled_at", eventName);
            RequireDateTime("scheduled_at", scheduledAt);
            details.Add("scheduled_at=" + scheduledAt);
        }

        if (String(obj, "at") is { } deviceAt)
        {
            // The device's clock is kept for the record only; the gateway's clock stamps the event.
            RequireDateTime("at", deviceAt);
            details.Add("device_at=" + deviceAt);
        }

        var code = String(obj, "code");
        if (eventName == SensorStates.DispenserError)
        {
            Require(code is not null, "'dispenser_error' needs a 'code' (e.g. jam, door_open, power_interrupted)");
            Require(ErrorCode().IsMatch(code!), "'code' must be 1–32 lower-case letters, digits, '_', '.' or '-'");
            details.Insert(0, "code=" + code);
        }
        else if (code is not null)
        {
            throw new Refusal("'code' belongs to a 'dispenser_error' event only");
        }

        var value = Number(obj, "value");
        if (value is not null && state is null)
        {
            throw new Refusal("'value' belongs to a 'state' message only");
        }

        if (state == SensorStates.Measured && value is null)
        {
            throw new Refusal("state 'measured' needs a 'value'");
        }

        var battery = Number(obj, "battery");
        Require(battery is null or (>= 0 and <= 100), "'battery' must be between 0 and 100");
        var link = Number(obj, "linkquality");
        Require(link is null || (link is >= 0 and <= 255 && link.Value == Math.Floor(link.Value)), "'linkquality' must be a whole number between 0 and 255");
        var batteryLow = Bool(obj, "battery_low");

        // What the home file says the sensor is decides what it may say: a schema cannot know that.
        if (kind == SensorKind.Medication)
        {
            Require(state is null, "a dispenser reports 'event', not 'state'");
        }
        else
        {
            Require(eventName is null, $"'event' is for a dispenser; a {SensorKindNames.ToName(kind)} sensor reports 'state'");
            if (state is not null && !(StatesOf.TryGetValue(kind, out var words) && words.Contains(state)))
            {
                throw new Refusal($"state '{state}' is not one a {SensorKindNames.ToName(kind)} sensor reports");
            }
        }

        var word = eventName ?? state;
        IReadOnlyList<StateReading> states = word is null
            ? []
            : [new StateReading(kind, word, value) { Detail = details.Count > 0 ? string.Join(' ', details) : null }];
        return new PayloadReading(states, battery is { } b ? (int)Math.Round(b) : null, link is { } l ? (int)l : null) { BatteryLow = batteryLow };
    }

    private static void RequireDoseEvent(string key, string? eventName) =>
        Require(eventName is not null && DoseEvents.Contains(eventName), $"'{key}' belongs to a dose event ({string.Join(", ", DoseEvents)}) only");

    private static void RequireDateTime(string key, string text) =>
        Require(DateTime().IsMatch(text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
            $"'{key}' must be an RFC 3339 date-time with an offset, e.g. 2026-01-15T08:00:00+02:00");

    private static void Require(bool condition, string reason)
    {
        if (!condition)
        {
            throw new Refusal(reason);
        }
    }

    // Our own schema has no nulls: a key is either there with its type or left out.
    private static string? String(JsonElement obj, string key) =>
        Get(obj, key, JsonValueKind.String, "a string") is { } e ? e.GetString() : null;

    private static bool? Bool(JsonElement obj, string key) =>
        obj.TryGetProperty(key, out var e)
            ? e.ValueKind is JsonValueKind.True or JsonValueKind.False ? e.GetBoolean() : throw WrongType(key, "true or false", e)
            : null;

    private static double? Number(JsonElement obj, string key) =>
        Get(obj, key, JsonValueKind.Number, "a number") is { } e
            ? e.TryGetDouble(out var n) && double.IsFinite(n) ? n : throw new Refusal($"'{key}' is out of range")
            : null;

    private static JsonElement? Get(JsonElement obj, string key, JsonValueKind kind, string what) =>
        !obj.TryGetProperty(key, out var e) ? null : e.ValueKind == kind ? e : throw WrongType(key, what, e);

    private static Refusal WrongType(string key, string what, JsonElement got) => new($"'{key}' must be {what}, got a {JsonPayload.Describe(got)}");

    // Control flow for one refused document, caught in Read: the first problem found is the reason.
    private sealed class Refusal(string message) : Exception(message);
}
