using System.Buffers;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Core.Rules;
using HomeGateway.Gateway.Journal;
using HomeGateway.Gateway.Pipeline;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using JournalRecord = HomeGateway.Contracts.V1.JournalRecord;

namespace HomeGateway.Gateway.Tests.Pipeline;

/// <summary>
/// Guards what the journal lets an earlier record stand for (the SD card's life, issue 18): a report that repeats its
/// sensor's last journalled one unchanged is acknowledged with that record's number and decided by the rules, but not
/// journalled again until the interval has passed; anything that changed, and every alarm report, is journalled.
/// </summary>
public sealed class RepeatedReportsTests : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    private readonly TempDirectory dir = new();
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 6, 8, 0, 0, TimeSpan.Zero));
    private readonly HomeGateway.Gateway.Journal.Journal journal;
    private readonly SensorEventInbox inbox = new();
    private readonly RepeatedReports repeats = new(Interval);
    private readonly AlertPipeline pipeline;

    public RepeatedReportsTests()
    {
        var home = new HomeConfig("home", "Europe/Helsinki",
        [
            new SensorConfig("radar", SensorKind.Presence) { Mqtt = new MqttInputConfig("z/radar", MqttProfiles.Zigbee2Mqtt) },
            new SensorConfig("thermo", SensorKind.Temperature) { Mqtt = new MqttInputConfig("z/thermo", MqttProfiles.Zigbee2Mqtt) },
            new SensorConfig("smoke", SensorKind.Smoke) { Mqtt = new MqttInputConfig("z/smoke", MqttProfiles.Zigbee2Mqtt) },
            new SensorConfig("fall_radar", SensorKind.Fall) { Mqtt = new MqttInputConfig("z/fall_radar", MqttProfiles.Zigbee2Mqtt) { Model = "tuya-mir-he200" } },
            new SensorConfig("button", SensorKind.HelpButton) { Gpio = new GpioInputConfig(27) },
        ],
        new RulesConfig
        {
            Help = new HelpRuleConfig(),
            Fall = new FallRuleConfig(),
            SensorOffline = new SensorOfflineRuleConfig { After = new Dictionary<SensorKind, TimeSpan> { [SensorKind.Presence] = TimeSpan.FromMinutes(10) } },
            Escalation = new EscalationConfig { MaxEscalations = 0 },
            Temperature = new TemperatureRuleConfig { Min = 16, Max = 30, HighBelow = 12 },
        });
        journal = HomeGateway.Gateway.Journal.Journal.Open(dir.File("journal.db"), clock);
        pipeline = new AlertPipeline(inbox, journal, new RulesEngine(home, clock.GetUtcNow()), [], clock,
            NullLogger<AlertPipeline>.Instance, repeatedReports: repeats);
    }

    public async ValueTask DisposeAsync()
    {
        await pipeline.StopAsync(CancellationToken.None);
        pipeline.Dispose();
        journal.Dispose();
        dir.Dispose();
    }

    private SensorEvent Report(string sensor, SensorKind kind, string state, double? value = null, int? linkQuality = null) =>
        new("home", sensor, kind, state, clock.GetUtcNow(), "mqtt:z/" + sensor) { Value = value, LinkQuality = linkQuality, Publisher = "login:z2m" };

    private async Task<long> Durably(SensorEvent e)
    {
        ISensorEventSink sink = inbox;
        return await sink.PublishDurablyAsync(e, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
    }

    private List<JournalRecord> Events() =>
        journal.ReadAfter(0, 1000).Where(r => r.BodyCase == JournalRecord.BodyOneofCase.SensorEvent).ToList();

    [Fact]
    public async Task A_radar_restating_its_state_is_journalled_once_per_interval_and_every_report_is_acknowledged()
    {
        // Invariant: every report is acknowledged; an unchanged repeat is acknowledged as the record it repeats.
        await pipeline.StartAsync(CancellationToken.None);
        var seqs = new List<long>();
        for (var i = 0; i < 60; i++)
        {
            seqs.Add(await Durably(Report("radar", SensorKind.Presence, SensorStates.Detected, linkQuality: 100 + i % 7)));
            clock.Advance(TimeSpan.FromSeconds(5));
        }

        // 60 reports 5 s apart (0 … 295 s): the first stands for the other 59.
        Assert.All(seqs, s => Assert.Equal(1, s));
        Assert.Single(Events());
        Assert.Equal(59, repeats.StoodFor);

        // At 300 s the interval has passed: the next repeat is journalled and stands for the ones after it.
        Assert.Equal(2, await Durably(Report("radar", SensorKind.Presence, SensorStates.Detected)));
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(2, await Durably(Report("radar", SensorKind.Presence, SensorStates.Detected)));
        Assert.Equal(2, Events().Count);
    }

    [Fact]
    public async Task A_changed_report_is_journalled_at_once_and_a_link_quality_alone_is_no_change()
    {
        // Invariant: a report that says anything new (state, value, battery, source) is journalled.
        await pipeline.StartAsync(CancellationToken.None);
        Assert.Equal(1, await Durably(Report("thermo", SensorKind.Temperature, SensorStates.Measured, 21.0, 120)));
        Assert.Equal(1, await Durably(Report("thermo", SensorKind.Temperature, SensorStates.Measured, 21.0, 80)));
        Assert.Equal(2, await Durably(Report("thermo", SensorKind.Temperature, SensorStates.Measured, 21.5, 80)));
        Assert.Equal(3, await Durably(Report("thermo", SensorKind.Temperature, SensorStates.Measured, 21.5) with { BatteryPercent = 80 }));
        Assert.Equal(4, await Durably(Report("radar", SensorKind.Presence, SensorStates.Detected)));
        Assert.Equal(5, await Durably(Report("radar", SensorKind.Presence, SensorStates.Clear)));
        Assert.Equal(6, await Durably(Report("radar", SensorKind.Presence, SensorStates.Detected)));
        Assert.Equal(6, await Durably(Report("radar", SensorKind.Presence, SensorStates.Detected)));

        Assert.Equal([21.0, 21.5, 21.5], Events().Where(r => r.SensorEvent.SensorId == "thermo").Select(r => r.SensorEvent.Value));
    }

    [Fact]
    public async Task A_thermometer_is_journalled_when_it_moves_half_a_degree_or_crosses_a_limit_of_the_temperature_rule()
    {
        // Invariant: the journal keeps every reading the temperature rule turns on (the limits min 16 and highBelow 12) and
        // stands in for no reading with one half a degree or more away from it.
        await pipeline.StartAsync(CancellationToken.None);
        double[] readings = [21.0, 21.3, 20.7, 21.5, 16.3, 16.0, 15.9, 16.1, 12.3, 11.9];
        long[] expected = [1, 1, 1, 2, 3, 3, 4, 5, 6, 7];
        for (var i = 0; i < readings.Length; i++)
        {
            Assert.Equal(expected[i], await Durably(Report("thermo", SensorKind.Temperature, SensorStates.Measured, readings[i])));
            clock.Advance(TimeSpan.FromSeconds(30));
        }

        // Drifting slowly still gets a record once the interval has passed since the last one.
        // (The silent radar's offline alert may be journalled in between: the number is the record's, whatever it is.)
        clock.Advance(Interval);
        var drifted = await Durably(Report("thermo", SensorKind.Temperature, SensorStates.Measured, 12.0));
        var thermo = Events().Where(r => r.SensorEvent.SensorId == "thermo").ToList();
        Assert.Equal([21.0, 21.5, 16.3, 15.9, 16.1, 12.3, 11.9, 12.0], thermo.Select(r => r.SensorEvent.Value));
        Assert.Equal((ulong)drifted, thermo[^1].Seq);
    }

    [Fact]
    public async Task Alarm_reports_are_journalled_every_time_and_a_detector_or_fall_radar_only_stands_for_its_clear_reports()
    {
        // Invariant: a press, a fall or a hazard is never an unrecorded repeat.
        await pipeline.StartAsync(CancellationToken.None);
        for (var i = 0; i < 3; i++)
        {
            await Durably(new SensorEvent("home", "button", SensorKind.HelpButton, SensorStates.Pressed, clock.GetUtcNow(), "gpio:27"));
            await Durably(Report("smoke", SensorKind.Smoke, SensorStates.Clear));
        }

        await Durably(Report("smoke", SensorKind.Smoke, SensorStates.Detected));
        await Durably(Report("smoke", SensorKind.Smoke, SensorStates.Detected));
        foreach (var state in new[] { SensorStates.Clear, SensorStates.Clear, SensorStates.Fall, SensorStates.Fall, SensorStates.Clear, SensorStates.Clear })
        {
            await Durably(Report("fall_radar", SensorKind.Fall, state));
        }

        var events = Events();
        Assert.Equal(3, events.Count(r => r.SensorEvent.SensorId == "button"));
        Assert.Equal(["clear", "detected", "detected"], events.Where(r => r.SensorEvent.SensorId == "smoke").Select(r => r.SensorEvent.State));
        Assert.Equal(["clear", "fall", "fall", "clear"], events.Where(r => r.SensorEvent.SensorId == "fall_radar").Select(r => r.SensorEvent.State));
    }

    [Fact]
    public async Task Reports_the_journal_skips_still_keep_their_sensor_supervised()
    {
        // Invariant: the rules decide every report; only its journal record is skipped.
        await pipeline.StartAsync(CancellationToken.None);
        for (var minute = 0; minute < 30; minute++)
        {
            await Durably(Report("radar", SensorKind.Presence, SensorStates.Detected));
            clock.Advance(TimeSpan.FromMinutes(1));
        }

        // Half an hour of reports a minute apart, the radar supervised at 10 minutes: heard from all along.
        Assert.Equal(6, Events().Count);
        Assert.DoesNotContain(journal.ReadAfter(0, 1000), r => r.BodyCase == JournalRecord.BodyOneofCase.AlertEvent);

        // Then silence: the offline alert comes 10 minutes after the last report (08:29, one the journal skipped).
        clock.Advance(TimeSpan.FromMinutes(8) + TimeSpan.FromSeconds(30));
        await Task.Delay(200);
        Assert.DoesNotContain(journal.ReadAfter(0, 1000), r => r.BodyCase == JournalRecord.BodyOneofCase.AlertEvent);
        clock.Advance(TimeSpan.FromSeconds(31));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!journal.ReadAfter(0, 1000).Any(r => r.BodyCase == JournalRecord.BodyOneofCase.AlertEvent))
        {
            Assert.True(DateTime.UtcNow < deadline, "no offline alert within 10 s");
            await Task.Delay(10);
        }

        var alert = journal.ReadAfter(0, 1000).Single(r => r.BodyCase == JournalRecord.BodyOneofCase.AlertEvent).AlertEvent;
        Assert.Equal(("radar", HomeGateway.Contracts.V1.AlertType.SensorOffline), (alert.SensorId, alert.Type));
        Assert.Equal(new DateTimeOffset(2026, 12, 6, 8, 29, 0, TimeSpan.Zero), alert.EvidenceAt.ToDateTimeOffset());
    }

    [Fact]
    public async Task A_burst_lets_a_report_stand_for_an_earlier_one_in_the_same_commit()
    {
        // Invariant: numbering stays gap-free when a batch holds repeats.
        var waiting = new List<Task<long>>();
        foreach (var state in new[] { SensorStates.Detected, SensorStates.Detected, SensorStates.Clear, SensorStates.Clear, SensorStates.Detected })
        {
            waiting.Add(await inbox.QueueDurablyAsync(Report("radar", SensorKind.Presence, state), CancellationToken.None));
        }

        waiting.Add(await inbox.QueueDurablyAsync(new SensorEvent("home", "button", SensorKind.HelpButton, SensorStates.Pressed, clock.GetUtcNow(), "gpio:27"),
            CancellationToken.None));
        await pipeline.StartAsync(CancellationToken.None);

        var seqs = await Task.WhenAll(waiting).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(new long[] { 1, 1, 2, 2, 3, 4 }, seqs);
        Assert.Equal([1UL, 2, 3, 4], Events().Select(r => r.Seq));
        // The help alert follows the events, its evidence the press.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (journal.LastSeq < 5)
        {
            Assert.True(DateTime.UtcNow < deadline, "no help alert within 10 s");
            await Task.Delay(10);
        }

        Assert.Equal([4UL], journal.ReadAfter(4, 1)[0].AlertEvent.EvidenceSeqs);
    }

    [Fact]
    public void A_message_that_carried_several_events_and_a_zero_interval_journal_every_report()
    {
        // Invariant: an event whose message's receipt rides with another is never a stand-in; zero turns it off.
        var e = Report("radar", SensorKind.Presence, SensorStates.Detected);
        var shared = MessageReceipt.ForMqtt("embedded/tasmota", 7, "tele/x/SENSOR", new ReadOnlySequence<byte>("{}"u8.ToArray()), false);
        shared.EventCount = 2;
        var now = clock.GetUtcNow();

        var standIns = repeats.Classify([e, e, e], [null, null, shared], 1, now);
        Assert.Equal([null, 1L, null], standIns);

        var off = new RepeatedReports(TimeSpan.Zero);
        Assert.Equal([null, null], off.Classify([e, e], [null, null], 1, now));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RepeatedReports(TimeSpan.FromHours(2)));
    }
}
