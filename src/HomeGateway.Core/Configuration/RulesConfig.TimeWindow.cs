namespace HomeGateway.Core.Configuration;

/// <summary>The rules that depend on the home's night and day windows (<see cref="HomeConfig.Schedule"/>).</summary>
public sealed partial record RulesConfig
{
    /// <summary>The entrance door opens at night and the client is not back within a grace time. Null: off.</summary>
    public NightExitRuleConfig? NightExit { get; init; }

    /// <summary>No sign of activity for hours inside the day window. Null: off.</summary>
    public InactivityRuleConfig? Inactivity { get; init; }

    /// <summary>The client got out of bed at night and has not gone back. Null: off.</summary>
    public BedNotReturnedRuleConfig? BedNotReturned { get; init; }
}

/// <summary>
/// The entrance door opens inside the night window (<see cref="ScheduleConfig.Night"/>; start inclusive, end exclusive)
/// and the client is not back within <see cref="Grace"/>: an alert exactly at opening + grace. Back means the door
/// reported closed and after that one of the <see cref="Presence"/> sensors reported a detection.
/// </summary>
public sealed record NightExitRuleConfig
{
    /// <summary>The entrance door. Null: the home's only door sensor (a home with several doors must name one).</summary>
    public string? Door { get; init; }

    /// <summary>Presence or motion sensors inside the home that show the client is back; empty means every one of them.</summary>
    public IReadOnlyList<string> Presence { get; init; } = [];

    /// <summary>How long the client may be out (or the door stand open) at night before someone is woken. Default 10m.</summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// An opening within this time after a carer checks out is the carer leaving, not the client. Default 5m;
    /// zero counts every opening after the check-out.
    /// </summary>
    public TimeSpan AfterVisit { get; init; } = TimeSpan.FromMinutes(5);

    public AlertPriorityChoice Priority { get; init; } = AlertPriorityChoice.High;
}

/// <summary>
/// No activity from any activity sensor for <see cref="After"/> inside the day window (<see cref="ScheduleConfig.Day"/>).
/// Only silence inside the current day window counts: the count starts at the later of the last activity and the
/// window's start, so the night never counts and each day starts afresh.
/// </summary>
public sealed record InactivityRuleConfig
{
    /// <summary>The sensors whose reports are a sign of life; empty means every motion, presence, door, bed and chair sensor.</summary>
    public IReadOnlyList<string> Sensors { get; init; } = [];

    /// <summary>How long a silence inside the day window raises the alert. Default 4h; must be shorter than the day window.</summary>
    public TimeSpan After { get; init; } = TimeSpan.FromHours(4);

    public AlertPriorityChoice Priority { get; init; } = AlertPriorityChoice.High;
}

/// <summary>
/// At night (<see cref="ScheduleConfig.Night"/>) the bed changes from occupied to empty and is not occupied again
/// within <see cref="After"/>: an alert exactly at emptied + after, if that is still inside the night.
/// </summary>
public sealed record BedNotReturnedRuleConfig
{
    /// <summary>The bed sensor watched. Null: every bed sensor, each on its own.</summary>
    public string? Bed { get; init; }

    /// <summary>How long the bed may stay empty at night. Default 30m; must be shorter than the night window.</summary>
    public TimeSpan After { get; init; } = TimeSpan.FromMinutes(30);

    public AlertPriorityChoice Priority { get; init; } = AlertPriorityChoice.High;
}
