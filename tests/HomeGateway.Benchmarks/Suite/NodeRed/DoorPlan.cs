using System.Globalization;
using System.Text;

namespace HomeGateway.Benchmarks.Suite.NodeRed;

/// <summary>
/// The care plan both sides run, from one description so they cannot drift apart: <see cref="AllDoors"/> Zigbee2MQTT
/// door contacts, all watched by door-left-open with the same limit; the entrance also by night exit (grace = the same
/// limit) with the hall motion sensor as "back inside"; a night window around now (UTC), so every entrance opening counts.
/// </summary>
public sealed class DoorPlan
{
    public const string TopicPrefix = "zigbee2mqtt/";
    public const string Entrance = "front_door";
    public const string Motion = "hall_motion";

    public DoorPlan(string homeId, int doors, TimeSpan limit, DateTimeOffset now)
    {
        HomeId = homeId;
        Limit = limit;
        AllDoors = [Entrance, .. Enumerable.Range(1, doors - 1).Select(i => "door_" + i.ToString("000", CultureInfo.InvariantCulture))];
        // Night from an hour ago for eight hours: long enough for any run; the day window is the rest of the day.
        var minute = (int)now.UtcDateTime.TimeOfDay.TotalMinutes;
        NightFromMinute = (minute + 1440 - 60) % 1440;
        NightToMinute = (minute + 480) % 1440;
    }

    public string HomeId { get; }

    public TimeSpan Limit { get; }

    /// <summary>Longer than any hold in the bench: one raise per opening, as the gateway's default of 15 minutes is.</summary>
    public TimeSpan RepeatEvery { get; } = TimeSpan.FromHours(1);

    public IReadOnlyList<string> AllDoors { get; }

    public int NightFromMinute { get; }

    public int NightToMinute { get; }

    public string GatewayAlertTopic => $"homegateway/{HomeId}/alerts";

    public string NodeRedAlertTopic => $"nodered/{HomeId}/alerts";

    public static string Topic(string sensor) => TopicPrefix + sensor;

    /// <summary>The gateway's home file for the same plan.</summary>
    public string HomeYaml()
    {
        var yaml = new StringBuilder();
        yaml.AppendLine(CultureInfo.InvariantCulture, $"home: {{ id: {HomeId}, timezone: UTC }}");
        yaml.AppendLine(CultureInfo.InvariantCulture, $"schedule:");
        yaml.AppendLine(CultureInfo.InvariantCulture, $"  night: {{ from: \"{Clock(NightFromMinute)}\", to: \"{Clock(NightToMinute)}\" }}");
        yaml.AppendLine(CultureInfo.InvariantCulture, $"  day: {{ from: \"{Clock(NightToMinute)}\", to: \"{Clock(NightFromMinute)}\" }}");
        yaml.AppendLine("sensors:");
        yaml.AppendLine(CultureInfo.InvariantCulture, $"  - {{ id: {Motion}, kind: motion, mqtt: {{ topic: {Topic(Motion)}, profile: zigbee2mqtt }} }}");
        foreach (var door in AllDoors)
        {
            yaml.AppendLine(CultureInfo.InvariantCulture, $"  - {{ id: {door}, kind: door, mqtt: {{ topic: {Topic(door)}, profile: zigbee2mqtt }} }}");
        }

        yaml.AppendLine("rules:");
        yaml.AppendLine(CultureInfo.InvariantCulture, $"  doorLeftOpen: {{ after: {Seconds(Limit)}, repeatEvery: {Seconds(RepeatEvery)} }}");
        yaml.AppendLine(CultureInfo.InvariantCulture, $"  nightExit: {{ door: {Entrance}, presence: [{Motion}], grace: {Seconds(Limit)} }}");
        return yaml.ToString();
    }

    private static string Clock(int minute) => $"{minute / 60:00}:{minute % 60:00}";

    private static string Seconds(TimeSpan span) => ((int)span.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s";
}
