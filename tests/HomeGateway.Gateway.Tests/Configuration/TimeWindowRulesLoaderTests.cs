using HomeGateway.Core.Configuration;
using HomeGateway.Gateway.Configuration;

namespace HomeGateway.Gateway.Tests.Configuration;

/// <summary>The night and day rules read from the home file exactly as written, and every mistake names its line and field.</summary>
public class TimeWindowRulesLoaderTests
{
    // Sensors of every kind the three rules can point at, and one of a wrong kind (help_button) on line 9.
    private const string Head = """
        home: { id: a, timezone: Europe/Helsinki }
        schedule:
          night: { from: "23:00", to: "07:00" }
          day: { from: "08:00", to: "20:00" }
        sensors:
          - { id: front_door, kind: door, mqtt: { topic: z/front_door, profile: zigbee2mqtt } }
          - { id: hall, kind: motion, mqtt: { topic: z/hall, profile: zigbee2mqtt } }
          - { id: lounge, kind: presence, mqtt: { topic: z/lounge, profile: zigbee2mqtt } }
          - { id: button, kind: help_button, gpio: { pin: 27 } }
          - { id: bed, kind: bed, mqtt: { topic: z/bed, profile: zigbee2mqtt } }
          - { id: chair, kind: chair, mqtt: { topic: z/chair, profile: zigbee2mqtt } }
        rules:

        """;

    // The first line of a rule after Head.
    private const int RuleLine = 13;

    private static HomeConfig Parse(string rules) => HomeConfigLoader.Parse(Head + rules, "h.yaml");

    private static List<string> Problems(string rules) =>
        Assert.Throws<HomeConfigException>(() => Parse(rules)).Problems.Select(p => p.Format("h.yaml")).ToList();

    [Fact]
    public void Every_key_is_read_as_written()
    {
        var home = Parse("""
              nightExit: { door: front_door, presence: [hall, lounge], grace: 7m, afterVisit: 0s, priority: critical }
              inactivity: { sensors: [hall, chair, bed], after: 3h30m, priority: normal }
              bedNotReturned: { bed: bed, after: 45m, priority: low }
            """);

        var exit = home.Rules.NightExit!;
        Assert.Equal(("front_door", TimeSpan.FromMinutes(7), TimeSpan.Zero, AlertPriorityChoice.Critical), (exit.Door, exit.Grace, exit.AfterVisit, exit.Priority));
        Assert.Equal(["hall", "lounge"], exit.Presence);
        var inactivity = home.Rules.Inactivity!;
        Assert.Equal((TimeSpan.FromMinutes(210), AlertPriorityChoice.Normal), (inactivity.After, inactivity.Priority));
        Assert.Equal(["hall", "chair", "bed"], inactivity.Sensors);
        Assert.Equal(new BedNotReturnedRuleConfig { Bed = "bed", After = TimeSpan.FromMinutes(45), Priority = AlertPriorityChoice.Low }, home.Rules.BedNotReturned);
    }

    [Fact]
    public void A_rule_given_as_on_or_empty_takes_the_documented_defaults()
    {
        var home = Parse("""
              nightExit: on
              inactivity: {}
              bedNotReturned: yes
            """);

        Assert.Equal(new NightExitRuleConfig().Grace, TimeSpan.FromMinutes(10));
        Assert.Equal(
            (null, 0, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(5), AlertPriorityChoice.High),
            (home.Rules.NightExit!.Door, home.Rules.NightExit.Presence.Count, home.Rules.NightExit.Grace, home.Rules.NightExit.AfterVisit, home.Rules.NightExit.Priority));
        Assert.Equal((0, TimeSpan.FromHours(4), AlertPriorityChoice.High), (home.Rules.Inactivity!.Sensors.Count, home.Rules.Inactivity.After, home.Rules.Inactivity.Priority));
        Assert.Equal((null, TimeSpan.FromMinutes(30), AlertPriorityChoice.High), (home.Rules.BedNotReturned!.Bed, home.Rules.BedNotReturned.After, home.Rules.BedNotReturned.Priority));
    }

    [Fact]
    public void Rules_left_out_or_off_are_off()
    {
        var home = Parse("  nightExit: off\n");
        Assert.Null(home.Rules.NightExit);
        Assert.Null(home.Rules.Inactivity);
        Assert.Null(home.Rules.BedNotReturned);
    }

