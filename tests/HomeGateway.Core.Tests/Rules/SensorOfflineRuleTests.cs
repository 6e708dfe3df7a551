using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Core.Rules;

namespace HomeGateway.Core.Tests.Rules;

/// <summary>Silence beyond a sensor's supervision time (counted from boot too) or an offline report raises; any message clears.</summary>
public class SensorOfflineRuleTests
{
    private static readonly DateTimeOffset Start = SafetyTestHome.Local(2026, 11, 25, 12, 0);

    // Only the radar (1 h by default) and the dispenser are sensors in this home, to keep the timers readable.
    private static readonly IReadOnlyList<SensorConfig> Sensors =
        SafetyTestHome.DefaultSensors.Where(s => s.Id is "radar" or "button" or "front_door").ToList();

    private readonly SafetyTestHome home = new(new RulesConfig { SensorOffline = new SensorOfflineRuleConfig() }, Start, sensors: Sensors);

    [Fact]
    public void Silence_since_boot_raises_exactly_at_the_supervision_time()
    {
        Assert.Empty(home.Wait(TimeSpan.FromHours(1) - TimeSpan.FromSeconds(1)));
        var alert = Assert.Single(home.Wait(TimeSpan.FromSeconds(1)));
        Assert.Equal((AlertEventKind.Raised, AlertType.SensorOffline, AlertPriority.Normal, "radar", Start.AddHours(1)),
            (alert.Kind, alert.Type, alert.Priority, alert.SensorId, alert.At));
        Assert.Empty(home.Wait(TimeSpan.FromHours(23) + TimeSpan.FromMinutes(59) + TimeSpan.FromSeconds(59)));
        var door = Assert.Single(home.Wait(TimeSpan.FromSeconds(1)));
        Assert.Equal(("front_door", Start.AddHours(25)), (door.SensorId, door.At));
    }

    [Fact]
    public void Any_message_restarts_the_timer_and_clears_an_open_alert()
    {
        home.Wait(TimeSpan.FromMinutes(50));
        home.Send("radar", SensorStates.Clear);
        var heardAt = home.Now;
        Assert.Empty(home.Wait(TimeSpan.FromHours(1) - TimeSpan.FromSeconds(1)));
        var raised = Assert.Single(home.Wait(TimeSpan.FromSeconds(1)));
        Assert.Equal(heardAt.AddHours(1), raised.At);
        Assert.Empty(home.Wait(TimeSpan.FromHours(3)));   // no repeats while waiting for the sensor

        var cleared = Assert.Single(home.Send("radar", SensorStates.Clear, kind: SensorKind.Tamper));
        Assert.Equal((AlertEventKind.Cleared, raised.AlertId), (cleared.Kind, cleared.AlertId));
    }

    [Fact]
    public void An_offline_report_raises_at_once_and_online_clears()
    {
        var offline = Assert.Single(home.Send("front_door", SensorStates.Offline, kind: SensorKind.Availability));
        Assert.Equal((AlertEventKind.Raised, "front_door", Start), (offline.Kind, offline.SensorId, offline.At));
        var again = Assert.Single(home.Send("front_door", SensorStates.Offline, kind: SensorKind.Availability));
        Assert.Equal((AlertEventKind.Repeated, 2), (again.Kind, again.Count));
        var cleared = Assert.Single(home.Send("front_door", SensorStates.Online, kind: SensorKind.Availability));
        Assert.Equal((AlertEventKind.Cleared, offline.AlertId), (cleared.Kind, cleared.AlertId));
    }

    [Fact]
    public void Gpio_inputs_are_left_out_unless_included_and_times_can_be_overridden_per_kind()
    {
        var rule = Assert.IsType<SensorOfflineRule>(Assert.Single(home.Engine.Rules));
        Assert.Equal(["front_door", "radar"], rule.Watched.Keys.Order());

        var custom = new SafetyTestHome(new RulesConfig
        {
            SensorOffline = new SensorOfflineRuleConfig { IncludeGpio = true, After = new Dictionary<SensorKind, TimeSpan> { [SensorKind.Fall] = TimeSpan.FromMinutes(10) } },
        }, Start, sensors: Sensors);
        var watched = Assert.IsType<SensorOfflineRule>(Assert.Single(custom.Engine.Rules)).Watched;
        Assert.Equal(TimeSpan.FromHours(25), watched["button"].After);
        Assert.Equal(Start.AddMinutes(10), Assert.Single(custom.Wait(TimeSpan.FromMinutes(10))).At);
    }

    [Fact]
    public void The_deadline_kept_as_sensors_are_heard_from_is_the_one_a_fresh_pass_finds()
    {
        // The rule keeps its earliest deadline up to date instead of scanning every sensor before each event;
        // an engine restored from the saved state has to scan, so the two must agree after every step.
        var rng = new Random(8);
        string[] ids = ["radar", "front_door"];
        for (var step = 0; step < 400; step++)
        {
            switch (rng.Next(4))
            {
                case 0:
                    home.Send(ids[rng.Next(ids.Length)], SensorStates.Offline, kind: SensorKind.Availability);
                    break;
                case 1:
                    home.Wait(TimeSpan.FromMinutes(rng.Next(1, 90)));
                    break;
                default:
                    home.Send(ids[rng.Next(ids.Length)], SensorStates.Clear, kind: SensorKind.Tamper);
                    break;
            }

            var fresh = new RulesEngine(home.Home, Start);
            fresh.RestoreState(home.Engine.SaveState());
            Assert.Equal(fresh.NextDeadline, home.Engine.NextDeadline);
        }
    }

    [Fact]
    public void A_restart_in_the_middle_of_the_silence_raises_at_the_same_instant()
    {
        var twin = new SafetyTestHome(new RulesConfig { SensorOffline = new SensorOfflineRuleConfig() }, Start, sensors: Sensors);
        foreach (var h in new[] { home, twin })
        {
            h.Wait(TimeSpan.FromMinutes(20));
            h.Send("radar", SensorStates.Clear);
            h.Wait(TimeSpan.FromMinutes(30));
        }

        home.Restart();
        var expected = SafetyTestHome.Describe(twin.Wait(TimeSpan.FromHours(2)));
        Assert.NotEmpty(expected);
        Assert.Equal(expected, SafetyTestHome.Describe(home.Wait(TimeSpan.FromHours(2))));
    }

    [Fact]
    public void A_sensor_removed_at_restart_is_forgotten_and_one_added_is_timed_from_the_restart()
    {
        home.Wait(TimeSpan.FromMinutes(30));
        var changed = home.Home with
        {
            Sensors = [SafetyTestHome.Z2m("front_door", SensorKind.Door), SafetyTestHome.Z2m("kitchen_smoke", SensorKind.Smoke)],
        };
        var restartedAt = home.Now;
        home.Restart(changed);
        var steps = home.Wait(TimeSpan.FromHours(26));
        Assert.Equal([("front_door", Start.AddHours(25)), ("kitchen_smoke", restartedAt.AddHours(25))], steps.Select(s => (s.SensorId, s.At)));
    }
}
