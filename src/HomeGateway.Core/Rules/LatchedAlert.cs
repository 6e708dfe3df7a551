using HomeGateway.Core.Alerts;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Rules;

/// <summary>
/// An alert that only a person can end (a fall, a help press): the device never clears it. While it is
/// recent, the same trigger again counts up on it instead of raising a new alert, so the dispatcher sees
/// one row with a count, not a flood; after <c>repeatWindow</c> of quiet a new trigger is a new alert.
/// </summary>
internal sealed class LatchedAlert(AlertEvent raised)
{
    private AlertEvent last = raised;

    public DateTimeOffset LastTriggerAt { get; private set; } = raised.At;

    public bool IsRecent(DateTimeOffset now, TimeSpan repeatWindow) => now - LastTriggerAt < repeatWindow;

    public AlertEvent Repeat(SensorEvent e, long seq, DateTimeOffset now, AlertPriority priority, string summary)
    {
        LastTriggerAt = now;
        var higher = (AlertPriority)Math.Min((int)priority, (int)last.Priority);
        last = last with
        {
            Kind = AlertEventKind.Repeated,
            Priority = higher,
            At = now,
            EvidenceAt = e.At,
            Count = last.Count + 1,
            Summary = summary,
            EvidenceSeqs = [seq],
        };
        return last;
    }
}
