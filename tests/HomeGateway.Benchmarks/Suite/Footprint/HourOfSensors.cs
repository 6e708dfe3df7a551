using System.Globalization;
using System.Text;

namespace HomeGateway.Benchmarks.Suite.Footprint;

/// <summary>
/// A busy hour of the example home (deploy/examples/home.yaml) as its MQTT devices report it, in time order: how often
/// each kind of device speaks is what Zigbee2MQTT devices of that kind typically send (a mmWave radar every few seconds,
/// a motion sensor on each detection and clear, a thermometer every 30 s, leak/smoke/CO check-ins every 10 minutes),
/// plus a fall, a smoke alarm and a water leak, each cleared again, so the alert path is exercised too.
/// </summary>
public static class HourOfSensors
{
    /// <summary>Raised alerts the hour causes: a fall, smoke, a water leak.</summary>
    public const int Alerts = 3;

    public static IReadOnlyList<(string Topic, byte[] Payload)> Messages(string homeId) =>
        [.. Timeline(homeId).Select(m => (m.Topic, m.Payload))];

    /// <summary>The same messages with the second of the hour each is sent at, in order.</summary>
    public static IReadOnlyList<(double Second, string Topic, byte[] Payload)> Timeline(string homeId)
    {
        var timeline = new List<(double Second, string Topic, string Payload)>();
        void Spread(string topic, int perHour, Func<int, string> payload)
        {
            for (var k = 0; k < perHour; k++)
            {
                timeline.Add(((k + 0.5) * 3600.0 / perHour, topic, payload(k)));
            }
        }

        string Z(string name) => "zigbee2mqtt/" + name;
        string Bool(bool value) => value ? "true" : "false";
        Spread(Z("bedroom_radar"), 720, k => $$"""{"presence":{{Bool(k % 40 < 30)}},"fall_down_status":"none","linkquality":96}""");
        Spread(Z("hall_motion"), 240, k => $$"""{"occupancy":{{Bool(k % 2 == 0)}},"battery":87,"voltage":3005,"linkquality":102}""");
        Spread(Z("living_room_temperature"), 120, k => string.Create(CultureInfo.InvariantCulture, $$"""{"temperature":{{21 + (k % 7) / 10.0}},"humidity":41.5,"battery":90,"linkquality":120}"""));
        Spread(Z("front_door"), 40, k => $$"""{"contact":{{Bool(k % 2 == 1)}},"battery":95,"linkquality":110}""");
        Spread("tele/kitchen_board/SENSOR", 20, k => $$"""{"Time":"2026-01-15T10:00:00","Switch1":"{{(k % 2 == 1 ? "ON" : "OFF")}}"}""");
        Spread(Z("bed"), 12, k => $$"""{"occupancy":{{Bool(k % 2 == 1)}},"linkquality":88}""");
        Spread(Z("kitchen_smoke"), 6, _ => """{"smoke":false,"battery":100,"linkquality":76}""");
        Spread(Z("kitchen_co"), 6, _ => """{"carbon_monoxide":false,"battery":100,"linkquality":80}""");
        Spread(Z("bathroom_leak"), 6, _ => """{"water_leak":false,"battery":97,"linkquality":64}""");
        Spread($"homegateway/{homeId}/dispenser", 3, k => $$"""{"event":"{{(k switch { 0 => "dose_due", 1 => "dose_dispensed", _ => "dose_taken" })}}"}""");
        timeline.Add((900, Z("bedroom_radar"), """{"presence":true,"fall_down_status":"fall","linkquality":96}"""));
        timeline.Add((930, Z("bedroom_radar"), """{"presence":true,"fall_down_status":"none","linkquality":96}"""));
        timeline.Add((1800, Z("kitchen_smoke"), """{"smoke":true,"battery":100,"linkquality":76}"""));
        timeline.Add((1860, Z("kitchen_smoke"), """{"smoke":false,"battery":100,"linkquality":76}"""));
        timeline.Add((2700, Z("bathroom_leak"), """{"water_leak":true,"battery":97,"linkquality":64}"""));
        timeline.Add((2760, Z("bathroom_leak"), """{"water_leak":false,"battery":97,"linkquality":64}"""));
        return [.. timeline.OrderBy(m => m.Second).Select(m => (m.Second, m.Topic, Encoding.UTF8.GetBytes(m.Payload)))];
    }
}
