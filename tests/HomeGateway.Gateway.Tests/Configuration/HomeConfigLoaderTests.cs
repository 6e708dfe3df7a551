using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Configuration;

namespace HomeGateway.Gateway.Tests.Configuration;

public class HomeConfigLoaderTests
{
    [Fact]
    public void The_annotated_example_in_deploy_is_valid_and_reads_as_written()
    {
        var home = HomeConfigLoader.Load(Path.Combine(RepoRoot(), "deploy", "examples", "home.yaml"));
        Assert.Equal("kotka-0042", home.HomeId);
        Assert.Equal("Europe/Helsinki", home.TimeZoneId);
        var button = home.FindSensor("help_button")!;
        Assert.Equal(SensorKind.HelpButton, button.Kind);
        Assert.Equal(new GpioInputConfig(27) { ActiveLow = true, Pull = GpioPull.Up, Debounce = TimeSpan.FromMilliseconds(50) }, button.Gpio);
        Assert.Equal("tuya-mir-he200", home.FindSensor("bedroom_radar")!.Mqtt!.Model);
        Assert.Equal(("Makuuhuoneen tutka", "Makuuhuone"), (home.FindSensor("bedroom_radar")!.Name, home.FindSensor("bedroom_radar")!.Location));
        Assert.All(home.Sensors, s => Assert.False(string.IsNullOrEmpty(s.Name), $"{s.Id} has no name in the example"));
        Assert.Equal(TimeSpan.FromMinutes(10), home.Rules.DoorLeftOpen!.After);
        Assert.Equal(TimeSpan.FromMinutes(15), home.Rules.DoorLeftOpen.RepeatEvery);
        Assert.Equal(["front_door"], home.Rules.DoorLeftOpen.Doors);
        Assert.NotNull(home.Rules.Help);
        Assert.Equal(TimeSpan.FromSeconds(60), home.Rules.Fall!.ConfirmWindow);

        Assert.Equal(new DailyWindow(new TimeOnly(22, 0), new TimeOnly(6, 30)), home.Schedule.Night);
        Assert.Equal(new DailyWindow(new TimeOnly(7, 0), new TimeOnly(22, 0)), home.Schedule.Day);
        Assert.Equal(SensorKind.Motion, home.FindSensor("hall_motion")!.Kind);
        Assert.Equal(SensorKind.Bed, home.FindSensor("bed")!.Kind);
        Assert.Equal(
            new NightExitRuleConfig { Door = "front_door", Grace = TimeSpan.FromMinutes(10), AfterVisit = TimeSpan.FromMinutes(5), Priority = AlertPriorityChoice.High },
            home.Rules.NightExit! with { Presence = [] });
        Assert.Equal(["hall_motion"], home.Rules.NightExit.Presence);
        Assert.Equal((TimeSpan.FromHours(4), AlertPriorityChoice.High), (home.Rules.Inactivity!.After, home.Rules.Inactivity.Priority));
        Assert.Empty(home.Rules.Inactivity.Sensors);
        Assert.Equal(new BedNotReturnedRuleConfig { Bed = "bed", After = TimeSpan.FromMinutes(30), Priority = AlertPriorityChoice.High }, home.Rules.BedNotReturned);
    }

