using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Rules;

/// <summary>A help press is critical at once; presses while the alert is recent count up on it.</summary>
public sealed class HelpRule(string homeId, HelpRuleConfig config) : Rule
{
    private readonly Dictionary<string, LatchedAlert> open = new(StringComparer.Ordinal);

    public override void Observe(SensorEvent e, long seq, DateTimeOffset now, List<AlertEvent> output)
    {
        if (e.Kind != SensorKind.HelpButton || e.State != SensorStates.Pressed)
        {
            return;
        }

        if (open.TryGetValue(e.SensorId, out var latched) && latched.IsRecent(now, config.RepeatWindow))
        {
            output.Add(latched.Repeat(e, seq, now, AlertPriority.Critical, "Help button pressed again"));
            return;
        }

        var raised = new AlertEvent(
            AlertIds.Create(AlertType.Help, e.SensorId, now), AlertEventKind.Raised, AlertType.Help, AlertPriority.Critical,
            homeId, e.SensorId, now, e.At, 1, "Help button pressed")
        { EvidenceSeqs = [seq] };
        open[e.SensorId] = new LatchedAlert(raised);
        output.Add(raised);
    }
}
