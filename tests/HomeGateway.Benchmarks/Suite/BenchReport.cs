using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HomeGateway.Benchmarks.Suite;

/// <summary>
/// Everything one <c>make bench</c> measured: the machine, the figures of each scenario, versions of the peers that ran,
/// and the scenarios that failed (a failed scenario is reported, not hidden, and makes the run exit 1).
/// Written as latest.json (for tools) and as a Markdown table (stdout and latest.md, for people and the README).
/// </summary>
public sealed class BenchReport
{
    private readonly List<Figure> figures = [];
    private readonly List<(string Scenario, string Error)> failures = [];
    private readonly Lock gate = new();

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    public MachineInfo Machine { get; } = MachineInfo.Read();

    /// <summary>Software that took part besides .NET (e.g. "Node-RED" → "4.1.15", "mosquitto" → "2.0.11").</summary>
    public SortedDictionary<string, string> Software { get; } = new(StringComparer.Ordinal);

    /// <summary>Each scenario's parameters as run (e.g. "endToEnd.falls" → "1000"), so a figure can be reproduced.</summary>
    public SortedDictionary<string, string> Parameters { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<Figure> Figures
    {
        get
        {
            lock (gate)
            {
                return [.. figures];
            }
        }
    }

    public IReadOnlyList<(string Scenario, string Error)> Failures => failures;

    public Figure Add(Figure figure)
    {
        if (!figure.Name.Contains('.', StringComparison.Ordinal) || double.IsNaN(figure.Value))
        {
            throw new ArgumentException($"figure '{figure.Name}' needs a group.key name and a value", nameof(figure));
        }

        lock (gate)
        {
            figures.RemoveAll(f => f.Name == figure.Name);
            figures.Add(figure);
        }

        return figure;
    }

    public void Fail(string scenario, string error)
    {
        lock (gate)
        {
            failures.Add((scenario, error));
        }
    }

    public string ToJson()
    {
        var results = new JsonObject();
        foreach (var figure in Figures)
        {
            var dot = figure.Name.IndexOf('.', StringComparison.Ordinal);
            var group = figure.Name[..dot];
            var key = figure.Name[(dot + 1)..];
            if (results[group] is not JsonObject bucket)
            {
                results[group] = bucket = new JsonObject();
            }

            bucket[key] = Round(figure.Value);
            if (figure.PeerValue is { } peer)
            {
                bucket[key + "Peer"] = Round(peer);
            }

            if (figure.Ratio is { } ratio)
            {
                bucket[key + "Ratio"] = Round(ratio);
            }
        }

        var root = new JsonObject
        {
            ["startedAt"] = StartedAt.ToString("O", CultureInfo.InvariantCulture),
            ["machine"] = JsonSerializer.SerializeToNode(Machine, BenchJson.Options),
            ["software"] = JsonSerializer.SerializeToNode(Software, BenchJson.Options),
            ["parameters"] = JsonSerializer.SerializeToNode(Parameters, BenchJson.Options),
            ["results"] = results,
            ["figures"] = new JsonArray([.. Figures.Select(f => (JsonNode?)new JsonObject
            {
                ["name"] = f.Name,
                ["title"] = f.Title,
                ["value"] = Round(f.Value),
                ["unit"] = f.Unit,
                ["peer"] = f.Peer,
                ["peerValue"] = f.PeerValue is { } p ? Round(p) : null,
                ["ratio"] = f.Ratio is { } r ? Round(r) : null,
                ["goal"] = f.Goal,
                ["goalMet"] = f.GoalMet,
                ["note"] = f.Note,
            })]),
            ["failures"] = new JsonArray([.. failures.Select(f => (JsonNode?)new JsonObject { ["scenario"] = f.Scenario, ["error"] = f.Error })]),
        };
        return root.ToJsonString(BenchJson.Options);
    }

    /// <summary>The table for people: one row per figure, the machine and the versions underneath.</summary>
    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine("| figure | value | peer | ratio | goal |");
        text.AppendLine("|---|---:|---:|---:|---|");
        foreach (var f in Figures)
        {
            var peer = f.PeerValue is { } p ? $"{Format(p)} {f.Unit} ({f.Peer})" : "";
            var ratio = f.Ratio is { } r ? r.ToString("0.00", CultureInfo.InvariantCulture) : "";
            var goal = f.Goal is null ? "" : $"{f.Goal} {(f.GoalMet == true ? "✔ met" : f.GoalMet == false ? "✘ missed" : "")}".TrimEnd();
            text.AppendLine(CultureInfo.InvariantCulture, $"| {f.Title} (`{f.Name}`) | {Format(f.Value)} {f.Unit} | {peer} | {ratio} | {goal} |");
        }

        foreach (var (scenario, error) in failures)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| **{scenario} failed**: {error.ReplaceLineEndings(" ").Replace("|", "\\|", StringComparison.Ordinal)} | | | | |");
        }

        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Machine.Describe()}. Run {StartedAt:yyyy-MM-dd HH:mm} UTC.");
        if (Software.Count > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Software: {string.Join(", ", Software.Select(s => $"{s.Key} {s.Value}"))}.");
        }

        if (Parameters.Count > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Parameters: {string.Join(", ", Parameters.Select(s => $"{s.Key}={s.Value}"))}.");
        }

        return text.ToString();
    }

    /// <summary>Three significant figures: enough for a benchmark, few enough to read.</summary>
    public static string Format(double value) =>
        value == 0 ? "0"
        : Math.Abs(value) >= 1000 ? value.ToString("#,0", CultureInfo.InvariantCulture).Replace(",", " ", StringComparison.Ordinal)
        : Math.Abs(value) >= 100 ? value.ToString("0", CultureInfo.InvariantCulture)
        : Math.Abs(value) >= 10 ? value.ToString("0.0", CultureInfo.InvariantCulture)
        : Math.Abs(value) >= 1 ? value.ToString("0.00", CultureInfo.InvariantCulture)
        : value.ToString("0.000", CultureInfo.InvariantCulture);

    private static double Round(double value) => Math.Round(value, value is > -1 and < 1 ? 6 : 3);
}

internal static class BenchJson
{
    public static readonly JsonSerializerOptions Options = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
}
