using System.Globalization;
using System.Reflection;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Mqtt;

namespace HomeGateway.Gateway.Tests.Mqtt;

// Guards the input against anything a broken or hostile device can send: random bytes, plain words and random JSON
// trees built from the profiles' real keys with random types, fed to every profile × every kind it reads and through
// MqttSensorInput. No exception escapes, every refusal has a reason, and only words of SensorStates reach the pipeline.
public class ProfileFuzzTests
{
    private static readonly HashSet<string> Words = typeof(SensorStates).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToHashSet(StringComparer.Ordinal);

    private static readonly string[] Keys =
    [
        "contact", "occupancy", "presence", "water_leak", "smoke", "gas", "carbon_monoxide", "vibration", "sos", "tamper",
        "battery", "battery_low", "voltage", "action", "linkquality", "temperature", "fall_status", "fall_down_status",
        "state", "event", "status", "code", "dose_id", "scheduled_at", "at", "value", "schema",
        "Switch1", "DS18B20", "Temperature", "Action", "Time", "POWER", "x",
    ];

    private static readonly string[] Strings =
    [
        "ON", "OFF", "on", "online", "Offline", "offline", "open", "closed", "detected", "measured", "dose_taken", "dispenser_error",
        "fall", "fall_alarm", "fall_warning", "maybe_fall", "none", "normal", "single", "hold", "release", "completed", "not-done",
        "in-progress", "jam", "2026-01-15T08:00:00+02:00", "2026-13-45T99:00:00Z", "", " ", "nan", "21.5", "\u0000", "ÄÖ🚑", "\"",
    ];

    private static readonly IMqttPayloadProfile[] Profiles = [.. MqttPayloadProfiles.All];

    /// <summary>One sensor of every kind each profile reads, on a topic of that profile's shape.</summary>
    private static readonly SensorConfig[] Sensors = Profiles.SelectMany(p => KindsOf(p).Select(k => SensorFor(p.Name, k))).ToArray();

    private static IReadOnlyCollection<SensorKind> KindsOf(IMqttPayloadProfile profile) => profile switch
    {
        Zigbee2MqttProfile => Zigbee2MqttProfile.Kinds,
        EspHomeProfile => EspHomeProfile.Kinds,
        TasmotaProfile => TasmotaProfile.Kinds,
        HomeGatewayProfile => HomeGatewayProfile.Kinds,
        _ => throw new InvalidOperationException(profile.Name),
    };

    private static SensorConfig SensorFor(string profile, SensorKind kind)
    {
        var name = SensorKindNames.ToName(kind);
        return profile switch
        {
            MqttProfiles.Zigbee2Mqtt => InputHarness.Sensor("z-" + name, kind, "zigbee2mqtt/" + name, profile,
                kind == SensorKind.Fall ? (name.Length % 2 == 0 ? Zigbee2MqttProfile.HeimanHs2fdEf1 : Zigbee2MqttProfile.TuyaMirHe200) : null),
            MqttProfiles.EspHome => InputHarness.Sensor("e-" + name, kind, $"esp/{(kind == SensorKind.Temperature ? "sensor" : "binary_sensor")}/{name}/state", profile),
            MqttProfiles.Tasmota => InputHarness.Sensor("t-" + name, kind, $"tele/{name}/SENSOR", profile,
                key: kind == SensorKind.Temperature ? "DS18B20.Temperature" : "Switch1"),
            _ => InputHarness.Sensor("h-" + name, kind, "homegateway/h/" + name, profile),
        };
    }

    private static Gen<string> Scalar() => Gen.OneOf(
        Gen.Elements(Strings).Select(s => JsonString(s)),
        Gen.Elements("true", "false", "null", "0", "1", "-1", "100", "101", "255", "256", "12.5", "-3.25", "1e400", "-1e400", "1e-400",
            "123456789012345678901234567890", "0.0000001", "2", "3000"),
        Gen.Choose(-1000, 100000).Select(n => n.ToString(CultureInfo.InvariantCulture)));

