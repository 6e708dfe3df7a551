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
/// Guards group commit: a burst waiting in the inbox is decided in order and journalled with the alert steps it decided in
/// one transaction, every alert step committed before an observer hears of it; and a durable hand-over completes only once its event
/// is in the journal (never for an event the pipeline did not journal).
/// </summary>
public sealed class GroupCommitTests : IAsyncDisposable
{
    private readonly TempDirectory dir = new();
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero));
    private readonly HomeGateway.Gateway.Journal.Journal journal;
    private readonly SensorEventInbox inbox = new();
    private readonly List<(long Seq, CoreAlerts.AlertEvent Alert, bool Journalled)> observed = [];
    private readonly AlertPipeline pipeline;

    public GroupCommitTests()
    {
        var home = new HomeConfig("home", "Europe/Helsinki",
        [
            new SensorConfig("front_door", SensorKind.Door) { Mqtt = new MqttInputConfig("z/front_door", MqttProfiles.Zigbee2Mqtt) },
            new SensorConfig("button", SensorKind.HelpButton) { Gpio = new GpioInputConfig(27) },
        ],
        new RulesConfig { Help = new HelpRuleConfig(), Escalation = new EscalationConfig { MaxEscalations = 0 } });
        journal = HomeGateway.Gateway.Journal.Journal.Open(dir.File("journal.db"), clock);
        pipeline = new AlertPipeline(inbox, journal, new RulesEngine(home, clock.GetUtcNow()), [new Observer(this)], clock,
            NullLogger<AlertPipeline>.Instance);
    }

    public async ValueTask DisposeAsync()
    {
        await pipeline.StopAsync(CancellationToken.None);
        pipeline.Dispose();
        journal.Dispose();
        dir.Dispose();
    }

    private SensorEvent Door(int i) => new("home", "front_door", SensorKind.Door, i % 2 == 0 ? SensorStates.Open : SensorStates.Closed, clock.GetUtcNow(), "test");

    [Fact]
    public async Task A_burst_waiting_in_the_inbox_and_the_alert_it_decides_cost_one_commit_and_are_decided_in_order()
    {
        // Invariant: a burst and its alert steps are journalled in one commit, decided in arrival order.
        var journalled = new List<Task<long>>();
        for (var i = 0; i < 100; i++)
        {
            journalled.Add(await inbox.QueueDurablyAsync(Door(i), CancellationToken.None));
        }

        journalled.Add(await inbox.QueueDurablyAsync(new SensorEvent("home", "button", SensorKind.HelpButton, SensorStates.Pressed, clock.GetUtcNow(), "test"),
            CancellationToken.None));
        var before = journal.Commits;
        await pipeline.StartAsync(CancellationToken.None);

        var seqs = await Task.WhenAll(journalled).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(Enumerable.Range(1, 101).Select(i => (long)i), seqs);
        await WaitUntil(() => Observed().Count == 1);

        // One commit for the 101 events and the help alert, with the rules' state through the last of them.
        Assert.Equal(1, journal.Commits - before);
        var (seq, alert, wasJournalled) = Observed()[0];
        Assert.Equal((102L, CoreAlerts.AlertType.Help, true), (seq, alert.Type, wasJournalled));
        Assert.Equal([101L], alert.EvidenceSeqs);
        Assert.Equal(101, journal.LoadRuleState()!.Value.ThroughSeq);
    }

    [Fact]
    public async Task A_durable_publish_completes_once_the_event_is_in_the_journal()
    {
        // Invariant: a durable publish reports success only once the event is in the journal.
        await pipeline.StartAsync(CancellationToken.None);
        ISensorEventSink sink = inbox;
        var seq = await sink.PublishDurablyAsync(Door(0), CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        var record = Assert.Single(journal.ReadAfter(seq - 1, 1));
        Assert.Equal((JournalRecord.BodyOneofCase.SensorEvent, "open"), (record.BodyCase, record.SensorEvent.State));
    }

    [Fact]
    public async Task An_event_still_queued_when_the_pipeline_stops_is_never_reported_journalled()
    {
        // Invariant: an event not journalled is never reported journalled (no PUBACK for it).
        await pipeline.StartAsync(CancellationToken.None);
        await pipeline.StopAsync(CancellationToken.None);

        var journalled = await inbox.QueueDurablyAsync(Door(0), CancellationToken.None);
        inbox.CancelWaiting();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => journalled.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, journal.LastSeq);
    }

    private List<(long Seq, CoreAlerts.AlertEvent Alert, bool Journalled)> Observed()
    {
        lock (observed)
        {
            return [.. observed];
        }
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

    private sealed class Observer(GroupCommitTests test) : IAlertObserver
    {
        public ValueTask OnAlertCommittedAsync(long seq, CoreAlerts.AlertEvent alert, CancellationToken cancellationToken)
        {
            var inJournal = test.journal.ReadAfter(seq - 1, 1).SingleOrDefault()?.AlertEvent?.AlertId == alert.AlertId;
            lock (test.observed)
            {
                test.observed.Add((seq, alert, inJournal));
            }

            return ValueTask.CompletedTask;
        }
    }
}