    [Theory]
    [InlineData("  nightExit: { door: front_door, gracе: 5m }\n", "rules.nightExit.gracе: unknown key")]
    [InlineData("  nightExit: { door: front_door, Grace: 5m }\n", "rules.nightExit.Grace: unknown key 'Grace'; did you mean 'grace'?")]
    [InlineData("  inactivity: { hours: 4 }\n", "rules.inactivity.hours: unknown key")]
    [InlineData("  bedNotReturned: { beds: [bed] }\n", "rules.bedNotReturned.beds: unknown key")]
    public void An_unknown_key_is_an_error_at_its_line(string rules, string expected) =>
        Assert.Contains(Problems(rules), p => p.StartsWith($"h.yaml:{RuleLine}: {expected}", StringComparison.Ordinal));

    [Theory]
    [InlineData("  nightExit: { door: hall }\n", "rules.nightExit.door: sensor 'hall' is a motion, not a door")]
    [InlineData("  nightExit: { door: front_door, presence: [hall, button] }\n", "rules.nightExit.presence[1]: sensor 'button' is a help_button, not a presence or motion sensor")]
    [InlineData("  nightExit: { door: back_door }\n", "rules.nightExit.door: no sensor has id 'back_door'")]
    [InlineData("  inactivity: { sensors: [button] }\n", "rules.inactivity.sensors[0]: sensor 'button' is a help_button, not a motion, presence, door, bed or chair sensor")]
    [InlineData("  bedNotReturned: { bed: chair }\n", "rules.bedNotReturned.bed: sensor 'chair' is a chair, not a bed sensor")]
    public void A_sensor_of_the_wrong_kind_or_missing_is_an_error_at_its_line(string rules, string expected) =>
        Assert.Contains($"h.yaml:{RuleLine}: {expected}", Problems(rules));

    [Theory]
    [InlineData("  nightExit: { grace: 10 }\n", "rules.nightExit.grace: '10' is not a duration")]
    [InlineData("  nightExit: { grace: 0s }\n", "rules.nightExit.grace: must be a duration between 1s and 2h")]
    [InlineData("  nightExit: { grace: 3h }\n", "rules.nightExit.grace: must be a duration between 1s and 2h")]
    [InlineData("  nightExit: { afterVisit: 1h }\n", "rules.nightExit.afterVisit: must be a duration between 0s and 30m")]
    [InlineData("  inactivity: { after: four hours }\n", "rules.inactivity.after: 'four hours' is not a duration")]
    [InlineData("  inactivity: { after: 12h }\n", "rules.inactivity.after: must be a positive duration shorter than the day window 08:00–20:00 (12h)")]
    [InlineData("  bedNotReturned: { after: 8h }\n", "rules.bedNotReturned.after: must be a positive duration shorter than the night window 23:00–07:00 (8h)")]
    [InlineData("  bedNotReturned: { after: -5m }\n", "rules.bedNotReturned.after: '-5m' is not a duration")]
    [InlineData("  bedNotReturned: { priority: urgent }\n", "rules.bedNotReturned.priority: 'urgent' is not one of")]
    public void A_bad_duration_or_value_is_an_error_at_its_line(string rules, string expected) =>
        Assert.Contains(Problems(rules), p => p.StartsWith($"h.yaml:{RuleLine}: {expected}", StringComparison.Ordinal));

    [Fact]
    public void Just_under_the_window_is_accepted()
    {
        var home = Parse("  inactivity: { after: 11h59m }\n  bedNotReturned: { after: 7h59m }\n");
        Assert.Equal(TimeSpan.FromMinutes(719), home.Rules.Inactivity!.After);
    }

    [Fact]
    public void Without_a_named_door_the_home_must_have_exactly_one()
    {
        const string twoDoors = """
            home: { id: a, timezone: UTC }
            sensors:
              - { id: front_door, kind: door, gpio: { pin: 4 } }
              - { id: balcony, kind: door, gpio: { pin: 5 } }
              - { id: hall, kind: motion, gpio: { pin: 6 } }
            rules:
              nightExit: {}
            """;
        var problem = Assert.Single(Assert.Throws<HomeConfigException>(() => HomeConfigLoader.Parse(twoDoors, "h.yaml")).Problems);
        Assert.Equal(("rules.nightExit", 7), (problem.Field, problem.Line));
        Assert.Contains("name the entrance door", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rules_with_nothing_to_watch_are_refused()
    {
        const string bare = """
            home: { id: a, timezone: UTC }
            sensors:
              - { id: button, kind: help_button, gpio: { pin: 4 } }
            rules:
              nightExit: {}
              inactivity: {}
              bedNotReturned: {}
            """;
        var fields = Assert.Throws<HomeConfigException>(() => HomeConfigLoader.Parse(bare, "h.yaml")).Problems.Select(p => (p.Field, p.Line)).ToList();
        Assert.Equal([("rules.nightExit", 5), ("rules.nightExit", 5), ("rules.inactivity", 6), ("rules.bedNotReturned", 7)], fields);
    }
}
