using HomeGateway.Core.Alerts;
using HomeGateway.Dispatch.DispatcherConsole.Reports;

namespace HomeGateway.Dispatch.Tests.DispatcherConsole.Reports;

/// <summary>
/// Invariant: every alert type is classified as care or technical by a person: a new <see cref="AlertType"/> fails this
/// test until someone decides whether the contracted response time applies to it.
/// </summary>
public sealed class AlertCategoriesTests
{
    [Fact]
    public void Every_alert_type_is_classified()
    {
        Assert.Equal(Enum.GetValues<AlertType>().Order(), AlertCategories.Classified.Keys.Order());
    }

    [Theory]
    [InlineData(AlertType.Unknown, AlertCategory.Care)]
    [InlineData(AlertType.Fall, AlertCategory.Care)]
    [InlineData(AlertType.Help, AlertCategory.Care)]
    [InlineData(AlertType.DoorLeftOpen, AlertCategory.Care)]
    [InlineData(AlertType.NightExit, AlertCategory.Care)]
    [InlineData(AlertType.Inactivity, AlertCategory.Care)]
    [InlineData(AlertType.BedNotReturned, AlertCategory.Care)]
    [InlineData(AlertType.MissedDose, AlertCategory.Care)]
    [InlineData(AlertType.Smoke, AlertCategory.Care)]
    [InlineData(AlertType.WaterLeak, AlertCategory.Care)]
    [InlineData(AlertType.Temperature, AlertCategory.Care)]
    [InlineData(AlertType.Gas, AlertCategory.Care)]
    [InlineData(AlertType.CarbonMonoxide, AlertCategory.Care)]
    [InlineData(AlertType.PowerFailure, AlertCategory.Care)]
    [InlineData(AlertType.SensorOffline, AlertCategory.Technical)]
    [InlineData(AlertType.BatteryLow, AlertCategory.Technical)]
    [InlineData(AlertType.GatewayHealth, AlertCategory.Technical)]
    [InlineData(AlertType.DailyTest, AlertCategory.Technical)]
    [InlineData(AlertType.Tamper, AlertCategory.Technical)]
    public void Each_type_has_its_category(AlertType type, AlertCategory category)
    {
        Assert.Equal(category, AlertCategories.Of(type));
    }

    [Fact]
    public void The_theory_above_names_every_type()
    {
        var named = typeof(AlertCategoriesTests).GetMethod(nameof(Each_type_has_its_category))!
            .GetCustomAttributes(typeof(InlineDataAttribute), false).Cast<InlineDataAttribute>()
            .Select(a => (AlertType)a.GetData(null!).Single()[0]);
        Assert.Equal(Enum.GetValues<AlertType>().Order(), named.Order());
    }

    [Fact]
    public void A_type_number_no_version_names_counts_as_care()
    {
        Assert.Equal(AlertCategory.Care, AlertCategories.Of((AlertType)999));
    }
}
