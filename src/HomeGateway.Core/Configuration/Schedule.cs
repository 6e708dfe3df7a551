namespace HomeGateway.Core.Configuration;

/// <summary>
/// A stretch of local wall-clock time that repeats every day, e.g. the night 22:00–06:30. When
/// <see cref="To"/> is not after <see cref="From"/> the window crosses midnight. Inside means
/// From ≤ t &lt; To in the home's local time.
/// </summary>
public sealed record DailyWindow(TimeOnly From, TimeOnly To)
{
    public bool CrossesMidnight => To <= From;

    public bool Contains(TimeOnly time) => CrossesMidnight ? time >= From || time < To : time >= From && time < To;

    public override string ToString() => $"{From:HH\\:mm}–{To:HH\\:mm}";
}

/// <summary>The home's daily rhythm, in its local time: night, day and scheduled doses.</summary>
public sealed record ScheduleConfig
{
    public static readonly DailyWindow DefaultNight = new(new TimeOnly(22, 0), new TimeOnly(6, 30));
    public static readonly DailyWindow DefaultDay = new(new TimeOnly(7, 0), new TimeOnly(22, 0));

    public DailyWindow Night { get; init; } = DefaultNight;
    public DailyWindow Day { get; init; } = DefaultDay;

    /// <summary>Local times at which a dose is due, in order.</summary>
    public IReadOnlyList<TimeOnly> Doses { get; init; } = [];
}
