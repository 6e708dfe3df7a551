namespace HomeGateway.Benchmarks.Suite.EndToEnd;

/// <summary>
/// The home the end-to-end and drain scenarios run: the demo's Tuya fall radar (Zigbee2MQTT), a second radar used
/// only to check the path is up before measuring (so its alert never mixes with the measured one), and a motion
/// sensor for plain sensor events. Falls count up on one open alert (<c>repeatWindow</c> longer than any run), so the
/// n-th fall published is the step with count n: each fall maps to exactly one step that can be told apart.
/// </summary>
internal static class BenchHome
{
    public const string FallRadar = "bedroom_radar";
    public const string WarmUpRadar = "hall_radar";
    public const string Motion = "hall_motion";

    public static string Topic(string sensor) => "zigbee2mqtt/" + sensor;

    /// <summary>A Tuya MIR-HE200 state message as Zigbee2MQTT publishes it (the full state, every time).</summary>
    public static byte[] Fall => "{\"fall_down_status\":\"fall\",\"linkquality\":88,\"presence_state\":\"presence\",\"radar_sensitivity\":7}"u8.ToArray();

    public static byte[] MotionPayload(bool occupied) => occupied
        ? "{\"battery\":90,\"illuminance\":12,\"linkquality\":120,\"occupancy\":true,\"voltage\":3005}"u8.ToArray()
        : "{\"battery\":90,\"illuminance\":12,\"linkquality\":120,\"occupancy\":false,\"voltage\":3005}"u8.ToArray();

    public static string Yaml(string homeId) => $$"""
        # Written by the benchmark suite (tests/HomeGateway.Benchmarks/Suite/EndToEnd).
        home:
          id: {{homeId}}
          timezone: Europe/Helsinki
        sensors:
          - id: {{FallRadar}}
            kind: fall
            mqtt: { topic: {{Topic(FallRadar)}}, profile: zigbee2mqtt, model: tuya-mir-he200 }
          - id: {{WarmUpRadar}}
            kind: fall
            mqtt: { topic: {{Topic(WarmUpRadar)}}, profile: zigbee2mqtt, model: tuya-mir-he200 }
          - id: {{Motion}}
            kind: motion
            mqtt: { topic: {{Topic(Motion)}}, profile: zigbee2mqtt }
        rules:
          fall: { repeatWindow: 24h }
        """;
}
