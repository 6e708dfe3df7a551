using System.Device.Gpio;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Feedback;
using HomeGateway.Gateway.Gpio;
using HomeGateway.Gateway.Uplink;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace HomeGateway.Gateway.Tests.Feedback;

/// <summary>Guards what the client sees: an alarm on its way, delivered, acknowledged; the buzzer on escalation.</summary>
public sealed class ClientFeedbackTests : IDisposable
{
    private const int LedPin = 23;
    private const int BuzzerPin = 24;
    private readonly TempDirectory dir = new();
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero));
    private readonly SimulatedGpioDriver driver;
    private readonly GpioController gpio;
    private readonly HomeGateway.Gateway.Journal.Journal journal;
    private readonly ClientFeedback feedback;

    public ClientFeedbackTests()
    {
        driver = new SimulatedGpioDriver(timeProvider: clock);
        gpio = new GpioController(driver);
        journal = HomeGateway.Gateway.Journal.Journal.Open(dir.File("journal.db"), clock);
        var home = new HomeConfig("home", "Europe/Helsinki", [new SensorConfig("button", SensorKind.HelpButton) { Gpio = new GpioInputConfig(27) }], new RulesConfig());
        var options = Options.Create(new GatewayOptions { HomeFile = "home.yaml", DataDirectory = dir.Path, Feedback = new FeedbackOptions { LedPin = LedPin, BuzzerPin = BuzzerPin } });
        var uplink = new DispatchUplink(journal, home, options, clock, NullLogger<DispatchUplink>.Instance);
        feedback = new ClientFeedback(gpio, journal, uplink, home, options, clock, NullLogger<ClientFeedback>.Instance);
    }

    public void Dispose()
    {
        feedback.Dispose();
        gpio.Dispose();
        journal.Dispose();
        dir.Dispose();
    }

    private AlertEvent Help(AlertEventKind kind = AlertEventKind.Raised) =>
        new("help-1", kind, AlertType.Help, AlertPriority.Critical, "home", "button", clock.GetUtcNow(), clock.GetUtcNow(), 1, "Help");

    private long Journalled(AlertEvent alert) => (long)journal.Append([alert])[0].Seq;

    [Fact]
    public async Task An_alarm_blinks_fast_until_dispatch_has_it_then_slowly_then_steady_when_a_person_acknowledges()
    {
        var seq = Journalled(Help());
        await feedback.OnAlertCommittedAsync(seq, Help(), CancellationToken.None);
        Assert.Equal(BlinkPattern.AlarmPending, feedback.Decide(clock.GetUtcNow()).Led);

        journal.Acknowledge(seq);
        Assert.Equal(BlinkPattern.AlarmDelivered, feedback.Decide(clock.GetUtcNow()).Led);

        feedback.Acknowledged("help-1");
        Assert.Equal(BlinkPattern.Steady, feedback.Decide(clock.GetUtcNow()).Led);
        clock.Advance(ClientFeedback.AcknowledgedShownFor);
        Assert.NotEqual(BlinkPattern.Steady, feedback.Decide(clock.GetUtcNow()).Led);
    }

    [Fact]
    public async Task An_acknowledgement_applied_by_the_pipeline_shows_help_is_coming_once_and_silences_the_buzzer()
    {
        var options = Options.Create(new GatewayOptions { HomeFile = "home.yaml", DataDirectory = dir.Path, Feedback = new FeedbackOptions { LedPin = 25, BuzzerPin = 26 } });
        var home = new HomeConfig("home", "Europe/Helsinki", [], new RulesConfig());
        var inbox = new AcknowledgementInbox(options);
        var uplink = new DispatchUplink(journal, home, options, clock, NullLogger<DispatchUplink>.Instance, inbox);
        using var wired = new ClientFeedback(gpio, journal, uplink, home, options, clock, NullLogger<ClientFeedback>.Instance, inbox);
        await wired.StartAsync(CancellationToken.None);
        var seq = Journalled(Help());
        await wired.OnAlertCommittedAsync(seq, Help(), CancellationToken.None);
        await wired.OnAlertCommittedAsync(seq, Help(AlertEventKind.Escalated), CancellationToken.None);
        Assert.Equal(BlinkPattern.EscalationBeeps, wired.Decide(clock.GetUtcNow()).Buzzer);

        inbox.MarkApplied([new DispatchAcknowledgement("help-1", clock.GetUtcNow(), "dispatcher", 1)]);

        Assert.Equal((BlinkPattern.Steady, BlinkPattern.Dark), wired.Decide(clock.GetUtcNow()));
        clock.Advance(ClientFeedback.AcknowledgedShownFor);
        // Applied again (a resend): nothing to show any more, the alarm is already taken.
        inbox.MarkApplied([new DispatchAcknowledgement("help-1", clock.GetUtcNow(), "dispatcher", 1)]);
        Assert.NotEqual(BlinkPattern.Steady, wired.Decide(clock.GetUtcNow()).Led);
        await wired.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_resolution_applied_by_the_pipeline_ends_what_the_alert_showed_unless_it_was_kept_open()
    {
        var options = Options.Create(new GatewayOptions { HomeFile = "home.yaml", DataDirectory = dir.Path, Feedback = new FeedbackOptions { LedPin = 25, BuzzerPin = 26 } });
        var home = new HomeConfig("home", "Europe/Helsinki", [], new RulesConfig());
        var inbox = new AcknowledgementInbox(options);
        var uplink = new DispatchUplink(journal, home, options, clock, NullLogger<DispatchUplink>.Instance, inbox);
        using var wired = new ClientFeedback(gpio, journal, uplink, home, options, clock, NullLogger<ClientFeedback>.Instance, inbox);
        await wired.StartAsync(CancellationToken.None);
        var seq = Journalled(Help());
        await wired.OnAlertCommittedAsync(seq, Help(), CancellationToken.None);
        await wired.OnAlertCommittedAsync(seq, Help(AlertEventKind.Escalated), CancellationToken.None);

        // The client pressed again before the resolution arrived: the alert stays open, and so does what it shows.
        inbox.MarkApplied([new DispatchResolution("help-1", clock.GetUtcNow(), "dispatcher", 1, 0, "false_alarm") { KeptOpen = true }]);
        Assert.Equal((BlinkPattern.AlarmPending, BlinkPattern.EscalationBeeps), wired.Decide(clock.GetUtcNow()));

        inbox.MarkApplied([new DispatchResolution("help-1", clock.GetUtcNow(), "dispatcher", 2, seq, "false_alarm")]);
        var (led, buzzer) = wired.Decide(clock.GetUtcNow());
        // Back to the link's state (no dispatch in this test: offline); nothing about the alert, the buzzer quiet.
        Assert.DoesNotContain(led, (BlinkPattern[])[BlinkPattern.AlarmPending, BlinkPattern.AlarmDelivered, BlinkPattern.Steady]);
        Assert.Equal(BlinkPattern.Dark, buzzer);
        Assert.Empty(wired.Snapshot()!.Alarms);
        await wired.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_cleared_or_old_alarm_stops_being_shown()
    {
        await feedback.OnAlertCommittedAsync(Journalled(Help()), Help(), CancellationToken.None);
        await feedback.OnAlertCommittedAsync(2, Help(AlertEventKind.Cleared), CancellationToken.None);
        Assert.DoesNotContain(feedback.Decide(clock.GetUtcNow()).Led.Name, (string[])["alarm-pending", "alarm-delivered"]);

        await feedback.OnAlertCommittedAsync(Journalled(Help()), Help(), CancellationToken.None);
        clock.Advance(ClientFeedback.AlarmShownFor);
        Assert.DoesNotContain(feedback.Decide(clock.GetUtcNow()).Led.Name, (string[])["alarm-pending", "alarm-delivered"]);
    }

    [Fact]
    public void Without_a_link_to_dispatch_and_no_alarm_the_led_double_flashes()
    {
        // The uplink has not connected (it is never started here): the client sees that dispatch is out of reach.
        Assert.Equal(BlinkPattern.Offline, feedback.Decide(clock.GetUtcNow()).Led);
        Assert.Equal(BlinkPattern.Dark, feedback.Decide(clock.GetUtcNow()).Buzzer);
    }

    [Fact]
    public async Task An_escalation_sounds_the_buzzer_for_a_minute_and_the_pins_follow_the_patterns()
    {
        await feedback.StartAsync(CancellationToken.None);
        var seq = Journalled(Help());
        await feedback.OnAlertCommittedAsync(seq, Help(), CancellationToken.None);
        await feedback.OnAlertCommittedAsync(seq + 1, Help(AlertEventKind.Escalated), CancellationToken.None);

        // Fast blink on the LED: it toggles every 125 ms; three beeps of 200 ms on the buzzer.
        var ledLevels = new List<PinValue>();
        var buzzerLevels = new List<PinValue>();
        for (var step = 0; step < 12; step++)
        {
            await WaitFor(() => feedback.LedPattern == BlinkPattern.AlarmPending && feedback.BuzzerPattern == BlinkPattern.EscalationBeeps);
            await Task.Delay(20);
            ledLevels.Add(driver.LevelOf(LedPin));
            buzzerLevels.Add(driver.LevelOf(BuzzerPin));
            clock.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.Contains(PinValue.High, ledLevels);
        Assert.Contains(PinValue.Low, ledLevels);
        Assert.Contains(PinValue.High, buzzerLevels);
        Assert.Contains(PinValue.Low, buzzerLevels);

        clock.Advance(ClientFeedback.EscalationSoundsFor);
        await WaitFor(() => feedback.BuzzerPattern == BlinkPattern.Dark);
        await Task.Delay(20);
        Assert.Equal(PinValue.Low, driver.LevelOf(BuzzerPin));
        await feedback.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_wake_that_changes_nothing_shown_keeps_the_one_timer_it_has()
    {
        // Every alert step wakes the loop. On a busy home a timer made per wake (and left to fire for nothing) was a dozen
        // spare timer wake-ups a second (make bench nodeRed).
        var counting = new CountingClock(clock);
        var home = new HomeConfig("home", "Europe/Helsinki", [], new RulesConfig());
        var options = Options.Create(new GatewayOptions { HomeFile = "home.yaml", DataDirectory = dir.Path, Feedback = new FeedbackOptions { LedPin = LedPin } });
        using var watched = new ClientFeedback(gpio, journal, new DispatchUplink(journal, home, options, clock, NullLogger<DispatchUplink>.Instance),
            home, options, counting, NullLogger<ClientFeedback>.Instance);
        await watched.StartAsync(CancellationToken.None);
        var seq = Journalled(Help());
        await watched.OnAlertCommittedAsync(seq, Help(), CancellationToken.None);
        await WaitFor(() => watched.LedPattern == BlinkPattern.AlarmPending);
        await Task.Delay(50);
        var timers = counting.Timers;

        for (var i = 0; i < 20; i++)
        {
            // Nothing of this is shown (no such alarm), but it wakes the loop, which reads the clock once a turn.
            var reads = counting.Reads;
            watched.Acknowledged("not-shown-" + i);
            await WaitFor(() => counting.Reads > reads);
        }

        await Task.Delay(50);
        Assert.Equal(BlinkPattern.AlarmPending, watched.LedPattern);
        Assert.Equal(timers, counting.Timers);

        // The timer it kept still fires: the blink goes on when the clock moves.
        var level = driver.LevelOf(LedPin);
        clock.Advance(TimeSpan.FromMilliseconds(130));
        await WaitFor(() => driver.LevelOf(LedPin) != level);
        await watched.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task An_output_pin_that_is_also_a_sensor_input_stops_the_start_with_a_clear_message()
    {
        var home = new HomeConfig("home", "UTC", [new SensorConfig("button", SensorKind.HelpButton) { Gpio = new GpioInputConfig(LedPin) }], new RulesConfig());
        var options = Options.Create(new GatewayOptions { Feedback = new FeedbackOptions { LedPin = LedPin } });
        using var clash = new ClientFeedback(gpio, journal, new DispatchUplink(journal, home, options, clock, NullLogger<DispatchUplink>.Instance),
            home, options, clock, NullLogger<ClientFeedback>.Instance);
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => clash.StartAsync(CancellationToken.None));
        Assert.Contains("LedPin 23 is also the input of sensor 'button'", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The test's clock, counting the timers made on it and the reads of it.</summary>
    private sealed class CountingClock(TimeProvider inner) : TimeProvider
    {
        private int timers;
        private int reads;

        public int Timers => Volatile.Read(ref timers);

        public int Reads => Volatile.Read(ref reads);

        public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override long GetTimestamp() => inner.GetTimestamp();

        public override DateTimeOffset GetUtcNow()
        {
            Interlocked.Increment(ref reads);
            return inner.GetUtcNow();
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref timers);
            return inner.CreateTimer(callback, state, dueTime, period);
        }
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 10 s");
            await Task.Delay(5);
        }
    }
}
