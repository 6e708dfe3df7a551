using System.Globalization;

namespace HomeGateway.Benchmarks.Suite;

/// <summary>
/// The suite's command line: <c>--only a,b</c> / <c>--skip a,b</c> choose scenarios by name; <c>--quick</c> shrinks every
/// scenario to a smoke run (figures not for publishing); any other <c>--name value</c> is a scenario parameter, read
/// with its default by the scenario that owns it (e.g. <c>--gateways 20000</c>).
/// </summary>
public sealed class BenchOptions
{
    private readonly Dictionary<string, string> values = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlySet<string> Only { get; private init; } = new HashSet<string>();

    public IReadOnlySet<string> Skip { get; private init; } = new HashSet<string>();

    public bool Quick { get; private init; }

    public bool Help { get; private init; }

    /// <summary>Where latest.json, latest.md and the work directories go (default artifacts/bench).</summary>
    public string? Output => values.GetValueOrDefault("output");

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var quick = false;
        var help = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "--quick")
            {
                quick = true;
            }
            else if (arg is "--help" or "-h")
            {
                help = true;
            }
            else if (arg.StartsWith("--", StringComparison.Ordinal) && arg.Length > 2)
            {
                var equals = arg.IndexOf('=', StringComparison.Ordinal);
                if (equals > 0)
                {
                    values[arg[2..equals]] = arg[(equals + 1)..];
                }
                else if (i + 1 < args.Count)
                {
                    values[arg[2..]] = args[++i];
                }
                else
                {
                    throw new ArgumentException($"{arg} needs a value");
                }
            }
            else
            {
                throw new ArgumentException($"unexpected argument '{arg}' (see --help)");
            }
        }

        return new BenchOptions(values)
        {
            Only = Names(values.GetValueOrDefault("only")),
            Skip = Names(values.GetValueOrDefault("skip")),
            Quick = quick,
            Help = help,
        };
    }

    private BenchOptions(Dictionary<string, string> values) => this.values = values;

    public int Int(string name, int @default, int quick) =>
        values.TryGetValue(name, out var text)
            ? int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0
                ? value
                : throw new ArgumentException($"--{name} must be a positive whole number, not '{text}'")
            : Quick ? quick : @default;

    public string? Text(string name) => values.GetValueOrDefault(name);

    public bool Wants(string scenario) => (Only.Count == 0 || Only.Contains(scenario)) && !Skip.Contains(scenario);

    private static HashSet<string> Names(string? list) =>
        new((list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.OrdinalIgnoreCase);
}
