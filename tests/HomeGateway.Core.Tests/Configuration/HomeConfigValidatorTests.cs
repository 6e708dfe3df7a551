using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Tests.Configuration;

public class HomeConfigValidatorTests
{
    private static HomeConfig Valid() => new("kotka-0042", "Europe/Helsinki",
    [
        new SensorConfig("front_door", SensorKind.Door) { Mqtt = new MqttInputConfig("zigbee2mqtt/front_door", MqttProfiles.Zigbee2Mqtt) },
        new SensorConfig("button", SensorKind.HelpButton) { Gpio = new GpioInputConfig(27) },
    ],
    new RulesConfig { Help = new HelpRuleConfig(), DoorLeftOpen = new DoorLeftOpenRuleConfig { Doors = ["front_door"] } });

    [Fact]
    public void A_valid_home_has_no_problems() => Assert.Empty(HomeConfigValidator.Validate(Valid()));

    [Fact]
    public void Each_problem_names_its_field()
    {
        var home = Valid() with
        {
            HomeId = "Bad Id",
            TimeZoneId = "Mars/Olympus",
            Sensors =
            [
                new SensorConfig("front_door", SensorKind.Door) { Mqtt = new MqttInputConfig("zigbee2mqtt/#", "acme") },
                new SensorConfig("front_door", SensorKind.HelpButton) { Gpio = new GpioInputConfig(99) },
                new SensorConfig("both", SensorKind.Motion) { Gpio = new GpioInputConfig(5), Mqtt = new MqttInputConfig("x/y", MqttProfiles.Zigbee2Mqtt) },
            ],
            Rules = new RulesConfig { DoorLeftOpen = new DoorLeftOpenRuleConfig { Doors = ["nowhere", "both"], After = TimeSpan.Zero } },
        };

        var fields = HomeConfigValidator.Validate(home).Select(p => p.Field).ToList();

        Assert.Equal(
            [
                "home.id", "home.timezone", "sensors[0].mqtt.topic", "sensors[0].mqtt.profile", "sensors[1].id", "sensors[1].gpio.pin",
                "sensors[2]", "rules.doorLeftOpen.after", "rules.doorLeftOpen.doors[0]", "rules.doorLeftOpen.doors[1]",
            ],
            fields);
    }

    [Fact]
    public void Two_sensors_on_one_pin_are_refused()
    {
        var home = Valid() with
        {
            Sensors = [.. Valid().Sensors, new SensorConfig("other", SensorKind.Motion) { Gpio = new GpioInputConfig(27) }],
        };
        var problem = Assert.Single(HomeConfigValidator.Validate(home));
        Assert.Equal("sensors[2].gpio.pin", problem.Field);
        Assert.Contains("button", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rule_without_any_sensor_it_could_watch_is_refused()
    {
        var home = Valid() with { Rules = new RulesConfig { Fall = new FallRuleConfig() } };
        Assert.Equal("rules.fall", Assert.Single(HomeConfigValidator.Validate(home)).Field);
    }

    [Fact]
    public void Problems_format_as_file_line_field()
    {
        Assert.Equal("home.yaml:7: rules.help: no button", new ConfigProblem("rules.help", "no button", 7).Format("home.yaml"));
        Assert.Equal("home.yaml: rules.help: no button", new ConfigProblem("rules.help", "no button").Format("home.yaml"));
    }
}
