using System.Text.Json;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Rules;

/// <summary>
/// The client leaves at night and does not come back. Exactly:
/// <list type="bullet">
/// <item>An exit starts when the entrance door reports open at an instant inside the night window (local time of the
/// home; start inclusive, end exclusive: 21:59:59 is evening, 22:00:00 is night). Further "open" reports while an exit
/// is running do not restart it: the client has been gone since the first opening.</item>
/// <item>The client is back when the door has reported closed and after that a watched presence or motion sensor
/// reports a detection. Movement while the door is still open does not count (that may be the client at the door),
/// nor does a presence sensor that has stayed "detected" since before the close without reporting again: the rule
/// would rather wake someone needlessly than miss a client outside.</item>
/// <item>Not back strictly before opening + grace: a high alert exactly at opening + grace (real elapsed time, so a
/// clock change in between does not stretch or shorten it), even when that falls after the night has ended. No
/// repeats. The alert clears when the client is back.</item>
/// <item>Carer visits: an opening during a visit, or within <c>afterVisit</c> of the check-out (the carer leaving),
/// does not count. An exit still within its grace at check-in is dropped: the carer is in the home and sees whether
/// the client is. An alert already raised stays open; door and presence reports during the visit are the carer's
/// and do not clear it.</item>
/// </list>
/// </summary>
public sealed class NightExitRule(NightExitRuleConfig config, string door, IReadOnlySet<string> presence, DailyWindow night) : Rule
{
    /// <summary>Sensor kinds that can show the client is back inside.</summary>
    public static readonly IReadOnlyList<SensorKind> PresenceKinds = [SensorKind.Presence, SensorKind.Motion];

    /// <summary>One night exit: the opening that started it, whether the door has closed since, and its alert.</summary>
    internal sealed record Exit(DateTimeOffset OpenedAt, long Seq, bool DoorClosed, AlertEvent? Alert);

    /// <summary>The saved state names its door: an exit through a door that is no longer the entrance is dropped.</summary>
    internal sealed record State(string Door, Exit? Exit, DateTimeOffset? VisitEndedAt);

    private Exit? exit;
    private DateTimeOffset? visitEndedAt;

    public override string Key => "nightExit";

    public override void Observe(SensorEvent e, long seq, RuleContext context, List<AlertEvent> output)
    {
        if (e.Kind == SensorKind.Door && e.SensorId == door)
        {
            ObserveDoor(e, seq, context);
        }
        else if (PresenceKinds.Contains(e.Kind) && presence.Contains(e.SensorId) && e.State == SensorStates.Detected
            && exit is { DoorClosed: true } back && !context.VisitInProgress)
        {
            exit = null;
            if (back.Alert is { } alert)
            {
                output.Add(alert with
                {
                    Kind = AlertEventKind.Cleared,
                    At = context.Now,
                    EvidenceAt = e.At,
                    Summary = $"Client back in: {door} closed and {e.SensorId} saw movement, {DoorLeftOpenRule.FormatDuration(e.At - back.OpenedAt)} after the door opened",
                    EvidenceSeqs = [seq],
                });
            }
        }
    }

    private void ObserveDoor(SensorEvent e, long seq, RuleContext context)
    {
        if (e.State == SensorStates.Closed)
        {
            if (exit is not null && !context.VisitInProgress)
            {
                exit = exit with { DoorClosed = true };
            }

            return;
        }

        if (e.State != SensorStates.Open)
        {
            return;
        }

        if (exit is not null)
        {
            // Opened again (the client coming back in, or going out again): it must close again before movement counts.
            exit = exit with { DoorClosed = false };
            return;
        }

        var carerLeaving = visitEndedAt is { } ended && e.At - ended < config.AfterVisit;
        if (!context.VisitInProgress && !carerLeaving && context.Clock.IsInside(night, e.At))
        {
            exit = new Exit(e.At, seq, false, null);
        }
    }

    public override void Advance(RuleContext context, List<AlertEvent> output)
    {
        if (exit is not { Alert: null } pending || pending.OpenedAt + config.Grace > context.Now)
        {
            return;
        }

        var due = pending.OpenedAt + config.Grace;
        var opened = context.Clock.ToLocal(pending.OpenedAt);
        var raised = new AlertEvent(
            AlertIds.Create(AlertType.NightExit, door, due), AlertEventKind.Raised, AlertType.NightExit,
            (AlertPriority)config.Priority, context.HomeId, door, due, pending.OpenedAt, 1,
            $"Door {door} opened at night ({opened:HH:mm}) and the client is not back after {DoorLeftOpenRule.FormatDuration(config.Grace)}")
        { EvidenceSeqs = [pending.Seq] };
        exit = pending with { Alert = raised };
        output.Add(raised);
    }

    // The exit is over as far as the rule goes: the door's next opening at night is a new exit.
    public override bool Close(string alertId, RuleContext context)
    {
        if (exit?.Alert?.AlertId != alertId)
        {
            return false;
        }

        exit = null;
        return true;
    }

    public override DateTimeOffset? NextDeadline => exit is { Alert: null } pending ? pending.OpenedAt + config.Grace : null;

    public override void OnVisitStarted(RuleContext context, List<AlertEvent> output)
    {
        if (exit is { Alert: null })
        {
            exit = null;
        }
    }

    public override void OnVisitEnded(RuleContext context, List<AlertEvent> output) => visitEndedAt = context.Now;

    public override object SaveState() => new State(door, exit, visitEndedAt);

    public override void RestoreState(JsonElement state, RuleContext context)
    {
        var saved = RuleStateJson.Read<State>(state)!;
        exit = saved.Door == door ? saved.Exit : null;
        visitEndedAt = saved.VisitEndedAt;
    }
}
