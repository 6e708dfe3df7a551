using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Configuration;

namespace HomeGateway.Gateway.Tests.Configuration;

/// <summary>The safety rules read strictly: every key as written, anything else an error at its line.</summary>
public class SafetyRulesLoaderTests
{
    private const string Sensors = """
        home: { id: h, timezone: Europe/Helsinki }
        schedule:
          doses: ["08:00", "20:00"]
        sensors:
          - { id: smoke1, kind: smoke, mqtt: { topic: z/smoke1, profile: zigbee2mqtt } }
          - { id: leak1, kind: water_leak, mqtt: { topic: z/leak1, profile: zigbee2mqtt } }
          - { id: temp1, kind: temperature, mqtt: { topic: z/temp1, profile: zigbee2mqtt } }
          - { id: door1, kind: door, gpio: { pin: 17 } }
          - { id: pills, kind: medication, mqtt: { topic: h/pills, profile: homegateway } }
        """;

    private static HomeConfig Parse(string rules) => HomeConfigLoader.Parse(Sensors + "\nrules:\n" + rules, "h.yaml");

    private static List<string> Problems(string rules) =>
        Assert.Throws<HomeConfigException>(() => Parse(rules)).Problems.Select(p => p.Format("h.yaml")).ToList();

    [Fact]
    public void Every_key_is_read_as_written()
    {
        var rules = Parse("""
              missedDose: { window: 45m, dispenser: pills }
              smoke: { sensors: [smoke1] }
              waterLeak: { sensors: [leak1], priority: critical }
              temperature: { sensors: [temp1], min: 17.5, max: 28, for: 1h30m, highBelow: -2 }
              sensorOffline: { after: { fall: 90s, door: 48h }, includeGpio: true }
              batteryLow: { threshold: 20, hysteresis: 10 }
              tamper: {}
              dailyTest: { at: "09:15" }
            """).Rules;
        Assert.Equal(new MissedDoseRuleConfig { Window = TimeSpan.FromMinutes(45), Dispenser = "pills" }, rules.MissedDose);
        Assert.Equal(["smoke1"], rules.Smoke!.Sensors);
        Assert.Equal(["leak1"], rules.WaterLeak!.Sensors);
        Assert.Equal(AlertPriorityChoice.Critical, rules.WaterLeak.Priority);
        var t = rules.Temperature!;
        Assert.Equal(["temp1"], t.Sensors);
        Assert.Equal((17.5, 28.0, TimeSpan.FromMinutes(90), (double?)-2), (t.Min, t.Max, t.For, t.HighBelow));
        Assert.Equal(TimeSpan.FromSeconds(90), rules.SensorOffline!.After[SensorKind.Fall]);
        Assert.Equal(TimeSpan.FromHours(48), rules.SensorOffline.For(SensorKind.Door));
        Assert.Equal(TimeSpan.FromHours(2), rules.SensorOffline.For(SensorKind.Medication));
        Assert.True(rules.SensorOffline.IncludeGpio);
        Assert.Equal((20, 10), (rules.BatteryLow!.Threshold, rules.BatteryLow.Hysteresis));
        Assert.NotNull(rules.Tamper);
        Assert.Equal(new TimeOnly(9, 15), rules.DailyTest!.At);
    }

    [Fact]
    public void Empty_mappings_and_on_take_the_documented_defaults()
    {
        var rules = Parse("""
              missedDose: {}
              smoke: on
              waterLeak: {}
              temperature: {}
              sensorOffline: {}
              batteryLow: {}
              tamper: on
              dailyTest: {}
            """).Rules;
        Assert.Equal((TimeSpan.FromMinutes(30), (string?)null), (rules.MissedDose!.Window, rules.MissedDose.Dispenser));
        Assert.Empty(rules.Smoke!.Sensors);
        Assert.Equal(AlertPriorityChoice.High, rules.WaterLeak!.Priority);
        Assert.Equal((16.0, 30.0, TimeSpan.FromMinutes(30), (double?)null), (rules.Temperature!.Min, rules.Temperature.Max, rules.Temperature.For, rules.Temperature.HighBelow));
        Assert.Equal((TimeSpan.FromHours(25), TimeSpan.FromHours(1), false), (rules.SensorOffline!.For(SensorKind.Door)!.Value, rules.SensorOffline.For(SensorKind.Fall)!.Value, rules.SensorOffline.IncludeGpio));
        Assert.Null(rules.SensorOffline.For(SensorKind.Visit));
        Assert.Equal((15, 5), (rules.BatteryLow!.Threshold, rules.BatteryLow.Hysteresis));
        Assert.Equal(new TimeOnly(10, 0), rules.DailyTest!.At);
    }

