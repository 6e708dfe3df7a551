using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Gateway.Mqtt;

/// <summary>One normalised state read from a device message (a message may carry several: door and tamper).</summary>
public sealed record StateReading(SensorKind Kind, string State, double? Value = null);

/// <summary>
/// What a profile made of one message: the states it carries and the battery and link quality, or why it was refused.
/// </summary>
public sealed record PayloadReading(IReadOnlyList<StateReading> States, int? BatteryPercent, int? LinkQuality)
{
    /// <summary>Why the message was refused; null when it was read.</summary>
    public string? Rejection { get; init; }

    public static PayloadReading Rejected(string reason) => new([], null, null) { Rejection = reason };
}

/// <summary>
/// Turns one device family's payloads into normalised states. Pure: no clock, no IO, no rule logic.
/// </summary>
public interface IMqttPayloadProfile
{
    /// <summary>The profile name as written in the home file (<see cref="MqttProfiles"/>).</summary>
    string Name { get; }

    /// <summary>Why this profile cannot read <paramref name="sensor"/> (a fall radar without a known model); null when it can.</summary>
    string? FindProblem(SensorConfig sensor);

    PayloadReading Read(SensorConfig sensor, ReadOnlyMemory<byte> payload);
}

/// <summary>The profiles the gateway knows, by name.</summary>
public static class MqttPayloadProfiles
{
    private static readonly Dictionary<string, IMqttPayloadProfile> ByName = new(StringComparer.Ordinal)
    {
        [MqttProfiles.Zigbee2Mqtt] = new Zigbee2MqttProfile(),
        [MqttProfiles.HomeGateway] = new HomeGatewayProfile(),
    };

    public static IMqttPayloadProfile? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>
    /// Every MQTT sensor of <paramref name="home"/> that cannot be read, as sentences naming the sensor;
    /// empty when all can. The input refuses to start otherwise.
    /// </summary>
    public static IReadOnlyList<string> FindProblems(HomeConfig home)
    {
        var problems = new List<string>();
        foreach (var sensor in home.Sensors)
        {
            if (sensor.Mqtt is not { } mqtt)
            {
                continue;
            }

            if (Find(mqtt.Profile) is not { } profile)
            {
                problems.Add($"sensor '{sensor.Id}': unknown MQTT profile '{mqtt.Profile}'; use one of: {string.Join(", ", MqttProfiles.All)}");
            }
            else if (profile.FindProblem(sensor) is { } problem)
            {
                problems.Add($"sensor '{sensor.Id}': {problem}");
            }
        }

        return problems;
    }
}
