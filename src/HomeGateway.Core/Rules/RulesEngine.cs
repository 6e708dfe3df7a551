using System.Text.Json;
using System.Text.Json.Nodes;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Rules;

/// <summary>
/// The home's care plan, running. Feed it every journalled sensor event with the time it was journalled, and
/// call <see cref="Advance"/> when <see cref="NextDeadline"/> comes; it answers with the alert steps to commit.
/// It reads no clock: the caller passes the time (from its <see cref="TimeProvider"/>), which makes replays and
/// restarts exact. Single-threaded by design: the gateway's pipeline is its only caller.
/// Cross-cutting duties live here: carer visits and the escalation of unacknowledged critical alerts.
/// </summary>
public sealed partial class RulesEngine
{
    // A rule that keeps saying it is due would otherwise spin the loop forever.
    private const int MaxAdvanceRounds = 10_000;
    private const int StateVersion = 1;

    private readonly HomeConfig home;
    private readonly RuleContext context;
    // An array, not the interface: the engine loops over the rules several times per event, and a foreach through
    // IReadOnlyList boxes a fresh enumerator each time.
    private readonly Rule[] rules;
    private readonly Dictionary<string, Escalation> escalations = new(StringComparer.Ordinal);
    private Dictionary<string, OpenAlert> open = new(StringComparer.Ordinal);
    private DateTimeOffset? visitEndsAt;

    internal sealed record Escalation(AlertEvent Last, DateTimeOffset Due, int Count);

    // What SaveState writes: each rule's state object goes straight into the document by its run-time type (an `object`
    // value is written through the type the context has for it), never through an intermediate JsonElement; perf on the
    // bench's busy home found the element round trip (serialise, parse, write again) a third of the save's cost.
    internal sealed record SavedEngineState(int Version, DateTimeOffset StartedAt, DateTimeOffset? VisitEndsAt,
        Dictionary<string, Escalation> Escalations, Dictionary<string, object> Rules, Dictionary<string, OpenAlert> Open);

    // What RestoreState reads (the same JSON). Open: added in version 1 without a version change (a state saved before has
    // none: nothing is known open).
    internal sealed record EngineState(int Version, DateTimeOffset StartedAt, DateTimeOffset? VisitEndsAt,
        Dictionary<string, Escalation> Escalations, Dictionary<string, JsonElement> Rules, Dictionary<string, OpenAlert>? Open = null);

    /// <summary>Open alerts kept at most: a latched alert (a help press) stays open until dispatch resolves it.</summary>
    internal const int MaxOpenAlerts = 1000;

    public RulesEngine(HomeConfig home, DateTimeOffset startedAt)
    {
        this.home = home;
        context = new RuleContext(home, HomeTime.For(home), startedAt);
        rules = [.. CreateRules(home)];
    }

    public IReadOnlyList<Rule> Rules => rules;

    public RuleContext Context => context;

    public bool VisitInProgress => context.VisitInProgress;

    public IReadOnlyList<AlertEvent> Observe(SensorEvent e, long seq, DateTimeOffset now)
    {
        var output = new List<AlertEvent>();
        AdvanceInto(now, output);
        var start = output.Count;
        context.Now = now;
        if (e.Kind == SensorKind.Visit)
        {
            ObserveVisit(e, output);
        }

        foreach (var rule in rules)
        {
            rule.Observe(e, seq, context, output);
        }

        Track(output, start);
        return output;
    }

    /// <summary>Fires everything due up to <paramref name="now"/>, each at its own due time, in order.</summary>
    public IReadOnlyList<AlertEvent> Advance(DateTimeOffset now)
    {
        var output = new List<AlertEvent>();
        AdvanceInto(now, output);
        return output;
    }

    /// <summary>A person at dispatch acknowledged the alert: no more escalation.</summary>
    public void Acknowledge(string alertId) => escalations.Remove(alertId);

