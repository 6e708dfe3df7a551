using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Rules;

public sealed partial class RulesEngine
{
    /// <summary>The night and day rules; each resolves "every sensor of that kind" here, once, from the home file.</summary>
    static partial void AddTimeWindowRules(HomeConfig home, List<Rule> rules)
    {
        HashSet<string> Named(IReadOnlyList<string> ids, IReadOnlyList<SensorKind> kinds) => ids.Count > 0
            ? ids.ToHashSet(StringComparer.Ordinal)
            : home.Sensors.Where(s => kinds.Contains(s.Kind)).Select(s => s.Id).ToHashSet(StringComparer.Ordinal);

        // Without a named door the home's only door is the entrance; with several the validator refuses the file.
        if (home.Rules.NightExit is { } exit
            && (exit.Door ?? (home.Sensors.Where(s => s.Kind == SensorKind.Door).ToList() is [var only] ? only.Id : null)) is { } door)
        {
            rules.Add(new NightExitRule(exit, door, Named(exit.Presence, NightExitRule.PresenceKinds), home.Schedule.Night));
        }

        if (home.Rules.Inactivity is { } inactivity)
        {
            rules.Add(new InactivityRule(inactivity, Named(inactivity.Sensors, InactivityRule.ActivityKinds), home.Schedule.Day));
        }

        if (home.Rules.BedNotReturned is { } bed)
        {
            var beds = bed.Bed is { } id ? [id] : Named([], [SensorKind.Bed]);
            rules.Add(new BedNotReturnedRule(bed, beds, home.Schedule.Night));
        }
    }
}
