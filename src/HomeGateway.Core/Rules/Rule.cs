using HomeGateway.Core.Alerts;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Rules;

/// <summary>
/// One care-plan rule. Rules are pure state machines: they see normalised events and the current time,
/// and add the alert steps they decide to <c>output</c>. They never read a clock or touch IO.
/// </summary>
public abstract class Rule
{
    /// <summary>An event was journalled with sequence number <paramref name="seq"/>.</summary>
    public abstract void Observe(SensorEvent e, long seq, DateTimeOffset now, List<AlertEvent> output);

    /// <summary>Time has moved on to <paramref name="now"/>: fire whatever timers are due.</summary>
    public virtual void Advance(DateTimeOffset now, List<AlertEvent> output)
    {
    }

    /// <summary>The earliest time at which <see cref="Advance"/> would decide something, if any.</summary>
    public virtual DateTimeOffset? NextDeadline => null;
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
