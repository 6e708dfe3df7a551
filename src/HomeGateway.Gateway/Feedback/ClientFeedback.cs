using System.Device.Gpio;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Rules;
using HomeGateway.Gateway.Pipeline;
using HomeGateway.Gateway.Uplink;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HomeGateway.Gateway.Feedback;

/// <summary>
/// What the client sees and hears at home: a status LED and a buzzer on GPIO outputs.
/// LED, most important first: help is coming (a person at dispatch acknowledged: steady light) → an alarm is on its
/// way (fast blink) → dispatch has it (slow blink) → no link to dispatch (double flash) → all well (heartbeat flash).
/// Buzzer: three beeps every ten seconds for a minute after a critical alert escalates (nobody acknowledged it).
/// Acknowledgements and resolutions arrive from dispatch through the pipeline (<see cref="AcknowledgementInbox.Applied"/>),
/// after the rules have stopped escalating (or closed) the alert and saved that. A resolution ends what the alert showed:
/// its alarm, its "help is coming", its buzzer. After a restart the pipeline tells what the restored rules know
/// (<see cref="IAlertStateObserver"/>): alarms still open and help acknowledged show again, from durable state.
/// </summary>
public sealed class ClientFeedback(
    GpioController gpio,
    Journal.Journal journal,
    DispatchUplink uplink,
    HomeConfig home,
    IOptions<GatewayOptions> options,
    TimeProvider time,
    ILogger<ClientFeedback> logger,
    AcknowledgementInbox? acknowledgements = null) : BackgroundService, IAlertObserver, IAlertStateObserver
{
    /// <summary>How long an alarm is shown when nobody acknowledges or clears it.</summary>
    public static readonly TimeSpan AlarmShownFor = TimeSpan.FromMinutes(30);

    /// <summary>How long "help is coming" is shown after an acknowledgement.</summary>
    public static readonly TimeSpan AcknowledgedShownFor = TimeSpan.FromMinutes(5);

    /// <summary>How long the buzzer sounds after an escalation.</summary>
    public static readonly TimeSpan EscalationSoundsFor = TimeSpan.FromMinutes(1);

    // Re-evaluated at least this often: acknowledgements from dispatch move the journal's acked mark silently.
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(1);

    private readonly FeedbackOptions settings = options.Value.Feedback;
    private readonly Lock gate = new();
    private readonly Dictionary<string, (long Seq, DateTimeOffset At)> alarms = new(StringComparer.Ordinal);
    private DateTimeOffset? acknowledgedAt;
    private string? acknowledgedAlertId;
    private DateTimeOffset? escalatedAt;
    private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Output? led;
    private Output? buzzer;

    public BlinkPattern LedPattern => led?.Pattern ?? BlinkPattern.Dark;

    public BlinkPattern BuzzerPattern => buzzer?.Pattern ?? BlinkPattern.Dark;

    /// <summary>For the status file: the patterns shown and the alerts behind them; null without outputs.</summary>
    public Status.FeedbackStatus? Snapshot()
    {
        if (led is null && buzzer is null)
        {
            return null;
        }

        var now = time.GetUtcNow();
        lock (gate)
        {
            return new Status.FeedbackStatus
            {
                Led = LedPattern.Name,
                Buzzer = BuzzerPattern.Name,
                Alarms = alarms.Where(a => now - a.Value.At < AlarmShownFor).Select(a => a.Key).Order(StringComparer.Ordinal).ToList(),
                HelpComingFor = acknowledgedAt is { } ack && now - ack < AcknowledgedShownFor ? acknowledgedAlertId : null,
            };
        }
    }

    public ValueTask OnAlertCommittedAsync(long seq, AlertEvent alert, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            switch (alert.Kind)
            {
                case AlertEventKind.Raised or AlertEventKind.Repeated when alert.Priority is AlertPriority.Critical or AlertPriority.High:
                    alarms[alert.AlertId] = (seq, time.GetUtcNow());
                    acknowledgedAt = null;
                    acknowledgedAlertId = null;
                    break;
                case AlertEventKind.Cleared:
                    alarms.Remove(alert.AlertId);
                    break;
                case AlertEventKind.Escalated:
                    escalatedAt = time.GetUtcNow();
                    break;
            }
        }

        Wake();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// A person at dispatch took the alert: the client sees that help is coming, the buzzer stops. Idempotent: an
    /// alert already acknowledged (or not shown) changes nothing.
    /// </summary>
    public void Acknowledged(string alertId)
    {
        lock (gate)
        {
            if (alarms.Remove(alertId))
            {
                acknowledgedAt = time.GetUtcNow();
                acknowledgedAlertId = alertId;
                escalatedAt = null;
            }
        }

        Wake();
    }

    /// <summary>
    /// Dispatch resolved the alert and the rules closed it: nothing about it is shown any more (its alarm, its
    /// "help is coming"); the buzzer stops when no alarm is left. Idempotent.
    /// </summary>
    public void Resolved(string alertId)
    {
        lock (gate)
        {
            alarms.Remove(alertId);
            if (acknowledgedAlertId == alertId)
            {
                acknowledgedAt = null;
                acknowledgedAlertId = null;
            }

            if (alarms.Count == 0)
            {
                escalatedAt = null;
            }
        }

        Wake();
    }

    /// <summary>
    /// The restored rules' open alerts after a restart: an alarm not acknowledged shows again (pending until dispatch has
    /// everything journalled before the restart, which holds its step), an acknowledgement still recent shows "help is
    /// coming" again.
    /// </summary>
    public ValueTask OnAlertsRestoredAsync(IReadOnlyList<OpenAlert> open, long journalledThroughSeq, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            foreach (var alert in open.Where(a => a.Priority is AlertPriority.Critical or AlertPriority.High))
            {
                if (alert.AcknowledgedAt is { } acknowledged)
                {
                    if (acknowledgedAt is null || acknowledged > acknowledgedAt)
                    {
                        acknowledgedAt = acknowledged;
                        acknowledgedAlertId = alert.AlertId;
                    }
                }
                else
                {
                    alarms[alert.AlertId] = (journalledThroughSeq, alert.LastStepAt);
                }
            }
        }

        Wake();
        return ValueTask.CompletedTask;
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        var used = home.Sensors.Where(s => s.Gpio is not null).ToDictionary(s => s.Gpio!.Pin, s => s.Id);
        var problems = new List<string>();
        foreach (var (name, pin) in new[] { ("LedPin", settings.LedPin), ("BuzzerPin", settings.BuzzerPin) })
        {
            if (pin is { } p && used.TryGetValue(p, out var sensor))
            {
                problems.Add($"Gateway:Feedback:{name} {p} is also the input of sensor '{sensor}' in the home file");
            }
        }

        if (problems.Count > 0)
        {
            throw new OptionsValidationException(nameof(GatewayOptions), typeof(GatewayOptions), problems);
        }

        if (acknowledgements is not null)
        {
            acknowledgements.Applied += message =>
            {
                switch (message)
                {
                    case DispatchAcknowledgement acknowledgement:
                        Acknowledged(acknowledgement.AlertId);
                        break;
                    case DispatchResolution { KeptOpen: false } resolution:
                        Resolved(resolution.AlertId);
                        break;
                }
            };
        }

        led = settings.LedPin is { } ledPin ? new Output(gpio, ledPin, settings.ActiveLow) : null;
        buzzer = settings.BuzzerPin is { } buzzerPin ? new Output(gpio, buzzerPin, settings.ActiveLow) : null;
        FeedbackLog.Outputs(logger, settings.LedPin?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none",
            settings.BuzzerPin?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none");
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (led is null && buzzer is null)
        {
            return;
        }

        // One timer while the next change stays the same. Every alert step wakes this loop, and a timer made per turn was
        // left to fire for nothing: about 13 spare timers a second on the bench's busy flow (perf probes, 2026-12-08), each
        // two thread wake-ups. The recheck time moves on only once it has passed, so that a wake keeps it too; or when the
        // clock was set back behind it (NTP on a Pi without a real-time clock), so that it never waits for the clock.
        using var wake = new Pipeline.DeadlineWake(time, stoppingToken);
        var recheckAt = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            var signal = changed.Task;
            var now = time.GetUtcNow();
            var (ledPattern, buzzerPattern) = Decide(now);
            if (recheckAt <= now || recheckAt - now > Recheck)
            {
                recheckAt = now + Recheck;
            }

            var next = Earliest(Earliest(led?.Show(ledPattern, now), buzzer?.Show(buzzerPattern, now)), recheckAt)!.Value;
            await Task.WhenAny(wake.Until(next)!, signal).ConfigureAwait(false);
        }

        led?.Write(false);
        buzzer?.Write(false);
    }

    internal (BlinkPattern Led, BlinkPattern Buzzer) Decide(DateTimeOffset now)
    {
        lock (gate)
        {
            foreach (var stale in alarms.Where(a => now - a.Value.At >= AlarmShownFor).Select(a => a.Key).ToList())
            {
                alarms.Remove(stale);
            }

            var ledPattern =
                acknowledgedAt is { } ack && now - ack < AcknowledgedShownFor ? BlinkPattern.Steady
                : alarms.Values.Any(a => a.Seq > journal.AckedSeq) ? BlinkPattern.AlarmPending
                : alarms.Count > 0 ? BlinkPattern.AlarmDelivered
                : uplink.State is UplinkState.Connecting or UplinkState.Waiting ? BlinkPattern.Offline
                : BlinkPattern.Heartbeat;
            var buzzerPattern = escalatedAt is { } escalated && now - escalated < EscalationSoundsFor
                ? BlinkPattern.EscalationBeeps
                : BlinkPattern.Dark;
            return (ledPattern, buzzerPattern);
        }
    }

    private void Wake() => Interlocked.Exchange(ref changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : a < b ? a : b;

    /// <summary>One GPIO output showing one pattern at a time; a new pattern starts its cycle from the beginning.</summary>
    private sealed class Output
    {
        private readonly GpioController gpio;
        private readonly int pin;
        private readonly bool activeLow;
        private DateTimeOffset patternStart;
        private bool? lit;

        public Output(GpioController gpio, int pin, bool activeLow)
        {
            this.gpio = gpio;
            this.pin = pin;
            this.activeLow = activeLow;
            gpio.OpenPin(pin, PinMode.Output);
            Write(false);
        }

        public BlinkPattern Pattern { get; private set; } = BlinkPattern.Dark;

        /// <summary>Sets the level for now; returns when it next changes.</summary>
        public DateTimeOffset? Show(BlinkPattern pattern, DateTimeOffset now)
        {
            if (pattern != Pattern)
            {
                Pattern = pattern;
                patternStart = now;
            }

            var since = now - patternStart;
            var on = pattern.IsOnAt(since);
            if (on != lit)
            {
                Write(on);
            }

            return pattern.NextChangeAfter(since) is { } next ? patternStart + next : null;
        }

        public void Write(bool on)
        {
            lit = on;
            gpio.Write(pin, on != activeLow ? PinValue.High : PinValue.Low);
        }
    }
}

internal static partial class FeedbackLog
{
    [LoggerMessage(2300, LogLevel.Information, "Client feedback: status LED on pin {Led}, buzzer on pin {Buzzer}")]
    public static partial void Outputs(ILogger logger, string led, string buzzer);
}
