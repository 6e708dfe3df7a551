using System.Text.Json;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Rules;

/// <summary>
/// The client got up at night and has not gone back to bed. Exactly, for each watched bed on its own:
/// <list type="bullet">
/// <item>Only a change from occupied to empty counts, reported at an instant inside the night window (start inclusive,
/// end exclusive). An empty bed when the night begins (the client not yet in bed), a repeated "empty" report, or an
/// "empty" whose previous state the gateway never saw (fresh install) starts nothing: the client must have been in bed.
/// Having gone to bed before the night began is enough: occupied at 21:30 and empty at 02:00 counts.</item>
/// <item>Not occupied again strictly before emptied + after: a high alert exactly at emptied + after (real elapsed
/// time across clock changes) — but only while it is still night. When emptied + after falls at or after the night's
/// end, getting up was the start of the morning and nothing is raised.</item>
/// <item>No repeats. The alert clears when the bed reports occupied again, whenever that is.</item>
/// <item>Carer visits: the carer is with the client, so a running timer is held. At check-out a bed that is still
/// empty after a counting change is timed again from the check-out, on the same terms (only while still night).
/// An alert already raised stays open until the bed is occupied.</item>
/// </list>
/// </summary>
public sealed class BedNotReturnedRule(BedNotReturnedRuleConfig config, IReadOnlySet<string> beds, DailyWindow night) : Rule
{
    /// <param name="Occupied">The last state the bed reported.</param>
    /// <param name="Since">When it reported that state (the evidence of an alert).</param>
    /// <param name="Counts">The bed emptied at night after being occupied: an alert may follow.</param>
    /// <param name="Due">When the alert is raised; null when no timer runs (held by a visit, or morning).</param>
    internal sealed record Bed(bool Occupied, DateTimeOffset Since, long Seq, bool Counts, DateTimeOffset? Due, AlertEvent? Alert);

    private Dictionary<string, Bed> states = new(StringComparer.Ordinal);

    public override string Key => "bedNotReturned";

    public override void Observe(SensorEvent e, long seq, RuleContext context, List<AlertEvent> output)
    {
        if (e.Kind != SensorKind.Bed || !beds.Contains(e.SensorId))
        {
            return;
        }

        states.TryGetValue(e.SensorId, out var known);
        if (e.State == SensorStates.Occupied)
        {
            if (known?.Alert is { } alert)
            {
                output.Add(alert with
                {
                    Kind = AlertEventKind.Cleared,
                    At = context.Now,
                    EvidenceAt = e.At,
                    Summary = $"Back in bed ({e.SensorId}) after {DoorLeftOpenRule.FormatDuration(e.At - known.Since)}",
                    EvidenceSeqs = [seq],
                });
            }

            states[e.SensorId] = new Bed(true, e.At, seq, false, null, null);
        }
        else if (e.State == SensorStates.Empty && known is not { Occupied: false })
        {
            var counts = known is { Occupied: true } && context.Clock.IsInside(night, e.At);
            states[e.SensorId] = new Bed(false, e.At, seq, counts,
                counts && !context.VisitInProgress ? DueWhileNight(e.At, context) : null, null);
        }
    }

    public override void Advance(RuleContext context, List<AlertEvent> output)
    {
        foreach (var (bedId, bed) in states.Where(b => b.Value.Due is { } due && due <= context.Now).OrderBy(b => b.Value.Due).ToList())
        {
            var due = bed.Due!.Value;
            var raised = new AlertEvent(
                AlertIds.Create(AlertType.BedNotReturned, bedId, due), AlertEventKind.Raised, AlertType.BedNotReturned,
                (AlertPriority)config.Priority, context.HomeId, bedId, due, bed.Since, 1,
                $"Out of bed ({bedId}) at night since {context.Clock.ToLocal(bed.Since):HH:mm}, not back after {DoorLeftOpenRule.FormatDuration(due - bed.Since)}")
            { EvidenceSeqs = [bed.Seq] };
            states[bedId] = bed with { Due = null, Alert = raised };
            output.Add(raised);
        }
    }

    // Still out of bed: no new alert this time, even after a visit; the next time the bed empties at night counts.
    public override bool Close(string alertId, RuleContext context) =>
        ClosedAlerts.Replace(states, alertId, b => b.Alert, b => b with { Counts = false, Due = null, Alert = null });

    public override DateTimeOffset? NextDeadline => Deadlines.Earliest(states, static (_, b) => b.Due);

    public override void OnVisitStarted(RuleContext context, List<AlertEvent> output)
    {
        foreach (var (id, bed) in states.Where(b => b.Value.Due is not null).ToList())
        {
            states[id] = bed with { Due = null };
        }
    }

    public override void OnVisitEnded(RuleContext context, List<AlertEvent> output)
    {
        foreach (var (id, bed) in states.Where(b => b.Value is { Occupied: false, Counts: true, Alert: null }).ToList())
        {
            states[id] = bed with { Due = DueWhileNight(context.Now, context) };
        }
    }

    public override object SaveState() => states;

    public override void RestoreState(JsonElement state, RuleContext context)
    {
        var saved = RuleStateJson.Read<Dictionary<string, Bed>>(state)!;
        // A bed no longer watched (the home file changed) is forgotten.
        states = new Dictionary<string, Bed>(saved.Where(b => beds.Contains(b.Key)), StringComparer.Ordinal);
    }

    /// <summary>from + after, when that instant is still inside the night that contains <paramref name="from"/>.</summary>
    private DateTimeOffset? DueWhileNight(DateTimeOffset from, RuleContext context)
    {
        var due = from + config.After;
        return context.Clock.EndOf(night, from) is { } end && due < end ? due : null;
    }
}
