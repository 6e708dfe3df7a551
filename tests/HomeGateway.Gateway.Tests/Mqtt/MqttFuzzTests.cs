using System.Text;
using System.Text.Json;
using HomeGateway.Gateway.Mqtt;
using HomeGateway.Testing;
using Xunit.Abstractions;

namespace HomeGateway.Gateway.Tests.Mqtt;

// Guards the MQTT input against what a broken or hostile peer sends, with the shared seeded fuzzer: real payloads of each
// profile's fixtures damaged byte by byte go through the real MqttSensorInput (every message is read or refused with a
// reason, nothing escapes); damaged MQTT packets go to the real embedded broker over TCP (it answers or closes, never
// logs an error of its own, and still serves a good client afterwards); and login permissions' patterns are checked
// without throwing whatever a technician types.
[Trait("Category", "Fuzz")]
public sealed class MqttFuzzTests(ITestOutputHelper output)
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Mqtt", "Fixtures");

    public static TheoryData<string> Profiles => new(Core.Configuration.MqttProfiles.All);

    [Theory]
    [MemberData(nameof(Profiles))]
    public async Task Damaged_payloads_of_each_profile_are_read_or_refused_with_a_reason(string profile)
    {
        // Every fixture message of the profile, with the sensor it was written for.
        var seeds = new List<(Func<InputHarness> Harness, string Topic, string Payload)>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Fixtures, profile), "*.json").Order(StringComparer.Ordinal))
        {
            using var document = JsonDocument.Parse(await File.ReadAllTextAsync(file));
            var s = document.RootElement.GetProperty("sensor");
            Assert.True(Core.Events.SensorKindNames.TryParse(s.GetProperty("kind").GetString()!, out var kind));
            var sensor = InputHarness.Sensor("device", kind, s.GetProperty("topic").GetString()!, profile,
                s.TryGetProperty("model", out var model) ? model.GetString() : null, s.TryGetProperty("key", out var key) ? key.GetString() : null);
            foreach (var message in document.RootElement.GetProperty("messages").EnumerateArray())
            {
                var payload = message.GetProperty("payload");
                seeds.Add((() => new InputHarness(sensor), message.GetProperty("topic").GetString()!,
                    payload.ValueKind == JsonValueKind.String ? payload.GetString()! : payload.GetRawText()));
            }
        }

        var report = await Fuzzer.RunAsync(
            "mqtt payload " + profile,
            boundedDefault: 20_000,
            random =>
            {
                var seed = seeds[random.Next(seeds.Count)];
                var payload = random.Next(4) == 0
                    ? Mutate.Bytes(random, Encoding.UTF8.GetBytes(seed.Payload))
                    : Encoding.UTF8.GetBytes(Mutate.Text(random, seed.Payload));
                return (seed.Harness, seed.Topic, Payload: payload);
            },
            async input =>
            {
                var harness = input.Harness();
                await harness.SendAsync(input.Topic, input.Payload);
                var snapshot = harness.Stats.Snapshot("device");
                return snapshot switch
                {
                    { Rejected: > 0 } => FuzzVerdict.Refuse(snapshot.LastRejectionReason ?? ""),
                    { Accepted: > 0 } => FuzzVerdict.Accept,

                    // Neither read nor refused would be a message that vanished without a trace.
                    _ => FuzzVerdict.Refuse(""),
                };
            },
            input => $"{input.Topic} {Encoding.UTF8.GetString(input.Payload)}",
            output);
        Assert.True(report.Refused > 0 && report.Accepted > 0, report.ToString());
    }

    [Fact]
    public async Task Damaged_mqtt_packets_are_answered_or_closed_and_the_broker_keeps_serving()
    {
        await using var f = await BrokerFixture.StartAsync(o => o.ConnectionAttemptsPerMinute = 10_000);
        var password = f.Credentials.AddUser("zigbee2mqtt", MqttRoles.Of(MqttRoles.Zigbee2Mqtt));
        byte[] valid =
        [
            .. RawMqttConnection.Connect311("fuzz", "zigbee2mqtt", password),
            .. RawMqttConnection.Publish("zigbee2mqtt/front_door", """{"contact":false,"battery":90}"""),
        ];

        await Fuzzer.RunAsync(
            "mqtt packets to the embedded broker",
            boundedDefault: 500,
            random => Mutate.Bytes(random, valid),
            async bytes =>
            {
                using var raw = await RawMqttConnection.OpenAsync(f.Broker.Port);
                try
                {
                    await raw.SendAsync(bytes);
                }
                catch (IOException)
                {
                    return FuzzVerdict.Refuse("closed while sending");
                }

                // A damaged length can leave the broker waiting for bytes that never come: that is its login deadline's
                // business; the test does not wait for it.
                return await raw.ReadConnAckAsync(TimeSpan.FromMilliseconds(100)) switch
                {
                    0 => FuzzVerdict.Accept,
                    { } code => FuzzVerdict.Refuse($"CONNACK {code}"),
                    null => FuzzVerdict.Refuse("closed or no answer"),
                };
            },
            bytes => Convert.ToHexString(bytes.AsSpan(0, Math.Min(bytes.Length, 120))),
            output);

        // The broker still serves a good client (the fixture also fails the test if anything logged an error).
        await f.DeviceAsync("after-fuzz");
    }

    [Fact]
    public void Permission_patterns_and_topics_are_checked_without_throwing()
    {
        string[] patterns = ["zigbee2mqtt/#", "tele/+/SENSOR", "%u/#", "devices/%u/%c/+", "#", "homegateway/kotka-0042/alerts"];
        string[] topics = ["zigbee2mqtt/front_door", "tele/plug/SENSOR", "hall-esp/binary_sensor/fall/state", "$SYS/x", "a//b", "#"];
        Fuzzer.Run(
            "mqtt permission patterns",
            boundedDefault: 20_000,
            random => (Pattern: Mutate.Text(random, patterns[random.Next(patterns.Length)]), Topic: Mutate.Text(random, topics[random.Next(topics.Length)]),
                Client: Mutate.Text(random, "node1", 2)),
            input =>
            {
                if (MqttTopicRule.ProblemWith(input.Pattern) is { } problem)
                {
                    return FuzzVerdict.Refuse(problem);
                }

                var permissions = MqttRoles.Of(MqttRoles.Custom, [new MqttTopicRule(MqttAccess.ReadWrite, input.Pattern)]);
                var mayPublish = permissions.MayPublish(input.Topic, "esp", input.Client, []);
                var maySubscribe = permissions.MaySubscribe(input.Topic, "esp", input.Client, []);
                return mayPublish == maySubscribe ? FuzzVerdict.Accept : FuzzVerdict.Refuse("readwrite gave read and write different answers");
            },
            input => $"{input.Pattern} | {input.Topic} | {input.Client}",
            output);
    }
}
