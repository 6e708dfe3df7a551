using System.Text.Json;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Rules;

/// <summary>
/// Supervision of each watched sensor (see <see cref="SensorOfflineRuleConfig"/> for the per-kind times and why
/// GPIO inputs are left out by default):
/// <list type="bullet">
/// <item>No message from it for its supervision time raises a normal alert exactly at last-heard + time. Silence
/// since the engine started counts from <see cref="RuleContext.StartedAt"/>: a sensor dead before a reboot is found.</item>
/// <item>An availability <c>offline</c> for it (its network gave up on it) raises at once; again while open counts up.</item>
/// <item>Any other event with its id (any kind: a state, a reading, a tamper, availability <c>online</c>) is a sign
/// of life: it restarts the timer and clears an open alert.</item>
/// </list>
/// While an alert is open the rule waits for the sensor: it does not repeat.
/// </summary>
public sealed class SensorOfflineRule : Rule
{
    // Closed: dispatch resolved the alert while the sensor stays silent: no repeat, no clear; the next silence after it
    // is heard from again counts, and so does its next "offline" report.
    internal sealed record Supervised(DateTimeOffset LastHeard, AlertEvent? Alert, bool Closed = false);

    private readonly Dictionary<string, (SensorKind Kind, TimeSpan After)> watched;
    private Dictionary<string, Supervised> sensors = new(StringComparer.Ordinal);

    private readonly Func<string, Supervised, DateTimeOffset?> dueOf;

    // The earliest due time among the sensors without an open alert. The engine asks before every event and a fresh
    // answer is a pass over every sensor, so it is kept up to date as sensors are heard from; false: work it out again.
    private DateTimeOffset? earliest;
    private bool earliestKnown;

    // The rule needs the engine's start time to begin counting, which only the context carries; until the engine
    // first advances it asks to be advanced at once (an "armed" flag instead would leave the host sleeping forever).
    private bool armed;

    public SensorOfflineRule(SensorOfflineRuleConfig config, IEnumerable<SensorConfig> homeSensors)
    {
        watched = new Dictionary<string, (SensorKind, TimeSpan)>(StringComparer.Ordinal);
        dueOf = (id, s) => s.Alert is null ? s.LastHeard + watched[id].After : null;
        foreach (var sensor in homeSensors)
        {
            if ((sensor.Gpio is null || config.IncludeGpio) && config.For(sensor.Kind) is { } after)
            {
                watched[sensor.Id] = (sensor.Kind, after);
            }
        }
    }

    public override string Key => "sensorOffline";

    /// <summary>The sensors supervised and their supervision times.</summary>
    public IReadOnlyDictionary<string, (SensorKind Kind, TimeSpan After)> Watched => watched;

    public override void Observe(SensorEvent e, long seq, RuleContext context, List<AlertEvent> output)
    {
        Arm(context);
        if (!watched.TryGetValue(e.SensorId, out var supervision))
        {
            return;
        }

        // Most events are plain signs of life: the alert wording is built only when a step is decided.
        var state = sensors[e.SensorId];
        if (e.Kind == SensorKind.Availability && e.State == SensorStates.Offline)
        {
            var summary = $"The {Describe(supervision.Kind, context, e.SensorId)} is reported offline by its network";
            var step = state is { Alert: { } open, Closed: false }
                ? open.Repeated(context.Now, e.At, [seq], summary)
                : new AlertEvent(AlertIds.Create(AlertType.SensorOffline, e.SensorId, context.Now), AlertEventKind.Raised,
                    AlertType.SensorOffline, AlertPriority.Normal, context.HomeId, e.SensorId, context.Now, e.At, 1, summary)
                { EvidenceSeqs = [seq] };
            output.Add(step);
            sensors[e.SensorId] = state with { Alert = step, Closed = false };
            earliestKnown = false;
            return;
        }

        if (state is { Alert: { } alert, Closed: false })
        {
            output.Add(alert with
            {
                Kind = AlertEventKind.Cleared,
                At = context.Now,
                EvidenceAt = e.At,
                Summary = $"The {Describe(supervision.Kind, context, e.SensorId)} is heard from again",
                EvidenceSeqs = [seq],
            });
        }

        sensors[e.SensorId] = new Supervised(e.At, null);
        var heardDue = e.At + supervision.After;
        if (earliestKnown)
        {
            // This sensor's old due time leaves the set and its new one joins: only if the old one was the earliest
            // does the earliest need a pass over all of them.
            if (state.Alert is null && state.LastHeard + supervision.After == earliest)
            {
                earliestKnown = false;
            }
            else if (earliest is null || heardDue < earliest)
            {
                earliest = heardDue;
            }
        }
    }

    public override void Advance(RuleContext context, List<AlertEvent> output)
    {
        Arm(context);
        foreach (var (sensorId, state) in sensors.Where(p => p.Value.Alert is null).ToList())
        {
            var (kind, after) = watched[sensorId];
            var due = state.LastHeard + after;
            if (due > context.Now)
            {
                continue;
            }

            var alert = new AlertEvent(AlertIds.Create(AlertType.SensorOffline, sensorId, due), AlertEventKind.Raised,
                AlertType.SensorOffline, AlertPriority.Normal, context.HomeId, sensorId, due, state.LastHeard, 1,
                $"The {SensorKindNames.ToName(kind)} sensor {ConditionAlerts.Describe(context.Home, sensorId)} has not been heard from for {DoorLeftOpenRule.FormatDuration(after)}");
            output.Add(alert);
            sensors[sensorId] = state with { Alert = alert };
            earliestKnown = false;
        }
    }

    public override bool Close(string alertId, RuleContext context) =>
        ClosedAlerts.Replace(sensors, alertId, s => s.Closed ? null : s.Alert, s => s with { Closed = true });

    private static string Describe(SensorKind kind, RuleContext context, string sensorId) =>
        $"{SensorKindNames.ToName(kind)} sensor {ConditionAlerts.Describe(context.Home, sensorId)}";

    public override DateTimeOffset? NextDeadline =>
        !armed ? (watched.Count == 0 ? null : DateTimeOffset.MinValue)
        : earliestKnown ? earliest : Earliest();

    private DateTimeOffset? Earliest()
    {
        earliest = Deadlines.Earliest(sensors, dueOf);
        earliestKnown = true;
        return earliest;
    }

    public override object SaveState() => sensors;

    public override void RestoreState(JsonElement state, RuleContext context)
    {
        var saved = RuleStateJson.Read<Dictionary<string, Supervised>>(state) ?? [];
        // Sensors removed from the home file are forgotten; sensors added since are timed from this start.
        sensors = new Dictionary<string, Supervised>(saved.Where(p => watched.ContainsKey(p.Key)), StringComparer.Ordinal);
        foreach (var id in watched.Keys)
        {
            sensors.TryAdd(id, new Supervised(context.Now, null));
        }

        armed = true;
        earliestKnown = false;
    }

    private void Arm(RuleContext context)
    {
        if (armed)
        {
            return;
        }

        armed = true;
        earliestKnown = false;
        foreach (var id in watched.Keys)
        {
            sensors[id] = new Supervised(context.StartedAt, null);
        }
    }
}
