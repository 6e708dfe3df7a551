using HomeGateway.Core.Alerts;
using HomeGateway.Dispatch.DispatcherConsole.Reports;
using HomeGateway.Dispatch.Store;

namespace HomeGateway.Dispatch.Tests.DispatcherConsole.Reports;

/// <summary>
/// Invariant: the charts draw what the figures say: an arrival exactly at the contracted time sits left of the contract
/// line, anything past 200 % in the last band, bars and points scale to round axes, and empty data draws an empty chart
/// rather than failing.
/// </summary>
public sealed class ReportChartsTests
{
    private static ResponseTimeLine Arrived(double arrivalMinutes, int contracted = 30, AlertType type = AlertType.Fall) =>
        ResponseTimeLine.Of(
            new ResponseTimeRow("gw-1", "a", "home-1", type, AlertPriority.Critical, Records.T0, null, null, null, contracted)
            {
                ArrivedAt = Records.T0.AddMinutes(arrivalMinutes),
            },
            Records.T0.AddHours(5),
            false);

    [Theory]
    [InlineData(0, 0)]
    [InlineData(20, 0)]
    [InlineData(20.01, 1)]
    [InlineData(100, 4)]
    [InlineData(100.01, 5)]
    [InlineData(200, 9)]
    [InlineData(200.01, 10)]
    [InlineData(1000, 10)]
    public void Each_arrival_falls_in_its_band_closed_at_the_top(double percent, int bin)
    {
        Assert.Equal(bin, ArrivalHistogram.Bin(percent));
    }

    [Fact]
    public void Contracts_differ_so_each_arrival_is_a_share_of_its_own_homes_contract()
    {
        // 30 of 30 min and 60 of 60 min are both exactly at the contract; 15 of 60 is 25 %.
        var histogram = ArrivalHistogram.Build([Arrived(30), Arrived(60, contracted: 60), Arrived(15, contracted: 60), Arrived(5, type: AlertType.BatteryLow)]);

        Assert.Equal([0, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0], histogram.Bars.Select(b => b.Count));
        Assert.Equal((3, 3), (histogram.Arrived, histogram.Within));
        Assert.Equal([0, 1, 2], histogram.Ticks);
        Assert.Equal(ChartFrame.Top, histogram.Bars[4].Y, 6);
        Assert.Equal(ChartFrame.Bottom - (ChartFrame.PlotHeight / 2), histogram.Bars[1].Y, 6);
        Assert.Equal(histogram.Bars[5].X, histogram.ContractX, 6);
    }

    [Fact]
    public void No_data_draws_empty_charts()
    {
        var histogram = ArrivalHistogram.Build([]);
        var trend = TrendChart.Build(WeeklyTrend.Build([], new IsoWeek(2026, 10), 3));

        Assert.All(histogram.Bars, b => Assert.Equal(0, b.Height));
        Assert.Equal(0, histogram.Arrived);
        Assert.Equal(3, trend.Weeks.Count);
        Assert.All(trend.Bars, Assert.Null);
        Assert.Empty(trend.Lines());
    }

    [Fact]
    public void The_median_line_breaks_over_a_week_without_an_arrival()
    {
        var weeks = new[]
        {
            new WeekFigures(new IsoWeek(2026, 8), 1, 1, 0, TimeSpan.FromMinutes(10)),
            new WeekFigures(new IsoWeek(2026, 9), 1, 1, 0, TimeSpan.FromMinutes(20)),
            new WeekFigures(new IsoWeek(2026, 10), 0, 0, 0, null),
            new WeekFigures(new IsoWeek(2026, 11), 1, 0, 1, TimeSpan.FromMinutes(40)),
        };

        var trend = TrendChart.Build(weeks);

        Assert.Equal([2, 1], trend.Lines().Select(run => run.Count));
        Assert.Equal([0, 10, 20, 30, 40], trend.MinuteTicks);
        Assert.Equal(ChartFrame.Top, trend.Points[3]!.Y, 6);
        // The fourth week: nothing within, so a bar of no height at the bottom; the third: nothing judged, no bar.
        Assert.Equal(0, trend.Bars[3]!.Height, 6);
        Assert.Null(trend.Bars[2]);
    }
}
