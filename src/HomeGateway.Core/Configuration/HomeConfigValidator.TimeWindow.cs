using HomeGateway.Core.Events;
using HomeGateway.Core.Rules;

namespace HomeGateway.Core.Configuration;

public static partial class HomeConfigValidator
{
    // A night-exit grace longer than this leaves the client outside too long before anyone knows.
    private static readonly TimeSpan MaxNightExitGrace = TimeSpan.FromHours(2);

    // Longer than this and the "carer leaving" allowance starts hiding real exits.
    private static readonly TimeSpan MaxNightExitAfterVisit = TimeSpan.FromMinutes(30);


    static partial void ValidateTimeWindowRules(HomeConfig home, Action<string, string> problem)
    {
        if (home.Rules.NightExit is { } exit)
        {
            const string at = "rules.nightExit";
            if (exit.Grace <= TimeSpan.Zero || exit.Grace > MaxNightExitGrace)
            {
                problem($"{at}.grace", "must be a duration between 1s and 2h, such as 10m");
            }

            if (exit.AfterVisit < TimeSpan.Zero || exit.AfterVisit > MaxNightExitAfterVisit)
            {
                problem($"{at}.afterVisit", "must be a duration between 0s and 30m, such as 5m");
            }

            if (exit.Door is { } door)
            {
                SensorOfKind(home, door, $"{at}.door", [SensorKind.Door], "a door", problem);
            }
            else
            {
                var doors = home.Sensors.Count(s => s.Kind == SensorKind.Door);
                if (doors != 1)
                {
                    problem(at, doors == 0
                        ? "the nightExit rule is on but no sensor has kind door"
                        : "the home has several doors: name the entrance door with door: <sensor id>");
                }
            }

            SensorsOfKind(home, exit.Presence, $"{at}.presence", NightExitRule.PresenceKinds, "a presence or motion sensor",
                "the nightExit rule needs a presence or motion sensor to see that the client is back", problem);
        }

        if (home.Rules.Inactivity is { } inactivity)
        {
            const string at = "rules.inactivity";
            var day = Length(home.Schedule.Day);
            if (inactivity.After <= TimeSpan.Zero || inactivity.After >= day)
            {
                problem($"{at}.after", $"must be a positive duration shorter than the day window {home.Schedule.Day} ({day.TotalHours:0.#}h): only silence inside one day window counts");
            }

            SensorsOfKind(home, inactivity.Sensors, $"{at}.sensors", InactivityRule.ActivityKinds, "a motion, presence, door, bed or chair sensor",
                "the inactivity rule is on but no sensor has kind motion, presence, door, bed or chair", problem);
        }

        if (home.Rules.BedNotReturned is { } bed)
        {
            const string at = "rules.bedNotReturned";
            var night = Length(home.Schedule.Night);
            if (bed.After <= TimeSpan.Zero || bed.After >= night)
            {
                problem($"{at}.after", $"must be a positive duration shorter than the night window {home.Schedule.Night} ({night.TotalHours:0.#}h)");
            }

            if (bed.Bed is { } bedId)
            {
                SensorOfKind(home, bedId, $"{at}.bed", [SensorKind.Bed], "a bed sensor", problem);
            }
            else if (!home.Sensors.Any(s => s.Kind == SensorKind.Bed))
            {
                problem(at, "the bedNotReturned rule is on but no sensor has kind bed");
            }
        }
    }

    /// <summary>A window's nominal length on a day without a clock change (TimeOnly subtraction wraps past midnight).</summary>
    private static TimeSpan Length(DailyWindow window) => window.To - window.From;

    private static void SensorOfKind(HomeConfig home, string id, string field, IReadOnlyList<SensorKind> kinds, string what, Action<string, string> problem)
    {
        var sensor = home.FindSensor(id);
        if (sensor is null)
        {
            problem(field, $"no sensor has id '{id}'");
        }
        else if (!kinds.Contains(sensor.Kind))
        {
            problem(field, $"sensor '{sensor.Id}' is a {SensorKindNames.ToName(sensor.Kind)}, not {what}");
        }
    }

    private static void SensorsOfKind(HomeConfig home, IReadOnlyList<string> ids, string field, IReadOnlyList<SensorKind> kinds, string what, string noneMessage,
        Action<string, string> problem)
    {
        for (var i = 0; i < ids.Count; i++)
        {
            SensorOfKind(home, ids[i], $"{field}[{i}]", kinds, what, problem);
        }

        if (ids.Count == 0 && !home.Sensors.Any(s => kinds.Contains(s.Kind)))
        {
            problem(field[..field.LastIndexOf('.')], noneMessage);
        }
    }
}
