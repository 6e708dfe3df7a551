using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;

namespace HomeGateway.Core.Rules;

/// <summary>
/// The home's care plan, running. Feed it every journalled sensor event and call <see cref="Advance"/>
/// when <see cref="NextDeadline"/> comes; it answers with the alert steps to commit. Single-threaded by
/// design: the gateway's pipeline is its only caller. Time comes only from the injected <see cref="TimeProvider"/>.
/// </summary>
public sealed class RulesEngine
{
    private readonly TimeProvider time;
    private readonly IReadOnlyList<Rule> rules;

    public RulesEngine(HomeConfig home, TimeProvider time)
    {
        this.time = time;
        this.rules = CreateRules(home);
    }

    public IReadOnlyList<Rule> Rules => rules;

    public IReadOnlyList<AlertEvent> Observe(SensorEvent e, long seq)
    {
        var now = time.GetUtcNow();
        var output = new List<AlertEvent>();
        foreach (var rule in rules)
        {
            rule.Advance(now, output);
            rule.Observe(e, seq, now, output);
        }

        return output;
    }

    public IReadOnlyList<AlertEvent> Advance()
    {
        var now = time.GetUtcNow();
        var output = new List<AlertEvent>();
        foreach (var rule in rules)
        {
            rule.Advance(now, output);
        }

        return output;
    }

    public DateTimeOffset? NextDeadline =>
        rules.Select(r => r.NextDeadline).Where(d => d is not null).DefaultIfEmpty(null).Min();

    private static List<Rule> CreateRules(HomeConfig home)
    {
        var rules = new List<Rule>();
        if (home.Rules.Fall is { } fall)
        {
            rules.Add(new FallRule(home.HomeId, fall));
        }

        if (home.Rules.Help is { } help)
        {
            rules.Add(new HelpRule(home.HomeId, help));
        }

        if (home.Rules.DoorLeftOpen is { } door)
        {
            var doors = door.Doors.Count > 0
                ? door.Doors.ToHashSet(StringComparer.Ordinal)
                : home.Sensors.Where(s => s.Kind == SensorKind.Door).Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
            rules.Add(new DoorLeftOpenRule(home.HomeId, door, doors));
        }

        return rules;
    }
}
