using System.Collections.Concurrent;
using JournalRecord = HomeGateway.Contracts.V1.JournalRecord;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Core.Rules;
using HomeGateway.Gateway.Pipeline;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using CoreAlerts = HomeGateway.Core.Alerts;

namespace HomeGateway.Gateway.Tests.Pipeline;

/// <summary>
/// Guards the order of the alert path: an event is journalled before the rules see it, and an alert step is
/// journalled before any observer hears of it — so whatever was shown locally is also on its way to dispatch.
/// </summary>
public sealed class AlertPipelineTests : IAsyncDisposable
{
    private readonly TempDirectory dir = new();
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero));
    private readonly HomeGateway.Gateway.Journal.Journal journal;
    private readonly RecordingObserver observer;
    private readonly SensorEventInbox inbox = new();
    private readonly AlertPipeline pipeline;

    public AlertPipelineTests()
    {
        var home = new HomeConfig("home", "Europe/Helsinki",
        [
            new SensorConfig("front_door", SensorKind.Door) { Mqtt = new MqttInputConfig("z/front_door", MqttProfiles.Zigbee2Mqtt) },
            new SensorConfig("button", SensorKind.HelpButton) { Gpio = new GpioInputConfig(27) },
        ],
        new RulesConfig { Help = new HelpRuleConfig(), DoorLeftOpen = new DoorLeftOpenRuleConfig { After = TimeSpan.FromMinutes(10) } });
        journal = HomeGateway.Gateway.Journal.Journal.Open(dir.File("journal.db"), clock);
        observer = new RecordingObserver(journal);
        pipeline = new AlertPipeline(inbox, journal, new RulesEngine(home, clock.GetUtcNow()), [observer], clock, NullLogger<AlertPipeline>.Instance);
    }

    public async ValueTask DisposeAsync()
    {
        await pipeline.StopAsync(CancellationToken.None);
        pipeline.Dispose();
        journal.Dispose();
        dir.Dispose();
    }

    private SensorEvent Event(string sensor, SensorKind kind, string state) => new("home", sensor, kind, state, clock.GetUtcNow(), "test");

    [Fact]
    public async Task A_help_press_is_journalled_then_its_alert_is_journalled_then_observed()
    {
        await pipeline.StartAsync(CancellationToken.None);
        await inbox.PublishAsync(Event("button", SensorKind.HelpButton, SensorStates.Pressed), CancellationToken.None);

        var (seq, alert, journalledBeforeObserved) = await observer.Next();

        Assert.Equal(CoreAlerts.AlertType.Help, alert.Type);
        Assert.Equal(2, seq);
        Assert.True(journalledBeforeObserved);
        var records = journal.ReadAfter(0, 10);
        Assert.Equal(JournalRecord.BodyOneofCase.SensorEvent, records[0].BodyCase);
        Assert.Equal(JournalRecord.BodyOneofCase.AlertEvent, records[1].BodyCase);
        Assert.Equal([1UL], records[1].AlertEvent.EvidenceSeqs);
    }

    [Fact]
    public async Task An_event_past_the_uplinks_limits_is_journalled_bounded_so_dispatch_takes_it_and_its_alert()
    {
        // A device's own text is peer data: journalled as it came, dispatch would refuse or cut it, and a refused record
        // blocks the outbox behind it for good. The journal holds exactly what dispatch will take whole.
        await pipeline.StartAsync(CancellationToken.None);
        var press = Event("button", SensorKind.HelpButton, SensorStates.Pressed) with { Source = "mqtt:" + new string('t', 1_000), Detail = "code=\u001b[2J" + new string('d', 70_000) };
        await inbox.PublishAsync(press, CancellationToken.None);

        var (_, alert, _) = await observer.Next();

        var records = journal.ReadAfter(0, 10);
        var e = records[0].SensorEvent;
        Assert.True(e.Detail.Length <= Contracts.V1.UplinkLimits.MaxDetailLength, $"detail of {e.Detail.Length} characters journalled");
        Assert.EndsWith("[cut: 70009 characters]", e.Detail, StringComparison.Ordinal);
        Assert.Null(Contracts.V1.UplinkLimits.TextProblem("detail", e.Detail, Contracts.V1.UplinkLimits.MaxDetailLength));
        Assert.Null(Contracts.V1.UplinkLimits.TextProblem("source", e.Source, Contracts.V1.UplinkLimits.MaxSourceLength));
        Assert.Equal(SensorStates.Pressed, e.State);
        var step = records[1].AlertEvent;
        Assert.Null(Contracts.V1.UplinkLimits.IdProblem("alert_id", step.AlertId));
        Assert.Null(Contracts.V1.UplinkLimits.TextProblem("summary", step.Summary, Contracts.V1.UplinkLimits.MaxSummaryLength));
        Assert.Equal(CoreAlerts.AlertType.Help, alert.Type);
    }

    [Fact]
    public async Task A_timer_rule_fires_from_the_loop_when_the_clock_reaches_its_deadline()
    {
        await pipeline.StartAsync(CancellationToken.None);
        await inbox.PublishAsync(Event("front_door", SensorKind.Door, SensorStates.Open), CancellationToken.None);
        await WaitUntil(() => journal.LastSeq == 1);

        // The loop sleeps on the fake clock; move it on in steps until the door rule fires.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (observer.Count == 0 && DateTime.UtcNow < deadline)
        {
            clock.Advance(TimeSpan.FromSeconds(30));
            await Task.Delay(10);
        }

        var (_, alert, journalled) = await observer.Next();
        Assert.Equal(CoreAlerts.AlertType.DoorLeftOpen, alert.Type);
        Assert.True(journalled);
        Assert.InRange(alert.At - alert.EvidenceAt, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(10.5));
    }

    [Fact]
    public async Task A_failing_observer_does_not_stop_the_alert_path()
    {
        var failing = new ThrowingObserver();
        var otherInbox = new SensorEventInbox();
        using var other = new AlertPipeline(otherInbox, journal, new RulesEngine(
            new HomeConfig("home", "UTC", [new SensorConfig("button", SensorKind.HelpButton) { Gpio = new GpioInputConfig(27) }],
                new RulesConfig { Help = new HelpRuleConfig(), Escalation = new EscalationConfig { MaxEscalations = 0 } }), clock.GetUtcNow()),
            [failing, observer], clock, NullLogger<AlertPipeline>.Instance);
        await other.StartAsync(CancellationToken.None);
        await otherInbox.PublishAsync(Event("button", SensorKind.HelpButton, SensorStates.Pressed), CancellationToken.None);
        Assert.Equal(CoreAlerts.AlertEventKind.Raised, (await observer.Next()).Alert.Kind);
        clock.Advance(TimeSpan.FromMinutes(11));
        await otherInbox.PublishAsync(Event("button", SensorKind.HelpButton, SensorStates.Pressed), CancellationToken.None);
        Assert.Equal(CoreAlerts.AlertEventKind.Raised, (await observer.Next()).Alert.Kind);
        Assert.Equal(2, failing.Calls);
        await other.StopAsync(CancellationToken.None);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 10 s");
            await Task.Delay(10);
        }
    }

    private sealed class RecordingObserver(HomeGateway.Gateway.Journal.Journal journal) : IAlertObserver
    {
        private readonly BlockingCollection<(long, CoreAlerts.AlertEvent, bool)> seen = [];

        public int Count => seen.Count;

        public ValueTask OnAlertCommittedAsync(long seq, CoreAlerts.AlertEvent alert, CancellationToken cancellationToken)
        {
            var inJournal = journal.ReadAfter(seq - 1, 1).SingleOrDefault()?.AlertEvent?.AlertId == alert.AlertId;
            seen.Add((seq, alert, inJournal), cancellationToken);
            return ValueTask.CompletedTask;
        }

        public async Task<(long Seq, CoreAlerts.AlertEvent Alert, bool JournalledBeforeObserved)> Next()
        {
            var item = await Task.Run(() => seen.TryTake(out var x, TimeSpan.FromSeconds(10)) ? x : default);
            Assert.NotNull(item.Item2);
            return item;
        }
    }

    private sealed class ThrowingObserver : IAlertObserver
    {
        public int Calls { get; private set; }

        public ValueTask OnAlertCommittedAsync(long seq, CoreAlerts.AlertEvent alert, CancellationToken cancellationToken)
        {
            Calls++;
            throw new InvalidOperationException("LED driver gone");
        }
    }
}
