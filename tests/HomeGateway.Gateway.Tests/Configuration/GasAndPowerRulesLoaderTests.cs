using HomeGateway.Core.Configuration;
using HomeGateway.Gateway.Configuration;

namespace HomeGateway.Gateway.Tests.Configuration;

/// <summary>gas, carbonMonoxide and powerFailure read strictly, like the other safety rules.</summary>
public class GasAndPowerRulesLoaderTests
{
    private const string Sensors = """
        home: { id: h, timezone: Europe/Helsinki }
        sensors:
          - { id: gas1, kind: gas, mqtt: { topic: h/gas1, profile: homegateway } }
          - { id: co1, kind: carbon_monoxide, mqtt: { topic: h/co1, profile: homegateway } }
          - { id: ups, kind: power, gpio: { pin: 6, activeLow: true, pull: up } }
        rules:

        """;

    private static HomeConfig Parse(string rules) => HomeConfigLoader.Parse(Sensors + rules, "h.yaml");

    [Fact]
    public void Every_key_is_read_as_written_and_defaults_are_documented()
    {
        var rules = Parse("  gas: { sensors: [gas1] }\n  carbonMonoxide: { sensors: [co1] }\n  powerFailure: { after: 90s, priority: high }\n").Rules;
        Assert.Equal(["gas1"], rules.Gas!.Sensors);
        Assert.Equal(["co1"], rules.CarbonMonoxide!.Sensors);
        Assert.Equal((TimeSpan.FromSeconds(90), AlertPriorityChoice.High), (rules.PowerFailure!.After, rules.PowerFailure.Priority));

        var defaults = Parse("  gas: on\n  carbonMonoxide: {}\n  powerFailure: {}\n").Rules;
        Assert.Empty(defaults.Gas!.Sensors);
        Assert.Empty(defaults.CarbonMonoxide!.Sensors);
        Assert.Equal((TimeSpan.FromMinutes(5), AlertPriorityChoice.Normal), (defaults.PowerFailure!.After, defaults.PowerFailure.Priority));
    }

    [Theory]
    [InlineData("  gas: { sensors: [co1] }\n", "rules.gas.sensors[0]", "sensor 'co1' is a carbon_monoxide, not a gas")]
    [InlineData("  carbonMonoxide: { sensors: [gas1] }\n", "rules.carbonMonoxide.sensors[0]", "sensor 'gas1' is a gas, not a carbon_monoxide")]
    [InlineData("  powerFailure: { after: 13h }\n", "rules.powerFailure.after", "must be between 0s and 12h")]
    [InlineData("  powerFailure: { priority: low }\n", "rules.powerFailure.priority", "must be critical, high or normal")]
    [InlineData("  powerFailure: { priority: urgent }\n", "rules.powerFailure.priority", "'urgent' is not one of")]
    [InlineData("  powerFailure: { delay: 5m }\n", "rules.powerFailure.delay", "unknown key")]
    public void Bad_values_name_the_field_and_line(string rules, string field, string message)
    {
        var problem = Assert.Single(Assert.Throws<HomeConfigException>(() => Parse(rules)).Problems, p => p.Field == field);
        Assert.Equal(7, problem.Line);
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Power_failure_needs_a_power_sensor()
    {
        const string yaml = "home: { id: h, timezone: UTC }\nsensors: []\nrules:\n  powerFailure: {}\n  gas: {}\n";
        var fields = Assert.Throws<HomeConfigException>(() => HomeConfigLoader.Parse(yaml, "h.yaml")).Problems.Select(p => p.Field).ToList();
        Assert.Equal(["rules.gas", "rules.powerFailure"], fields.Order(StringComparer.Ordinal));
    }
}
