using HomeGateway.Core.Alerts;
using HomeGateway.Core.Events;
using HomeGateway.Core.Rules;

namespace HomeGateway.Core.Tests;

/// <summary>Guards: enum values and names are persisted in journals and stores; changing one corrupts old data.</summary>
public class PersistedValuesTests
{
    [Fact]
    public void Sensor_kind_values_are_frozen()
    {
        var expected = "Unknown=0 Door=1 Motion=2 Presence=3 Bed=4 Chair=5 Fall=6 HelpButton=7 Medication=8 Smoke=9 WaterLeak=10 Temperature=11 Tamper=12 Availability=13 Visit=14 Gas=15 CarbonMonoxide=16 Power=17";
        Assert.Equal(expected, Describe<SensorKind>());
    }

    [Fact]
    public void Alert_enum_values_are_frozen()
    {
        Assert.Equal(
            "Unknown=0 Fall=1 Help=2 DoorLeftOpen=3 NightExit=4 Inactivity=5 BedNotReturned=6 MissedDose=7 Smoke=8 WaterLeak=9 Temperature=10 SensorOffline=11 BatteryLow=12 Tamper=13 GatewayHealth=14 DailyTest=15 Gas=16 CarbonMonoxide=17 PowerFailure=18",
            Describe<AlertType>());
        Assert.Equal("Unknown=0 Critical=1 High=2 Normal=3 Low=4", Describe<AlertPriority>());
        Assert.Equal("Unknown=0 Raised=1 Repeated=2 Cleared=3 Escalated=4", Describe<AlertEventKind>());
    }

    [Fact]
    public void Alert_type_names_are_frozen_and_unique()
    {
        var names = Enum.GetValues<AlertType>().Where(t => t != AlertType.Unknown).Select(AlertTypeNames.ToName).ToList();
        Assert.Equal(
            "fall help door_left_open night_exit inactivity bed_not_returned missed_dose smoke water_leak temperature sensor_offline battery_low tamper gateway_health daily_test gas carbon_monoxide power_failure",
            string.Join(' ', names));
    }

    [Fact]
    public void State_words_are_frozen()
    {
        Assert.Equal(
            [
                "open", "closed", "detected", "clear", "fall", "suspected_fall", "pressed", "released", "occupied", "empty", "online", "offline",
                "measured", "check_in", "check_out", "dose_due", "dose_dispensed", "dose_taken", "dose_missed", "dispenser_error", "refill_low",
                "mains_lost", "mains_restored",
            ],
            typeof(SensorStates).GetFields().Select(f => (string)f.GetValue(null)!).ToArray());
    }

    private static string Describe<T>()
        where T : struct, Enum =>
        string.Join(' ', Enum.GetValues<T>().Select(v => $"{v}={Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture)}"));
}
