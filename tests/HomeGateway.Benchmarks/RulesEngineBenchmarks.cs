using BenchmarkDotNet.Attributes;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Core.Rules;

namespace HomeGateway.Benchmarks;

/// <summary>
/// Events per second through the rules engine with every rule on (the annotated example home), on one core.
/// One operation is one event: the engine first fires what is due, then decides on the event.
/// </summary>
[MemoryDiagnoser]
public class RulesEngineBenchmarks
{
    private const int EventsPerOperation = 10_000;
    private SensorEvent[] events = [];
    private RulesEngine engine = null!;
    private DateTimeOffset now;
    private long seq;

    [GlobalSetup]
    public void Setup()
    {
        var home = BenchmarkHome.Create();
        now = new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.FromHours(2));
        engine = new RulesEngine(home, now);
        (string Sensor, SensorKind Kind, string State, double? Value)[] script =
        [
            ("front_door", SensorKind.Door, SensorStates.Open, null),
            ("hall_motion", SensorKind.Motion, SensorStates.Detected, null),
            ("front_door", SensorKind.Door, SensorStates.Closed, null),
            ("bed", SensorKind.Bed, SensorStates.Empty, null),
            ("living_room_temperature", SensorKind.Temperature, SensorStates.Measured, 21.5),
            ("hall_motion", SensorKind.Motion, SensorStates.Clear, null),
            ("bed", SensorKind.Bed, SensorStates.Occupied, null),
            ("bedroom_radar", SensorKind.Fall, SensorStates.Clear, null),
        ];
        events = [.. Enumerable.Range(0, EventsPerOperation).Select(i =>
        {
            var (sensor, kind, state, value) = script[i % script.Length];
            return new SensorEvent(home.HomeId, sensor, kind, state, now, "bench") { Value = value, BatteryPercent = 80, LinkQuality = 120 };
        })];
    }

    [Benchmark(OperationsPerInvoke = EventsPerOperation, Description = "RulesEngine.Observe, full rule set")]
    public int ObserveEvent()
    {
        var decided = 0;
        foreach (var e in events)
        {
            // A second between events: timers come due as they would in a busy home.
            now = now.AddSeconds(1);
            decided += engine.Observe(e with { At = now }, ++seq, now).Count;
        }

        return decided;
    }

    [Benchmark(OperationsPerInvoke = 100, Description = "RulesEngine.SaveState (the whole state as one JSON document)")]
    public int SaveState()
    {
        var bytes = 0;
        for (var i = 0; i < 100; i++)
        {
            bytes += engine.SaveState().Length;
        }

        return bytes;
    }

    [Benchmark(OperationsPerInvoke = 100, Description = "RulesEngine.SaveStateEntries (once per decision in the gateway)")]
    public int SaveStateEntries()
    {
        var entries = 0;
        for (var i = 0; i < 100; i++)
        {
            entries += engine.SaveStateEntries().Count;
        }

        return entries;
    }
}

/// <summary>The example home of deploy/examples/home.yaml, built in code: every rule with its defaults.</summary>
internal static class BenchmarkHome
{
    public static HomeConfig Create()
    {
        SensorConfig Mqtt(string id, SensorKind kind, string? model = null) =>
            new(id, kind) { Mqtt = new MqttInputConfig("zigbee2mqtt/" + id, MqttProfiles.Zigbee2Mqtt) { Model = model } };
        return new HomeConfig("kotka-0042", "Europe/Helsinki",
        [
            new SensorConfig("help_button", SensorKind.HelpButton) { Gpio = new GpioInputConfig(27) { ActiveLow = true } },
            Mqtt("front_door", SensorKind.Door),
            Mqtt("bedroom_radar", SensorKind.Fall, "tuya-mir-he200"),
            Mqtt("hall_motion", SensorKind.Motion),
            Mqtt("bed", SensorKind.Bed),
            Mqtt("kitchen_smoke", SensorKind.Smoke),
            Mqtt("bathroom_leak", SensorKind.WaterLeak),
            Mqtt("living_room_temperature", SensorKind.Temperature),
            new SensorConfig("dispenser", SensorKind.Medication) { Mqtt = new MqttInputConfig("homegateway/kotka-0042/dispenser", MqttProfiles.HomeGateway) },
        ],
        new RulesConfig
        {
            Fall = new FallRuleConfig(),
            Help = new HelpRuleConfig(),
            DoorLeftOpen = new DoorLeftOpenRuleConfig(),
            NightExit = new NightExitRuleConfig { Door = "front_door" },
            Inactivity = new InactivityRuleConfig(),
            BedNotReturned = new BedNotReturnedRuleConfig(),
            MissedDose = new MissedDoseRuleConfig(),
            Smoke = new SmokeRuleConfig(),
            WaterLeak = new WaterLeakRuleConfig(),
            Temperature = new TemperatureRuleConfig(),
            SensorOffline = new SensorOfflineRuleConfig(),
            BatteryLow = new BatteryLowRuleConfig(),
            Tamper = new TamperRuleConfig(),
            DailyTest = new DailyTestRuleConfig(),
        })
        {
            Schedule = new ScheduleConfig { Doses = [new TimeOnly(8, 0), new TimeOnly(14, 0), new TimeOnly(20, 0)] },
        };
    }
}
