using System.Text.Json;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Rules;

/// <summary>
/// A door open longer than <c>after</c> raises an alert exactly at that moment; while it stays open the alert
/// repeats every <c>repeatEvery</c> (the count goes up, it is still one alert); closing the door clears it.
/// During a carer visit the rule holds back: a door open at check-out is timed from the check-out.
/// </summary>
public sealed class DoorLeftOpenRule(DoorLeftOpenRuleConfig config, IReadOnlySet<string> doors) : Rule
{
    // TimedFrom: when the current wait began (the opening, or the end of a carer visit); Due: when it ends (null
    // while a visit holds the timer).
    // Closed: dispatch resolved the alert while the door stayed open: no repeats, no clear; the next opening counts.
    // OpenedAt: all the rule needs of the opening. The whole opening event was saved before (2026-12): every alert step
    // saves every open door, and the event was ~40 % of it; such a state is still read (SavedOpenDoor).
    internal sealed record OpenDoor(DateTimeOffset OpenedAt, long Seq, DateTimeOffset TimedFrom, DateTimeOffset? Due, AlertEvent? Alert, bool Closed = false);

    // What RestoreState reads: the state saved now (OpenedAt) or before (Opened, the opening event, of which only At is read).
    internal sealed record SavedOpenDoor(
        DateTimeOffset? OpenedAt, SavedOpening? Opened, long Seq, DateTimeOffset TimedFrom, DateTimeOffset? Due, AlertEvent? Alert, bool Closed = false)
    {
        public OpenDoor ToOpenDoor() =>
            new(OpenedAt ?? Opened?.At ?? TimedFrom, Seq, TimedFrom, Due, Alert, Closed);
    }

    internal sealed record SavedOpening(DateTimeOffset At);

    private Dictionary<string, OpenDoor> openDoors = new(StringComparer.Ordinal);

    // The earliest Due of openDoors, kept until openDoors changes: the pipeline asks for the next deadline on every turn,
    // and looking through every open door each time (80 in the bench's busy home) was ~3 % of the gateway's CPU.
    private DateTimeOffset? earliestDue;
    private bool earliestKnown;

    public override string Key => "doorLeftOpen";

    public override void Observe(SensorEvent e, long seq, RuleContext context, List<AlertEvent> output)
    {
        if (e.Kind != SensorKind.Door || !doors.Contains(e.SensorId))
        {
            return;
        }

        earliestKnown = false;
        if (e.State == SensorStates.Open)
        {
            // A repeated "open" report (devices resend state) does not restart the timer.
            openDoors.TryAdd(e.SensorId, new OpenDoor(e.At, seq, e.At, context.VisitInProgress ? null : e.At + config.After, null));
        }
        else if (e.State == SensorStates.Closed && openDoors.Remove(e.SensorId, out var door) && door is { Alert: { } alert, Closed: false })
        {
            output.Add(alert with
            {
                Kind = AlertEventKind.Cleared,
                At = context.Now,
                EvidenceAt = e.At,
                Summary = $"Door {e.SensorId} closed after {FormatDuration(e.At - door.OpenedAt)}",
                EvidenceSeqs = [seq],
            });
        }
    }

    public override void Advance(RuleContext context, List<AlertEvent> output)
    {
        var now = context.Now;
        if (NextDeadline is not { } first || first > now)
        {
            return;
        }

        earliestKnown = false;
        foreach (var (sensorId, door) in openDoors.Where(d => d.Value.Due is { } due && due <= now).OrderBy(d => d.Value.Due).ThenBy(d => d.Key, StringComparer.Ordinal).ToList())
        {
            var due = door.Due!.Value;
            var openFor = FormatDuration(due - door.OpenedAt);
            var step = door.Alert is null
                ? new AlertEvent(
                    AlertIds.Create(AlertType.DoorLeftOpen, sensorId, due), AlertEventKind.Raised, AlertType.DoorLeftOpen,
                    (AlertPriority)config.Priority, context.HomeId, sensorId, due, door.OpenedAt, 1,
                    $"Door {sensorId} has been open for {openFor}")
                { EvidenceSeqs = [door.Seq] }
                : door.Alert.Repeated(due, door.Alert.EvidenceAt, door.Alert.EvidenceSeqs, $"Door {sensorId} still open, for {openFor}");
            output.Add(step);

            // After a long pause (the gateway was down) one repeat is enough: no burst of catch-up alerts.
            var next = due + config.RepeatEvery;
            openDoors[sensorId] = door with { Alert = step, Due = next > now ? next : now + config.RepeatEvery };
        }
    }

    public override void OnVisitStarted(RuleContext context, List<AlertEvent> output)
    {
        // Hold the timers; an alert already raised stays open until the door closes.
        earliestKnown = false;
        foreach (var (id, door) in openDoors.ToList())
        {
            openDoors[id] = door with { Due = null };
        }
    }

    public override void OnVisitEnded(RuleContext context, List<AlertEvent> output)
    {
        earliestKnown = false;
        foreach (var (id, door) in openDoors.ToList())
        {
            openDoors[id] = door.Closed ? door : door with { TimedFrom = context.Now, Due = context.Now + (door.Alert is null ? config.After : config.RepeatEvery) };
        }
    }

    public override bool Close(string alertId, RuleContext context)
    {
        earliestKnown = false;
        return ClosedAlerts.Replace(openDoors, alertId, d => d.Closed ? null : d.Alert, d => d with { Due = null, Closed = true });
    }

    public override DateTimeOffset? NextDeadline
    {
        get
        {
            if (!earliestKnown)
            {
                earliestDue = Deadlines.Earliest(openDoors, static (_, d) => d.Due);
                earliestKnown = true;
            }

            return earliestDue;
        }
    }

    public override object SaveState() => openDoors;

    public override void RestoreState(JsonElement state, RuleContext context)
    {
        earliestKnown = false;
        var saved = RuleStateJson.Read<Dictionary<string, SavedOpenDoor>>(state)!;
        // A door that is no longer watched (the home file changed) is forgotten; a running timer follows the
        // limit in force now, so a technician who shortens it sees the effect on a door that is open now.
        openDoors = new Dictionary<string, OpenDoor>(
            saved.Where(d => doors.Contains(d.Key))
                .Select(d => (d.Key, Door: d.Value.ToOpenDoor()))
                .Select(d => KeyValuePair.Create(d.Key, d.Door is { Alert: null, Due: not null } ? d.Door with { Due = d.Door.TimedFrom + config.After } : d.Door)),
            StringComparer.Ordinal);
    }

    internal static string FormatDuration(TimeSpan span) =>
        span.TotalHours >= 1 ? $"{(int)span.TotalHours} h {span.Minutes} min"
        : span.TotalMinutes >= 1 ? $"{(int)span.TotalMinutes} min {span.Seconds} s"
        : $"{(int)Math.Round(span.TotalSeconds)} s";
}
