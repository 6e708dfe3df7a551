using System.Text.RegularExpressions;
using HomeGateway.Gateway.Cli;
using HomeGateway.Testing;
using Xunit.Abstractions;

namespace HomeGateway.Gateway.Tests.Cli;

/// <summary>
/// Guards, by seeded fuzzing: any damage to a replay timeline (and its --until) gives alert lines or one refusal shaped
/// FILE:LINE: field: problem (or --until: problem), exit 2 — never an escaping exception, never the command's backstop.
/// </summary>
public sealed partial class ReplayTimelineFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const string Home = """
        home: { id: kotka-0042, timezone: Europe/Helsinki }
        sensors:
          - { id: front_door, kind: door, mqtt: { topic: z/front_door, profile: zigbee2mqtt } }
          - { id: hall_motion, kind: motion, mqtt: { topic: z/hall_motion, profile: zigbee2mqtt } }
          - { id: button, kind: help_button, gpio: { pin: 27, activeLow: true, pull: up } }
          - { id: living, kind: temperature, mqtt: { topic: z/living, profile: zigbee2mqtt } }
        rules:
          help: {}
          nightExit: { door: front_door, grace: 10m }
          doorLeftOpen: { after: 15m, repeatEvery: 15m }
          temperature: { min: 16, max: 30, for: 30m }
          batteryLow: {}
          tamper: {}
        """;

    private const string Timeline = """
        {"at":"2026-03-29T02:55:00+02:00","sensor":"front_door","state":"open"}
        {"at":"2026-03-29T04:10:00+03:00","sensor":"hall_motion","state":"detected","battery":12}
        {"at":"2026-03-29T04:00:00Z","sensor":"living","value":14.5}
        {"at":"2026-03-29T05:00:00Z","sensor":"button","state":"pressed"}
        """;

    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    [GeneratedRegex(@"^(events\.jsonl:[0-9]+: [^:\s][^:]*: \S.*|--until: \S.*)$")]
    private static partial Regex RefusalShape();

    [Fact]
    [Trait("Category", "Fuzz")]
    public async Task Mutated_timelines_replay_or_are_refused_with_file_line_field()
    {
        File.WriteAllText(dir.File("home.yaml"), Home);
        var events = new FileInfo(dir.File("events.jsonl"));
        var report = await Fuzzer.Run("replay timeline (mutated)", 2_500,
            random => (Events: Mutate.Text(random, Timeline, maxEdits: 2),
                Until: random.Next(3) == 0 ? Mutate.Text(random, "2026-03-29T09:00:00+03:00", maxEdits: 2) : random.Next(2) == 0 ? "2026-03-29T09:00:00+03:00" : null),
            input =>
            {
                // A file holds bytes: a lone surrogate the mutator made becomes U+FFFD, as an editor would save it.
                File.WriteAllText(events.FullName, input.Events, new System.Text.UTF8Encoding(false));
                using var stdout = new StringWriter();
                using var stderr = new StringWriter();
                var exit = ReplayCommand.Run(new FileInfo(dir.File("home.yaml")), events, input.Until, stdout, stderr);
                if (exit == 0)
                {
                    return FuzzVerdict.Accept;
                }

                var refusal = stderr.ToString().TrimEnd();
                var shown = refusal.Replace(dir.Path + Path.DirectorySeparatorChar, "", StringComparison.Ordinal);
                if (exit != 2 || !RefusalShape().IsMatch(shown) || shown.Contains("please report this", StringComparison.Ordinal) || shown.Any(char.IsControl))
                {
                    throw new InvalidOperationException($"exit {exit}, a refusal without the FILE:LINE: field: problem shape: {refusal}");
                }

                return FuzzVerdict.Refuse(shown);
            },
            input => $"events: {input.Events} until: {input.Until}",
            output);

        Assert.True(report.Accepted > 0 && report.Reasons.Count > 20, report.ToString());
    }
}
