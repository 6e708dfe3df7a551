using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Rules;

namespace HomeGateway.Core.Tests.Rules;

/// <summary>
/// Guards the source-generated rule state (what lets the gateway run as NativeAOT): it writes exactly the JSON the
/// reflection serializer of earlier builds wrote, so a journal saved before the upgrade restores after it, and every rule's
/// state type is known to it (an unknown one would fail the save in every build).
/// </summary>
public sealed class RuleStateJsonTests
{
    // What builds before NativeAOT used: reflection, default options.
    private static readonly JsonSerializerOptions Reflection = new(JsonSerializerDefaults.General) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

    [Fact]
    public void Every_rule_state_is_written_exactly_as_the_reflection_serializer_wrote_it_and_restores()
    {
        var home = EnginePropertyTests.TestHome();
        var engine = new RulesEngine(home, EnginePropertyTests.Start);
        var random = new Random(18);
        var now = EnginePropertyTests.Start;
        var seq = 0L;
        var withState = new HashSet<string>(StringComparer.Ordinal);
        var alerts = new List<AlertEvent>();
        for (var i = 0; i < 600; i++)
        {
            now += TimeSpan.FromSeconds(random.Next(0, 900));
            while (engine.NextDeadline is { } due && due <= now)
            {
                alerts.AddRange(engine.Advance(due));
            }

            var (sensor, _, states) = EnginePropertyTests.Vocabulary[random.Next(EnginePropertyTests.Vocabulary.Length)];
            var step = new EnginePropertyTests.Step(0, sensor, states[random.Next(states.Length)], false);
            alerts.AddRange(engine.Observe(EnginePropertyTests.ToEvent(home, step, now), ++seq, now));

            if (i % 50 == 49)
            {
                var saved = engine.SaveState();
                using var document = JsonDocument.Parse(saved);
                var rules = document.RootElement.GetProperty("Rules");
                foreach (var rule in engine.Rules)
                {
                    if (rule.SaveState() is { } state)
                    {
                        withState.Add(rule.Key);
                        // The same JSON value (earlier builds escaped '+' in times as \u002B: the same string to a reader).
                        var expected = JsonSerializer.SerializeToNode(state, state.GetType(), Reflection);
                        var actual = JsonNode.Parse(rules.GetProperty(rule.Key).GetRawText());
                        Assert.True(JsonNode.DeepEquals(expected, actual), $"{rule.Key}:\n{expected?.ToJsonString()}\n{actual?.ToJsonString()}");
                    }
                }

                // The engine's own part (open alerts, escalations) round-trips and saves the same again.
                var restarted = new RulesEngine(home, now);
                restarted.RestoreState(saved);
                Assert.Equal(Convert.ToBase64String(saved), Convert.ToBase64String(restarted.SaveState()));
                engine = restarted;
            }
        }

        Assert.NotEmpty(alerts);
        // Every rule that keeps state was seen holding some, so each state type went through both serializers.
        Assert.True(withState.Count >= 12, "rules with state seen: " + string.Join(", ", withState));
    }

    [Fact]
    public void An_open_door_saved_with_its_whole_opening_event_by_an_earlier_build_restores_from_the_events_time()
    {
        // Invariant: a journal's saved state from before the door rule kept only the opening's time still restores, and the
        // door's alert then says how long it has been open since the real opening.
        var home = EnginePropertyTests.TestHome();
        var opened = EnginePropertyTests.Start.AddMinutes(1);
        var engine = new RulesEngine(home, EnginePropertyTests.Start);
        var opening = EnginePropertyTests.ToEvent(home, new EnginePropertyTests.Step(0, "front_door", Core.Events.SensorStates.Open, false), opened);
        engine.Observe(opening, 7, opened);

        // The shape earlier builds wrote: "Opened" the whole event, no "OpenedAt".
        var saved = JsonNode.Parse(engine.SaveState())!;
        var door = saved["Rules"]!["doorLeftOpen"]!["front_door"]!.AsObject();
        Assert.Equal(opened, door["OpenedAt"]!.GetValue<DateTimeOffset>());
        door.Remove("OpenedAt");
        door["Opened"] = JsonSerializer.SerializeToNode(opening, Reflection);
        // Timed from a minute later (a carer's visit ended then), so the opening's time and the timer's start differ.
        door["TimedFrom"] = JsonValue.Create(opened.AddMinutes(1));
        var earlier = JsonSerializer.SerializeToUtf8Bytes(saved);

        var restarted = new RulesEngine(home, opened.AddMinutes(2));
        restarted.RestoreState(earlier);
        Assert.DoesNotContain(restarted.Advance(opened.AddMinutes(5)), a => a.Type == AlertType.DoorLeftOpen);
        var raised = restarted.Advance(opened.AddMinutes(6)).Single(a => a.Type == AlertType.DoorLeftOpen);
        Assert.Equal(opened, raised.EvidenceAt);
        Assert.Equal([7L], raised.EvidenceSeqs);
        Assert.Contains("open for 6 min 0 s", raised.Summary, StringComparison.Ordinal);

        // Saved again, it is in the new shape: the opening's time only.
        var resaved = JsonNode.Parse(restarted.SaveState())!["Rules"]!["doorLeftOpen"]!["front_door"]!.AsObject();
        Assert.False(resaved.ContainsKey("Opened"));
        Assert.Equal(opened, resaved["OpenedAt"]!.GetValue<DateTimeOffset>());
    }
}
