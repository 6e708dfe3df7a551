using System.Text.Json;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Rules;

/// <summary>
/// No sign of life for hours during the day. Exactly:
/// <list type="bullet">
/// <item>A sign of life is a report from a watched sensor that a person caused: motion or presence "detected", a
/// door "open" or "closed", a bed or chair "occupied" or "empty". A motion or presence sensor going "clear" is the
/// sensor's own timeout, not a person, and does not count.</item>
/// <item>The silence starts at the last sign of life, or when the engine began watching if it has seen none
/// (<see cref="RuleContext.StartedAt"/>, kept across restarts): silence since boot counts.</item>
/// <item>Only silence inside the current day window counts: the count runs from the later of the silence's start and
/// the start of the day window it is in. The alert is raised exactly when that count reaches <c>after</c>, which
/// must happen before the window ends (end exclusive); otherwise the count starts again at the next window's start.
/// So silence since 20:00 with a 07:00–22:00 day and 4h raises at 11:00 the next day, and a last sign of life at
/// 18:00 raises nothing that evening.</item>
/// <item>One alert (sensor id <see cref="AlertSensorId"/>), no repeats, however long the silence; it clears at the
/// next sign of life, which also starts a new silence.</item>
/// <item>Carer visits: the carer sees the client, so the rule pauses. An open alert is cleared at check-in, reports
/// during the visit are ignored, and the silence starts again at check-out.</item>
/// </list>
/// </summary>
public sealed class InactivityRule(InactivityRuleConfig config, IReadOnlySet<string> sensors, DailyWindow day) : Rule
{
    /// <summary>The sensor id the alert carries: it is about the whole home, not one sensor.</summary>
    public const string AlertSensorId = "home";

    /// <summary>Sensor kinds whose reports can be a sign of life (and the default sensors of the rule).</summary>
    public static readonly IReadOnlyList<SensorKind> ActivityKinds =
        [SensorKind.Motion, SensorKind.Presence, SensorKind.Door, SensorKind.Bed, SensorKind.Chair];

    /// <param name="SilentSince">The last sign of life, the engine's start or a check-out.</param>
    /// <param name="Seq">The journal sequence of that sign of life, if it was one.</param>
    /// <param name="Closed">Dispatch resolved the alert during this silence: no clear follows; the next sign of life starts a new silence.</param>
    internal sealed record State(DateTimeOffset SilentSince, long? Seq, AlertEvent? Alert, bool Closed = false);

    // Null until the rule first sees the engine's context: the start time comes only from there.
    private State? state;
    private bool paused;
    private DateTimeOffset? due;

    public override string Key => "inactivity";

    // Before the rule has seen the context it asks to be woken at once, to read the engine's start time.
    public override DateTimeOffset? NextDeadline => state is null ? DateTimeOffset.MinValue : due;

    public override void Observe(SensorEvent e, long seq, RuleContext context, List<AlertEvent> output)
    {
        Begin(context);
        if (paused || !sensors.Contains(e.SensorId) || !IsSignOfLife(e))
        {
            return;
        }

        if (state! is { Alert: { } alert, Closed: false })
        {
            output.Add(alert with
            {
                Kind = AlertEventKind.Cleared,
                At = context.Now,
                EvidenceAt = e.At,
                Summary = $"Activity again: {e.SensorId} reported {e.State}",
                EvidenceSeqs = [seq],
            });
        }

        Silence(new State(e.At, seq, null), context);
    }

    public override void Advance(RuleContext context, List<AlertEvent> output)
    {
        Begin(context);
        if (due is not { } at || at > context.Now)
        {
            return;
        }

        var silent = state!;
        var raised = new AlertEvent(
            AlertIds.Create(AlertType.Inactivity, AlertSensorId, at), AlertEventKind.Raised, AlertType.Inactivity,
            (AlertPriority)config.Priority, context.HomeId, AlertSensorId, at, silent.SilentSince, 1,
            $"No activity for {DoorLeftOpenRule.FormatDuration(config.After)} during the day (quiet since {context.Clock.ToLocal(silent.SilentSince):ddd HH:mm})")
        { EvidenceSeqs = silent.Seq is { } seq ? [seq] : [] };
        state = silent with { Alert = raised };
        due = null;
        output.Add(raised);
    }

    public override void OnVisitStarted(RuleContext context, List<AlertEvent> output)
    {
        Begin(context);
        paused = true;
        due = null;
        if (state! is { Alert: { } alert, Closed: false })
        {
            output.Add(alert with
            {
                Kind = AlertEventKind.Cleared,
                At = context.Now,
                EvidenceAt = context.Now,
                Summary = "A carer checked in and is with the client",
                EvidenceSeqs = [],
            });
        }

        state = state! with { Alert = null, Closed = false };
    }

    public override void OnVisitEnded(RuleContext context, List<AlertEvent> output)
    {
        Begin(context);
        paused = false;
        Silence(new State(context.Now, null, null), context);
    }

    public override bool Close(string alertId, RuleContext context)
    {
        if (state is not { Alert: { } alert, Closed: false } || alert.AlertId != alertId)
        {
            return false;
        }

        state = state with { Closed = true };
        return true;
    }

    public override object? SaveState() => state;

    public override void RestoreState(JsonElement saved, RuleContext context)
    {
        // The watched sensors may have changed; the silence is about the home, so it carries over as it is.
        paused = context.VisitInProgress;
        var restored = saved.ValueKind == JsonValueKind.Null ? null : RuleStateJson.Read<State>(saved);
        state = null;
        Begin(context);
        if (restored is not null)
        {
            Silence(restored, context);
        }
    }

    private void Begin(RuleContext context)
    {
        if (state is null)
        {
            paused = context.VisitInProgress;
            Silence(new State(context.StartedAt, null, null), context);
        }
    }

    private void Silence(State silence, RuleContext context)
    {
        state = silence;
        due = paused || silence.Alert is not null ? null : DueAfter(silence.SilentSince, context.Clock);
    }

    /// <summary>The first instant inside a day window at which that window has been silent for <c>after</c>.</summary>
    private DateTimeOffset? DueAfter(DateTimeOffset silentSince, HomeTime clock)
    {
        var start = clock.IsInside(day, silentSince) ? silentSince : clock.NextStart(day, silentSince);

        // Normally the first or second window; a few more in case a clock change shortens a window.
        for (var window = 0; window < 4; window++)
        {
            var candidate = start + config.After;
            if (clock.EndOf(day, start) is { } end && candidate < end)
            {
                return candidate;
            }

            start = clock.NextStart(day, start);
        }

        return null;
    }

    private static bool IsSignOfLife(SensorEvent e) => e.Kind switch
    {
        SensorKind.Motion or SensorKind.Presence => e.State == SensorStates.Detected,
        SensorKind.Door => e.State is SensorStates.Open or SensorStates.Closed,
        SensorKind.Bed or SensorKind.Chair => e.State is SensorStates.Occupied or SensorStates.Empty,
        _ => false,
    };
}
