using System.Collections.Concurrent;
using System.Device.I2c;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Core.Rules;
using HomeGateway.Gateway.I2c;
using HomeGateway.Gateway.Mqtt;
using HomeGateway.Gateway.Pipeline;
using HomeGateway.Gateway.Status;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using CoreAlerts = HomeGateway.Core.Alerts;

namespace HomeGateway.Gateway.Tests.I2c;

/// <summary>
/// An I2C sensor on the gateway's clock: readings become the events the MQTT path makes, the journal gets only what the
/// thinning rule lets through, and a chip that is missing or stops answering is reported once and tried again — never an
/// exception out of the loop.
/// </summary>
public sealed class I2cSensorPollerTests
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
    private readonly SensorBoard board = new();
    private readonly SensorInputStats stats = new();
    private readonly CapturingLoggerProvider logs = new();

    private static SensorConfig RoomTemp(TimeSpan? every = null) =>
        new("room_temp", SensorKind.Temperature) { I2c = new I2cInputConfig(1, 0x76, I2cChips.Bme280) { Every = every ?? TimeSpan.FromSeconds(60) } };

    private static SensorConfig Ups() =>
        new("ups", SensorKind.Power) { I2c = new I2cInputConfig(1, 0x42, I2cChips.Ina219) { Every = TimeSpan.FromSeconds(10), Battery = new UpsBatteryConfig { CapacityMilliampHours = 2600 } } };

    private I2cSensorPoller Poller(SensorConfig sensor, I2cDeviceFactory open, TemperatureRuleConfig? rule = null) =>
        new("home", sensor, rule, open, board, stats, clock, logs.CreateLogger("i2c"));

    [Fact]
    public void A_reading_is_a_measured_temperature_event_like_the_mqtt_path_makes()
    {
        var fake = new FakeBme280 { Celsius = 21.5 };
        using var poller = Poller(RoomTemp(), _ => fake);

        var (events, next) = poller.Poll();

        var e = Assert.Single(events);
        Assert.Equal((SensorKind.Temperature, SensorStates.Measured, "room_temp", "i2c:1/0x76"), (e.Kind, e.State, e.SensorId, e.Source));
        Assert.Equal(21.5, e.Value!.Value, precision: 1);
        Assert.Equal(clock.GetUtcNow(), e.At);
        Assert.Equal(TimeSpan.FromSeconds(60), next);
        Assert.Equal(21.5, board.Find("room_temp")!.Value!.Value, precision: 1);
    }

    [Fact]
    public void An_hour_of_minute_polls_journals_the_changes_and_the_heartbeat_not_sixty_readings()
    {
        var fake = new FakeBme280 { Celsius = 21.0 };
        using var poller = Poller(RoomTemp(), _ => fake);
        var journalled = new List<SensorEvent>();
        for (var minute = 0; minute < 60; minute++)
        {
            // Warms 0.15 °C a minute for 10 minutes, then holds at 22.5 °C.
            fake.Celsius = 21.0 + Math.Min(minute, 10) * 0.15;
            journalled.AddRange(poller.Poll().Events);
            Assert.InRange(board.Find("room_temp")!.Value!.Value, fake.CelsiusSet - 0.02, fake.CelsiusSet + 0.02);
            clock.Advance(TimeSpan.FromMinutes(1));
        }

        // The first; 21.6 at minute 4 and 22.2 at minute 8 (0.6 from the last journalled); then only the heartbeats.
        Assert.Equal([0, 4, 8, 23, 38, 53], journalled.Select(e => (int)(e.At - journalled[0].At).TotalMinutes));
        Assert.Equal(60, stats.AcceptedMessages("room_temp"));
    }

    [Fact]
    public void A_missing_chip_is_reported_once_and_tried_again_less_and_less_often()
    {
        var attempts = 0;
        using var poller = Poller(RoomTemp(TimeSpan.FromSeconds(30)), settings =>
        {
            attempts++;
            Assert.Equal((1, 0x76), (settings.BusId, settings.DeviceAddress));
            return new FakeBme280 { Nack = true };
        });

        var waits = new List<TimeSpan>();
        var events = new List<SensorEvent>();
        for (var i = 0; i < 8; i++)
        {
            var (e, next) = poller.Poll();
            events.AddRange(e);
            waits.Add(next);
            clock.Advance(next);
        }

        var offline = Assert.Single(events);
        Assert.Equal((SensorKind.Availability, SensorStates.Offline), (offline.Kind, offline.State));
        Assert.Equal(8, attempts);
        Assert.Equal([30, 60, 120, 240, 300, 300, 300, 300], waits.Select(w => (int)w.TotalSeconds));
        Assert.Single(logs.WithEventId(2981));
        var status = stats.Snapshot("room_temp")!;
        Assert.Equal(1, status.Rejected);
        Assert.Contains("bme280 at 0x76 on bus 1 does not answer", status.LastRejectionReason, StringComparison.Ordinal);
        Assert.True(poller.Failing);
    }

    [Fact]
    public void Another_chip_at_the_address_is_reported_as_such()
    {
        using var poller = Poller(RoomTemp(), _ => new FakeBme280(chipId: 0x58));

        poller.Poll();

        Assert.Contains("another chip answers", stats.Snapshot("room_temp")!.LastRejectionReason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_chip_that_stops_answering_mid_run_goes_offline_once_and_comes_back_online_with_its_reading()
    {
        var fake = new FakeBme280 { Celsius = 20.0 };
        var opened = 0;
        using var poller = Poller(RoomTemp(), _ =>
        {
            opened++;
            return fake = new FakeBme280 { Celsius = 20.0, Nack = fake.Nack };
        });

        Assert.Single(poller.Poll().Events);
        fake.Nack = true;
        var failed = poller.Poll().Events.Concat(poller.Poll().Events).ToList();
        Assert.Equal([SensorStates.Offline], failed.Select(e => e.State));
        Assert.True(fake.Disposed);

        fake.Nack = false;
        clock.Advance(TimeSpan.FromMinutes(3));
        var back = poller.Poll().Events;

        Assert.Equal([SensorStates.Online, SensorStates.Measured], back.Select(e => e.State));
        Assert.Single(logs.WithEventId(2982));
        Assert.False(poller.Failing);
        Assert.Equal(3, opened);
    }

    [Fact]
    public void A_ups_reports_mains_lost_with_its_battery_and_mains_back()
    {
        var fake = new FakeIna219();
        using var poller = Poller(Ups(), _ => fake);
        fake.Battery(8.4, 0);
        var first = Assert.Single(poller.Poll().Events);
        Assert.Equal((SensorKind.Power, SensorStates.MainsRestored, 100), (first.Kind, first.State, first.BatteryPercent));

        fake.Battery(8.3, -800);
        Assert.Empty(poller.Poll().Events);
        fake.Battery(8.1, -800);
        var lost = Assert.Single(poller.Poll().Events);
        Assert.Equal(SensorStates.MainsLost, lost.State);
        Assert.Equal(87, lost.BatteryPercent); // (8.1 - 6.0) / 2.4
        Assert.False(lost.BatteryLow);
        Assert.Contains("runtime_min=", lost.Detail, StringComparison.Ordinal);
        Assert.Single(logs.WithEventId(2983));
        Assert.Equal(8100, stats.Snapshot("ups")!.VoltageMillivolts);

        fake.Battery(6.9, -800);
        var low = Assert.Single(poller.Poll().Events);
        Assert.True(low.BatteryLow);

        fake.Battery(7.2, 1200);
        poller.Poll();
        Assert.Equal(SensorStates.MainsRestored, Assert.Single(poller.Poll().Events).State);
        Assert.Single(logs.WithEventId(2984));
    }
}

/// <summary>
/// The I2C input through the real pipeline, journal and rules: a cold BME280 raises the temperature alert exactly as a
/// Zigbee thermometer would, and a UPS on battery raises the power-failure alert; the hosted loop survives a NACK.
/// </summary>
public sealed class I2cEndToEndTests : IAsyncDisposable
{
    private readonly TempDirectory dir = new();
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
    private readonly HomeGateway.Gateway.Journal.Journal journal;
    private readonly SensorEventInbox inbox;
    private readonly SensorBoard board = new();
    private readonly Observer observer = new();
    private readonly AlertPipeline pipeline;
    private readonly HomeConfig home;

    public I2cEndToEndTests()
    {
        inbox = new SensorEventInbox(board);
        home = new HomeConfig("home", "Europe/Helsinki",
        [
            new SensorConfig("room_temp", SensorKind.Temperature) { I2c = new I2cInputConfig(1, 0x76, I2cChips.Bme280) },
            new SensorConfig("ups", SensorKind.Power) { I2c = new I2cInputConfig(1, 0x42, I2cChips.Ina219) { Every = TimeSpan.FromSeconds(10) } },
        ],
        new RulesConfig
        {
            Temperature = new TemperatureRuleConfig { Min = 16, Max = 30, For = TimeSpan.FromMinutes(30) },
            PowerFailure = new PowerFailureRuleConfig { After = TimeSpan.FromMinutes(5) },
        });
        journal = HomeGateway.Gateway.Journal.Journal.Open(dir.File("journal.db"), clock);
        pipeline = new AlertPipeline(inbox, journal, new RulesEngine(home, clock.GetUtcNow()), [observer], clock, NullLogger<AlertPipeline>.Instance);
    }

    public async ValueTask DisposeAsync()
    {
        await pipeline.StopAsync(CancellationToken.None);
        pipeline.Dispose();
        journal.Dispose();
        dir.Dispose();
    }

    [Fact]
    public async Task A_cold_room_on_a_bme280_raises_the_temperature_alert_after_thirty_minutes()
    {
        await pipeline.StartAsync(CancellationToken.None);
        var fake = new FakeBme280 { Celsius = 12.0 };
        using var poller = new I2cSensorPoller("home", home.Sensors[0], home.Rules.Temperature, _ => fake, board, new SensorInputStats(), clock, NullLogger.Instance);

        var published = 0;
        for (var minute = 0; minute <= 30; minute++)
        {
            foreach (var e in poller.Poll().Events)
            {
                await inbox.PublishAsync(e, CancellationToken.None);
                published++;
            }

            // Counted by kind: an alert step may be journalled in between.
            await WaitUntil(() => SensorEventsJournalled() == published);

            if (minute < 30)
            {
                clock.Advance(TimeSpan.FromMinutes(1));
                await Task.Delay(5);
            }
        }

        await WaitUntil(() => !observer.Alerts.IsEmpty);
        var alert = Assert.Single(observer.Alerts);
        Assert.Equal(CoreAlerts.AlertType.Temperature, alert.Type);
        Assert.Contains("12 °C", alert.Summary, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromMinutes(30), alert.At - alert.EvidenceAt);
        // The first reading, the heartbeat at 15 and at 30 minutes: not thirty-one readings.
        Assert.Equal(3, SensorEventsJournalled());
    }

    [Fact]
    public async Task The_hosted_input_polls_on_the_clock_survives_a_nack_and_a_ups_on_battery_raises_the_power_failure_alert()
    {
        await pipeline.StartAsync(CancellationToken.None);
        var bme = new FakeBme280 { Celsius = 21.0 };
        var ina = new FakeIna219();
        ina.Battery(8.4, 0);
        var devices = new ConcurrentDictionary<int, FakeI2cDevice>();
        I2cDeviceFactory open = settings => devices[settings.DeviceAddress] = settings.DeviceAddress == 0x76 ? bme : ina;
        using var input = new I2cSensorInput(home, open, inbox, board, new SensorInputStats(), clock, NullLoggerFactory.Instance.CreateLogger<I2cSensorInput>());
        await input.StartAsync(CancellationToken.None);
        await WaitUntil(() => board.Find("room_temp") is not null && board.Find("ups") is not null);

        bme.Nack = true;
        ina.Battery(7.9, -900);
        // The loops sleep on the fake clock: move it on in small steps (a step the loop missed only delays a reading).
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (observer.Alerts.IsEmpty && DateTime.UtcNow < deadline)
        {
            clock.Advance(TimeSpan.FromSeconds(10));
            await Task.Delay(10);
        }

        await WaitUntil(() => !observer.Alerts.IsEmpty);
        Assert.Equal(CoreAlerts.AlertType.PowerFailure, Assert.Single(observer.Alerts).Type);
        Assert.Equal(SensorStates.Offline, board.Find("room_temp")!.Availability);
        await input.StopAsync(CancellationToken.None);
    }

    private int SensorEventsJournalled() =>
        journal.ReadAfter(0, 1000).Count(r => r.BodyCase == Contracts.V1.JournalRecord.BodyOneofCase.SensorEvent);

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 10 s");
            await Task.Delay(5);
        }
    }

    private sealed class Observer : IAlertObserver
    {
        public ConcurrentQueue<CoreAlerts.AlertEvent> Alerts { get; } = new();

        public ValueTask OnAlertCommittedAsync(long seq, CoreAlerts.AlertEvent alert, CancellationToken cancellationToken)
        {
            Alerts.Enqueue(alert);
            return ValueTask.CompletedTask;
        }
    }
}
