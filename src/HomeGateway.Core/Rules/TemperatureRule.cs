using System.Globalization;
using System.Text.Json;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Rules;

/// <summary>
/// A reading outside [min, max] (both limits count as inside) starts a timer at that reading; if no reading back
/// inside arrives for <c>for</c>, a normal alert is raised exactly at first-out-of-range + <c>for</c>. The last
/// reading stands until the next: a sensor that reports only on change is still "out" between reports. Further
/// out-of-range readings while the alert is open add nothing, except the first one below <c>highBelow</c>, which
/// raises the open alert to high (a cold home is dangerous for an old person, a warm one rarely at once). A reading
/// back inside clears the alert or cancels the timer. Readings without a finite value are ignored.
/// </summary>
public sealed class TemperatureRule(TemperatureRuleConfig config, IReadOnlySet<string> sensors) : Rule
{
    internal sealed record OutOfRange(DateTimeOffset Since, long Seq, double Last, double Coldest, DateTimeOffset? Due, AlertEvent? Alert);

    private Dictionary<string, OutOfRange> outOfRange = new(StringComparer.Ordinal);

    public override string Key => "temperature";

    public override void Observe(SensorEvent e, long seq, RuleContext context, List<AlertEvent> output)
    {
        if (e.Kind != SensorKind.Temperature || e.State != SensorStates.Measured || e.Value is not { } value
            || !double.IsFinite(value) || !sensors.Contains(e.SensorId))
        {
            return;
        }

        var where = ConditionAlerts.Describe(context.Home, e.SensorId);
        var known = outOfRange.GetValueOrDefault(e.SensorId);
        if (value >= config.Min && value <= config.Max)
        {
            if (outOfRange.Remove(e.SensorId) && known?.Alert is { } alert)
            {
                output.Add(alert with
                {
                    Kind = AlertEventKind.Cleared,
                    At = context.Now,
                    EvidenceAt = e.At,
                    Summary = $"Temperature at {where} is back in range: {Celsius(value)}",
                    EvidenceSeqs = [seq],
                });
            }

            return;
        }

        if (known is null)
        {
            outOfRange[e.SensorId] = new OutOfRange(e.At, seq, value, value, e.At + config.For, null);
            return;
        }

        known = known with { Last = value, Coldest = Math.Min(known.Coldest, value) };
        if (known.Alert is { } open && open.Priority != AlertPriority.High && IsDangerouslyCold(value))
        {
            known = known with
            {
                Alert = open.Repeated(context.Now, e.At, [seq], $"Temperature at {where} has fallen to {Celsius(value)}", AlertPriority.High),
            };
            output.Add(known.Alert!);
        }

        outOfRange[e.SensorId] = known;
    }

    public override void Advance(RuleContext context, List<AlertEvent> output)
    {
        foreach (var (sensorId, state) in outOfRange.Where(p => p.Value.Due is { } due && due <= context.Now).OrderBy(p => p.Value.Due).ToList())
        {
            var due = state.Due!.Value;
            var priority = IsDangerouslyCold(state.Coldest) ? AlertPriority.High : AlertPriority.Normal;
            var alert = new AlertEvent(
                AlertIds.Create(AlertType.Temperature, sensorId, due), AlertEventKind.Raised, AlertType.Temperature, priority,
                context.HomeId, sensorId, due, state.Since, 1,
                $"Temperature at {ConditionAlerts.Describe(context.Home, sensorId)} is {Celsius(state.Last)}, outside "
                + $"{Celsius(config.Min)}–{Celsius(config.Max)} for {DoorLeftOpenRule.FormatDuration(due - state.Since)}")
            { EvidenceSeqs = [state.Seq] };
            output.Add(alert);
            outOfRange[sensorId] = state with { Due = null, Alert = alert };
        }
    }

    // Out of range still: quiet until the temperature is back in range and leaves it again.
    public override bool Close(string alertId, RuleContext context) =>
        ClosedAlerts.Replace(outOfRange, alertId, s => s.Alert, s => s with { Due = null, Alert = null });

    public override DateTimeOffset? NextDeadline =>
        Deadlines.Earliest(outOfRange, static (_, s) => s.Due);

    public override object SaveState() => outOfRange;

    public override void RestoreState(JsonElement state, RuleContext context)
    {
        var saved = RuleStateJson.Read<Dictionary<string, OutOfRange>>(state) ?? [];
        outOfRange = new Dictionary<string, OutOfRange>(saved.Where(p => sensors.Contains(p.Key)), StringComparer.Ordinal);
    }

    private bool IsDangerouslyCold(double value) => config.HighBelow is { } limit && value < limit;

    private static string Celsius(double value) => value.ToString("0.#", CultureInfo.InvariantCulture) + " °C";
}
