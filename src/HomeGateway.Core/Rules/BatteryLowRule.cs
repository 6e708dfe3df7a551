using System.Text.Json;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Rules;

/// <summary>
/// Any message carrying a battery level strictly below <c>threshold</c> raises a low alert for that sensor, once:
/// further low readings add nothing (a battery reports every hour; nobody needs a count of them). A level strictly
/// above <c>threshold + hysteresis</c> clears it (the battery was replaced); levels in between change nothing, so
/// a battery hovering at the threshold cannot flap. The device's own flag counts too (Zigbee2MQTT <c>battery_low</c>):
/// <c>true</c> raises whatever the level says (the device knows its cell chemistry better than a fixed threshold);
/// <c>false</c> clears only when no level came with it, or the level is above the band as well. Messages with
/// neither a level nor a flag are ignored.
/// </summary>
public sealed class BatteryLowRule(BatteryLowRuleConfig config) : Rule
{
    private readonly ConditionAlerts alerts = new(AlertType.BatteryLow);

    public override string Key => "batteryLow";

    public override void Observe(SensorEvent e, long seq, RuleContext context, List<AlertEvent> output)
    {
        if ((e.BatteryPercent is null && e.BatteryLow is null) || context.Home.FindSensor(e.SensorId) is null)
        {
            return;
        }

        // Nearly every Zigbee message carries a battery level: the wording is built only when an alert may start or end.
        var level = e.BatteryPercent;
        if (e.BatteryLow == true || level < config.Threshold)
        {
            var where = ConditionAlerts.Describe(context.Home, e.SensorId);
            var why = level is { } l ? $"{l} %" : "the device reports battery_low";
            alerts.Start(e, seq, context.Now, AlertPriority.Low, $"Battery of {where} is low ({why}): replace it",
                context, output, countRepeats: false);
        }
        else if ((level is { } l ? l > config.Threshold + config.Hysteresis : e.BatteryLow == false) && alerts.IsOpen(e.SensorId))
        {
            var where = ConditionAlerts.Describe(context.Home, e.SensorId);
            var why = level is { } l2 ? $"at {l2} %" : "no longer low";
            alerts.End(e, seq, context.Now, $"Battery of {where} is {why} again", output);
        }
    }

    public override bool Close(string alertId, RuleContext context) => alerts.Close(alertId);

    public override object SaveState() => alerts.Open;

    public override void RestoreState(JsonElement state, RuleContext context) =>
        alerts.Restore(RuleStateJson.Read<Dictionary<string, AlertEvent>>(state), id => context.Home.FindSensor(id) is not null);
}
