namespace HomeGateway.Core.Alerts;

/// <summary>Which care-plan rule raised an alert. Persisted and sent on the wire: values never change.</summary>
public enum AlertType
{
    Unknown = 0,
    Fall = 1,
    Help = 2,
    DoorLeftOpen = 3,
    NightExit = 4,
    Inactivity = 5,
    BedNotReturned = 6,
    MissedDose = 7,
    Smoke = 8,
    WaterLeak = 9,
    Temperature = 10,
    SensorOffline = 11,
    BatteryLow = 12,
    Tamper = 13,
    GatewayHealth = 14,
    DailyTest = 15,
    Gas = 16,
    CarbonMonoxide = 17,
    PowerFailure = 18,
}

/// <summary>How urgently a person must act. Lower value sorts first. Persisted: values never change.</summary>
public enum AlertPriority
{
    Unknown = 0,
    Critical = 1,
    High = 2,
    Normal = 3,
    Low = 4,
}

/// <summary>A step in an alert's life as the gateway sees it. Persisted: values never change.</summary>
public enum AlertEventKind
{
    Unknown = 0,
    /// <summary>The rule's condition was met: a new alert.</summary>
    Raised = 1,
    /// <summary>The same condition again while the alert is open: the count goes up, nothing new is shown.</summary>
    Repeated = 2,
    /// <summary>The condition ended on the device (the door was closed).</summary>
    Cleared = 3,
    /// <summary>Not acknowledged in time: priority raised, local buzzer.</summary>
    Escalated = 4,
}
