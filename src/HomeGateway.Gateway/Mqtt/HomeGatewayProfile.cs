using System.Text.RegularExpressions;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Gateway.Mqtt;

/// <summary>
/// Our own JSON for devices we build or integrate ourselves (medication dispensers, generic contacts).
/// Minimal on purpose until the JSON Schema lands: <c>{"event":"dose_taken"}</c> for a dispenser,
/// <c>{"state":"open"}</c> for anything else, each with optional <c>battery</c> and <c>linkquality</c>.
/// </summary>
public sealed partial class HomeGatewayProfile : IMqttPayloadProfile
{
    // The normalised words a generic device may send as its state; anything else would reach rules unnormalised.
    private static readonly HashSet<string> GenericStates = new(StringComparer.Ordinal)
    {
        SensorStates.Open, SensorStates.Closed, SensorStates.Detected, SensorStates.Clear,
        SensorStates.Fall, SensorStates.SuspectedFall, SensorStates.Pressed, SensorStates.Released,
        SensorStates.Occupied, SensorStates.Empty, SensorStates.CheckIn, SensorStates.CheckOut,
    };

    public string Name => MqttProfiles.HomeGateway;

    [GeneratedRegex("^[a-z][a-z0-9_]{0,39}$")]
    private static partial Regex EventName();

    public string? FindProblem(SensorConfig sensor) =>
        sensor.Kind is SensorKind.Unknown or SensorKind.Availability
            ? $"kind '{SensorKindNames.ToName(sensor.Kind)}' cannot be read from the homegateway profile"
            : null;

    public PayloadReading Read(SensorConfig sensor, ReadOnlyMemory<byte> payload)
    {
        if (!JsonPayload.TryParseObject(payload, out var document, out var problem))
        {
            return PayloadReading.Rejected(problem!);
        }

        using (document)
        {
            var obj = document!.RootElement;
            var (battery, link) = JsonPayload.ReadHealth(obj);
            var key = sensor.Kind == SensorKind.Medication ? "event" : "state";
            if (!JsonPayload.TryString(obj, key, out var word, out problem))
            {
                return PayloadReading.Rejected(problem!);
            }

            if (word is null)
            {
                return new PayloadReading([], battery, link);
            }

            var valid = sensor.Kind == SensorKind.Medication ? EventName().IsMatch(word) : GenericStates.Contains(word);
            if (!valid)
            {
                return PayloadReading.Rejected($"'{key}' value '{Truncate(word)}' is not allowed here");
            }

            double? value = null;
            if (!JsonPayload.TryNumber(obj, "value", out value, out problem))
            {
                return PayloadReading.Rejected(problem!);
            }

            return new PayloadReading([new StateReading(sensor.Kind, word, value)], battery, link);
        }
    }

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
