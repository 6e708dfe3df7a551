using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Core.Rules;
using Microsoft.Extensions.Time.Testing;

namespace HomeGateway.Core.Tests.Rules;

/// <summary>
/// A Helsinki home with the sensors the safety rules watch (smoke, leak, two thermometers, a dispenser, a radar,
/// a Zigbee door and a GPIO button), a schedule, a fake clock and an engine that can be restarted from saved state.
/// </summary>
internal sealed class SafetyTestHome
{
    public const string HomeId = "safety-home";
    public static readonly HomeTime Helsinki = new(TimeZoneInfo.FindSystemTimeZoneById("Europe/Helsinki"));

    private long seq;

    public SafetyTestHome(RulesConfig rules, DateTimeOffset start, IReadOnlyList<TimeOnly>? doses = null, bool escalate = false,
        IReadOnlyList<SensorConfig>? sensors = null)
    {
        rules = escalate ? rules : rules with { Escalation = new EscalationConfig { MaxEscalations = 0 } };
        Home = new HomeConfig(HomeId, "Europe/Helsinki", sensors ?? DefaultSensors, rules)
        {
            Schedule = new ScheduleConfig { Doses = doses ?? [] },
        };
        Clock = new FakeTimeProvider(start);
        Engine = new RulesEngine(Home, start);
    }

    public static IReadOnlyList<SensorConfig> DefaultSensors { get; } =
    [
        Z2m("front_door", SensorKind.Door),
        Z2m("radar", SensorKind.Fall) with { Mqtt = new MqttInputConfig("zigbee2mqtt/radar", MqttProfiles.Zigbee2Mqtt) { Model = "tuya-mir-he200" } },
        new SensorConfig("button", SensorKind.HelpButton) { Gpio = new GpioInputConfig(27) { ActiveLow = true } },
        Z2m("kitchen_smoke", SensorKind.Smoke),
        Z2m("hall_smoke", SensorKind.Smoke),
        Z2m("bathroom_leak", SensorKind.WaterLeak),
        Z2m("living_temp", SensorKind.Temperature),
        Z2m("bedroom_temp", SensorKind.Temperature),
        new SensorConfig("dispenser", SensorKind.Medication) { Mqtt = new MqttInputConfig("homegateway/h/dispenser", MqttProfiles.HomeGateway) },
    ];

    public FakeTimeProvider Clock { get; }

    public HomeConfig Home { get; }

    public RulesEngine Engine { get; private set; }

    public DateTimeOffset Now => Clock.GetUtcNow();

    /// <summary>The instant a Helsinki wall clock shows the given time (DST-correct).</summary>
    public static DateTimeOffset Local(int year, int month, int day, int hour, int minute, int second = 0) =>
        Helsinki.At(new DateOnly(year, month, day), new TimeOnly(hour, minute, second));

    public static SensorConfig Z2m(string id, SensorKind kind) =>
        new(id, kind) { Mqtt = new MqttInputConfig("zigbee2mqtt/" + id, MqttProfiles.Zigbee2Mqtt) };

    public IReadOnlyList<AlertEvent> Send(string sensorId, string state, double? value = null, int? battery = null, SensorKind? kind = null, bool? batteryLow = null, string? detail = null)
    {
        var e = new SensorEvent(HomeId, sensorId, kind ?? Home.FindSensor(sensorId)!.Kind, state, Now, "test")
        {
            Value = value,
            BatteryPercent = battery,
            BatteryLow = batteryLow,
            Detail = detail,
        };
        return Engine.Observe(e, ++seq, Now);
    }

    /// <summary>Moves the clock on as the gateway's loop does: waking at each deadline to let rules fire.</summary>
    public List<AlertEvent> Wait(TimeSpan span)
    {
        var end = Now + span;
        var output = new List<AlertEvent>();
        while (Engine.NextDeadline is { } due && due <= end)
        {
            Clock.SetUtcNow(due > Now ? due : Now);
            output.AddRange(Engine.Advance(Now));
        }

        Clock.SetUtcNow(end);
        output.AddRange(Engine.Advance(end));
        return output;
    }

    /// <summary>Every field of a step, evidence included (records compare lists by reference).</summary>
    public static string Describe(AlertEvent a) =>
        $"{a.AlertId} {a.Kind} {a.Type} {a.Priority} {a.SensorId} {a.At:O} {a.EvidenceAt:O} {a.Count} [{string.Join(",", a.EvidenceSeqs)}] {a.Summary}";

    public static List<string> Describe(IEnumerable<AlertEvent> steps) => steps.Select(Describe).ToList();

    public List<AlertEvent> WaitUntil(DateTimeOffset instant) => Wait(instant - Now);

    /// <summary>A restart: state saved, a new engine built at this moment from <paramref name="home"/> (default: the same file), state taken back.</summary>
    public void Restart(HomeConfig? home = null)
    {
        var saved = Engine.SaveState();
        Engine = new RulesEngine(home ?? Home, Now);
        Engine.RestoreState(saved);
    }
}
