using System.Text.Json;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Rules;

/// <summary>
/// Smoke, gas, carbon monoxide or water: <c>detected</c> raises at once; <c>detected</c> again while the alert is open counts up on it;
/// <c>clear</c> clears it, and a later <c>detected</c> is a new alert. Carer visits never hold it back (a carer
/// in the home does not put out a fire), so the rule has no visit hooks. Escalation of a critical alert that
/// nobody acknowledges is the engine's.
/// </summary>
public sealed class HazardRule : Rule
{
    private readonly SensorKind kind;
    private readonly AlertType type;
    private readonly AlertPriority priority;
    private readonly IReadOnlySet<string> sensors;
    private readonly ConditionAlerts alerts;

    private HazardRule(string key, SensorKind kind, AlertType type, AlertPriority priority, IReadOnlySet<string> sensors)
    {
        Key = key;
        this.kind = kind;
        this.type = type;
        this.priority = priority;
        this.sensors = sensors;
        alerts = new ConditionAlerts(type);
    }

    /// <summary>Smoke is always critical: a fire is the one hazard where minutes decide.</summary>
    public static HazardRule Smoke(IReadOnlySet<string> sensors) =>
        new("smoke", SensorKind.Smoke, AlertType.Smoke, AlertPriority.Critical, sensors);

    /// <summary>Gas: critical, an explosion or poisoning risk that someone must act on now.</summary>
    public static HazardRule Gas(IReadOnlySet<string> sensors) =>
        new("gas", SensorKind.Gas, AlertType.Gas, AlertPriority.Critical, sensors);

    /// <summary>Carbon monoxide: critical; the client cannot notice it and may soon be unable to call.</summary>
    public static HazardRule CarbonMonoxide(IReadOnlySet<string> sensors) =>
        new("carbonMonoxide", SensorKind.CarbonMonoxide, AlertType.CarbonMonoxide, AlertPriority.Critical, sensors);

    public static HazardRule WaterLeak(AlertPriority priority, IReadOnlySet<string> sensors) =>
        new("waterLeak", SensorKind.WaterLeak, AlertType.WaterLeak, priority, sensors);

    public override string Key { get; }

    public override void Observe(SensorEvent e, long seq, RuleContext context, List<AlertEvent> output)
    {
        if (e.Kind != kind || !sensors.Contains(e.SensorId))
        {
            return;
        }

        var where = ConditionAlerts.Describe(context.Home, e.SensorId);
        var what = type switch
        {
            AlertType.Smoke => "Smoke",
            AlertType.Gas => "Gas",
            AlertType.CarbonMonoxide => "Carbon monoxide",
            _ => "Water leak",
        };
        switch (e.State)
        {
            case SensorStates.Detected:
                alerts.Start(e, seq, context.Now, priority,
                    alerts.IsOpen(e.SensorId) ? $"{what} still detected by {where}" : $"{what} detected by {where}", context, output);
                break;
            case SensorStates.Clear:
                alerts.End(e, seq, context.Now, $"{what} cleared at {where}", output);
                break;
        }
    }

    public override bool Close(string alertId, RuleContext context) => alerts.Close(alertId);

    public override object SaveState() => alerts.Open;

    public override void RestoreState(JsonElement state, RuleContext context) =>
        alerts.Restore(RuleStateJson.Read<Dictionary<string, AlertEvent>>(state), sensors.Contains);
}
