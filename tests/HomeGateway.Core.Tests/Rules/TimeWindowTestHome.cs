using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Core.Rules;
using Microsoft.Extensions.Time.Testing;

namespace HomeGateway.Core.Tests.Rules;

/// <summary>
/// A Helsinki home with the sensors the night and day rules watch, the default schedule (night 22:00–06:30,
/// day 07:00–22:00), a fake clock and an engine that can be restarted from its saved state.
/// </summary>
internal sealed class TimeWindowTestHome
{
    public const string HomeId = "night-home";
    public static readonly TimeZoneInfo Helsinki = TimeZoneInfo.FindSystemTimeZoneById("Europe/Helsinki");
    private long seq;

    public TimeWindowTestHome(RulesConfig rules, DateTimeOffset start)
    {
        Home = new HomeConfig(HomeId, "Europe/Helsinki",
        [
            new SensorConfig("front_door", SensorKind.Door) { Mqtt = new MqttInputConfig("z/front_door", MqttProfiles.Zigbee2Mqtt) },
            new SensorConfig("hall_motion", SensorKind.Motion) { Mqtt = new MqttInputConfig("z/hall_motion", MqttProfiles.Zigbee2Mqtt) },
            new SensorConfig("lounge_presence", SensorKind.Presence) { Mqtt = new MqttInputConfig("z/lounge_presence", MqttProfiles.Zigbee2Mqtt) },
            new SensorConfig("bed", SensorKind.Bed) { Mqtt = new MqttInputConfig("z/bed", MqttProfiles.Zigbee2Mqtt) },
            new SensorConfig("guest_bed", SensorKind.Bed) { Mqtt = new MqttInputConfig("z/guest_bed", MqttProfiles.Zigbee2Mqtt) },
            new SensorConfig("chair", SensorKind.Chair) { Mqtt = new MqttInputConfig("z/chair", MqttProfiles.Zigbee2Mqtt) },
            new SensorConfig("button", SensorKind.HelpButton) { Gpio = new GpioInputConfig(27) },
            new SensorConfig("keyswitch", SensorKind.Visit) { Gpio = new GpioInputConfig(22) },
        ], rules with { Escalation = new EscalationConfig { MaxEscalations = 0 } });
        Clock = new FakeTimeProvider(start);
        Engine = new RulesEngine(Home, start);
    }

    public FakeTimeProvider Clock { get; }

    public HomeConfig Home { get; private set; }

    public RulesEngine Engine { get; private set; }

    public DateTimeOffset Now => Clock.GetUtcNow();

    /// <summary>An instant given as the home's wall clock shows it (never ambiguous or missing: use explicit offsets for those).</summary>
    public static DateTimeOffset Local(int year, int month, int day, int hour, int minute, int second = 0)
    {
        var local = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified);
        Assert.False(Helsinki.IsAmbiguousTime(local) || Helsinki.IsInvalidTime(local), $"{local} is not a unique local time");
        return new DateTimeOffset(local, Helsinki.GetUtcOffset(local));
    }

    /// <summary>Two alert steps are the same step (records compare their evidence lists by reference).</summary>
    public static void AssertSameStep(AlertEvent expected, AlertEvent actual)
    {
        Assert.Equal(expected with { EvidenceSeqs = [] }, actual with { EvidenceSeqs = [] });
        Assert.Equal(expected.EvidenceSeqs, actual.EvidenceSeqs);
    }

    public IReadOnlyList<AlertEvent> Send(string sensorId, string state)
    {
        var sensor = Home.FindSensor(sensorId)!;
        return Engine.Observe(new SensorEvent(HomeId, sensorId, sensor.Kind, state, Now, "test"), ++seq, Now);
    }

    public IReadOnlyList<AlertEvent> CheckIn() => Send("keyswitch", SensorStates.CheckIn);

    public IReadOnlyList<AlertEvent> CheckOut() => Send("keyswitch", SensorStates.CheckOut);

    /// <summary>Moves the clock on as the gateway's loop does, waking at each deadline.</summary>
    public List<AlertEvent> Wait(TimeSpan span) => WaitUntil(Now + span);

    public List<AlertEvent> WaitUntil(DateTimeOffset end)
    {
        Assert.True(end >= Now, "the clock does not go back");
        var output = new List<AlertEvent>();
        while (Engine.NextDeadline is { } due && due <= end)
        {
            Clock.SetUtcNow(due > Now ? due : Now);
            output.AddRange(Engine.Advance(Now));
        }

        Clock.SetUtcNow(end);
        output.AddRange(Engine.Advance(end));
        return output;
    }

    /// <summary>The gateway stops and starts again now: a new engine (optionally for a changed home file) takes back the saved state.</summary>
    public void Restart(HomeConfig? changed = null)
    {
        var saved = Engine.SaveState();
        Home = changed ?? Home;
        Engine = new RulesEngine(Home, Now);
        Engine.RestoreState(saved);
    }
}
