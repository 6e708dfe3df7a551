using System.Text.Json;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Rules;

/// <summary>A help press is critical at once; presses while the alert is recent count up on it.</summary>
public sealed class HelpRule(HelpRuleConfig config) : Rule
{
    private Dictionary<string, LatchedAlert> open = new(StringComparer.Ordinal);

    public override string Key => "help";

    public override void Observe(SensorEvent e, long seq, RuleContext context, List<AlertEvent> output)
    {
        if (e.Kind != SensorKind.HelpButton || e.State != SensorStates.Pressed)
        {
            return;
        }

        var now = context.Now;
        if (open.TryGetValue(e.SensorId, out var latched) && latched.IsRecent(now, config.RepeatWindow))
        {
            latched = latched.Repeat(e, seq, now, AlertPriority.Critical, "Help button pressed again");
            open[e.SensorId] = latched;
            output.Add(latched.Last);
            return;
        }

        var raised = new AlertEvent(
            AlertIds.Create(AlertType.Help, e.SensorId, now), AlertEventKind.Raised, AlertType.Help, AlertPriority.Critical,
            context.HomeId, e.SensorId, now, e.At, 1, "Help button pressed")
        { EvidenceSeqs = [seq] };
        open[e.SensorId] = LatchedAlert.Raise(raised);
        output.Add(raised);
    }

    public override bool Close(string alertId, RuleContext context) => ClosedAlerts.Remove(open, alertId, l => l.Last);

    public override object SaveState() => open;

    public override void RestoreState(JsonElement state, RuleContext context) =>
        open = new Dictionary<string, LatchedAlert>(RuleStateJson.Read<Dictionary<string, LatchedAlert>>(state)!, StringComparer.Ordinal);
}
