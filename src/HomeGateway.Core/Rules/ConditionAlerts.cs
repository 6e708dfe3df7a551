using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Rules;

/// <summary>
/// The open alerts of a rule whose condition the device both starts and ends (smoke detected / clear, tamper,
/// battery low / replaced): one open alert per sensor; the condition reported again while open counts up on it;
/// the end clears it and the next start is a new alert. Saved as a plain dictionary of the last step per sensor.
/// </summary>
internal sealed class ConditionAlerts(AlertType type)
{
    public Dictionary<string, AlertEvent> Open { get; private set; } = new(StringComparer.Ordinal);

    public bool IsOpen(string sensorId) => Open.ContainsKey(sensorId);

    /// <summary>Raises, or counts up when <paramref name="countRepeats"/> and the alert is already open.</summary>
    public void Start(SensorEvent e, long seq, DateTimeOffset at, AlertPriority priority, string summary,
        RuleContext context, List<AlertEvent> output, bool countRepeats = true)
    {
        AlertEvent step;
        if (Open.TryGetValue(e.SensorId, out var open))
        {
            if (!countRepeats)
            {
                return;
            }

            step = open.Repeated(at, e.At, [seq], summary, priority);
        }
        else
        {
            step = new AlertEvent(AlertIds.Create(type, e.SensorId, at), AlertEventKind.Raised, type, priority,
                context.HomeId, e.SensorId, at, e.At, 1, summary)
            { EvidenceSeqs = [seq] };
        }

        Open[e.SensorId] = step;
        output.Add(step);
    }

    public void End(SensorEvent e, long seq, DateTimeOffset at, string summary, List<AlertEvent> output)
    {
        if (Open.Remove(e.SensorId, out var open))
        {
            output.Add(open with { Kind = AlertEventKind.Cleared, At = at, EvidenceAt = e.At, Summary = summary, EvidenceSeqs = [seq] });
        }
    }

    /// <summary>Dispatch resolved it: forgotten, so the condition reported again raises a new alert and its end clears nothing.</summary>
    public bool Close(string alertId) => ClosedAlerts.Remove(Open, alertId, a => a);

    /// <summary>Takes back saved alerts, forgetting sensors the home file no longer has.</summary>
    public void Restore(Dictionary<string, AlertEvent>? saved, Func<string, bool> keep) =>
        Open = new Dictionary<string, AlertEvent>((saved ?? []).Where(p => keep(p.Key)), StringComparer.Ordinal);

    public static string Describe(HomeConfig home, string sensorId) =>
        home.FindSensor(sensorId)?.Location is { } location ? $"{sensorId} ({location})" : sensorId;
}
