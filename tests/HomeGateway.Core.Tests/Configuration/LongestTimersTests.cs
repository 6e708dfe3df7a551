using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Core.Rules;

namespace HomeGateway.Core.Tests.Configuration;

/// <summary>
/// Guards the bound's promise: with every timer at the longest the validator allows and events at the last instant a
/// timeline may hold (the end of 2100), the rules add, repeat and escalate for two months without overflowing a time.
/// The durations' bound (30 days) and the times' bound (2000-2100, or the gateway's own clock) are what make the rules'
/// plain arithmetic safe; this test fails if either bound is loosened past what the arithmetic can take.
/// </summary>
public sealed class LongestTimersTests
{
    [Fact]
    public void Every_timer_at_its_longest_from_the_end_of_2100_runs_without_overflow()
    {
        var week = Durations.LongestRuleTimer;
        var home = new HomeConfig("a", "Europe/Helsinki",
        [
            new SensorConfig("door", SensorKind.Door) { Mqtt = new MqttInputConfig("z/door", MqttProfiles.Zigbee2Mqtt) },
            new SensorConfig("radar", SensorKind.Fall) { Mqtt = new MqttInputConfig("z/radar", MqttProfiles.HomeGateway) },
            new SensorConfig("button", SensorKind.HelpButton) { Gpio = new GpioInputConfig(27) },
            new SensorConfig("thermo", SensorKind.Temperature) { Mqtt = new MqttInputConfig("z/thermo", MqttProfiles.Zigbee2Mqtt) },
            new SensorConfig("ups", SensorKind.Power) { Gpio = new GpioInputConfig(6) },
            new SensorConfig("motion", SensorKind.Motion) { Mqtt = new MqttInputConfig("z/motion", MqttProfiles.Zigbee2Mqtt) },
        ],
        new RulesConfig
        {
            Fall = new FallRuleConfig { ConfirmWindow = week, RepeatWindow = week },
            Help = new HelpRuleConfig { RepeatWindow = week },
            DoorLeftOpen = new DoorLeftOpenRuleConfig { After = week, RepeatEvery = week },
            Temperature = new TemperatureRuleConfig { For = week },
            PowerFailure = new PowerFailureRuleConfig { After = TimeSpan.FromHours(12) },
            SensorOffline = new SensorOfflineRuleConfig { After = new Dictionary<SensorKind, TimeSpan> { [SensorKind.Motion] = Durations.Longest } },
            Escalation = new EscalationConfig { AckTimeout = TimeSpan.FromHours(1), MaxEscalations = 20 },
            Visits = new VisitsConfig { MaxLength = TimeSpan.FromHours(24) },
            NightExit = new NightExitRuleConfig { Door = "door", Grace = TimeSpan.FromHours(2) },
        });
        Assert.Empty(HomeConfigValidator.Validate(home));

        var last = new DateTimeOffset(2100, 12, 31, 23, 59, 59, TimeSpan.Zero);
        SensorEvent At(string sensor, SensorKind kind, string state, double? value = null) => new("a", sensor, kind, state, last, "test") { Value = value };

        var steps = Replay.Run(home, last,
        [
            At("door", SensorKind.Door, SensorStates.Open),
            At("radar", SensorKind.Fall, SensorStates.SuspectedFall),
            At("button", SensorKind.HelpButton, SensorStates.Pressed),
            At("thermo", SensorKind.Temperature, SensorStates.Measured, 5),
            At("ups", SensorKind.Power, SensorStates.MainsLost),
            At("motion", SensorKind.Motion, SensorStates.Detected),
        ], until: last.AddDays(62));

        Assert.Contains(steps, s => s.Type == Core.Alerts.AlertType.DoorLeftOpen);
        Assert.Contains(steps, s => s.Type == Core.Alerts.AlertType.SensorOffline);
        Assert.All(steps, s => Assert.InRange(s.At, last, last.AddDays(62)));
    }
}