    /// <summary>
    /// A person at dispatch acknowledged the alert at <paramref name="acknowledgedAt"/>: no more escalation, and the
    /// open alert remembers it (saved with the state), so the client's "help is coming" survives a restart.
    /// </summary>
    public void Acknowledge(string alertId, DateTimeOffset acknowledgedAt)
    {
        escalations.Remove(alertId);
        if (open.TryGetValue(alertId, out var known) && known.AcknowledgedAt is null)
        {
            open[alertId] = known with { AcknowledgedAt = acknowledgedAt };
        }
    }

    /// <summary>
    /// Dispatch resolved the alert, having seen its evidence up to journal sequence <paramref name="evidenceThroughSeq"/>.
    /// Unless the engine holds newer evidence for it (the client pressed again before the resolution arrived: dispatch
    /// reopens it when that press reaches it), the alert is closed: no more escalation, no later step with its id (the
    /// rule's next evidence raises a new alert), no clear. Closing one already closed or never known changes nothing.
    /// </summary>
    public AlertClosing Close(string alertId, long evidenceThroughSeq)
    {
        if (open.TryGetValue(alertId, out var known) && known.LatestEvidenceSeq > evidenceThroughSeq)
        {
            return AlertClosing.NewerEvidence;
        }

        var wasOpen = open.Remove(alertId) | escalations.Remove(alertId);
        foreach (var rule in rules)
        {
            wasOpen |= rule.Close(alertId, context);
        }

        return wasOpen ? AlertClosing.Closed : AlertClosing.NotOpen;
    }

    /// <summary>The alerts open on the device (raised, not cleared or closed), with whether dispatch acknowledged them.</summary>
    public IReadOnlyCollection<OpenAlert> OpenAlerts => open.Values;

    /// <summary>A carer checked in or out by a command from dispatch rather than a sensor.</summary>
    public IReadOnlyList<AlertEvent> SetVisit(bool inProgress, DateTimeOffset now)
    {
        var output = new List<AlertEvent>();
        AdvanceInto(now, output);
        var start = output.Count;
        context.Now = now;
        if (inProgress)
        {
            StartVisit(output);
        }
        else
        {
            EndVisit(output);
        }

        Track(output, start);
        return output;
    }

    public DateTimeOffset? NextDeadline
    {
        get
        {
            DateTimeOffset? next = visitEndsAt;
            foreach (var rule in rules)
            {
                // A rule that has not yet seen the start time asks to be advanced at once; never before the start. Asked
                // once: a rule finds its deadline by looking through its timers (every open door), on every turn of the loop.
                var due = rule.NextDeadline;
                next = Earliest(next, due < context.StartedAt ? context.StartedAt : due);
            }

            foreach (var escalation in escalations.Values)
            {
                next = Earliest(next, escalation.Due);
            }

            return next;
        }
    }

    /// <summary>Everything needed to carry on after a restart, as JSON bytes.</summary>
    public byte[] SaveState()
    {
        var ruleStates = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var rule in rules)
        {
            if (rule.SaveState() is { } state)
            {
                ruleStates[rule.Key] = RuleStateJson.Known(state);
            }
        }

