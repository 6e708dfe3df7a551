using System.Text;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Core.Rules;

namespace HomeGateway.Core.Tests.Rules;

/// <summary>
/// Guards the rules' state as the journal saves it: <see cref="RulesEngine.SaveStateEntries"/> (which reuses the JSON of
/// values that did not change since the last save) gives exactly the entries cut from <see cref="RulesEngine.SaveState"/>,
/// save after save — so a value changed in place instead of replaced, which the reuse would miss, fails here — and they
/// join back into a state that restores.
/// </summary>
public sealed class SaveStateEntriesTests
{
    [Fact]
    public void Every_save_gives_the_entries_of_the_whole_state_through_alerts_acknowledgements_visits_and_restarts()
    {
        var home = EnginePropertyTests.TestHome();
        var engine = new RulesEngine(home, EnginePropertyTests.Start);
        var random = new Random(2026_12_07);
        var now = EnginePropertyTests.Start;
        var seq = 0L;
        var alerts = new List<AlertEvent>();
        var saves = 0;
        var reused = 0;
        Dictionary<string, byte[]>? previous = null;
        for (var i = 0; i < 1500; i++)
        {
            now += TimeSpan.FromSeconds(random.Next(0, 600));
            RandomStep(home, engine, random, now, ref seq, alerts, closing: false, afterAdvance: null);

            // Saved often, as the pipeline does at each alert step, and sometimes after many changes at once.
            if (random.Next(3) != 0)
            {
                continue;
            }

            var entries = engine.SaveStateEntries();
            var expected = RuleStateEntries.Split(engine.SaveState());
            Assert.False(expected.ContainsKey(RuleStateEntries.Whole));
            Assert.Equal(Describe(expected), Describe(entries));
            saves++;
            reused += previous is null ? 0 : entries.Count(e => previous.TryGetValue(e.Key, out var before) && ReferenceEquals(before, e.Value));
            previous = entries;

            if (random.Next(25) == 0)
            {
                // A restart from the joined entries carries on with the same state (and a fresh cache).
                var restarted = new RulesEngine(home, now);
                restarted.RestoreState(RuleStateEntries.Join(entries));
                Assert.Equal(Describe(entries), Describe(restarted.SaveStateEntries()));
                engine = restarted;
                previous = null;
            }
        }

        Assert.True(saves > 300, $"{saves} saves");
        Assert.NotEmpty(alerts);
        // The reuse is what this is for: unchanged open alerts, doors and escalations keep their arrays.
        Assert.True(reused > saves, $"{reused} entries reused in {saves} saves");
    }

    [Fact]
    public void The_next_deadline_is_always_the_one_a_fresh_engine_finds_in_the_saved_state()
    {
        // A rule may keep its earliest deadline between changes (DoorLeftOpenRule does: the pipeline asks on every turn);
        // after every kind of change it must still be the one a restored engine, which keeps nothing, computes.
        var home = EnginePropertyTests.TestHome();
        var engine = new RulesEngine(home, EnginePropertyTests.Start);
        var random = new Random(2026_12_08);
        var now = EnginePropertyTests.Start;
        var seq = 0L;
        var alerts = new List<AlertEvent>();
        var deadlines = 0;
        for (var i = 0; i < 1500; i++)
        {
            now += TimeSpan.FromSeconds(random.Next(0, 600));
            RandomStep(home, engine, random, now, ref seq, alerts, closing: true, afterAdvance: () => AssertSameDeadline(home, engine));
            AssertSameDeadline(home, engine);
            deadlines += engine.NextDeadline is null ? 0 : 1;
        }

        Assert.True(deadlines > 500, $"a deadline was pending after {deadlines} of 1500 steps");
    }

    /// <summary>
    /// What time brings (every deadline up to <paramref name="now"/>), then one random change: an acknowledgement, a
    /// closing by dispatch (when <paramref name="closing"/>), a visit starting or ending, or a sensor event.
    /// </summary>
    private static void RandomStep(HomeConfig home, RulesEngine engine, Random random, DateTimeOffset now, ref long seq,
        List<AlertEvent> alerts, bool closing, Action? afterAdvance)
    {
        while (engine.NextDeadline is { } due && due <= now)
        {
            alerts.AddRange(engine.Advance(due));
            afterAdvance?.Invoke();
        }

        switch (random.Next(20))
        {
            case 0 when alerts.Count > 0:
                engine.Acknowledge(alerts[random.Next(alerts.Count)].AlertId, now);
                break;
            case 1 when closing && alerts.Count > 0:
                engine.Close(alerts[random.Next(alerts.Count)].AlertId, seq);
                break;
            case 2:
                alerts.AddRange(engine.SetVisit(!engine.VisitInProgress, now));
                break;
            default:
                var (sensor, _, states) = EnginePropertyTests.Vocabulary[random.Next(EnginePropertyTests.Vocabulary.Length)];
                var step = new EnginePropertyTests.Step(0, sensor, states[random.Next(states.Length)], false);
                alerts.AddRange(engine.Observe(EnginePropertyTests.ToEvent(home, step, now), ++seq, now));
                break;
        }
    }

    private static void AssertSameDeadline(HomeConfig home, RulesEngine engine)
    {
        var fresh = new RulesEngine(home, EnginePropertyTests.Start);
        fresh.RestoreState(engine.SaveState());
        Assert.Equal(fresh.NextDeadline, engine.NextDeadline);
    }

    [Fact]
    public void Names_that_json_escapes_are_keyed_as_the_state_writes_them()
    {
        // Door ids with characters the serializer escapes in a property name (non-ASCII, HTML-sensitive, a quote): their
        // entries are keyed by the escaped name, as Split keys them, and both doors come back.
        string[] doors = ["dörr_1", "door<\"2\">&+"];
        var home = new HomeConfig("home", "Europe/Helsinki", [.. doors.Select(d => new SensorConfig(d, SensorKind.Door))],
            new RulesConfig { DoorLeftOpen = new DoorLeftOpenRuleConfig { After = TimeSpan.FromMinutes(5), RepeatEvery = TimeSpan.FromHours(1) } });
        var engine = new RulesEngine(home, EnginePropertyTests.Start);
        var now = EnginePropertyTests.Start;
        foreach (var door in doors)
        {
            engine.Observe(new SensorEvent("home", door, SensorKind.Door, SensorStates.Open, now, "test"), 1, now);
        }

        var entries = engine.SaveStateEntries();
        Assert.Equal(Describe(RuleStateEntries.Split(engine.SaveState())), Describe(entries));
        Assert.Contains(entries.Keys, k => k.EndsWith("\u001fd\\u00F6rr_1", StringComparison.Ordinal));
        var restored = new RulesEngine(home, now);
        restored.RestoreState(RuleStateEntries.Join(entries));
        Assert.Equal(engine.NextDeadline, restored.NextDeadline);
        Assert.Equal(Describe(entries), Describe(restored.SaveStateEntries()));
    }

    private static List<string> Describe(IReadOnlyDictionary<string, byte[]> entries) =>
        [.. entries.Select(e => e.Key.Replace('\u001f', '/') + " = " + Encoding.UTF8.GetString(e.Value)).Order(StringComparer.Ordinal)];
}
