using System.Device.Gpio;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Core.Rules;
using HomeGateway.Gateway.Feedback;
using HomeGateway.Gateway.Gpio;
using HomeGateway.Gateway.Pipeline;
using HomeGateway.Gateway.Uplink;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using CoreAlerts = HomeGateway.Core.Alerts;

namespace HomeGateway.Gateway.Tests.Pipeline;

/// <summary>
/// Invariant: the gateway shares the alert's life with dispatch: a resolution closes the alert durably before it counts
/// as applied (escalation stops, the next press is a new alert, the client no longer sees it), and after a restart the
/// client sees what the durable state says (an acknowledged alert: help is coming).
/// </summary>
public sealed class ResolutionTests : IDisposable
{
    private readonly TempDirectory dir = new();
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero));
    private readonly HomeConfig home = new("home", "Europe/Helsinki",
    [
        new SensorConfig("button", SensorKind.HelpButton) { Gpio = new GpioInputConfig(27) },
    ],
    new RulesConfig
    {
        Help = new HelpRuleConfig { RepeatWindow = TimeSpan.FromMinutes(30) },
        Escalation = new EscalationConfig { AckTimeout = TimeSpan.FromSeconds(120), MaxEscalations = 3 },
    });

    public void Dispose() => dir.Dispose();

    private SensorEvent Press() => new("home", "button", SensorKind.HelpButton, SensorStates.Pressed, clock.GetUtcNow(), "test");

    /// <summary>One run of the gateway's alert path: journal, rules, the inbox from dispatch and the LED.</summary>
    private sealed class Gateway : IAsyncDisposable
    {
        private readonly GpioController gpio;

        public Gateway(ResolutionTests test)
        {
            var options = Options.Create(new GatewayOptions
            {
                HomeFile = "home.yaml",
                DataDirectory = test.dir.Path,
                Feedback = new FeedbackOptions { LedPin = 23, BuzzerPin = 24 },
            });
            Journal = HomeGateway.Gateway.Journal.Journal.Open(test.dir.File("journal.db"), test.clock);
            Inbox = new AcknowledgementInbox(options);
            gpio = new GpioController(new SimulatedGpioDriver(timeProvider: test.clock));
            var uplink = new DispatchUplink(Journal, test.home, options, test.clock, NullLogger<DispatchUplink>.Instance, Inbox);
            Feedback = new ClientFeedback(gpio, Journal, uplink, test.home, options, test.clock, NullLogger<ClientFeedback>.Instance, Inbox);
            Pipeline = new AlertPipeline(Events, Journal, new RulesEngine(test.home, test.clock.GetUtcNow()), [new Recorder(Seen), Feedback],
                test.clock, NullLogger<AlertPipeline>.Instance, acknowledgements: Inbox);
        }

        public HomeGateway.Gateway.Journal.Journal Journal { get; }

        public SensorEventInbox Events { get; } = new();

        public AcknowledgementInbox Inbox { get; }

        public ClientFeedback Feedback { get; }

        public AlertPipeline Pipeline { get; }

        public List<(long Seq, CoreAlerts.AlertEvent Step)> Seen { get; } = [];

        public CoreAlerts.AlertEvent[] Steps
        {
            get
            {
                lock (Seen)
                {
                    return Seen.Select(s => s.Step).ToArray();
                }
            }
        }

        public async Task StartAsync()
        {
            await Feedback.StartAsync(CancellationToken.None);
            await Pipeline.StartAsync(CancellationToken.None);
        }

        public async ValueTask DisposeAsync()
        {
            await Pipeline.StopAsync(CancellationToken.None);
            Pipeline.Dispose();
            await Feedback.StopAsync(CancellationToken.None);
            Feedback.Dispose();
            gpio.Dispose();
            Journal.Dispose();
        }
    }

    private sealed class Recorder(List<(long, CoreAlerts.AlertEvent)> seen) : IAlertObserver
    {
        public ValueTask OnAlertCommittedAsync(long seq, CoreAlerts.AlertEvent alert, CancellationToken cancellationToken)
        {
            lock (seen)
            {
                seen.Add((seq, alert));
            }

            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task A_resolution_closes_the_alert_durably_escalation_stops_and_the_next_press_is_a_new_alert()
    {
        await using var gateway = new Gateway(this);
        await gateway.StartAsync();
        await gateway.Events.PublishAsync(Press(), CancellationToken.None);
        await WaitUntil(() => gateway.Steps.Length == 1);
        var (raisedSeq, raised) = gateway.Seen[0];
        Assert.Equal(BlinkPattern.AlarmPending, gateway.Feedback.Decide(clock.GetUtcNow()).Led);

        gateway.Inbox.Post(new DispatchResolution(raised.AlertId, clock.GetUtcNow(), "dispatcher", 1, raisedSeq, "false_alarm"));
        await WaitUntil(() => gateway.Inbox.AppliedAckSeq == 1);

        // Durable before the mark: the saved state no longer has it open.
        var restored = new RulesEngine(home, clock.GetUtcNow());
        restored.RestoreState(gateway.Journal.LoadRuleState()!.Value.State);
        Assert.Empty(restored.OpenAlerts);
        await WaitUntil(() => gateway.Feedback.Decide(clock.GetUtcNow()).Led != BlinkPattern.AlarmPending);

        clock.Advance(TimeSpan.FromMinutes(10));
        await Task.Delay(50);
        Assert.DoesNotContain(gateway.Steps, s => s.Kind == CoreAlerts.AlertEventKind.Escalated);

        await gateway.Events.PublishAsync(Press(), CancellationToken.None);
        await WaitUntil(() => gateway.Steps.Length == 2);
        var next = gateway.Steps[1];
        Assert.Equal(CoreAlerts.AlertEventKind.Raised, next.Kind);
        Assert.NotEqual(raised.AlertId, next.AlertId);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Dispatchs_word_counts_as_applied_only_once_the_state_that_knows_it_is_on_disk(bool resolution)
    {
        // Invariant: the applied mark never runs ahead of the saved state. Dispatch resends only what is past the mark, so
        // an acknowledgement or resolution marked applied but missing from the state on disk would be lost by a power cut:
        // the escalation would resume, the alert would stay open.
        await using var gateway = new Gateway(this);
        await gateway.StartAsync();
        await gateway.Events.PublishAsync(Press(), CancellationToken.None);
        await WaitUntil(() => gateway.Steps.Length == 1);
        var (raisedSeq, raised) = gateway.Seen[0];

        gateway.Inbox.Post(resolution
            ? new DispatchResolution(raised.AlertId, clock.GetUtcNow(), "dispatcher", 1, raisedSeq, "false_alarm")
            : new DispatchAcknowledgement(raised.AlertId, clock.GetUtcNow(), "dispatcher", 1));
        await WaitUntil(() => gateway.Inbox.AppliedAckSeq == 1);

        // What a power cut now leaves on the card: the journal and its WAL as they are.
        var cut = Directory.CreateDirectory(dir.File("cut")).FullName;
        foreach (var file in Directory.GetFiles(dir.Path, "journal.db*"))
        {
            File.Copy(file, Path.Combine(cut, Path.GetFileName(file)));
        }

        using var onDisk = HomeGateway.Gateway.Journal.Journal.Open(Path.Combine(cut, "journal.db"), clock);
        var restored = new RulesEngine(home, clock.GetUtcNow());
        restored.RestoreState(onDisk.LoadRuleState()!.Value.State);
        if (resolution)
        {
            Assert.Empty(restored.OpenAlerts);
        }
        else
        {
            Assert.NotNull(Assert.Single(restored.OpenAlerts).AcknowledgedAt);
        }
    }

    [Fact]
    public async Task After_a_restart_the_client_sees_help_is_coming_for_an_acknowledged_alert_and_an_alarm_for_one_not_yet_taken()
    {
        CoreAlerts.AlertEvent raised;
        await using (var before = new Gateway(this))
        {
            await before.StartAsync();
            await before.Events.PublishAsync(Press(), CancellationToken.None);
            await WaitUntil(() => before.Steps.Length == 1);
            raised = before.Steps[0];
            before.Inbox.Post(new DispatchAcknowledgement(raised.AlertId, clock.GetUtcNow(), "dispatcher", 1));
            await WaitUntil(() => before.Inbox.AppliedAckSeq == 1);
            // The mark moves, then the inbox tells the feedback: the LED follows within moments, not in the same instant.
            await WaitUntil(() => before.Feedback.Decide(clock.GetUtcNow()).Led == BlinkPattern.Steady);
        }

        clock.Advance(TimeSpan.FromMinutes(1));
        await using (var after = new Gateway(this))
        {
            await after.StartAsync();
            await WaitUntil(() => after.Feedback.Decide(clock.GetUtcNow()).Led == BlinkPattern.Steady);

            // Resolved while it was down: closed, and no longer shown.
            after.Inbox.Post(new DispatchResolution(raised.AlertId, clock.GetUtcNow(), "dispatcher", 2, 2, "visited_no_injury"));
            await WaitUntil(() => after.Inbox.AppliedAckSeq == 2);
            await WaitUntil(() => after.Feedback.Decide(clock.GetUtcNow()).Led != BlinkPattern.Steady);

            clock.Advance(TimeSpan.FromMinutes(1));
            await after.Events.PublishAsync(Press(), CancellationToken.None);
            await WaitUntil(() => after.Steps.Length == 1);
        }

        // A press nobody has taken yet: its alarm shows again after a restart.
        await using var again = new Gateway(this);
        await again.StartAsync();
        await WaitUntil(() => again.Feedback.Decide(clock.GetUtcNow()).Led == BlinkPattern.AlarmPending);
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
