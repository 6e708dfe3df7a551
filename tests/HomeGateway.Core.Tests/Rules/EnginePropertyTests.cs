using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Core.Rules;

namespace HomeGateway.Core.Tests.Rules;

/// <summary>
/// Guards, for random timelines of sensor events and restarts: the engine is deterministic, a restart at any point
/// (save state, new engine, restore) yields exactly the alerts of an uninterrupted run, and a rule never keeps two
/// alerts going at once for one sensor.
/// </summary>
public class EnginePropertyTests
{
    /// <summary>One moment of a timeline: time passes, then a sensor reports or the gateway restarts.</summary>
    public sealed record Step(int DelaySeconds, string SensorId, string State, bool Restart)
    {
        public override string ToString() => Restart ? $"+{DelaySeconds}s restart" : $"+{DelaySeconds}s {SensorId}={State}";
    }

    internal static readonly DateTimeOffset Start = new(2026, 3, 28, 20, 0, 0, TimeSpan.FromHours(2));

    // What each sensor of the test home can say.
    internal static readonly (string Sensor, SensorKind Kind, string[] States)[] Vocabulary =
    [
        ("front_door", SensorKind.Door, [SensorStates.Open, SensorStates.Closed]),
        ("back_door", SensorKind.Door, [SensorStates.Open, SensorStates.Closed]),
        ("radar", SensorKind.Fall, [SensorStates.Fall, SensorStates.SuspectedFall, SensorStates.Clear]),
        ("button", SensorKind.HelpButton, [SensorStates.Pressed, SensorStates.Released]),
        ("keyswitch", SensorKind.Visit, [SensorStates.CheckIn, SensorStates.CheckOut]),
        ("hall_motion", SensorKind.Motion, [SensorStates.Detected, SensorStates.Clear]),
        ("bed", SensorKind.Bed, [SensorStates.Occupied, SensorStates.Empty]),
        ("smoke", SensorKind.Smoke, [SensorStates.Detected, SensorStates.Clear]),
        ("leak", SensorKind.WaterLeak, [SensorStates.Detected, SensorStates.Clear]),
        ("gas", SensorKind.Gas, [SensorStates.Detected, SensorStates.Clear]),
        ("co", SensorKind.CarbonMonoxide, [SensorStates.Detected, SensorStates.Clear]),
        ("ups", SensorKind.Power, [SensorStates.MainsLost, SensorStates.MainsRestored]),
        ("thermo", SensorKind.Temperature, ["measured:8", "measured:14", "measured:21", "measured:33"]),
        ("dispenser", SensorKind.Medication, [SensorStates.DoseTaken, SensorStates.DoseMissed, SensorStates.DispenserError, SensorStates.RefillLow]),
        ("hall_motion:tamper", SensorKind.Tamper, [SensorStates.Detected, SensorStates.Clear]),
        ("front_door:availability", SensorKind.Availability, [SensorStates.Online, SensorStates.Offline]),
        ("front_door:battery", SensorKind.Door, ["battery:10", "battery:50"]),
    ];

    /// <summary>A home with one sensor of every kind the rules watch and every rule on, with short windows.</summary>
    internal static HomeConfig TestHome() => new("prop-home", "Europe/Helsinki",
        [.. Vocabulary.Where(v => !v.Sensor.Contains(':', StringComparison.Ordinal))
            .Select(v => new SensorConfig(v.Sensor, v.Kind) { Mqtt = new MqttInputConfig("z/" + v.Sensor, MqttProfiles.Zigbee2Mqtt) { Model = "tuya-mir-he200" } })],
        new RulesConfig
        {
            NightExit = new NightExitRuleConfig { Door = "front_door" },
            Inactivity = new InactivityRuleConfig { After = TimeSpan.FromHours(2) },
            BedNotReturned = new BedNotReturnedRuleConfig(),
            MissedDose = new MissedDoseRuleConfig(),
            Smoke = new SmokeRuleConfig(),
            WaterLeak = new WaterLeakRuleConfig(),
            Gas = new GasRuleConfig(),
            CarbonMonoxide = new CarbonMonoxideRuleConfig(),
            PowerFailure = new PowerFailureRuleConfig { After = TimeSpan.FromMinutes(3) },
            Temperature = new TemperatureRuleConfig(),
            SensorOffline = new SensorOfflineRuleConfig(),
            BatteryLow = new BatteryLowRuleConfig(),
            Tamper = new TamperRuleConfig(),
            DailyTest = new DailyTestRuleConfig(),
            Fall = new FallRuleConfig { ConfirmWindow = TimeSpan.FromSeconds(60), RepeatWindow = TimeSpan.FromMinutes(10) },
            Help = new HelpRuleConfig { RepeatWindow = TimeSpan.FromMinutes(5) },
            DoorLeftOpen = new DoorLeftOpenRuleConfig { After = TimeSpan.FromMinutes(5), RepeatEvery = TimeSpan.FromMinutes(10) },
            Escalation = new EscalationConfig { AckTimeout = TimeSpan.FromSeconds(120), MaxEscalations = 3 },
            Visits = new VisitsConfig { MaxLength = TimeSpan.FromMinutes(30) },
        })
    {
        Schedule = new ScheduleConfig { Doses = [new TimeOnly(8, 0), new TimeOnly(20, 0)] },
    };

    public static Arbitrary<Step[]> Timelines()
    {
        var delay = Gen.OneOf(Gen.Choose(0, 30), Gen.Choose(0, 600), Gen.Choose(0, 3 * 3600));
        var report = Gen.Elements(Vocabulary.SelectMany(v => v.States.Select(s => (v.Sensor, s))).ToArray());
        var step =
            from d in delay
            from r in report
            from restart in Gen.Frequency((9, Gen.Constant(false)), (1, Gen.Constant(true)))
            select new Step(d, r.Sensor, r.s, restart);
        return Gen.ArrayOf(step).Select(steps => steps.Take(80).ToArray()).ToArbitrary();
    }