    [Fact]
    public void Rules_left_out_or_off_are_off()
    {
        var rules = Parse("  smoke: off\n").Rules;
        Assert.Null(rules.Smoke);
        Assert.Null(rules.MissedDose);
        Assert.Null(rules.DailyTest);
    }

    [Theory]
    [InlineData("  smoke: { sensor: [smoke1] }\n", "h.yaml:11: rules.smoke.sensor: unknown key")]
    [InlineData("  tamper: { priority: high }\n", "h.yaml:11: rules.tamper.priority: unknown key")]
    [InlineData("  missedDose: { Window: 30m }\n", "h.yaml:11: rules.missedDose.Window: unknown key 'Window'; did you mean 'window'?")]
    [InlineData("  sensorOffline: { after: { radar: 1h } }\n", "h.yaml:11: rules.sensorOffline.after.radar: unknown key")]
    [InlineData("  smokeAlarm: {}\n", "h.yaml:11: rules.smokeAlarm: unknown key")]
    public void Unknown_keys_are_errors_at_their_line(string rules, string expected) =>
        Assert.Contains(Problems(rules), p => p.StartsWith(expected, StringComparison.Ordinal));

    [Theory]
    [InlineData("  smoke: { sensors: [leak1] }\n", "rules.smoke.sensors[0]: sensor 'leak1' is a water_leak, not a smoke")]
    [InlineData("  waterLeak: { sensors: [nothing] }\n", "rules.waterLeak.sensors[0]: no sensor has id 'nothing'")]
    [InlineData("  temperature: { sensors: [door1] }\n", "rules.temperature.sensors[0]: sensor 'door1' is a door, not a temperature")]
    [InlineData("  missedDose: { dispenser: temp1 }\n", "rules.missedDose.dispenser: sensor 'temp1' is a temperature, not a medication dispenser")]
    public void Sensors_of_the_wrong_kind_are_errors_at_their_line(string rules, string expected) =>
        Assert.Contains(Problems(rules), p => p.StartsWith("h.yaml:11: " + expected, StringComparison.Ordinal));

    [Theory]
    [InlineData("  temperature: { min: 25, max: 20 }\n", "rules.temperature.min")]
    [InlineData("  temperature: { min: 20, max: 20 }\n", "rules.temperature.min")]
    [InlineData("  temperature: { min: warm }\n", "rules.temperature.min")]
    [InlineData("  temperature: { max: 200 }\n", "rules.temperature.max")]
    [InlineData("  temperature: { highBelow: 18 }\n", "rules.temperature.highBelow")]
    [InlineData("  temperature: { for: 0s }\n", "rules.temperature.for")]
    [InlineData("  temperature: { for: 30 }\n", "rules.temperature.for")]
    [InlineData("  missedDose: { window: 13h }\n", "rules.missedDose.window")]
    [InlineData("  missedDose: { window: 0m }\n", "rules.missedDose.window")]
    [InlineData("  waterLeak: { priority: normal }\n", "rules.waterLeak.priority")]
    [InlineData("  batteryLow: { threshold: 0 }\n", "rules.batteryLow.threshold")]
    [InlineData("  batteryLow: { threshold: 90, hysteresis: 10 }\n", "rules.batteryLow.hysteresis")]
    [InlineData("  batteryLow: { threshold: low }\n", "rules.batteryLow.threshold")]
    [InlineData("  sensorOffline: { after: { motion: 30s } }\n", "rules.sensorOffline.after.motion")]
    [InlineData("  sensorOffline: { after: { availability: 1h } }\n", "rules.sensorOffline.after.availability")]
    [InlineData("  sensorOffline: { includeGpio: sometimes }\n", "rules.sensorOffline.includeGpio")]
    [InlineData("  dailyTest: { at: \"25:00\" }\n", "rules.dailyTest.at")]
    [InlineData("  smoke: { sensors: smoke1 }\n", "rules.smoke.sensors")]
    public void Bad_values_are_errors_naming_the_field_and_line(string rules, string field)
    {
        var problem = Assert.Single(Assert.Throws<HomeConfigException>(() => Parse(rules)).Problems, p => p.Field == field);
        Assert.Equal(11, problem.Line);
    }

