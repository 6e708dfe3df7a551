namespace HomeGateway.Core.Rules;

/// <summary>
/// The earliest deadline among a rule's timers. Rules are asked for it before every decision, so it is a plain
/// loop over the dictionary (no LINQ, no allocation): the engine must stay fast on a Pi Zero.
/// </summary>
internal static class Deadlines
{
    public static DateTimeOffset? Earliest<T>(Dictionary<string, T> timers, Func<string, T, DateTimeOffset?> due)
    {
        DateTimeOffset? earliest = null;
        foreach (var (key, value) in timers)
        {
            if (due(key, value) is { } at && (earliest is null || at < earliest))
            {
                earliest = at;
            }
        }

        return earliest;
    }
}
