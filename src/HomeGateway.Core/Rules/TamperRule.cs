using System.Text.Json;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Rules;

/// <summary>
/// A device reports its case opened or lifted off the wall (a tamper event, from a tamper sensor or from any
/// Zigbee device that reports <c>tamper</c>): a high alert for that device at once, counted up while it stays
/// open, cleared when the device reports clear. High, not normal: a removed sensor silently stops protecting the
/// client. Any sensor of the home file may be the source; events for unknown ids are ignored.
/// </summary>
public sealed class TamperRule : Rule
{
    private readonly ConditionAlerts alerts = new(AlertType.Tamper);

    public override string Key => "tamper";

    public override void Observe(SensorEvent e, long seq, RuleContext context, List<AlertEvent> output)
    {
        if (e.Kind != SensorKind.Tamper || context.Home.FindSensor(e.SensorId) is null)
        {
            return;
        }

        var where = ConditionAlerts.Describe(context.Home, e.SensorId);
        switch (e.State)
        {
            case SensorStates.Detected:
                alerts.Start(e, seq, context.Now, AlertPriority.High,
                    alerts.IsOpen(e.SensorId) ? $"Sensor {where} tampered with again" : $"Sensor {where} tampered with (case opened or removed)",
                    context, output);
                break;
            case SensorStates.Clear:
                alerts.End(e, seq, context.Now, $"Sensor {where} no longer reports tampering", output);
                break;
        }
    }

    public override bool Close(string alertId, RuleContext context) => alerts.Close(alertId);

    public override object SaveState() => alerts.Open;

    public override void RestoreState(JsonElement state, RuleContext context) =>
        alerts.Restore(RuleStateJson.Read<Dictionary<string, AlertEvent>>(state), id => context.Home.FindSensor(id) is not null);
}
