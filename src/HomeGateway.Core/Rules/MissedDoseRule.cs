using System.Text.Json;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Rules;

/// <summary>
/// Medication, as a dispatcher needs it:
/// <list type="bullet">
/// <item>Each dose time of the schedule (home-local; <see cref="HomeTime.At"/> makes a dose in the spring-forward gap
/// late by the gap and a dose in the repeated fall-back hour happen once) opens a window [dose, dose + window). A
/// <c>dose_taken</c> from a watched dispenser inside it settles the dose; otherwise a high missed-dose alert is raised
/// exactly at the window's end. A dose taken before its window does not count (the dispenser releases it at the time).</item>
/// <item>The dispenser's own <c>dose_missed</c> raises at once and settles the latest dose due by then, so the timer
/// does not raise it again; a <c>dose_missed</c> for a dose the timer already reported adds nothing.</item>
/// <item>One missed-dose alert per dispenser: further missed doses while it is open count up on it ("missed twice in a
/// row"); the next <c>dose_taken</c>, in a window or late, clears it — the client is taking medication again.</item>
/// <item><c>dispenser_error</c> (high) and <c>refill_low</c> (normal) are raised at once; reports within 24 h count up
/// on the open alert, later ones are a new alert. The device never clears them: someone must visit or refill.</item>
/// </list>
/// All steps have type <see cref="AlertType.MissedDose"/> (the medication family); errors and refills have their own
/// alert ids (the sensor id with <c>-error</c> / <c>-refill</c> in the id) so they never merge with a missed dose.
/// Windows in progress when the engine starts are judged too: a dose taken before a restart without saved state
/// is unknown, and a false missed-dose call is cheaper than a silent missed dose.
/// </summary>
public sealed class MissedDoseRule(MissedDoseRuleConfig config, HomeTime clock, IReadOnlyList<TimeOnly> doses,
    IReadOnlySet<string> dispensers, string scheduleSensorId) : Rule
{
    private static readonly TimeSpan DeviceRepeatWindow = TimeSpan.FromHours(24);

    internal enum Outcome
    {
        Taken = 1,
        Missed = 2,
    }

    internal sealed record Slot(DateTimeOffset DoseAt, Outcome Outcome);

    internal sealed record State(DateTimeOffset? JudgedUntil, List<Slot> Settled, Dictionary<string, AlertEvent> Missed,
        Dictionary<string, LatchedAlert> Errors, Dictionary<string, LatchedAlert> Refills);

    // Every window ending at or before this instant has been judged; null until the engine first advances.
    private DateTimeOffset? judgedUntil;
    private List<Slot> settled = [];
    private Dictionary<string, AlertEvent> missed = new(StringComparer.Ordinal);
    private Dictionary<string, LatchedAlert> errors = new(StringComparer.Ordinal);
    private Dictionary<string, LatchedAlert> refills = new(StringComparer.Ordinal);

    public override string Key => "missedDose";

    public override void Observe(SensorEvent e, long seq, RuleContext context, List<AlertEvent> output)
    {
        Arm(context);
        if (e.Kind != SensorKind.Medication || !dispensers.Contains(e.SensorId))
        {
            return;
        }

        var now = context.Now;
        var where = ConditionAlerts.Describe(context.Home, e.SensorId);
        switch (e.State)
        {
            case SensorStates.DoseTaken:
                if (DosesFrom(now - config.Window).TakeWhile(d => d <= now).Select(d => (DateTimeOffset?)d)
                    .FirstOrDefault(d => now < d + config.Window && Find(d!.Value) is null) is { } slot)
                {
                    settled.Add(new Slot(slot, Outcome.Taken));
                }

                if (missed.Remove(e.SensorId, out var open))
                {
                    output.Add(open with
                    {
                        Kind = AlertEventKind.Cleared,
                        At = now,
                        EvidenceAt = e.At,
                        Summary = $"Dose taken at {clock.ToLocal(e.At):HH:mm} ({where})",
                        EvidenceSeqs = [seq],
                    });
                }

                break;
            case SensorStates.DoseMissed:
                var latest = DosesFrom(now - TimeSpan.FromDays(2)).TakeWhile(d => d <= now).DefaultIfEmpty(default).Last();
                if (latest == default)
                {
                    Missed(e.SensorId, null, now, e.At, seq, $"Dispenser {where} reports a missed dose", context, output);
                }
                else if (Find(latest)?.Outcome != Outcome.Missed)
                {
                    Missed(e.SensorId, Find(latest) is null ? latest : null, now, e.At, seq,
                        $"Dispenser {where} reports the {clock.ToLocal(latest):HH:mm} dose missed", context, output);
                }

                break;
            case SensorStates.DispenserError:
                Latch(errors, "error", e, seq, now, AlertPriority.High, e.Detail is { Length: > 0 } detail ? $"Dispenser {where} reports an error ({detail})" : $"Dispenser {where} reports an error", context, output);
                break;
            case SensorStates.RefillLow:
                Latch(refills, "refill", e, seq, now, AlertPriority.Normal, $"Dispenser {where} is running out of medication: refill it", context, output);
                break;
        }
    }

    public override void Advance(RuleContext context, List<AlertEvent> output)
    {
        Arm(context);
        var now = context.Now;
        foreach (var dose in DosesFrom(judgedUntil!.Value - config.Window).TakeWhile(d => d + config.Window <= now))
        {
            var end = dose + config.Window;
            if (end > judgedUntil && Find(dose) is null)
            {
                var minutes = (int)config.Window.TotalMinutes;
                Missed(scheduleSensorId, dose, end, dose, null,
                    $"The {clock.ToLocal(dose):HH:mm} dose was not reported taken within {minutes} min", context, output);
            }
        }

        judgedUntil = now > judgedUntil ? now : judgedUntil;
        // Settled doses matter only while their window can still be judged or named by a dose_missed.
        settled.RemoveAll(s => s.DoseAt < now - TimeSpan.FromDays(3));
    }

    public override DateTimeOffset? NextDeadline
    {
        get
        {
            if (doses.Count == 0)
            {
                return null;
            }

            if (judgedUntil is not { } judged)
            {
                return DateTimeOffset.MinValue;
            }

            // Asked before every decision; the answer changes only when judging moves on or a dose is settled,
            // and working it out means time-zone arithmetic over the schedule.
            var key = (judged, settled, settled.Count);
            if (deadlineKey == key)
            {
                return deadline;
            }

            deadline = null;
            foreach (var dose in DosesFrom(judged - config.Window))
            {
                if (dose + config.Window > judged && Find(dose) is null)
                {
                    deadline = dose + config.Window;
                    break;
                }
            }

            deadlineKey = key;
            return deadline;
        }
    }

    private (DateTimeOffset Judged, List<Slot> Settled, int Count)? deadlineKey;
    private DateTimeOffset? deadline;

    public override object SaveState() => new State(judgedUntil, settled, missed, errors, refills);

    public override void RestoreState(JsonElement state, RuleContext context)
    {
        var saved = RuleStateJson.Read<State>(state)!;
        judgedUntil = saved.JudgedUntil;
        settled = saved.Settled ?? [];
        missed = Watched(saved.Missed);
        errors = Watched(saved.Errors);
        refills = Watched(saved.Refills);
    }

    private Dictionary<string, T> Watched<T>(Dictionary<string, T>? saved) =>
        new((saved ?? []).Where(p => dispensers.Contains(p.Key) || p.Key == scheduleSensorId), StringComparer.Ordinal);

    private Slot? Find(DateTimeOffset dose) => settled.FirstOrDefault(s => s.DoseAt == dose);

    /// <summary>The dose instants from the local day before <paramref name="from"/> on, in time order (endless).</summary>
    private IEnumerable<DateTimeOffset> DosesFrom(DateTimeOffset from)
    {
        if (doses.Count == 0)
        {
            yield break;
        }

        // Whole days, so a dose shifted by daylight saving is never counted twice or lost; a year is a safe end.
        for (var date = clock.Date(from).AddDays(-1); date <= clock.Date(from).AddDays(366); date = date.AddDays(1))
        {
            foreach (var dose in doses.Select(t => clock.At(date, t)).Distinct().Order())
            {
                if (dose >= from)
                {
                    yield return dose;
                }
            }
        }
    }

    public override bool Close(string alertId, RuleContext context) =>
        ClosedAlerts.Remove(missed, alertId, a => a) || ClosedAlerts.Remove(errors, alertId, l => l.Last) || ClosedAlerts.Remove(refills, alertId, l => l.Last);

    private void Missed(string sensorId, DateTimeOffset? dose, DateTimeOffset at, DateTimeOffset evidenceAt, long? seq,
        string summary, RuleContext context, List<AlertEvent> output)
    {
        if (dose is { } d)
        {
            settled.Add(new Slot(d, Outcome.Missed));
        }

        IReadOnlyList<long> evidence = seq is { } s ? [s] : [];
        var step = missed.TryGetValue(sensorId, out var open)
            ? open.Repeated(at, evidenceAt, evidence, summary)
            : new AlertEvent(AlertIds.Create(AlertType.MissedDose, sensorId, at), AlertEventKind.Raised, AlertType.MissedDose,
                AlertPriority.High, context.HomeId, sensorId, at, evidenceAt, 1, summary)
            { EvidenceSeqs = evidence };
        missed[sensorId] = step;
        output.Add(step);
    }

    private static void Latch(Dictionary<string, LatchedAlert> open, string what, SensorEvent e, long seq, DateTimeOffset now,
        AlertPriority priority, string summary, RuleContext context, List<AlertEvent> output)
    {
        LatchedAlert latched;
        if (open.TryGetValue(e.SensorId, out var known) && known.IsRecent(now, DeviceRepeatWindow))
        {
            latched = known.Repeat(e, seq, now, priority, summary);
        }
        else
        {
            latched = LatchedAlert.Raise(new AlertEvent(AlertIds.Create(AlertType.MissedDose, $"{e.SensorId}-{what}", now),
                AlertEventKind.Raised, AlertType.MissedDose, priority, context.HomeId, e.SensorId, now, e.At, 1, summary)
            { EvidenceSeqs = [seq] });
        }

        open[e.SensorId] = latched;
        output.Add(latched.Last);
    }

    private void Arm(RuleContext context) => judgedUntil ??= context.StartedAt;
}
