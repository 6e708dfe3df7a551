using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Core.Rules;
using HomeGateway.Gateway.Pipeline;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using CoreAlerts = HomeGateway.Core.Alerts;

namespace HomeGateway.Gateway.Tests.Pipeline;

/// <summary>
/// Guards: a restart neither loses nor repeats an alert. Running timers and open alerts come back from the saved
/// state; an event journalled just before a crash, whose alerts were never committed, is decided at the next start.
/// </summary>
public sealed class RestartTests : IDisposable
{
    private readonly TempDirectory dir = new();
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero));
    private readonly HomeConfig home = new("home", "Europe/Helsinki",
    [
        new SensorConfig("front_door", SensorKind.Door) { Mqtt = new MqttInputConfig("z/front_door", MqttProfiles.Zigbee2Mqtt) },
        new SensorConfig("button", SensorKind.HelpButton) { Gpio = new GpioInputConfig(27) },
    ],
    new RulesConfig
    {
        Help = new HelpRuleConfig(),
        DoorLeftOpen = new DoorLeftOpenRuleConfig { After = TimeSpan.FromMinutes(10) },
        Escalation = new EscalationConfig { MaxEscalations = 0 },
    });

    public void Dispose() => dir.Dispose();

    private SensorEvent Event(string sensor, SensorKind kind, string state) => new("home", sensor, kind, state, clock.GetUtcNow(), "test");

    private sealed class Gateway(RestartTests test) : IAsyncDisposable
    {
        public HomeGateway.Gateway.Journal.Journal Journal { get; } = HomeGateway.Gateway.Journal.Journal.Open(test.dir.File("journal.db"), test.clock);
        public SensorEventInbox Inbox { get; } = new();
        public List<CoreAlerts.AlertEvent> Seen { get; } = [];
        public AlertPipeline? Pipeline { get; private set; }

        public async Task StartAsync()
        {
            Pipeline = new AlertPipeline(Inbox, Journal, new RulesEngine(test.home, test.clock.GetUtcNow()), [new Recorder(Seen)], test.clock,
                NullLogger<AlertPipeline>.Instance);
            await Pipeline.StartAsync(CancellationToken.None);
        }

        public async ValueTask DisposeAsync()
        {
            if (Pipeline is not null)
            {
                await Pipeline.StopAsync(CancellationToken.None);
                Pipeline.Dispose();
            }

            Journal.Dispose();
        }
    }

    private sealed class Recorder(List<CoreAlerts.AlertEvent> seen) : IAlertObserver
    {
        public ValueTask OnAlertCommittedAsync(long seq, CoreAlerts.AlertEvent alert, CancellationToken cancellationToken)
        {
            lock (seen)
            {
                seen.Add(alert);
            }

            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task A_door_timer_running_at_a_restart_fires_at_its_original_time_once()
    {
        // Invariant: a timer running at a restart fires once, at the time it would have without the restart.
        var openedAt = clock.GetUtcNow();
        await using (var first = new Gateway(this))
        {
            await first.StartAsync();
            await first.Inbox.PublishAsync(Event("front_door", SensorKind.Door, SensorStates.Open), CancellationToken.None);
            await WaitUntil(() => first.Journal.LoadRuleState() is { ThroughSeq: 1 });
        }

        clock.Advance(TimeSpan.FromMinutes(4));
        await using var second = new Gateway(this);
        await second.StartAsync();
        await StepClockUntil(() => second.Seen.Count > 0, TimeSpan.FromMinutes(10));

        var alert = Assert.Single(second.Seen);
        Assert.Equal(CoreAlerts.AlertType.DoorLeftOpen, alert.Type);
        Assert.Equal(openedAt.AddMinutes(10), alert.At);
        Assert.Equal(openedAt, alert.EvidenceAt);
    }

    [Fact]
    public async Task An_event_journalled_before_a_crash_but_not_decided_is_decided_at_the_next_start()
    {
        // Invariant: an event journalled but not decided before a crash is decided at the next start, never lost.
        // What a crash between "event committed" and "alerts committed" leaves behind.
        using (var journal = HomeGateway.Gateway.Journal.Journal.Open(dir.File("journal.db"), clock))
        {
            var engine = new RulesEngine(home, clock.GetUtcNow());
            journal.Append([], engine.SaveState(), 0);
            journal.Append(Event("button", SensorKind.HelpButton, SensorStates.Pressed));
        }

        await using var restarted = new Gateway(this);
        await restarted.StartAsync();
        await WaitUntil(() => restarted.Seen.Count > 0);

        var help = Assert.Single(restarted.Seen);
        Assert.Equal((CoreAlerts.AlertType.Help, CoreAlerts.AlertEventKind.Raised), (help.Type, help.Kind));
        Assert.Equal([1L], help.EvidenceSeqs);
        Assert.Equal(1, restarted.Journal.LoadRuleState()!.Value.ThroughSeq);
    }

    [Fact]
    public async Task The_first_press_of_a_new_gateway_killed_before_the_rules_saved_anything_is_decided_at_the_next_start()
    {
        // Invariant: an event journalled before the rules' first saved state is decided at the next start, never marked seen unseen.
        // What a crash in the first second of a fresh installation leaves: events in the journal, no rule state at all.
        using (var journal = HomeGateway.Gateway.Journal.Journal.Open(dir.File("journal.db"), clock))
        {
            journal.Append(Event("front_door", SensorKind.Door, SensorStates.Closed));
            journal.Append(Event("button", SensorKind.HelpButton, SensorStates.Pressed));
            Assert.Null(journal.LoadRuleState());
        }

        await using var restarted = new Gateway(this);
        await restarted.StartAsync();
        await WaitUntil(() => restarted.Seen.Count > 0);

        var help = Assert.Single(restarted.Seen);
        Assert.Equal((CoreAlerts.AlertType.Help, CoreAlerts.AlertEventKind.Raised), (help.Type, help.Kind));
        Assert.Equal([2L], help.EvidenceSeqs);
        await WaitUntil(() => restarted.Journal.LoadRuleState() is { ThroughSeq: 2 });
    }

    [Fact]
    public async Task Events_after_an_unreadable_rule_state_are_still_decided_by_fresh_rules()
    {
        // Invariant: a rule state that cannot be read costs the rules' memory, never the events journalled after it.
        using (var journal = HomeGateway.Gateway.Journal.Journal.Open(dir.File("journal.db"), clock))
        {
            journal.Append(Event("front_door", SensorKind.Door, SensorStates.Closed));
            journal.Append([], "{not json"u8.ToArray(), 1);
            journal.Append(Event("button", SensorKind.HelpButton, SensorStates.Pressed));
        }

        await using var restarted = new Gateway(this);
        await restarted.StartAsync();
        await WaitUntil(() => restarted.Seen.Count > 0);

        var help = Assert.Single(restarted.Seen);
        Assert.Equal((CoreAlerts.AlertType.Help, CoreAlerts.AlertEventKind.Raised), (help.Type, help.Kind));
        Assert.Equal([2L], help.EvidenceSeqs);
    }

    [Fact]
    public async Task An_open_help_alert_keeps_counting_up_across_a_restart()
    {
        // Invariant: an alert open at a restart stays one alert afterwards (counted up, not raised twice).
        await using (var first = new Gateway(this))
        {
            await first.StartAsync();
            await first.Inbox.PublishAsync(Event("button", SensorKind.HelpButton, SensorStates.Pressed), CancellationToken.None);
            await WaitUntil(() => first.Seen.Count == 1);
        }

        clock.Advance(TimeSpan.FromMinutes(1));
        await using var second = new Gateway(this);
        await second.StartAsync();
        await second.Inbox.PublishAsync(Event("button", SensorKind.HelpButton, SensorStates.Pressed), CancellationToken.None);
        await WaitUntil(() => second.Seen.Count == 1);

        Assert.Equal((CoreAlerts.AlertEventKind.Repeated, 2), (second.Seen[0].Kind, second.Seen[0].Count));
    }

    [Fact]
    public async Task A_reloaded_care_plan_takes_over_a_running_timer()
    {
        // Invariant: a care-plan reload neither drops nor duplicates a running timer.
        const string yaml = "home: { id: home, timezone: Europe/Helsinki }\nsensors:\n  - { id: front_door, kind: door, mqtt: { topic: z/front_door, profile: zigbee2mqtt } }\nrules:\n  doorLeftOpen: { after: 10m }\n";
        File.WriteAllText(dir.File("home.yaml"), yaml);
        using var source = new HomeGateway.Gateway.Configuration.HomeConfigSource(
            Microsoft.Extensions.Options.Options.Create(new GatewayOptions { HomeFile = dir.File("home.yaml"), DataDirectory = dir.Path }),
            clock, NullLogger<HomeGateway.Gateway.Configuration.HomeConfigSource>.Instance);
        using var journal = HomeGateway.Gateway.Journal.Journal.Open(dir.File("journal.db"), clock);
        var inbox = new SensorEventInbox();
        var seen = new List<CoreAlerts.AlertEvent>();
        using var pipeline = new AlertPipeline(inbox, journal, new RulesEngine(source.Current, clock.GetUtcNow()), [new Recorder(seen)], clock,
            NullLogger<AlertPipeline>.Instance, source);
        await pipeline.StartAsync(CancellationToken.None);
        var openedAt = clock.GetUtcNow();
        await inbox.PublishAsync(Event("front_door", SensorKind.Door, SensorStates.Open), CancellationToken.None);
        await WaitUntil(() => journal.LastSeq == 1);

        var before = pipeline.Engine;
        File.WriteAllText(dir.File("home.yaml"), yaml.Replace("after: 10m", "after: 2m", StringComparison.Ordinal));
        Assert.True(source.Reload());
        await WaitUntil(() => !ReferenceEquals(before, pipeline.Engine));
        await StepClockUntil(() => seen.Count > 0, TimeSpan.FromMinutes(3));

        var alert = Assert.Single(seen);
        Assert.Equal(openedAt.AddMinutes(2), alert.At);
        await pipeline.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_state_saved_with_a_sensor_events_commit_is_the_state_after_the_events_it_says_it_has_seen()
    {
        // Invariant: a saved rule state is the state after exactly the events through its ThroughSeq. The next start decides
        // the events after ThroughSeq again on it, so a state that had already seen one of them would see it twice.
        // A state that decided no alert rides in a sensor event's commit (once per MarkInterval), after the rules saw that event.
        using var journal = HomeGateway.Gateway.Journal.Journal.Open(dir.File("journal.db"), clock,
            new JournalOptions { MarkInterval = TimeSpan.FromSeconds(1) }, "home", null);
        var inbox = new SensorEventInbox();
        using var pipeline = new AlertPipeline(inbox, journal, new RulesEngine(home, clock.GetUtcNow()), [], clock,
            NullLogger<AlertPipeline>.Instance);
        await pipeline.StartAsync(CancellationToken.None);
        ISensorEventSink sink = inbox;
        var openedAt = clock.GetUtcNow();
        await sink.PublishDurablyAsync(Event("front_door", SensorKind.Door, SensorStates.Open), CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(2));
        await sink.PublishDurablyAsync(Event("front_door", SensorKind.Door, SensorStates.Closed), CancellationToken.None);

        // What a power cut now leaves on the card: the file and its WAL as they are.
        var cut = Directory.CreateDirectory(dir.File("cut")).FullName;
        foreach (var file in Directory.GetFiles(dir.Path, "journal.db*"))
        {
            File.Copy(file, Path.Combine(cut, Path.GetFileName(file)));
        }

        await pipeline.StopAsync(CancellationToken.None);
        using var afterCut = HomeGateway.Gateway.Journal.Journal.Open(Path.Combine(cut, "journal.db"), clock);
        var (state, through) = afterCut.LoadRuleState()!.Value;
        var restored = new RulesEngine(home, clock.GetUtcNow());
        restored.RestoreState(state);
        // Through the opening: its door timer runs. Through the closing: nothing runs.
        var expected = through switch
        {
            1 => openedAt.AddMinutes(10),
            2 => (DateTimeOffset?)null,
            _ => throw new Xunit.Sdk.XunitException($"saved through {through}"),
        };
        Assert.Equal(expected, restored.NextDeadline);
    }

    private async Task StepClockUntil(Func<bool> condition, TimeSpan max)
    {
        var end = clock.GetUtcNow() + max;
        while (!condition() && clock.GetUtcNow() < end)
        {
            clock.Advance(TimeSpan.FromSeconds(30));
            await Task.Delay(5);
        }

        await WaitUntil(condition);
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
}
