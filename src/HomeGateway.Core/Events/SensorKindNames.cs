namespace HomeGateway.Core.Events;

/// <summary>The names of sensor kinds as a technician writes them in the home file (snake_case).</summary>
public static class SensorKindNames
{
    private static readonly Dictionary<string, SensorKind> ByName = new(StringComparer.Ordinal)
    {
        ["door"] = SensorKind.Door,
        ["motion"] = SensorKind.Motion,
        ["presence"] = SensorKind.Presence,
        ["bed"] = SensorKind.Bed,
        ["chair"] = SensorKind.Chair,
        ["fall"] = SensorKind.Fall,
        ["help_button"] = SensorKind.HelpButton,
        ["medication"] = SensorKind.Medication,
        ["smoke"] = SensorKind.Smoke,
        ["water_leak"] = SensorKind.WaterLeak,
        ["temperature"] = SensorKind.Temperature,
        ["tamper"] = SensorKind.Tamper,
        ["availability"] = SensorKind.Availability,
        ["visit"] = SensorKind.Visit,
        ["gas"] = SensorKind.Gas,
        ["carbon_monoxide"] = SensorKind.CarbonMonoxide,
        ["power"] = SensorKind.Power,
    };

    public static IEnumerable<string> All => ByName.Keys;

    public static bool TryParse(string name, out SensorKind kind) => ByName.TryGetValue(name, out kind);

    public static string ToName(SensorKind kind) =>
        ByName.FirstOrDefault(pair => pair.Value == kind).Key ?? kind.ToString().ToLowerInvariant();
}