        var engine = new SavedEngineState(StateVersion, context.StartedAt, visitEndsAt, escalations, ruleStates, open);
        return JsonSerializer.SerializeToUtf8Bytes(engine, RuleStateJson.Info<SavedEngineState>());
    }

    /// <summary>
    /// Takes back state saved by <see cref="SaveState"/>, possibly by an engine built from an earlier home file:
    /// rules that no longer exist are dropped, new rules start fresh.
    /// </summary>
    public void RestoreState(ReadOnlySpan<byte> saved)
    {
        var state = JsonSerializer.Deserialize(saved, RuleStateJson.Info<EngineState>())
            ?? throw new InvalidDataException("saved rule state is empty");
        if (state.Version != StateVersion)
        {
            throw new InvalidDataException($"saved rule state has version {state.Version}; this engine reads {StateVersion}");
        }

        context.StartedAt = state.StartedAt;
        visitEndsAt = state.VisitEndsAt;
        context.VisitInProgress = state.VisitEndsAt is not null;
        escalations.Clear();
        // An alert about a sensor the home file no longer has is forgotten, as the rules forget the sensor.
        open = new Dictionary<string, OpenAlert>(
            (state.Open ?? []).Where(a => !a.Value.AboutSensor || home.FindSensor(a.Value.SensorId) is not null), StringComparer.Ordinal);
        if (home.Rules.Escalation.MaxEscalations > 0)
        {
            foreach (var (id, escalation) in state.Escalations)
            {
                escalations[id] = escalation;
            }
        }

        foreach (var rule in rules)
        {
            if (state.Rules.TryGetValue(rule.Key, out var ruleState))
            {
                rule.RestoreState(ruleState, context);
            }
        }
    }

    private void AdvanceInto(DateTimeOffset now, List<AlertEvent> output)
    {
        // Rules see the real time (a rule may treat a long-overdue timer differently, e.g. no burst of repeats)
        // but stamp what they decide with each timer's own due time.
        for (var round = 0; round < MaxAdvanceRounds && NextDeadline is { } due && due <= now; round++)
        {
            var start = output.Count;
            if (visitEndsAt is { } end && end <= now)
            {
                context.Now = end;
                EndVisit(output);
            }

            context.Now = now;
            foreach (var rule in rules)
            {
                rule.Advance(context, output);
            }

            EscalateDue(now, output);
            Track(output, start);
            SortByTime(output, start);
        }

        context.Now = now;
    }

    // Steps decided in one round are journalled in time order; ties are broken by type and sensor so that the
    // order never depends on dictionary order (which differs after a restart).
    private static void SortByTime(List<AlertEvent> output, int start)
    {
        if (output.Count - start > 1)
        {
            var round = output.GetRange(start, output.Count - start)
                .OrderBy(a => a.At).ThenBy(a => a.Type).ThenBy(a => a.SensorId, StringComparer.Ordinal).ToList();
            output.RemoveRange(start, round.Count);
            output.AddRange(round);
        }
    }

    private void ObserveVisit(SensorEvent e, List<AlertEvent> output)
    {
        switch (e.State)
        {
            case SensorStates.CheckIn or SensorStates.Detected or SensorStates.Pressed:
                StartVisit(output);
                break;
            case SensorStates.CheckOut or SensorStates.Clear or SensorStates.Released:
                EndVisit(output);
                break;
        }
    }

    private void StartVisit(List<AlertEvent> output)
    {
        // A second check-in extends the visit; rules are told only once.
        var wasInProgress = context.VisitInProgress;
        visitEndsAt = context.Now + home.Rules.Visits.MaxLength;
        context.VisitInProgress = true;
        if (!wasInProgress)
        {
            foreach (var rule in rules)
            {
                rule.OnVisitStarted(context, output);
            }
        }
    }

    private void EndVisit(List<AlertEvent> output)
    {
        if (!context.VisitInProgress)
        {
            return;
        }

        visitEndsAt = null;
        context.VisitInProgress = false;
        foreach (var rule in rules)
        {
            rule.OnVisitEnded(context, output);
        }
    }

    /// <summary>Follows every alert step: the open alerts, and every critical one until it is acknowledged or cleared.</summary>
    private void Track(List<AlertEvent> output, int from)
    {
        TrackOpen(output, from);
        var config = home.Rules.Escalation;
        if (config.MaxEscalations <= 0)
        {
            return;
        }

        for (var i = from; i < output.Count; i++)
        {
            var step = output[i];
            switch (step.Kind)
            {
                case AlertEventKind.Raised when step.Priority == AlertPriority.Critical:
                    escalations[step.AlertId] = new Escalation(step, step.At + config.AckTimeout, 0);
                    break;
                case AlertEventKind.Repeated when step.Priority == AlertPriority.Critical:
                    escalations[step.AlertId] = escalations.TryGetValue(step.AlertId, out var known)
                        ? known with { Last = step }
                        : new Escalation(step, step.At + config.AckTimeout, 0);
                    break;
                case AlertEventKind.Cleared:
                    escalations.Remove(step.AlertId);
                    break;
            }
        }
    }

    private void TrackOpen(List<AlertEvent> output, int from)
    {
        for (var i = from; i < output.Count; i++)
        {
            var step = output[i];
            switch (step.Kind)
            {
                case AlertEventKind.Raised or AlertEventKind.Repeated:
                    var evidence = step.EvidenceSeqs.Count > 0 ? step.EvidenceSeqs.Max() : 0;
                    open[step.AlertId] = open.TryGetValue(step.AlertId, out var known)
                        ? known with { Priority = step.Priority, LastStepAt = step.At, LatestEvidenceSeq = Math.Max(known.LatestEvidenceSeq, evidence) }
                        : new OpenAlert(step.AlertId, step.Type, step.Priority, step.SensorId, home.FindSensor(step.SensorId) is not null, step.At, evidence, null);
                    break;
                case AlertEventKind.Cleared:
                    open.Remove(step.AlertId);
                    break;
            }
        }

        if (open.Count > MaxOpenAlerts)
        {
            // Alerts nobody at dispatch ever resolved: the oldest go first (they matter for the LED and for whether a
            // resolution meets newer evidence, both about recent alerts).
            foreach (var stale in open.Values.OrderBy(a => a.LastStepAt).Take(open.Count - MaxOpenAlerts).ToList())
            {
                open.Remove(stale.AlertId);
            }
        }
    }

    private void EscalateDue(DateTimeOffset now, List<AlertEvent> output)
    {
        var config = home.Rules.Escalation;
        foreach (var (id, escalation) in escalations.Where(e => e.Value.Due <= now).OrderBy(e => e.Value.Due).ThenBy(e => e.Key, StringComparer.Ordinal).ToList())
        {
            var count = escalation.Count + 1;
            output.Add(escalation.Last with
            {
                Kind = AlertEventKind.Escalated,
                At = escalation.Due,
                Summary = $"Not acknowledged within {(int)(config.AckTimeout.TotalSeconds * count)} s: {escalation.Last.Summary}",
            });
            if (count >= config.MaxEscalations)
            {
                escalations.Remove(id);
            }
            else
            {
                escalations[id] = escalation with { Due = escalation.Due + config.AckTimeout, Count = count };
            }
        }
    }

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : a < b ? a : b;

    // Each family of rules is created in its own file (RulesEngine.<Family>.cs).
    static partial void AddTimeWindowRules(HomeConfig home, List<Rule> rules);

    static partial void AddSafetyRules(HomeConfig home, List<Rule> rules);

    private static List<Rule> CreateRules(HomeConfig home)
    {
        var rules = new List<Rule>();
        if (home.Rules.Fall is { } fall)
        {
            rules.Add(new FallRule(fall));
        }

        if (home.Rules.Help is { } help)
        {
            rules.Add(new HelpRule(help));
        }

        if (home.Rules.DoorLeftOpen is { } door)
        {
            var doors = door.Doors.Count > 0
                ? door.Doors.ToHashSet(StringComparer.Ordinal)
                : home.Sensors.Where(s => s.Kind == SensorKind.Door).Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
            rules.Add(new DoorLeftOpenRule(door, doors));
        }

        AddTimeWindowRules(home, rules);
        AddSafetyRules(home, rules);
        return rules;
    }
}

/// <summary>What closing an alert resolved at dispatch did.</summary>
public enum AlertClosing
{
    /// <summary>Closed now: no more escalation or steps; the next evidence raises a new alert.</summary>
    Closed,

    /// <summary>Not open (closed before, cleared, or unknown): nothing changed.</summary>
    NotOpen,

    /// <summary>Kept open: the engine has evidence newer than dispatch had seen when it resolved.</summary>
    NewerEvidence,
}

/// <summary>An alert open on the device, as the engine follows it (saved with its state).</summary>
/// <param name="AboutSensor">Its sensor id is a sensor of the home file (not the home, the schedule or the gateway).</param>
/// <param name="LastStepAt">When it was raised or last repeated.</param>
/// <param name="LatestEvidenceSeq">The highest journal sequence among its evidence (0: none, a timer's alert).</param>
/// <param name="AcknowledgedAt">When dispatch acknowledged it; null while nobody has.</param>
public sealed record OpenAlert(string AlertId, AlertType Type, AlertPriority Priority, string SensorId, bool AboutSensor, DateTimeOffset LastStepAt, long LatestEvidenceSeq,
    DateTimeOffset? AcknowledgedAt);
