using System.Text.Json;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Rules;

/// <summary>
/// A fall is critical at once. A suspected fall (a radar's "maybe") becomes a high alert exactly when the
/// confirm window ends unless the sensor reported clear before: a false "maybe" must not wake anyone, a real
/// one must not be lost. Falls while an alert is recent count up on it.
/// </summary>
public sealed class FallRule(FallRuleConfig config) : Rule
{
    internal sealed record Suspicion(DateTimeOffset Due, SensorEvent Evidence, long Seq);

    internal sealed record State(Dictionary<string, LatchedAlert> Open, Dictionary<string, Suspicion> Suspected);

    private Dictionary<string, LatchedAlert> open = new(StringComparer.Ordinal);
    private Dictionary<string, Suspicion> suspected = new(StringComparer.Ordinal);

    public override string Key => "fall";

    public override void Observe(SensorEvent e, long seq, RuleContext context, List<AlertEvent> output)
    {
        if (e.Kind != SensorKind.Fall)
        {
            return;
        }

        switch (e.State)
        {
            case SensorStates.Fall:
                suspected.Remove(e.SensorId);
                Trigger(e, seq, context.Now, AlertPriority.Critical, $"Fall detected by {e.SensorId}", context, output);
                break;
            case SensorStates.SuspectedFall:
                if (open.TryGetValue(e.SensorId, out var latched) && latched.IsRecent(context.Now, config.RepeatWindow))
                {
                    Trigger(e, seq, context.Now, AlertPriority.High, $"Possible fall again at {e.SensorId}", context, output);
                }
                else
                {
                    suspected.TryAdd(e.SensorId, new Suspicion(context.Now + config.ConfirmWindow, e, seq));
                }

                break;
            case SensorStates.Clear:
                suspected.Remove(e.SensorId);
                break;
        }
    }

    public override void Advance(RuleContext context, List<AlertEvent> output)
    {
        foreach (var (sensorId, pending) in suspected.Where(p => p.Value.Due <= context.Now).OrderBy(p => p.Value.Due).ThenBy(p => p.Key, StringComparer.Ordinal).ToList())
        {
            suspected.Remove(sensorId);
            var seconds = (int)config.ConfirmWindow.TotalSeconds;
            Trigger(pending.Evidence, pending.Seq, pending.Due, AlertPriority.High,
                $"Possible fall at {sensorId}, not cleared within {seconds} s", context, output);
        }
    }

    public override DateTimeOffset? NextDeadline =>
        Deadlines.Earliest(suspected, static (_, p) => p.Due);

    public override bool Close(string alertId, RuleContext context) => ClosedAlerts.Remove(open, alertId, l => l.Last);

    public override object SaveState() => new State(open, suspected);

    public override void RestoreState(JsonElement state, RuleContext context)
    {
        var saved = RuleStateJson.Read<State>(state)!;
        open = new Dictionary<string, LatchedAlert>(saved.Open, StringComparer.Ordinal);
        suspected = new Dictionary<string, Suspicion>(saved.Suspected, StringComparer.Ordinal);
    }

    private void Trigger(SensorEvent e, long seq, DateTimeOffset at, AlertPriority priority, string summary, RuleContext context, List<AlertEvent> output)
    {
        if (open.TryGetValue(e.SensorId, out var latched) && latched.IsRecent(at, config.RepeatWindow))
        {
            latched = latched.Repeat(e, seq, at, priority, summary);
            open[e.SensorId] = latched;
            output.Add(latched.Last);
            return;
        }

        var raised = new AlertEvent(
            AlertIds.Create(AlertType.Fall, e.SensorId, at), AlertEventKind.Raised, AlertType.Fall, priority,
            context.HomeId, e.SensorId, at, e.At, 1, summary)
        { EvidenceSeqs = [seq] };
        open[e.SensorId] = LatchedAlert.Raise(raised);
        output.Add(raised);
    }
}
