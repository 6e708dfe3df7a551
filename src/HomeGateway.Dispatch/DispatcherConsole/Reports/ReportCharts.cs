namespace HomeGateway.Dispatch.DispatcherConsole.Reports;

/// <summary>
/// The plot area every report chart shares, in SVG user units. The charts scale with their viewBox, so the same geometry
/// reads on a desktop and at 390 px; the numbers are also in a table beside each chart.
/// </summary>
public static class ChartFrame
{
    public const double Width = 480;
    public const double Height = 280;
    public const double Left = 48;
    public const double Right = 432;
    public const double Top = 24;
    public const double Bottom = 216;

    public const double PlotWidth = Right - Left;
    public const double PlotHeight = Bottom - Top;

    /// <summary>A coordinate as SVG reads it, whatever the reader's language (a point, never a comma).</summary>
    public static string N(double value) => Math.Round(value, 2).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The y of <paramref name="value"/> on an axis from 0 (at the bottom) to <paramref name="max"/> (at the top).</summary>
    public static double Y(double value, double max) => max <= 0 ? Bottom : Bottom - (value / max * PlotHeight);

    /// <summary>Up to five round ticks from 0 covering <paramref name="max"/> (at least 1); the last tick is the axis top.</summary>
    public static IReadOnlyList<int> Ticks(double max)
    {
        var top = Math.Max(1, (int)Math.Ceiling(max));
        var step = (int)Math.Ceiling(top / 4.0);
        var ticks = new List<int>();
        for (var tick = 0; tick < top + step; tick += step)
        {
            ticks.Add(tick);
        }

        return ticks;
    }
}

/// <summary>A bar of a chart in SVG user units (x, y the top-left corner).</summary>
public sealed record ChartBar(double X, double Y, double Width, double Height, int Count, string Label);

/// <summary>
/// Minutes to arrival as a share of each alert's own contracted time (homes' contracts differ, so 100 % is the contract
/// line for every alert): bins of <see cref="BinPercent"/> % from 0 to <see cref="LastPercent"/> %, closed at the top
/// (an arrival at exactly the contracted time is within it and left of the line), and one bin for anything later.
/// Only care alerts with an arrival; false alarms left out of the figures are left out here too.
/// </summary>
public sealed record ArrivalHistogram(IReadOnlyList<ChartBar> Bars, IReadOnlyList<int> Ticks, double ContractX, int Arrived, int Within)
{
    public const int BinPercent = 20;
    public const int LastPercent = 200;
    public const int BinCount = (LastPercent / BinPercent) + 1;

    public static double BarWidth => ChartFrame.PlotWidth / BinCount;

    public static ArrivalHistogram Build(IEnumerable<ResponseTimeLine> lines)
    {
        var percents = lines
            .Where(l => l.Category == AlertCategory.Care && l.Verdict != ContractVerdict.FalseAlarm && l.TimeToArrival is not null)
            .Select(l => l.TimeToArrival!.Value / l.Contracted * 100)
            .ToList();
        var counts = new int[BinCount];
        foreach (var percent in percents)
        {
            counts[Bin(percent)]++;
        }

        var ticks = ChartFrame.Ticks(counts.DefaultIfEmpty(0).Max());
        var bars = counts.Select((count, i) =>
        {
            var y = ChartFrame.Y(count, ticks[^1]);
            var label = i == BinCount - 1
                ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $">{LastPercent}")
                : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{i * BinPercent}–{(i + 1) * BinPercent}");
            return new ChartBar(ChartFrame.Left + (i * BarWidth), y, BarWidth, ChartFrame.Bottom - y, count, label);
        }).ToList();
        var contractX = ChartFrame.Left + (100 / BinPercent * BarWidth);
        return new ArrivalHistogram(bars, ticks, contractX, percents.Count, percents.Count(p => p <= 100));
    }

    /// <summary>The bin of an arrival at <paramref name="percent"/> % of its contract: (20i, 20(i+1)], the first from 0.</summary>
    public static int Bin(double percent) =>
        percent > LastPercent ? BinCount - 1 : Math.Max(0, (int)Math.Ceiling(percent / BinPercent) - 1);
}

/// <summary>A point of a line in SVG user units.</summary>
public sealed record ChartPoint(double X, double Y, TimeSpan Value);

/// <summary>
/// The weekly trend: a bar per week for the share within the contract (left axis, 0–100 %), and a point per week for the
/// median arrival (right axis, minutes), joined where consecutive weeks have one. A week with nothing judged has no bar,
/// a week without an arrival no point.
/// </summary>
public sealed record TrendChart(
    IReadOnlyList<WeekFigures> Weeks, IReadOnlyList<ChartBar?> Bars, IReadOnlyList<ChartPoint?> Points, IReadOnlyList<int> MinuteTicks)
{
    public static double Slot(int weeks) => ChartFrame.PlotWidth / Math.Max(1, weeks);

    /// <summary>Runs of consecutive points, each drawn as one polyline.</summary>
    public IEnumerable<IReadOnlyList<ChartPoint>> Lines()
    {
        var run = new List<ChartPoint>();
        foreach (var point in Points)
        {
            if (point is null)
            {
                if (run.Count > 0)
                {
                    yield return run;
                }

                run = [];
            }
            else
            {
                run.Add(point);
            }
        }

        if (run.Count > 0)
        {
            yield return run;
        }
    }

    public static TrendChart Build(IReadOnlyList<WeekFigures> weeks)
    {
        var slot = Slot(weeks.Count);
        var ticks = ChartFrame.Ticks(weeks.Select(w => w.MedianArrival?.TotalMinutes ?? 0).DefaultIfEmpty(0).Max());
        var bars = weeks.Select<WeekFigures, ChartBar?>((week, i) =>
        {
            if (week.ShareWithin is not { } share)
            {
                return null;
            }

            var y = ChartFrame.Y(share * 100, 100);
            return new ChartBar(ChartFrame.Left + (i * slot) + (slot * 0.15), y, slot * 0.7, ChartFrame.Bottom - y, week.Within, week.Week.ToString());
        }).ToList();
        var points = weeks.Select<WeekFigures, ChartPoint?>((week, i) =>
            week.MedianArrival is { } median
                ? new ChartPoint(ChartFrame.Left + (i * slot) + (slot / 2), ChartFrame.Y(median.TotalMinutes, ticks[^1]), median)
                : null).ToList();
        return new TrendChart(weeks, bars, points, ticks);
    }
}
