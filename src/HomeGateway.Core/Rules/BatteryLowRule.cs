using System.Text.Json;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Rules;

/// <summary>
/// Any message carrying a battery level strictly below <c>threshold</c> raises a low alert for that sensor, once:
/// further low readings add nothing (a battery reports every hour; nobody needs a count of them). A level strictly
/// above <c>threshold + hysteresis</c> clears it (the battery was replaced); levels in between change nothing, so
/// a battery hovering at the threshold cannot flap. Messages without a level are ignored.
/// </summary>
public sealed class BatteryLowRule(BatteryLowRuleConfig config) : Rule
{
    private readonly ConditionAlerts alerts = new(AlertType.BatteryLow);

    public override string Key => "batteryLow";

    public override void Observe(SensorEvent e, long seq, RuleContext context, List<AlertEvent> output)
    {
        if (e.BatteryPercent is not { } level || context.Home.FindSensor(e.SensorId) is null)
        {
            return;
        }

        var where = ConditionAlerts.Describe(context.Home, e.SensorId);
        if (level < config.Threshold)
        {
            alerts.Start(e, seq, context.Now, AlertPriority.Low, $"Battery of {where} is low ({level} %): replace it",
                context, output, countRepeats: false);
        }
        else if (level > config.Threshold + config.Hysteresis)
        {
            alerts.End(e, seq, context.Now, $"Battery of {where} is at {level} % again", output);
        }
    }

    public override object SaveState() => alerts.Open;

    public override void RestoreState(JsonElement state, RuleContext context) =>
        alerts.Restore(state.Deserialize<Dictionary<string, AlertEvent>>(RuleStateJson.Options), id => context.Home.FindSensor(id) is not null);
}