    private static string JsonString(string s) => System.Text.Json.JsonSerializer.Serialize(s);

    private static Gen<string> Value(int depth) => depth <= 0
        ? Scalar()
        : Gen.Frequency(
            (6, Scalar()),
            (2, Object(depth - 1)),
            (1, Gen.ListOf(Value(depth - 1)).Select(items => "[" + string.Join(',', items.Take(4)) + "]")));

    private static Gen<string> Object(int depth) =>
        Gen.ListOf(Gen.Elements(Keys).SelectMany(k => Value(depth).Select(v => JsonString(k) + ":" + v)))
            .Select(members => "{" + string.Join(',', members.Take(8)) + "}");

    private static Gen<byte[]> Payloads() => Gen.Frequency(
        (6, Object(3).Select(Encoding.UTF8.GetBytes)),
        (2, Gen.Elements(Strings).Select(Encoding.UTF8.GetBytes)),
        (1, Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b))),
        (1, Object(3).SelectMany(json => Gen.Choose(0, Math.Max(0, json.Length - 1)).Select(cut => Encoding.UTF8.GetBytes(json[..cut])))));

    public static Arbitrary<(int Sensor, byte[] Payload)[]> Messages() =>
        Gen.ArrayOf(Gen.Choose(0, int.MaxValue).SelectMany(i => Payloads().Select(p => (i, p))))
            .Select(m => m.Take(30).ToArray()).ToArbitrary();

    [Property(MaxTest = 400, Arbitrary = [typeof(ProfileFuzzTests)])]
    public Property Every_profile_reads_any_payload_for_every_kind_without_throwing((int Sensor, byte[] Payload)[] messages)
    {
        foreach (var (index, payload) in messages)
        {
            var sensor = Sensors[index % Sensors.Length];
            var profile = MqttPayloadProfiles.Find(sensor.Mqtt!.Profile)!;
            foreach (var topic in profile.Topics(sensor.Mqtt).Where(t => t.Role == MqttTopicRole.State))
            {
                var reading = profile.Read(sensor, topic.Topic, payload);
                if (reading.Rejection is { } reason)
                {
                    if (string.IsNullOrWhiteSpace(reason) || reading.States.Count > 0)
                    {
                        return false.Label($"{sensor.Id}: refusal without a reason, or with states");
                    }
                }
                else if (reading.States.FirstOrDefault(s => !Words.Contains(s.State)) is { } odd)
                {
                    return false.Label($"{sensor.Id}: '{odd.State}' is not a SensorStates word");
                }
            }
        }

        return true.ToProperty();
    }

    [Property(MaxTest = 200, Arbitrary = [typeof(ProfileFuzzTests)])]
    public Property The_input_never_throws_counts_every_refusal_with_a_reason_and_emits_only_vocabulary((int Sensor, byte[] Payload)[] messages)
    {
        var h = new InputHarness(Sensors);
        var topics = h.Input.SubscriptionTopics.Append("zigbee2mqtt/nobody").Order(StringComparer.Ordinal).ToArray();
        foreach (var (index, payload) in messages)
        {
            var topic = topics[index % topics.Length];
            var before = h.Stats.Snapshot().ToDictionary(s => s.SensorId, s => s.Rejected);
            var events = h.SendAsync(topic, payload).GetAwaiter().GetResult();
            foreach (var line in h.Stats.Snapshot())
            {
                if (line.Rejected > before.GetValueOrDefault(line.SensorId) && string.IsNullOrWhiteSpace(line.LastRejectionReason))
                {
                    return false.Label($"{line.SensorId} refused a message on {topic} without a reason");
                }
            }

            if (events.FirstOrDefault(e => !Words.Contains(e.State) || h.Home.FindSensor(e.SensorId) is null) is { } odd)
            {
                return false.Label($"{odd.SensorId}: '{odd.State}' from {topic}");
            }
        }

        return true.ToProperty();
    }
}
