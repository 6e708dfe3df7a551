using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Rules;

/// <summary>
/// A door open longer than <c>after</c> raises an alert; while it stays open the alert repeats every
/// <c>repeatEvery</c> (the count goes up, it is still one alert); closing the door clears it.
/// </summary>
public sealed class DoorLeftOpenRule(string homeId, DoorLeftOpenRuleConfig config, IReadOnlySet<string> doors) : Rule
{
    private sealed class OpenDoor(SensorEvent opened, long seq, DateTimeOffset due)
    {
        public SensorEvent Opened { get; } = opened;
        public long Seq { get; } = seq;
        public DateTimeOffset Due { get; set; } = due;
        public AlertEvent? Alert { get; set; }
    }

    private readonly Dictionary<string, OpenDoor> openDoors = new(StringComparer.Ordinal);

    public override void Observe(SensorEvent e, long seq, DateTimeOffset now, List<AlertEvent> output)
    {
        if (e.Kind != SensorKind.Door || !doors.Contains(e.SensorId))
        {
            return;
        }

        if (e.State == SensorStates.Open)
        {
            // A repeated "open" report (devices resend state) does not restart the timer.
            openDoors.TryAdd(e.SensorId, new OpenDoor(e, seq, e.At + config.After));
        }
        else if (e.State == SensorStates.Closed && openDoors.Remove(e.SensorId, out var door) && door.Alert is { } alert)
        {
            output.Add(alert with
            {
                Kind = AlertEventKind.Cleared,
                At = now,
                EvidenceAt = e.At,
                Summary = $"Door {e.SensorId} closed after {FormatDuration(e.At - door.Opened.At)}",
                EvidenceSeqs = [seq],
            });
        }
    }

    public override void Advance(DateTimeOffset now, List<AlertEvent> output)
    {
        foreach (var (sensorId, door) in openDoors)
        {
            if (door.Due > now)
            {
                continue;
            }

            var openFor = FormatDuration(now - door.Opened.At);
            if (door.Alert is null)
            {
                door.Alert = new AlertEvent(
                    AlertIds.Create(AlertType.DoorLeftOpen, sensorId, now), AlertEventKind.Raised, AlertType.DoorLeftOpen,
                    (AlertPriority)config.Priority, homeId, sensorId, now, door.Opened.At, 1,
                    $"Door {sensorId} has been open for {openFor}")
                { EvidenceSeqs = [door.Seq] };
            }
            else
            {
                door.Alert = door.Alert with
                {
                    Kind = AlertEventKind.Repeated,
                    At = now,
                    Count = door.Alert.Count + 1,
                    Summary = $"Door {sensorId} still open, for {openFor}",
                };
            }

            output.Add(door.Alert);
            // After a long pause (the gateway was down) one repeat is enough: no burst of catch-up alerts.
            door.Due = now + config.RepeatEvery;
        }
    }

    public override DateTimeOffset? NextDeadline =>
        openDoors.Count == 0 ? null : openDoors.Values.Min(d => d.Due);

    internal static string FormatDuration(TimeSpan span) =>
        span.TotalHours >= 1 ? $"{(int)span.TotalHours} h {span.Minutes} min"
        : span.TotalMinutes >= 1 ? $"{(int)span.TotalMinutes} min {span.Seconds} s"
        : $"{(int)Math.Round(span.TotalSeconds)} s";
}
