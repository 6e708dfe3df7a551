using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Gateway.Mqtt;

/// <summary>One normalised state read from a device message (a message may carry several: door and tamper).</summary>
public sealed record StateReading(SensorKind Kind, string State, double? Value = null)
{
    /// <summary>The device's own short detail for this state (<c>code=jam</c>); see <see cref="SensorEvent.Detail"/>.</summary>
    public string? Detail { get; init; }
}

/// <summary>
/// What a profile made of one message: the states it carries and the device's health (battery, link quality,
/// supply voltage), or why it was refused.
/// </summary>
public sealed record PayloadReading(IReadOnlyList<StateReading> States, int? BatteryPercent, int? LinkQuality)
{
    /// <summary>Why the message was refused; null when it was read.</summary>
    public string? Rejection { get; init; }

    /// <summary>The device's own low-battery flag, when the message carried one.</summary>
    public bool? BatteryLow { get; init; }

    /// <summary>Battery or supply voltage in millivolts: for the technician's listing, not an event.</summary>
    public int? VoltageMillivolts { get; init; }

    public static PayloadReading Rejected(string reason) => new([], null, null) { Rejection = reason };
}

/// <summary>What a topic a sensor is fed by carries.</summary>
public enum MqttTopicRole
{
    /// <summary>The device's state: read by <see cref="IMqttPayloadProfile.Read(SensorConfig, string, ReadOnlyMemory{byte})"/>.</summary>
    State = 1,

    /// <summary>The device's (or its node's) own online/offline: one such topic may cover several sensors (an ESPHome node).</summary>
    Availability = 2,

    /// <summary>
    /// A bridge every sensor behind it depends on (Zigbee2MQTT's <c>bridge/state</c>): offline makes all of them
    /// unavailable; online brings back those that are not offline on their own.
    /// </summary>
    Bridge = 3,
}

/// <summary>One topic a sensor is fed by.</summary>
public sealed record MqttTopic(string Topic, MqttTopicRole Role);

/// <summary>Why a profile cannot read a sensor, and which field of the sensor to fix (<c>mqtt.model</c>, <c>kind</c>).</summary>
public sealed record MqttSensorProblem(string Field, string Message);

/// <summary>
/// Turns one device family's payloads into normalised states. Pure: no clock, no IO, no rule logic.
/// </summary>
public interface IMqttPayloadProfile
{
    /// <summary>The profile name as written in the home file (<see cref="MqttProfiles"/>).</summary>
    string Name { get; }

    /// <summary>Why this profile cannot read <paramref name="sensor"/> (a fall radar without a known model); null when it can.</summary>
    MqttSensorProblem? FindProblem(SensorConfig sensor);

    /// <summary>
    /// Every topic that feeds a sensor configured with <paramref name="mqtt"/>, derived the way the device family
    /// names them (Zigbee2MQTT <c>&lt;topic&gt;/availability</c>, ESPHome <c>&lt;prefix&gt;/status</c>, Tasmota LWT);
    /// the configured state topic first.
    /// </summary>
    IReadOnlyList<MqttTopic> Topics(MqttInputConfig mqtt);

    /// <summary>Reads a message from the sensor's state topic.</summary>
    PayloadReading Read(SensorConfig sensor, ReadOnlyMemory<byte> payload);

    /// <summary>Reads a message from one of the sensor's <see cref="MqttTopicRole.State"/> topics (Tasmota has two).</summary>
    PayloadReading Read(SensorConfig sensor, string topic, ReadOnlyMemory<byte> payload) => Read(sensor, payload);
}

/// <summary>The profiles the gateway knows, by name.</summary>
public static class MqttPayloadProfiles
{
    private static readonly Dictionary<string, IMqttPayloadProfile> ByName = new(StringComparer.Ordinal)
    {
        [MqttProfiles.Zigbee2Mqtt] = new Zigbee2MqttProfile(),
        [MqttProfiles.EspHome] = new EspHomeProfile(),
        [MqttProfiles.Tasmota] = new TasmotaProfile(),
        [MqttProfiles.HomeGateway] = new HomeGatewayProfile(),
    };

    /// <summary>Every profile, in the order of <see cref="MqttProfiles.All"/>.</summary>
    public static IReadOnlyList<IMqttPayloadProfile> All { get; } = MqttProfiles.All.Select(n => ByName[n]).ToList();

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
                problems.Add($"sensor '{sensor.Id}': {problem.Field}: {problem.Message}");
            }
        }

        return problems;
    }
}