    [Property(MaxTest = 300, Arbitrary = [typeof(EnginePropertyTests)])]
    public Property The_same_timeline_always_gives_the_same_alerts(Step[] steps) =>
        Run(TestHome(), steps, restarts: false).SequenceEqual(Run(TestHome(), steps, restarts: false)).ToProperty();

    [Property(MaxTest = 300, Arbitrary = [typeof(EnginePropertyTests)])]
    public Property A_restart_anywhere_gives_the_same_alerts_as_no_restart(Step[] steps)
    {
        var continuous = Run(TestHome(), steps, restarts: false);
        var restarted = Run(TestHome(), steps, restarts: true);
        return continuous.SequenceEqual(restarted).Label(FirstDifference(steps, continuous, restarted));
    }

    [Property(MaxTest = 300, Arbitrary = [typeof(EnginePropertyTests)])]
    public Property A_rule_never_keeps_two_alerts_going_for_one_sensor(Step[] steps)
    {
        // Per (type, sensor) — strictly per alert family, the id without its time, since a dispenser's errors are a
        // family of their own — the alert ids in output order never go back to an earlier id: A A B B, not A B A.
        var violations = new List<string>();
        foreach (var group in RunSteps(TestHome(), steps, restarts: false)
            .Where(a => a.Kind != AlertEventKind.Escalated)
            .GroupBy(a => a.AlertId[..a.AlertId.LastIndexOf('-')]))
        {
            var finished = new HashSet<string>();
            string? current = null;
            foreach (var alert in group)
            {
                if (alert.AlertId != current)
                {
                    if (current is not null)
                    {
                        finished.Add(current);
                    }

                    if (finished.Contains(alert.AlertId))
                    {
                        violations.Add($"{group.Key}: {alert.AlertId} came back after another alert");
                    }

                    current = alert.AlertId;
                }
            }
        }

        return (violations.Count == 0).Label(string.Join('\n', violations));
    }

    [Fact]
    public void The_properties_can_fail_a_broken_restore()
    {
        // The restart property is only worth something if losing state shows: forget a running door timer.
        Step[] steps = [new(0, "front_door", SensorStates.Open, false), new(60, "front_door", SensorStates.Open, true), new(600, "button", SensorStates.Released, false)];
        var continuous = Run(TestHome(), steps, restarts: false);
        var forgetful = RunSteps(TestHome(), steps, restarts: true, forget: true).Select(Format).ToList();
        Assert.Contains(continuous, line => line.Contains("DoorLeftOpen", StringComparison.Ordinal));
        Assert.NotEqual(continuous, forgetful);
    }

    internal static List<string> Run(HomeConfig home, Step[] steps, bool restarts) =>
        RunSteps(home, steps, restarts).Select(Format).ToList();

    /// <summary>Drives the engine as the gateway's loop does: waking at every deadline, then handing over each event.</summary>
    internal static List<AlertEvent> RunSteps(HomeConfig home, Step[] steps, bool restarts, bool forget = false)
    {
        var engine = new RulesEngine(home, Start);
        var now = Start;
        var seq = 0L;
        var output = new List<AlertEvent>();
        foreach (var step in steps)
        {
            now += TimeSpan.FromSeconds(step.DelaySeconds);
            WakeUntil(engine, now, output);
            if (step.Restart)
            {
                if (restarts)
                {
                    var saved = engine.SaveState();
                    engine = new RulesEngine(home, now);
                    if (!forget)
                    {
                        engine.RestoreState(saved);
                    }
                }

                continue;
            }

            output.AddRange(engine.Observe(ToEvent(home, step, now), ++seq, now));
        }

        WakeUntil(engine, now + TimeSpan.FromDays(1), output);
        return output;
    }

    /// <summary>"sensor:aspect" steps are events of another kind for the same sensor; "word:number" carries a value.</summary>
    internal static SensorEvent ToEvent(HomeConfig home, Step step, DateTimeOffset now)
    {
        var parts = step.SensorId.Split(':');
        var sensor = home.FindSensor(parts[0])!;
        var kind = parts.Length == 1 ? sensor.Kind : Vocabulary.Single(v => v.Sensor == step.SensorId).Kind;
        var state = step.State.Split(':');
        var e = new SensorEvent(home.HomeId, sensor.Id, kind, state[0], now, "test");
        return state.Length == 1 ? e
            : state[0] == "battery" ? e with { State = SensorStates.Closed, BatteryPercent = int.Parse(state[1], System.Globalization.CultureInfo.InvariantCulture) }
            : e with { Value = double.Parse(state[1], System.Globalization.CultureInfo.InvariantCulture) };
    }

    private static void WakeUntil(RulesEngine engine, DateTimeOffset until, List<AlertEvent> output)
    {
        while (engine.NextDeadline is { } due && due <= until)
        {
            output.AddRange(engine.Advance(due));
        }
    }

    private static string FirstDifference(Step[] steps, List<string> expected, List<string> actual)
    {
        var i = 0;
        while (i < expected.Count && i < actual.Count && expected[i] == actual[i])
        {
            i++;
        }

        return $"timeline: {string.Join(", ", steps.Select(s => s.ToString()))}\n"
            + $"first difference at line {i}:\n  without restart: {(i < expected.Count ? expected[i] : "(nothing)")}\n  with restarts:   {(i < actual.Count ? actual[i] : "(nothing)")}";
    }

    private static string Format(AlertEvent a) =>
        $"{a.At:O} {a.Kind} {a.Type} {a.Priority} {a.SensorId} {a.AlertId} #{a.Count} {a.Summary}";
}
