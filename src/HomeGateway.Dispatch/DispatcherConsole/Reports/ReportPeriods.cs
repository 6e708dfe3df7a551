using System.Globalization;

namespace HomeGateway.Dispatch.DispatcherConsole.Reports;

/// <summary>
/// An ISO 8601 week (Monday to Sunday; week 1 holds the year's first Thursday), of local dates: an alert raised at 00:30
/// on a Monday in Helsinki belongs to that Monday's week, though it is still Sunday in UTC.
/// </summary>
public readonly record struct IsoWeek(int Year, int Week)
{
    public DateOnly Monday => DateOnly.FromDateTime(ISOWeek.ToDateTime(Year, Week, DayOfWeek.Monday));

    public DateOnly Sunday => Monday.AddDays(6);

    public static IsoWeek Of(DateOnly date)
    {
        var day = date.ToDateTime(TimeOnly.MinValue);
        return new IsoWeek(ISOWeek.GetYear(day), ISOWeek.GetWeekOfYear(day));
    }

    public IsoWeek AddWeeks(int weeks) => Of(Monday.AddDays(7 * weeks));

    /// <summary>The form of an HTML week input: <c>2026-W10</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Year:0000}-W{Week:00}");

    public static bool TryParse(string? text, out IsoWeek week)
    {
        week = default;
        if (text is not { Length: 8 } || text[4] != '-' || text[5] is not ('W' or 'w')
            || !int.TryParse(text.AsSpan(0, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var year)
            || !int.TryParse(text.AsSpan(6, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            || year < 2000 || year > 9998 || number < 1 || number > ISOWeek.GetWeeksInYear(year))
        {
            return false;
        }

        week = new IsoWeek(year, number);
        return true;
    }
}

/// <summary>A calendar month of local dates.</summary>
public readonly record struct ReportMonth(int Year, int Month)
{
    public DateOnly First => new(Year, Month, 1);

    public DateOnly Last => First.AddMonths(1).AddDays(-1);

    public static ReportMonth Of(DateOnly date) => new(date.Year, date.Month);

    /// <summary>The form of an HTML month input: <c>2026-03</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Year:0000}-{Month:00}");

    public static bool TryParse(string? text, out ReportMonth month)
    {
        month = default;
        if (!DateOnly.TryParseExact(text + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var first) || first.Year < 2000)
        {
            return false;
        }

        month = Of(first);
        return true;
    }
}

/// <summary>One week of the trend: care alerts raised in it (local dates), judged ones, share within the contract, median arrival.</summary>
public sealed record WeekFigures(IsoWeek Week, int Alerts, int Within, int Breaches, TimeSpan? MedianArrival)
{
    public int Judged => Within + Breaches;

    public double? ShareWithin => Judged == 0 ? null : (double)Within / Judged;
}

/// <summary>The care figures week by week: the <c>weeks</c> ISO weeks ending with <c>last</c>, empty weeks included.</summary>
public static class WeeklyTrend
{
    public const int DefaultWeeks = 8;

    public const int MaxWeeks = 53;

    /// <summary>The local dates the trend covers: Monday of the first week to Sunday of <paramref name="last"/>.</summary>
    public static (DateOnly From, DateOnly To) Dates(IsoWeek last, int weeks) => (last.AddWeeks(1 - weeks).Monday, last.Sunday);

    public static IReadOnlyList<WeekFigures> Build(IEnumerable<ResponseTimeLine> lines, IsoWeek last, int weeks)
    {
        var byWeek = lines.Where(l => l.Category == AlertCategory.Care).ToLookup(l => IsoWeek.Of(l.LocalDate));
        return Enumerable.Range(0, weeks).Select(i => last.AddWeeks(i + 1 - weeks)).Select(week =>
        {
            var care = byWeek[week].ToList();
            var counted = care.Where(l => l.Verdict != ContractVerdict.FalseAlarm).ToList();
            return new WeekFigures(
                week,
                care.Count,
                counted.Count(l => l.Verdict == ContractVerdict.Within),
                counted.Count(l => l.Breach),
                Figures.Of(counted.Where(l => l.TimeToArrival is not null).Select(l => l.TimeToArrival!.Value)).Median);
        }).ToList();
    }
}