    [Fact]
    public void A_sensor_name_and_location_are_read_trimmed_and_a_bad_one_is_refused_with_its_line()
    {
        const string yaml = """
            home:
              id: kotka-0042
              timezone: Europe/Helsinki
            sensors:
              - id: front_door
                kind: door
                name: "  Eteisen ovi "
                location: Eteinen
                gpio: { pin: 17 }
              - id: bed
                kind: bed
                name: "Sängyn\u001b[2Janturi"
                location: Makuuhuone, ikkunan vieressä, sängyn alla vasemmalla puolella, lähellä lattiaa
                gpio: { pin: 26 }
            rules: {}
            """;

        var error = Assert.Throws<HomeConfigException>(() => HomeConfigLoader.Parse(yaml, "home.yaml"));
        var lines = error.Problems.Select(p => p.Format("home.yaml")).ToList();

        Assert.Equal(2, lines.Count);
        Assert.StartsWith("home.yaml:12: sensors[1].name:", lines[0], StringComparison.Ordinal);
        Assert.Contains("control character (U+001B)", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("home.yaml:13: sensors[1].location:", lines[1], StringComparison.Ordinal);
        Assert.Contains("at most 64", lines[1], StringComparison.Ordinal);

        var valid = HomeConfigLoader.Parse(yaml.Replace("\\u001b[2J", " ", StringComparison.Ordinal).Replace(", ikkunan vieressä, sängyn alla vasemmalla puolella, lähellä lattiaa", "", StringComparison.Ordinal), "home.yaml");
        Assert.Equal(("Eteisen ovi", "Eteinen"), (valid.FindSensor("front_door")!.Name, valid.FindSensor("front_door")!.Location));
        Assert.Equal(("Sängyn anturi", "Makuuhuone"), (valid.FindSensor("bed")!.Name, valid.FindSensor("bed")!.Location));
    }

    [Fact]
    public void Every_problem_is_reported_with_its_line_and_field()
    {
        const string yaml = """
            home:
              id: kotka-0042
              timezone: Europe/Helsinkii
            sensors:
              - id: front_door
                kind: dor
                mqtt: { topic: zigbee2mqtt/front_door, profile: zigbee2mqtt }
              - id: button
                kind: help_button
                gpio: { pin: 17, activeLow: maybe }
            rules:
              help: {}
              doorLeftOpen: { doors: [button], after: 25:00, repeatEvry: 15m }
            """;

        var error = Assert.Throws<HomeConfigException>(() => HomeConfigLoader.Parse(yaml, "home.yaml"));
        var lines = error.Problems.Select(p => p.Format("home.yaml")).ToList();

        Assert.Contains(lines, l => l.StartsWith("home.yaml:3: home.timezone:", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("home.yaml:6: sensors[0].kind: unknown kind 'dor'", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("home.yaml:10: sensors[1].gpio.activeLow:", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("home.yaml:13: rules.doorLeftOpen.repeatEvry: unknown key", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("home.yaml:13: rules.doorLeftOpen.after: '25:00' is not a duration", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("home.yaml:13: rules.doorLeftOpen.doors[0]: sensor 'button' is a help_button, not a door", StringComparison.Ordinal));
        Assert.Contains("home.yaml:3:", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("home: [1, 2]\nsensors: []\n", "home")]
    [InlineData("home: { id: a, timezone: UTC }\n", "sensors")]
    [InlineData("home: { id: a }\nsensors: []\n", "home.timezone")]
    [InlineData("home: { id: a, timezone: UTC }\nsensors: []\nrules: { help: maybe }\n", "rules.help")]
    [InlineData("home: { id: a, timezone: UTC }\nsensors:\n  - { id: b, kind: door, gpio: { pin: 4 }, colour: red }\n", "sensors[0].colour")]
    [InlineData("home: { id: a, timezone: UTC }\nsensors:\n  - { id: b, kind: door, gpio: { pin: four } }\n", "sensors[0].gpio.pin")]
    public void Wrong_shapes_and_unknown_keys_are_errors(string yaml, string field)
    {
        var error = Assert.Throws<HomeConfigException>(() => HomeConfigLoader.Parse(yaml, "h.yaml"));
        Assert.Contains(error.Problems, p => p.Field == field);
    }

    [Fact]
    public void Broken_yaml_is_one_clear_problem_with_a_line()
    {
        var error = Assert.Throws<HomeConfigException>(() => HomeConfigLoader.Parse("home:\n  id: a\n  timezone: \"UTC\n", "h.yaml"));
        var problem = Assert.Single(error.Problems);
        Assert.Equal("(yaml)", problem.Field);
        Assert.NotNull(problem.Line);
    }

    [Fact]
    public void An_unclosed_bracket_is_a_problem_not_a_crash()
    {
        var error = Assert.Throws<HomeConfigException>(() => HomeConfigLoader.Parse("home:\n  id: [unclosed\nsensors: []\n", "h.yaml"));
        Assert.Equal("(yaml)", Assert.Single(error.Problems).Field);
    }

    [Fact]
    public void A_fall_radar_of_an_unknown_model_is_refused_at_its_line()
    {
        const string yaml = "home: { id: a, timezone: UTC }\nsensors:\n  - id: radar\n    kind: fall\n    mqtt: { topic: z/radar, profile: zigbee2mqtt }\n";
        var error = Assert.Throws<HomeConfigException>(() => HomeConfigLoader.Parse(yaml, "h.yaml"));
        var problem = Assert.Single(error.Problems);
        Assert.Equal(("sensors[0].mqtt.model", 5), (problem.Field, problem.Line));
    }

    [Fact]
    public void A_missing_file_is_a_problem_not_a_crash()
    {
        var error = Assert.Throws<HomeConfigException>(() => HomeConfigLoader.Load("/nonexistent/home.yaml"));
        Assert.Contains("cannot be read", Assert.Single(error.Problems).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("90s", 90_000)]
    [InlineData("10m", 600_000)]
    [InlineData("4h", 14_400_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("500ms", 500)]
    [InlineData("1.5s", 1_500)]
    public void Durations_read_as_written(string text, int milliseconds)
    {
        Assert.True(Durations.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("-5m")]
    [InlineData("25:00")]
    [InlineData("10 minutes")]
    public void Non_durations_are_refused(string text) => Assert.False(Durations.TryParse(text, out _));

    internal static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "HomeGateway.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("HomeGateway.sln not found");
    }
}
