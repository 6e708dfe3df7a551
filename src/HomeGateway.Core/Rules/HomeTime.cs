using HomeGateway.Core.Configuration;

namespace HomeGateway.Core.Rules;

/// <summary>
/// Local wall-clock time in the home's time zone, correct across daylight-saving changes. Everything
/// the rules schedule by the clock on the wall (the night, doses, the daily test) goes through here.
/// <list type="bullet">
/// <item>A local time that does not exist (spring forward: 03:30 on the last Sunday of March in Helsinki) is
/// taken as the same wall-clock distance past the gap (04:30): a scheduled thing is late by the gap, never skipped.</item>
/// <item>A local time that happens twice (fall back) is its first occurrence: a daily thing happens once.</item>
/// </list>
/// </summary>
public sealed class HomeTime(TimeZoneInfo zone)
{
    public TimeZoneInfo Zone => zone;

    public static HomeTime For(HomeConfig home) => new(TimeZoneInfo.FindSystemTimeZoneById(home.TimeZoneId));

    /// <summary>The instant as the home's clock shows it, with the offset in force then.</summary>
    public DateTimeOffset ToLocal(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, zone);

    public TimeOnly TimeOfDay(DateTimeOffset instant) => TimeOnly.FromDateTime(ToLocal(instant).DateTime);

    public DateOnly Date(DateTimeOffset instant) => DateOnly.FromDateTime(ToLocal(instant).DateTime);

    /// <summary>The instant at which the home's clock shows <paramref name="time"/> on <paramref name="date"/>.</summary>
    public DateTimeOffset At(DateOnly date, TimeOnly time)
    {
        var local = date.ToDateTime(time, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(local))
        {
            // In the gap: use the offset from before the change, which lands the same distance past the gap.
            var before = zone.GetUtcOffset(local.AddHours(-6));
            return new DateTimeOffset(local, before).ToOffset(zone.GetUtcOffset(new DateTimeOffset(local, before)));
        }

        if (zone.IsAmbiguousTime(local))
        {
            // Twice: the first time is the one with the larger (summer) offset.
            var offset = zone.GetAmbiguousTimeOffsets(local).Max();
            return new DateTimeOffset(local, offset);
        }

        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }

    /// <summary>The first instant strictly after <paramref name="after"/> at which the clock shows <paramref name="time"/>.</summary>
    public DateTimeOffset Next(TimeOnly time, DateTimeOffset after)
    {
        // Any wall-clock time on the local date before `after`'s is earlier than `after` (a gap shifts by an hour at
        // most), so the search starts on `after`'s own local date.
        var date = Date(after);
        while (true)
        {
            var candidate = At(date, time);
            if (candidate > after)
            {
                return candidate;
            }

            date = date.AddDays(1);
        }
    }

    public bool IsInside(DailyWindow window, DateTimeOffset instant) => window.Contains(TimeOfDay(instant));

    /// <summary>When the window that contains <paramref name="instant"/> ends (null when outside).</summary>
    public DateTimeOffset? EndOf(DailyWindow window, DateTimeOffset instant) =>
        IsInside(window, instant) ? Next(window.To, instant) : null;

    /// <summary>When the window next begins, strictly after <paramref name="instant"/>.</summary>
    public DateTimeOffset NextStart(DailyWindow window, DateTimeOffset instant) => Next(window.From, instant);
}
