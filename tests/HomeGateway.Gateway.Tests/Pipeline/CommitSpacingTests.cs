using System.Buffers;
using System.Text;
using JournalRecord = HomeGateway.Contracts.V1.JournalRecord;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Core.Rules;
using HomeGateway.Gateway.Journal;
using HomeGateway.Gateway.Pipeline;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using CoreAlerts = HomeGateway.Core.Alerts;

namespace HomeGateway.Gateway.Tests.Pipeline;

/// <summary>
/// Guards the commit spacing (Gateway:Journal:CommitSpacing): events that decided no alert, coming within the spacing of the
/// last commit, are held for company and committed together — each acknowledged only once it is in the journal — while an
/// alert step, a deadline, a full hand of held events and a stop commit at once, with everything held before them in order.
/// </summary>
public sealed class CommitSpacingTests : IAsyncDisposable
{
    private static readonly TimeSpan Spacing = TimeSpan.FromMilliseconds(100);

    private readonly TempDirectory dir = new();
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero));
    private readonly HomeConfig home = new("home", "Europe/Helsinki",
    [
        new SensorConfig("front_door", SensorKind.Door) { Mqtt = new MqttInputConfig("z/front_door", MqttProfiles.Zigbee2Mqtt) },
        new SensorConfig("back_door", SensorKind.Door) { Mqtt = new MqttInputConfig("z/back_door", MqttProfiles.Zigbee2Mqtt) },
        new SensorConfig("button", SensorKind.HelpButton) { Gpio = new GpioInputConfig(27) },
    ],
    new RulesConfig
    {
        Help = new HelpRuleConfig(),
        DoorLeftOpen = new DoorLeftOpenRuleConfig { After = TimeSpan.FromMinutes(10) },
        Escalation = new EscalationConfig { MaxEscalations = 0 },
    });

    private readonly HomeGateway.Gateway.Journal.Journal journal;
    private readonly SensorEventInbox inbox = new();
    private readonly AlertPipeline pipeline;
    private readonly List<CoreAlerts.AlertEvent> told = [];

    public CommitSpacingTests()
    {
        journal = HomeGateway.Gateway.Journal.Journal.Open(dir.File("journal.db"), clock);
        var options = Microsoft.Extensions.Options.Options.Create(new GatewayOptions { Journal = { CommitSpacing = Spacing } });
        pipeline = new AlertPipeline(inbox, journal, new RulesEngine(home, clock.GetUtcNow()), [new Recorder(told)], clock,
            NullLogger<AlertPipeline>.Instance, options: options);
    }

    public async ValueTask DisposeAsync()
    {
        await pipeline.StopAsync(CancellationToken.None);
        pipeline.Dispose();
        journal.Dispose();
        dir.Dispose();
    }

    private SensorEvent Door(string door, string state) => new("home", door, SensorKind.Door, state, clock.GetUtcNow(), "mqtt:z/" + door);

    private SensorEvent Press() => new("home", "button", SensorKind.HelpButton, SensorStates.Pressed, clock.GetUtcNow(), "gpio:27");

    private async Task<Task<long>> Queue(SensorEvent e, MessageReceipt? receipt = null) =>
        await inbox.QueueDurablyAsync(e, receipt, CancellationToken.None);

    private static MessageReceipt Receipt(ushort packetId, bool dup) =>
        MessageReceipt.ForMqtt("embedded/z2m", packetId, "z/back_door", new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes("{\"contact\":false}")), dup);

    private List<JournalRecord> Records() => [.. journal.ReadAfter(0, 1000)];

    private static string Describe(JournalRecord r) => r.BodyCase == JournalRecord.BodyOneofCase.SensorEvent
        ? $"{r.Seq}:{r.SensorEvent.SensorId} {r.SensorEvent.State}"
        : $"{r.Seq}:{r.AlertEvent.Type} {r.AlertEvent.Kind}";

    /// <summary>The first event after a quiet spell: committed at once, as without the spacing.</summary>
    private async Task<long> FirstEventAsync()
    {
        await pipeline.StartAsync(CancellationToken.None);
        return await (await Queue(Door("front_door", SensorStates.Open))).WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>Real time for the pipeline to act on what it was handed; the fake clock does not move meanwhile.</summary>
    private static Task Settle() => Task.Delay(300);

    [Fact]
    public async Task Events_within_the_spacing_share_one_commit_and_each_is_acknowledged_only_once_it_is_journalled()
    {
        // Invariant: an acknowledgement means durable; events of a busy spell share a commit.
        Assert.Equal(1, await FirstEventAsync());
        var commits = journal.Commits;

        var closed = await Queue(Door("front_door", SensorStates.Closed));
        var backOpen = await Queue(Door("back_door", SensorStates.Open));
        await Settle();
        Assert.False(closed.IsCompleted || backOpen.IsCompleted, "acknowledged before it was journalled");
        Assert.Equal(1, journal.LastSeq);

        clock.Advance(Spacing);
        var seqs = await Task.WhenAll(closed, backOpen).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([2L, 3L], seqs);
        Assert.Equal(1, journal.Commits - commits);
        Assert.Equal(["1:front_door open", "2:front_door closed", "3:back_door open"], Records().Select(Describe));
    }

    [Fact]
    public async Task An_event_that_decides_an_alert_commits_at_once_behind_the_events_held_before_it()
    {
        // Invariant: an alert step is never held; the rules' order is the journal's order.
        await FirstEventAsync();
        var commits = journal.Commits;
        var closed = await Queue(Door("front_door", SensorStates.Closed));
        await Settle();
        Assert.False(closed.IsCompleted);

        var press = await Queue(Press());
        var seqs = await Task.WhenAll(closed, press).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([2L, 3L], seqs);
        await WaitUntil(() => Told().Count == 1);

        Assert.Equal(1, journal.Commits - commits);
        Assert.Equal(["1:front_door open", "2:front_door closed", "3:button pressed", "4:Help Raised"], Records().Select(Describe));
        Assert.Equal([3L], Told()[0].EvidenceSeqs);
        Assert.Equal(3, journal.LoadRuleState()!.Value.ThroughSeq);
    }

    [Fact]
    public async Task A_deadline_commits_the_events_held_before_it_first()
    {
        // Invariant: an alert a deadline decides commits at once, behind the events the rules saw before it.
        await FirstEventAsync();
        clock.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromMilliseconds(50));
        Assert.Equal(2, await (await Queue(Door("back_door", SensorStates.Open))).WaitAsync(TimeSpan.FromSeconds(10)));
        var backClosed = await Queue(Door("back_door", SensorStates.Closed));
        await Settle();
        Assert.False(backClosed.IsCompleted);

        // The front door's 10 minutes are up before the spacing has passed.
        clock.Advance(TimeSpan.FromMilliseconds(50));
        Assert.Equal(3, await backClosed.WaitAsync(TimeSpan.FromSeconds(10)));
        await WaitUntil(() => Told().Count == 1);

        Assert.Equal(["1:front_door open", "2:back_door open", "3:back_door closed", "4:DoorLeftOpen Raised"], Records().Select(Describe));
    }

    [Fact]
    public async Task A_full_hand_of_held_events_commits_without_waiting_for_the_spacing()
    {
        // Invariant: an input that waits for its acknowledgements before it sends more is never held to the spacing's pace.
        await FirstEventAsync();
        var held = new List<Task<long>>();
        for (var i = 0; i < AlertPipeline.CommitWhenHeld; i++)
        {
            held.Add(await Queue(Door("back_door", i % 2 == 0 ? SensorStates.Open : SensorStates.Closed)));
        }

        var seqs = await Task.WhenAll(held).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(Enumerable.Range(2, AlertPipeline.CommitWhenHeld).Select(i => (long)i), seqs);
    }

    [Fact]
    public async Task Events_held_at_a_stop_are_committed_and_acknowledged_with_the_state_that_saw_them()
    {
        // Invariant: a stop loses nothing the rules decided; the saved state is through the last event it saw.
        await FirstEventAsync();
        var closed = await Queue(Door("front_door", SensorStates.Closed));
        await Settle();
        Assert.False(closed.IsCompleted);

        await pipeline.StopAsync(CancellationToken.None);
        Assert.Equal(2, await closed.WaitAsync(TimeSpan.FromSeconds(10)));
        journal.Flush();
        Assert.Equal(2, journal.LoadRuleState()!.Value.ThroughSeq);
        Assert.Equal(["1:front_door open", "2:front_door closed"], Records().Select(Describe));
    }

    [Fact]
    public async Task A_redelivery_of_a_held_message_is_answered_with_the_original_and_journalled_once()
    {
        // Invariant: a redelivered message is journalled and decided once, whether its first arrival is committed or held.
        await FirstEventAsync();
        var first = await Queue(Door("back_door", SensorStates.Open), Receipt(7, dup: false));
        var again = await Queue(Door("back_door", SensorStates.Open), Receipt(7, dup: true));
        await Settle();
        Assert.False(first.IsCompleted || again.IsCompleted);

        clock.Advance(Spacing);
        var seqs = await Task.WhenAll(first, again).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([2L, 2L], seqs);
        Assert.Equal(["1:front_door open", "2:back_door open"], Records().Select(Describe));
    }

    [Fact]
    public async Task A_clock_set_back_behind_the_last_commit_holds_nothing_until_it_catches_up()
    {
        // Invariant: held events commit within the spacing of real time, whatever the wall clock does (NTP on a Pi
        // without a real-time clock may set it back by hours).
        var wall = new ShiftedClock();
        using var ownJournal = HomeGateway.Gateway.Journal.Journal.Open(dir.File("shifted.db"), wall);
        var ownInbox = new SensorEventInbox();
        var options = Microsoft.Extensions.Options.Options.Create(new GatewayOptions { Journal = { CommitSpacing = Spacing } });
        using var ownPipeline = new AlertPipeline(ownInbox, ownJournal, new RulesEngine(home, wall.GetUtcNow()), [], wall,
            NullLogger<AlertPipeline>.Instance, options: options);
        await ownPipeline.StartAsync(CancellationToken.None);
        ISensorEventSink sink = ownInbox;
        // Stamped by the clock the pipeline runs on (the class's fake clock is days behind it: the door would be overdue).
        SensorEvent WallDoor(string state) => new("home", "front_door", SensorKind.Door, state, wall.GetUtcNow(), "mqtt:z/front_door");
        Assert.Equal(1, await sink.PublishDurablyAsync(WallDoor(SensorStates.Open), CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));

        wall.Offset = TimeSpan.FromHours(-1);
        Assert.Equal(2, await sink.PublishDurablyAsync(WallDoor(SensorStates.Closed), CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(2, ownJournal.LastSeq);
        await ownPipeline.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Held_events_commit_when_their_timer_fires_even_a_coarse_tick_before_the_time_asked()
    {
        // The runtime's timers count a coarse clock (4 ms ticks on Linux) and may fire a tick early. Re-arming for the few
        // milliseconds left cost a second timer and two thread wake-ups per commit on a busy home.
        var early = new EarlyTimers(clock, TimeSpan.FromMilliseconds(4));
        using var ownJournal = HomeGateway.Gateway.Journal.Journal.Open(dir.File("early.db"), early);
        var ownInbox = new SensorEventInbox();
        var options = Microsoft.Extensions.Options.Options.Create(new GatewayOptions { Journal = { CommitSpacing = Spacing } });
        using var ownPipeline = new AlertPipeline(ownInbox, ownJournal, new RulesEngine(home, early.GetUtcNow()), [], early,
            NullLogger<AlertPipeline>.Instance, options: options);
        await ownPipeline.StartAsync(CancellationToken.None);
        Assert.Equal(1, await (await ownInbox.QueueDurablyAsync(Door("front_door", SensorStates.Open), null, CancellationToken.None)).WaitAsync(TimeSpan.FromSeconds(10)));

        var closed = await ownInbox.QueueDurablyAsync(Door("front_door", SensorStates.Closed), null, CancellationToken.None);
        await Settle();
        Assert.False(closed.IsCompleted);
        var timers = early.Timers;

        clock.Advance(Spacing - TimeSpan.FromMilliseconds(4));
        Assert.Equal(2, await closed.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(timers, early.Timers);
        await ownPipeline.StopAsync(CancellationToken.None);
    }

    /// <summary>A clock whose timers fire <paramref name="early"/> before the time asked, as the runtime's may; counts them.</summary>
    private sealed class EarlyTimers(FakeTimeProvider inner, TimeSpan early) : TimeProvider
    {
        private int timers;

        public int Timers => Volatile.Read(ref timers);

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

        public override long GetTimestamp() => inner.GetTimestamp();

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref timers);
            return inner.CreateTimer(callback, state, dueTime > early ? dueTime - early : dueTime, period);
        }
    }

    /// <summary>The system clock, set back or forward by <see cref="Offset"/>; its timers run in real time.</summary>
    private sealed class ShiftedClock : TimeProvider
    {
        public TimeSpan Offset { get; set; }

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
    }

    private List<CoreAlerts.AlertEvent> Told()
    {
        lock (told)
        {
            return [.. told];
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

    private sealed class Recorder(List<CoreAlerts.AlertEvent> told) : IAlertObserver
    {
        public ValueTask OnAlertCommittedAsync(long seq, CoreAlerts.AlertEvent alert, CancellationToken cancellationToken)
        {
            lock (told)
            {
                told.Add(alert);
            }

            return ValueTask.CompletedTask;
        }
    }
}
