using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Tests.Configuration;

/// <summary>
/// Invariant: a sensor's name and location, which travel to dispatch and onto its pages and logs, are one trimmed line
/// of at most 64 characters without control characters, or the home file is refused naming the field.
/// </summary>
public class SensorLabelTests
{
    private static HomeConfig Home(params SensorConfig[] sensors) =>
        new("kotka-0042", "Europe/Helsinki", sensors, new RulesConfig());

    private static SensorConfig Door(string? name = null, string? location = null) =>
        new("front_door", SensorKind.Door) { Gpio = new GpioInputConfig(17), Name = name, Location = location };

    [Fact]
    public void Finnish_and_swedish_names_and_places_are_valid() =>
        Assert.Empty(HomeConfigValidator.Validate(Home(Door("Eteisen ovi", "Eteinen")))
            .Concat(HomeConfigValidator.Validate(Home(Door("Ytterdörren – hallen", "Förstugan")))));

    [Fact]
    public void Names_and_locations_are_optional() => Assert.Empty(HomeConfigValidator.Validate(Home(Door())));

    [Theory]
    [InlineData("Eteisen\novi", "control character (U+000A)")]
    [InlineData("Eteisen\tovi", "control character (U+0009)")]
    [InlineData("\u001b[31mEteisen ovi", "control character (U+001B)")]
    [InlineData("Eteisen\u202Eovi", "control character (U+202E)")]
    [InlineData(" Eteisen ovi", "must not start or end with a space")]
    [InlineData("   ", "must not be empty")]
    public void A_bad_name_is_refused_naming_the_field(string name, string problem)
    {
        var refused = Assert.Single(HomeConfigValidator.Validate(Home(Door(name: name))));
        Assert.Equal("sensors[0].name", refused.Field);
        Assert.Contains(problem, refused.Message, StringComparison.Ordinal);
        Assert.Contains("front_door", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_location_over_64_characters_is_refused_naming_the_field()
    {
        Assert.Empty(HomeConfigValidator.Validate(Home(Door(location: new string('a', 64)))));

        var refused = Assert.Single(HomeConfigValidator.Validate(Home(Door(location: new string('a', 65)))));
        Assert.Equal("sensors[0].location", refused.Field);
        Assert.Contains("65 characters long; at most 64", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void More_than_256_sensors_are_refused()
    {
        var sensors = Enumerable.Range(0, 257)
            .Select(i => new SensorConfig($"s{i}", SensorKind.Motion) { Mqtt = new MqttInputConfig($"zigbee2mqtt/s{i}", MqttProfiles.Zigbee2Mqtt) })
            .ToArray();
        Assert.Equal("sensors", Assert.Single(HomeConfigValidator.Validate(Home(sensors))).Field);
        Assert.Empty(HomeConfigValidator.Validate(Home(sensors[..256])));
    }
}
