using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Core.Rules;
using Microsoft.Extensions.Time.Testing;

namespace HomeGateway.Core.Tests.Rules;

/// <summary>A home with one sensor of each kind the first rules use, a fake clock and an engine.</summary>
internal sealed class RuleTestHome
{
    public const string HomeId = "test-home";
    private long seq;

    /// <param name="rules">The rules under test.</param>
    /// <param name="escalate">Keep escalation on; off by default so rule tests see only their rule's steps.</param>
    public RuleTestHome(RulesConfig rules, bool escalate = false)
    {
        rules = escalate ? rules : rules with { Escalation = new EscalationConfig { MaxEscalations = 0 } };
        Home = new HomeConfig(HomeId, "Europe/Helsinki",
        [
            new SensorConfig("front_door", SensorKind.Door) { Mqtt = new MqttInputConfig("zigbee2mqtt/front_door", MqttProfiles.Zigbee2Mqtt) },
            new SensorConfig("back_door", SensorKind.Door) { Mqtt = new MqttInputConfig("zigbee2mqtt/back_door", MqttProfiles.Zigbee2Mqtt) },
            new SensorConfig("radar", SensorKind.Fall) { Mqtt = new MqttInputConfig("zigbee2mqtt/radar", MqttProfiles.Zigbee2Mqtt) { Model = "tuya-mir-he200" } },
            new SensorConfig("button", SensorKind.HelpButton) { Gpio = new GpioInputConfig(27) { ActiveLow = true } },
        ], rules);
        Engine = new RulesEngine(Home, Clock.GetUtcNow());
    }

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero));

    public HomeConfig Home { get; }

    public RulesEngine Engine { get; }

    public IReadOnlyList<HomeGateway.Core.Alerts.AlertEvent> Send(string sensorId, string state)
    {
        var sensor = Home.FindSensor(sensorId)!;
        var e = new SensorEvent(HomeId, sensorId, sensor.Kind, state, Clock.GetUtcNow(), "test");
        return Engine.Observe(e, ++seq, Clock.GetUtcNow());
    }

    /// <summary>Moves the clock on as the gateway's loop does: waking at each deadline to let rules fire.</summary>
    public List<HomeGateway.Core.Alerts.AlertEvent> Wait(TimeSpan span)
    {
        var end = Clock.GetUtcNow() + span;
        var output = new List<HomeGateway.Core.Alerts.AlertEvent>();
        while (Engine.NextDeadline is { } due && due <= end)
        {
            Clock.SetUtcNow(due > Clock.GetUtcNow() ? due : Clock.GetUtcNow());
            output.AddRange(Engine.Advance(Clock.GetUtcNow()));
        }

        Clock.SetUtcNow(end);
        output.AddRange(Engine.Advance(end));
        return output;
    }
}
