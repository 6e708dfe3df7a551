using System.Collections.Concurrent;
using System.Globalization;

namespace HomeGateway.Dispatch.DispatcherConsole.Frame;

/// <summary>
/// The console's one way of writing a time: date and time with seconds, in the culture of the page, in the home's time
/// zone (dispatch learns it from the home's gateway; UTC until it has). In the hour a clock change repeats, the UTC offset
/// is added, so 03:30 before and after the autumn change cannot be confused.
/// </summary>
public static class ConsoleTime
{
    public const string Utc = "UTC";

    private static readonly ConcurrentDictionary<string, TimeZoneInfo> Zones = new(StringComparer.Ordinal);

    /// <summary>The zone of an IANA id; UTC for none or one this machine does not know.</summary>
    public static TimeZoneInfo Zone(string? timeZoneId)
    {
        if (string.IsNullOrEmpty(timeZoneId) || timeZoneId == Utc)
        {
            return TimeZoneInfo.Utc;
        }

        return Zones.GetOrAdd(timeZoneId, static id =>
            TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : TimeZoneInfo.Utc);
    }

    /// <summary>The pattern: the culture's short date and its time with seconds (fi: 6.12.2026 8.05.09, en-GB: 06/12/2026 08:05:09).</summary>
    public static string Pattern(CultureInfo culture) => culture.DateTimeFormat.ShortDatePattern + " " + culture.DateTimeFormat.LongTimePattern;

    public static string Format(DateTimeOffset at, string? timeZoneId) => Format(at, Zone(timeZoneId), CultureInfo.CurrentCulture);

    public static string Format(DateTimeOffset at, TimeZoneInfo zone, CultureInfo culture)
    {
        var local = TimeZoneInfo.ConvertTime(at, zone);
        var text = local.ToString(Pattern(culture), culture);
        return zone.IsAmbiguousTime(local) ? text + " (" + Offset(local.Offset) + ")" : text;
    }

    /// <summary>A local date in the home's zone: what "the day" of an alert means in a report.</summary>
    public static DateOnly LocalDate(DateTimeOffset at, string? timeZoneId) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, Zone(timeZoneId)).DateTime);

    /// <summary>The zone as a page can name it: its id and its current offset (Europe/Helsinki, UTC+02:00).</summary>
    public static string Describe(string? timeZoneId, DateTimeOffset now)
    {
        var zone = Zone(timeZoneId);
        return zone == TimeZoneInfo.Utc ? Utc : zone.Id + ", " + Offset(zone.GetUtcOffset(now));
    }

    /// <summary>
    /// A duration as every page writes it: "1 h 5 min", "4 min 12 s", "9 s" (the unit symbols are the same in English,
    /// Finnish and Swedish); "—" for none. The queue's script writes its ages the same way.
    /// </summary>
    public static string Duration(TimeSpan? span) => span switch
    {
        null => "—",
        { } s when s.TotalHours >= 1 => string.Create(CultureInfo.InvariantCulture, $"{(int)s.TotalHours} h {s.Minutes} min"),
        { } s when s.TotalMinutes >= 1 => string.Create(CultureInfo.InvariantCulture, $"{(int)s.TotalMinutes} min {s.Seconds} s"),
        { } s => string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, (int)s.TotalSeconds)} s"),
    };

    private static string Offset(TimeSpan offset) =>
        "UTC" + (offset < TimeSpan.Zero ? "-" : "+") + offset.Duration().ToString(@"hh\:mm", CultureInfo.InvariantCulture);
}
