using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Rules;

/// <summary>
/// A timeline played through the real engine on a virtual clock, exactly as the gateway's loop would drive it:
/// waking at every deadline, then handing over each event at its time. Deterministic: the same home and timeline
/// always give the same alert steps. Used by <c>homegateway replay</c> to test a care plan before installing it.
/// </summary>
public static class Replay
{
    public static IReadOnlyList<AlertEvent> Run(HomeConfig home, DateTimeOffset start, IEnumerable<SensorEvent> timeline, DateTimeOffset? until)
    {
        var engine = new RulesEngine(home, start);
        var output = new List<AlertEvent>();
        var now = start;
        var seq = 0L;
        foreach (var e in timeline)
        {
            if (e.At < now)
            {
                throw new ArgumentException($"events must be in time order: {e.At:O} comes after {now:O}", nameof(timeline));
            }

            now = e.At;
            WakeUntil(engine, now, output);
            output.AddRange(engine.Observe(e, ++seq, now));
        }

        if (until is { } end && end > now)
        {
            WakeUntil(engine, end, output);
        }

        return output;
    }

    private static void WakeUntil(RulesEngine engine, DateTimeOffset until, List<AlertEvent> output)
    {
        while (engine.NextDeadline is { } due && due <= until)
        {
            output.AddRange(engine.Advance(due));
        }
    }

    /// <summary>The rule's key as a technician writes it in the home file.</summary>
    public static string RuleKey(AlertType type) => type switch
    {
        AlertType.Fall => "fall",
        AlertType.Help => "help",
        AlertType.DoorLeftOpen => "doorLeftOpen",
        AlertType.NightExit => "nightExit",
        AlertType.Inactivity => "inactivity",
        AlertType.BedNotReturned => "bedNotReturned",
        AlertType.MissedDose => "missedDose",
        AlertType.Smoke => "smoke",
        AlertType.WaterLeak => "waterLeak",
        AlertType.Gas => "gas",
        AlertType.CarbonMonoxide => "carbonMonoxide",
        AlertType.PowerFailure => "powerFailure",
        AlertType.Temperature => "temperature",
        AlertType.SensorOffline => "sensorOffline",
        AlertType.BatteryLow => "batteryLow",
        AlertType.Tamper => "tamper",
        AlertType.DailyTest => "dailyTest",
        AlertType.GatewayHealth => "gatewayHealth",
        _ => "unknown",
    };
}
