using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Rules;

public sealed partial class RulesEngine
{
    static partial void AddSafetyRules(HomeConfig home, List<Rule> rules)
    {
        var r = home.Rules;
        if (r.MissedDose is { } dose)
        {
            var medication = home.Sensors.Where(s => s.Kind == SensorKind.Medication).Select(s => s.Id).ToList();
            var dispensers = dose.Dispenser is { } one ? [one] : medication;
            // The validator makes sure there is exactly one dispenser to name when doses are scheduled.
            var scheduleSensor = dispensers.FirstOrDefault() ?? "schedule";
            rules.Add(new MissedDoseRule(dose, HomeTime.For(home), home.Schedule.Doses,
                dispensers.ToHashSet(StringComparer.Ordinal), scheduleSensor));
        }

        if (r.Smoke is { } smoke)
        {
            rules.Add(HazardRule.Smoke(Watched(home, smoke.Sensors, SensorKind.Smoke)));
        }

        if (r.Gas is { } gas)
        {
            rules.Add(HazardRule.Gas(Watched(home, gas.Sensors, SensorKind.Gas)));
        }

        if (r.CarbonMonoxide is { } co)
        {
            rules.Add(HazardRule.CarbonMonoxide(Watched(home, co.Sensors, SensorKind.CarbonMonoxide)));
        }

        if (r.PowerFailure is { } power)
        {
            rules.Add(new PowerFailureRule(power, Watched(home, [], SensorKind.Power)));
        }

        if (r.WaterLeak is { } water)
        {
            rules.Add(HazardRule.WaterLeak((AlertPriority)water.Priority, Watched(home, water.Sensors, SensorKind.WaterLeak)));
        }

        if (r.Temperature is { } temperature)
        {
            rules.Add(new TemperatureRule(temperature, Watched(home, temperature.Sensors, SensorKind.Temperature)));
        }

        if (r.SensorOffline is { } offline)
        {
            rules.Add(new SensorOfflineRule(offline, home.Sensors));
        }

        if (r.BatteryLow is { } battery)
        {
            rules.Add(new BatteryLowRule(battery));
        }

        if (r.Tamper is not null)
        {
            rules.Add(new TamperRule());
        }

        if (r.DailyTest is { } daily)
        {
            rules.Add(new DailyTestRule(daily));
        }
    }

    /// <summary>The sensors a rule names, or every sensor of its kind when it names none.</summary>
    private static HashSet<string> Watched(HomeConfig home, IReadOnlyList<string> named, SensorKind kind) =>
        named.Count > 0
            ? named.ToHashSet(StringComparer.Ordinal)
            : home.Sensors.Where(s => s.Kind == kind).Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
}
