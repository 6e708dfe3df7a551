using HomeGateway.Core.Events;

namespace HomeGateway.Core.Configuration;

public static partial class HomeConfigValidator
{
    // Indoor temperatures a sensor can meaningfully report; a limit outside is a typo (a missing minus, °F).
    private const double ColdestLimit = -40;
    private const double HottestLimit = 60;

    static partial void ValidateSafetyRules(HomeConfig home, Action<string, string> problem)
    {
        var r = home.Rules;
        if (r.MissedDose is { } dose)
        {
            ValidateMissedDose(home, dose, problem);
        }

        if (r.Smoke is { } smoke)
        {
            SensorList(home, smoke.Sensors, SensorKind.Smoke, "rules.smoke", problem);
        }

        if (r.Gas is { } gas)
        {
            SensorList(home, gas.Sensors, SensorKind.Gas, "rules.gas", problem);
        }

        if (r.CarbonMonoxide is { } co)
        {
            SensorList(home, co.Sensors, SensorKind.CarbonMonoxide, "rules.carbonMonoxide", problem);
        }

        if (r.PowerFailure is { } power)
        {
            SensorList(home, [], SensorKind.Power, "rules.powerFailure", problem);
            if (power.After < TimeSpan.Zero || power.After > TimeSpan.FromHours(12))
            {
                problem("rules.powerFailure.after", "must be between 0s and 12h: the UPS battery does not last longer than that");
            }

            if (power.Priority == AlertPriorityChoice.Low)
            {
                problem("rules.powerFailure.priority", "must be critical, high or normal: a home without power needs a person to look");
            }
        }

        if (r.WaterLeak is { } water)
        {
            SensorList(home, water.Sensors, SensorKind.WaterLeak, "rules.waterLeak", problem);
            if (water.Priority is not (AlertPriorityChoice.Critical or AlertPriorityChoice.High))
            {
                problem("rules.waterLeak.priority", "must be critical or high: a leak needs someone soon");
            }
        }

        if (r.Temperature is { } temperature)
        {
            SensorList(home, temperature.Sensors, SensorKind.Temperature, "rules.temperature", problem);
            InRange(temperature.Min, "rules.temperature.min", problem);
            InRange(temperature.Max, "rules.temperature.max", problem);
            if (temperature.Min >= temperature.Max)
            {
                problem("rules.temperature.min", $"min ({temperature.Min}) must be below max ({temperature.Max})");
            }

            if (temperature.HighBelow is { } high && (InRange(high, "rules.temperature.highBelow", problem) && high > temperature.Min))
            {
                problem("rules.temperature.highBelow", $"highBelow ({high}) must not be above min ({temperature.Min})");
            }

            RuleTimer(temperature.For, "rules.temperature.for", problem);
        }

        if (r.SensorOffline is { } offline)
        {
            foreach (var (kind, after) in offline.After)
            {
                var field = $"rules.sensorOffline.after.{SensorKindNames.ToName(kind)}";
                if (kind is SensorKind.Unknown or SensorKind.Availability)
                {
                    problem(field, "availability is a message about a sensor, not a sensor: it cannot be supervised");
                }
                else if (after < TimeSpan.FromMinutes(1))
                {
                    problem(field, "must be at least 1m: devices do not report more often than that");
                }
                else if (after > Durations.Longest)
                {
                    problem(field, $"must be at most {Durations.Describe(Durations.Longest)}: a sensor silent longer than that is broken");
                }
            }
        }

        if (r.BatteryLow is { } battery)
        {
            if (battery.Threshold is < 1 or > 99)
            {
                problem("rules.batteryLow.threshold", "must be between 1 and 99 (%)");
            }

            if (battery.Hysteresis < 0 || battery.Threshold + battery.Hysteresis >= 100)
            {
                problem("rules.batteryLow.hysteresis", "must be 0 or more, with threshold + hysteresis below 100 (%), or the alert could never clear");
            }
        }
    }

    private static void ValidateMissedDose(HomeConfig home, MissedDoseRuleConfig dose, Action<string, string> problem)
    {
        var doses = home.Schedule.Doses;
        var medication = home.Sensors.Where(s => s.Kind == SensorKind.Medication).ToList();
        RuleTimer(dose.Window, "rules.missedDose.window", problem);
        if (dose.Dispenser is { } id)
        {
            var sensor = home.FindSensor(id);
            if (sensor is null)
            {
                problem("rules.missedDose.dispenser", $"no sensor has id '{id}'");
            }
            else if (sensor.Kind != SensorKind.Medication)
            {
                problem("rules.missedDose.dispenser", $"sensor '{id}' is a {SensorKindNames.ToName(sensor.Kind)}, not a medication dispenser");
            }
        }

        if (doses.Count == 0 && medication.Count == 0)
        {
            problem("rules.missedDose", "the missedDose rule needs dose times (schedule.doses) or a sensor of kind medication");
            return;
        }

        if (doses.Count > 0 && medication.Count == 0)
        {
            problem("rules.missedDose", "doses are scheduled but no sensor of kind medication can report a dose taken: every dose would be an alert");
        }
        else if (doses.Count > 0 && medication.Count > 1 && dose.Dispenser is null)
        {
            problem("rules.missedDose.dispenser", "several medication sensors: name the dispenser that reports the scheduled doses");
        }

        // Windows that overlap would make a dose_taken ambiguous between two doses.
        var sorted = doses.Order().ToList();
        for (var i = 0; i < sorted.Count && dose.Window > TimeSpan.Zero; i++)
        {
            var next = i + 1 < sorted.Count ? sorted[i + 1].ToTimeSpan() : sorted[0].ToTimeSpan() + TimeSpan.FromDays(1);
            var gap = next - sorted[i].ToTimeSpan();
            if (gap == TimeSpan.Zero)
            {
                problem("schedule.doses", $"the dose time {sorted[i]:HH\\:mm} is given twice");
            }
            else if (dose.Window > gap)
            {
                problem("rules.missedDose.window", $"the window ({dose.Window.TotalMinutes:0} min) is longer than the {gap.TotalMinutes:0} min between the doses at {sorted[i]:HH\\:mm} and the next: windows would overlap");
                break;
            }
        }
    }

    /// <summary>Named sensors must exist and be of the kind; naming none needs at least one sensor of the kind.</summary>
    private static void SensorList(HomeConfig home, IReadOnlyList<string> named, SensorKind kind, string rule, Action<string, string> problem)
    {
        var kindName = SensorKindNames.ToName(kind);
        for (var i = 0; i < named.Count; i++)
        {
            var sensor = home.FindSensor(named[i]);
            if (sensor is null)
            {
                problem($"{rule}.sensors[{i}]", $"no sensor has id '{named[i]}'");
            }
            else if (sensor.Kind != kind)
            {
                problem($"{rule}.sensors[{i}]", $"sensor '{sensor.Id}' is a {SensorKindNames.ToName(sensor.Kind)}, not a {kindName}");
            }
        }

        if (named.Count == 0 && !home.Sensors.Any(s => s.Kind == kind))
        {
            problem(rule, $"the {rule["rules.".Length..]} rule is on but no sensor has kind {kindName}");
        }
    }

    private static bool InRange(double value, string field, Action<string, string> problem)
    {
        if (!double.IsFinite(value) || value < ColdestLimit || value > HottestLimit)
        {
            problem(field, $"must be between {ColdestLimit} and {HottestLimit} °C");
            return false;
        }

        return true;
    }
}
