using System.Text.Json;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Rules;

/// <summary>
/// One care-plan rule. Rules are pure state machines: they see normalised events and the time the engine gives
/// them (<see cref="RuleContext.Now"/>), and add the alert steps they decide to <c>output</c>. They never read a
/// clock or touch IO. A step decided by a timer carries the timer's due time as its <c>At</c>, not the moment the
/// timer happened to run, so a rule's output does not depend on how punctual the host was.
/// </summary>
public abstract class Rule
{
    /// <summary>The rule's key in the home file (<c>doorLeftOpen</c>); also its key in saved state.</summary>
    public abstract string Key { get; }

    /// <summary>An event was journalled with sequence number <paramref name="seq"/>.</summary>
    public abstract void Observe(SensorEvent e, long seq, RuleContext context, List<AlertEvent> output);

    /// <summary>Time has moved on to <see cref="RuleContext.Now"/>: fire whatever timers are due.</summary>
    public virtual void Advance(RuleContext context, List<AlertEvent> output)
    {
    }

    /// <summary>The earliest time at which <see cref="Advance"/> would decide something, if any.</summary>
    public virtual DateTimeOffset? NextDeadline => null;

    /// <summary>A carer checked in (<see cref="RuleContext.VisitInProgress"/> is now true).</summary>
    public virtual void OnVisitStarted(RuleContext context, List<AlertEvent> output)
    {
    }

    /// <summary>The carer checked out, or the visit reached its maximum length.</summary>
    public virtual void OnVisitEnded(RuleContext context, List<AlertEvent> output)
    {
    }

    /// <summary>
    /// Dispatch resolved the alert <paramref name="alertId"/>: the rule forgets it as open, so no later step carries its
    /// id and no clear follows; the condition's next evidence raises a new alert. A rule whose timer would raise it again
    /// at once (the same condition, no new evidence) stays quiet until the condition has ended and starts again.
    /// True when the rule had it open.
    /// </summary>
    public virtual bool Close(string alertId, RuleContext context) => false;

    /// <summary>
    /// Everything the rule needs to carry on after a restart (open alerts, running timers, last activity), as a
    /// value <see cref="JsonSerializer"/> can write. Null when there is nothing to keep.
    /// </summary>
    public virtual object? SaveState() => null;

    /// <summary>Takes back what <see cref="SaveState"/> wrote (possibly by an earlier version of the home file).</summary>
    public virtual void RestoreState(JsonElement state, RuleContext context)
    {
    }
}

/// <summary>What every rule may know besides the event: the home, its clock and whether a carer is there.</summary>
public sealed class RuleContext(HomeConfig home, HomeTime clock, DateTimeOffset startedAt)
{
    public HomeConfig Home => home;

    public string HomeId => home.HomeId;

    /// <summary>The home's local time (time zone and daylight saving).</summary>
    public HomeTime Clock => clock;

    /// <summary>When the engine began watching: silence since then counts as silence.</summary>
    public DateTimeOffset StartedAt { get; internal set; } = startedAt;

    /// <summary>The time of the current decision.</summary>
    public DateTimeOffset Now { get; internal set; } = startedAt;

    /// <summary>A carer is checked in: door and inactivity rules hold back.</summary>
    public bool VisitInProgress { get; internal set; }
}

/// <summary>Alert ids: stable, readable, unique per gateway (rule, sensor and the millisecond it was raised).</summary>
public static class AlertIds
{
    public static string Create(AlertType type, string sensorId, DateTimeOffset raisedAt) =>
        $"{AlertTypeNames.ToName(type)}-{sensorId}-{raisedAt.UtcDateTime:yyyyMMdd'T'HHmmssfff'Z'}";
}

/// <summary>Alert types as they appear in JSON, logs and the local MQTT topic (snake_case). Never change.</summary>
public static class AlertTypeNames
{
    public static string ToName(AlertType type) => type switch
    {
        AlertType.Fall => "fall",
        AlertType.Help => "help",
        AlertType.DoorLeftOpen => "door_left_open",
        AlertType.NightExit => "night_exit",
        AlertType.Inactivity => "inactivity",
        AlertType.BedNotReturned => "bed_not_returned",
        AlertType.MissedDose => "missed_dose",
        AlertType.Smoke => "smoke",
        AlertType.WaterLeak => "water_leak",
        AlertType.Temperature => "temperature",
        AlertType.SensorOffline => "sensor_offline",
        AlertType.BatteryLow => "battery_low",
        AlertType.Tamper => "tamper",
        AlertType.GatewayHealth => "gateway_health",
        AlertType.DailyTest => "daily_test",
        AlertType.Gas => "gas",
        AlertType.CarbonMonoxide => "carbon_monoxide",
        AlertType.PowerFailure => "power_failure",
        _ => "unknown",
    };

    public static string ToName(AlertPriority priority) => priority switch
    {
        AlertPriority.Critical => "critical",
        AlertPriority.High => "high",
        AlertPriority.Normal => "normal",
        AlertPriority.Low => "low",
        _ => "unknown",
    };

    public static string ToName(AlertEventKind kind) => kind switch
    {
        AlertEventKind.Raised => "raised",
        AlertEventKind.Repeated => "repeated",
        AlertEventKind.Cleared => "cleared",
        AlertEventKind.Escalated => "escalated",
        _ => "unknown",
    };
}
