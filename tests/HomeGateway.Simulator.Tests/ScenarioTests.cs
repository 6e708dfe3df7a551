using System.Text;
using HomeGateway.Contracts.Api;
using HomeGateway.Simulator.Demo;
using HomeGateway.Simulator.Scenarios;

namespace HomeGateway.Simulator.Tests;

public class ScenarioTests
{
    [Fact]
    public void Steps_read_as_written_in_order()
    {
        var scenario = Scenario.Parse("""
            # comment
            0s     gpio 27 0
            500ms  gpio 27 1
            1.5s   mqtt zigbee2mqtt/front_door {"contact": false}
            2m     say  The door is open.
            """, "t.scenario");

        Assert.Equal(4, scenario.Steps.Count);
        Assert.Equal(new GpioStep(TimeSpan.Zero, 27, false), scenario.Steps[0]);
        Assert.Equal(new GpioStep(TimeSpan.FromMilliseconds(500), 27, true), scenario.Steps[1]);
        var mqtt = Assert.IsType<MqttStep>(scenario.Steps[2]);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), mqtt.At);
        Assert.Equal("zigbee2mqtt/front_door", mqtt.Topic);
        Assert.Equal("{\"contact\": false}", Encoding.UTF8.GetString(mqtt.Payload));
        Assert.Equal(new SayStep(TimeSpan.FromMinutes(2), "The door is open."), scenario.Steps[3]);
    }

    [Theory]
    [InlineData("soon gpio 27 0", "t:1: 'soon' is not an offset")]
    [InlineData("1s gpio 27 2", "t:1: gpio takes a pin number and a level")]
    [InlineData("1s mqtt lonely-topic", "t:1: mqtt takes a topic and a payload")]
    [InlineData("1s jump 3", "t:1: unknown action 'jump'")]
    [InlineData("2s gpio 1 0\n1s gpio 1 1", "t:2: offsets must not go backwards")]
    public void Mistakes_name_the_line(string text, string expected)
    {
        var error = Assert.Throws<FormatException>(() => Scenario.Parse(text, "t"));
        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_demo_scenario_presses_help_then_a_fall_then_opens_the_door()
    {
        var scenario = Scenario.Parse(DemoResources.Read("demo.scenario"), "demo.scenario");
        var actions = scenario.Steps.Where(s => s is not SayStep).ToList();
        Assert.Contains(actions, s => s is GpioStep { Pin: 27, High: false });
        Assert.Contains(actions, s => s is MqttStep { Topic: "zigbee2mqtt/bedroom_radar" } m && Encoding.UTF8.GetString(m.Payload).Contains("\"fall\"", StringComparison.Ordinal));
        Assert.Contains(actions, s => s is MqttStep { Topic: "zigbee2mqtt/front_door" } m && Encoding.UTF8.GetString(m.Payload).Contains("\"contact\":false", StringComparison.Ordinal));
    }

    [Fact]
    public void Pin_files_hold_one_level_and_are_replaced_whole()
    {
        var dir = Path.Combine(Path.GetTempPath(), "hg-pins-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            PinFiles.Write(dir, 27, high: false);
            Assert.Equal("0", File.ReadAllText(Path.Combine(dir, "27")));
            PinFiles.Write(dir, 27, high: true);
            Assert.Equal("1", File.ReadAllText(Path.Combine(dir, "27")));
            Assert.Equal(["27"], Directory.GetFiles(dir).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void An_alert_line_shows_type_priority_and_latency_from_the_right_moment()
    {
        var evidence = new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero);
        var help = new AlertStepJson("help-b-1", "gw", "kotka-0042", 3, "raised", "help", "critical", "help_button", "Help button pressed", 1,
            evidence.AddMilliseconds(5), evidence, evidence.AddMilliseconds(42));
        Assert.Contains("help            critical", DemoRun.Describe(help), StringComparison.Ordinal);
        Assert.Contains("latency 42 ms (sensor event → dispatch)", DemoRun.Describe(help), StringComparison.Ordinal);

        var door = help with { Type = "door_left_open", Priority = "normal", At = evidence.AddSeconds(15), ReceivedAt = evidence.AddSeconds(15).AddMilliseconds(9) };
        Assert.Contains("latency 9 ms (condition met → dispatch)", DemoRun.Describe(door), StringComparison.Ordinal);
    }
}
