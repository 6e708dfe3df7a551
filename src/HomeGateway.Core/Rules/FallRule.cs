using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Rules;

/// <summary>
/// A fall is critical at once. A suspected fall (a radar's "maybe") becomes a high alert unless the
/// sensor reports clear within the confirm window: a false "maybe" must not wake anyone, a real one
/// must not be lost.
/// </summary>
public sealed class FallRule(string homeId, FallRuleConfig config) : Rule
{
    private readonly Dictionary<string, LatchedAlert> open = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (DateTimeOffset Due, SensorEvent Evidence, long Seq)> suspected = new(StringComparer.Ordinal);

    public override void Observe(SensorEvent e, long seq, DateTimeOffset now, List<AlertEvent> output)
    {
        if (e.Kind != SensorKind.Fall)
        {
            return;
        }

        switch (e.State)
        {
            case SensorStates.Fall:
                suspected.Remove(e.SensorId);
                Trigger(e, seq, now, AlertPriority.Critical, $"Fall detected by {e.SensorId}", output);
                break;
            case SensorStates.SuspectedFall:
                if (open.TryGetValue(e.SensorId, out var latched) && latched.IsRecent(now, config.RepeatWindow))
                {
                    output.Add(latched.Repeat(e, seq, now, AlertPriority.High, $"Possible fall again at {e.SensorId}"));
                }
                else
                {
                    suspected.TryAdd(e.SensorId, (now + config.ConfirmWindow, e, seq));
                }

                break;
            case SensorStates.Clear:
                suspected.Remove(e.SensorId);
                break;
        }
    }

    public override void Advance(DateTimeOffset now, List<AlertEvent> output)
    {
        foreach (var (sensorId, pending) in suspected.Where(p => p.Value.Due <= now).ToList())
        {
            suspected.Remove(sensorId);
            var seconds = (int)config.ConfirmWindow.TotalSeconds;
            Trigger(pending.Evidence, pending.Seq, now, AlertPriority.High,
                $"Possible fall at {sensorId}, not cleared within {seconds} s", output);
        }
    }

    public override DateTimeOffset? NextDeadline =>
        suspected.Count == 0 ? null : suspected.Values.Min(p => p.Due);

    private void Trigger(SensorEvent e, long seq, DateTimeOffset now, AlertPriority priority, string summary, List<AlertEvent> output)
    {
        if (open.TryGetValue(e.SensorId, out var latched) && latched.IsRecent(now, config.RepeatWindow))
        {
            output.Add(latched.Repeat(e, seq, now, priority, summary));
            return;
        }

        var raised = new AlertEvent(
            AlertIds.Create(AlertType.Fall, e.SensorId, now), AlertEventKind.Raised, AlertType.Fall, priority,
            homeId, e.SensorId, now, e.At, 1, summary)
        { EvidenceSeqs = [seq] };
        open[e.SensorId] = new LatchedAlert(raised);
        output.Add(raised);
    }
}