    [Fact]
    public void Missed_dose_needs_something_to_watch()
    {
        const string noDispenser = "home: { id: h, timezone: UTC }\nschedule: { doses: [\"08:00\"] }\nsensors: []\nrules:\n  missedDose: {}\n";
        Assert.Contains(Assert.Throws<HomeConfigException>(() => HomeConfigLoader.Parse(noDispenser, "h.yaml")).Problems,
            p => p.Field == "rules.missedDose" && p.Message.Contains("no sensor of kind medication", StringComparison.Ordinal));

        const string nothing = "home: { id: h, timezone: UTC }\nsensors: []\nrules:\n  missedDose: {}\n";
        Assert.Contains(Assert.Throws<HomeConfigException>(() => HomeConfigLoader.Parse(nothing, "h.yaml")).Problems,
            p => p.Field == "rules.missedDose" && p.Message.Contains("schedule.doses", StringComparison.Ordinal));

        const string dispenserOnly = "home: { id: h, timezone: UTC }\nsensors:\n  - { id: p, kind: medication, mqtt: { topic: h/p, profile: homegateway } }\nrules:\n  missedDose: {}\n";
        Assert.NotNull(HomeConfigLoader.Parse(dispenserOnly, "h.yaml").Rules.MissedDose);
    }

    [Fact]
    public void Overlapping_dose_windows_and_two_dispensers_without_a_name_are_errors()
    {
        var overlap = Sensors.Replace("[\"08:00\", \"20:00\"]", "[\"08:00\", \"08:20\"]", StringComparison.Ordinal) + "\nrules:\n  missedDose: { window: 30m }\n";
        Assert.Contains(Assert.Throws<HomeConfigException>(() => HomeConfigLoader.Parse(overlap, "h.yaml")).Problems, p => p.Field == "rules.missedDose.window");

        var two = Sensors + "\n  - { id: pills2, kind: medication, mqtt: { topic: h/pills2, profile: homegateway } }\nrules:\n  missedDose: {}\n";
        Assert.Contains(Assert.Throws<HomeConfigException>(() => HomeConfigLoader.Parse(two, "h.yaml")).Problems, p => p.Field == "rules.missedDose.dispenser");
    }

    [Fact]
    public void A_rule_on_without_any_sensor_of_its_kind_is_an_error()
    {
        const string yaml = "home: { id: h, timezone: UTC }\nsensors: []\nrules:\n  smoke: {}\n  waterLeak: {}\n  temperature: {}\n";
        var fields = Assert.Throws<HomeConfigException>(() => HomeConfigLoader.Parse(yaml, "h.yaml")).Problems.Select(p => p.Field);
        Assert.Equal(["rules.smoke", "rules.waterLeak", "rules.temperature"], fields);
    }

    [Fact]
    public void The_annotated_example_reads_the_safety_rules_as_written()
    {
        var home = HomeConfigLoader.Load(Path.Combine(HomeConfigLoaderTests.RepoRoot(), "deploy", "examples", "home.yaml"));
        Assert.Equal([new TimeOnly(8, 0), new TimeOnly(14, 0), new TimeOnly(20, 0)], home.Schedule.Doses);
        var r = home.Rules;
        Assert.Equal(new MissedDoseRuleConfig { Window = TimeSpan.FromMinutes(30), Dispenser = "dispenser" }, r.MissedDose);
        Assert.Equal(SensorKind.Medication, home.FindSensor("dispenser")!.Kind);
        Assert.Equal(["kitchen_smoke"], r.Smoke!.Sensors);
        Assert.Equal(AlertPriorityChoice.High, r.WaterLeak!.Priority);
        Assert.Equal((16.0, 30.0, TimeSpan.FromMinutes(30), (double?)12), (r.Temperature!.Min, r.Temperature.Max, r.Temperature.For, r.Temperature.HighBelow));
        Assert.Equal(TimeSpan.FromHours(1), r.SensorOffline!.For(SensorKind.Fall));
        Assert.False(r.SensorOffline.IncludeGpio);
        Assert.Equal((15, 5), (r.BatteryLow!.Threshold, r.BatteryLow.Hysteresis));
        Assert.NotNull(r.Tamper);
        Assert.Equal(new TimeOnly(10, 0), r.DailyTest!.At);
    }
}
