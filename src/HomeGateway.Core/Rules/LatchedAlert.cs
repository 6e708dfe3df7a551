using HomeGateway.Core.Alerts;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Rules;

/// <summary>
/// An alert that only a person can end (a fall, a help press): the device never clears it. While it is
/// recent, the same trigger again counts up on it instead of raising a new alert, so the dispatcher sees
/// one row with a count, not a flood; after <c>repeatWindow</c> of quiet a new trigger is a new alert.
/// Saved as is (a record) for restarts.
/// </summary>
internal sealed record LatchedAlert(AlertEvent Last, DateTimeOffset LastTriggerAt)
{
    public static LatchedAlert Raise(AlertEvent raised) => new(raised, raised.At);

    public bool IsRecent(DateTimeOffset now, TimeSpan repeatWindow) => now - LastTriggerAt < repeatWindow;

    public LatchedAlert Repeat(SensorEvent e, long seq, DateTimeOffset now, AlertPriority priority, string summary)
    {
        return new LatchedAlert(Last.Repeated(now, e.At, [seq], summary, priority), now);
    }
}
