using System.Text.Json;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Rules;

/// <summary>
/// The UPS says mains power is lost: if it is not back within <c>after</c>, one alert exactly then; power back clears
/// it. Power back before <c>after</c> leaves no trace but the journal. A repeated <c>mains_lost</c> (the UPS resends
/// its state) does not restart the wait. Carer visits do not hold it back: a carer in the home does not restore power.
/// </summary>
public sealed class PowerFailureRule(PowerFailureRuleConfig config, IReadOnlySet<string> upsSensors) : Rule
{
    // Due is null once the alert is raised: it stays open until power is back.
    internal sealed record Outage(DateTimeOffset LostAt, long Seq, DateTimeOffset? Due, AlertEvent? Alert);

    private Dictionary<string, Outage> outages = new(StringComparer.Ordinal);

    public override string Key => "powerFailure";

    public override void Observe(SensorEvent e, long seq, RuleContext context, List<AlertEvent> output)
    {
        if (e.Kind != SensorKind.Power || !upsSensors.Contains(e.SensorId))
        {
            return;
        }

        if (e.State == SensorStates.MainsLost)
        {
            outages.TryAdd(e.SensorId, new Outage(e.At, seq, e.At + config.After, null));
        }
        else if (e.State == SensorStates.MainsRestored && outages.Remove(e.SensorId, out var outage) && outage.Alert is { } alert)
        {
            output.Add(alert with
            {
                Kind = AlertEventKind.Cleared,
                At = context.Now,
                EvidenceAt = e.At,
                Summary = $"Mains power back at {ConditionAlerts.Describe(context.Home, e.SensorId)} after {DoorLeftOpenRule.FormatDuration(e.At - outage.LostAt)}",
                EvidenceSeqs = [seq],
            });
        }
    }

    public override void Advance(RuleContext context, List<AlertEvent> output)
    {
        foreach (var (sensorId, outage) in outages
            .Where(o => o.Value.Due is { } due && due <= context.Now)
            .OrderBy(o => o.Value.Due).ThenBy(o => o.Key, StringComparer.Ordinal).ToList())
        {
            var due = outage.Due!.Value;
            var alert = new AlertEvent(
                AlertIds.Create(AlertType.PowerFailure, sensorId, due), AlertEventKind.Raised, AlertType.PowerFailure,
                (AlertPriority)config.Priority, context.HomeId, sensorId, due, outage.LostAt, 1,
                $"No mains power at {ConditionAlerts.Describe(context.Home, sensorId)} for {DoorLeftOpenRule.FormatDuration(due - outage.LostAt)}: the gateway runs on its battery")
            { EvidenceSeqs = [outage.Seq] };
            output.Add(alert);
            outages[sensorId] = outage with { Due = null, Alert = alert };
        }
    }

    // Still on battery: quiet until mains is back and lost again.
    public override bool Close(string alertId, RuleContext context) =>
        ClosedAlerts.Replace(outages, alertId, o => o.Alert, o => o with { Due = null, Alert = null });

    public override DateTimeOffset? NextDeadline => Deadlines.Earliest(outages, static (_, o) => o.Due);

    public override object SaveState() => outages;

    public override void RestoreState(JsonElement state, RuleContext context)
    {
        var saved = RuleStateJson.Read<Dictionary<string, Outage>>(state)!;
        // A waiting outage follows the delay in force now, as the door rule does.
        outages = new Dictionary<string, Outage>(
            saved.Where(o => upsSensors.Contains(o.Key))
                .Select(o => KeyValuePair.Create(o.Key, o.Value is { Alert: null, Due: not null } ? o.Value with { Due = o.Value.LostAt + config.After } : o.Value)),
            StringComparer.Ordinal);
    }
}
