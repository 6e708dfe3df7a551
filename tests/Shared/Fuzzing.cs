using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;

namespace HomeGateway.Testing;

/// <summary>What a fuzz target did with one input: took it, or refused it with a reason a person can act on.</summary>
public readonly record struct FuzzVerdict(bool Accepted, string? Refusal)
{
    public static FuzzVerdict Accept => new(true, null);

    public static FuzzVerdict Refuse(string reason) => new(false, reason);
}

/// <summary>
/// Bounded, seeded fuzzing for `make test` (a few thousand inputs per target) and `make fuzz` (100k+ per target, through
/// HOMEGATEWAY_FUZZ_INPUTS). Every run states how many inputs it tried, took and refused; it fails on any exception that
/// escapes the target (a crash), on a refusal without a reason, and names the seed and input that did it, so a failure is
/// reproduced with HOMEGATEWAY_FUZZ_SEED. Reports are appended to HOMEGATEWAY_FUZZ_REPORT when it is set (the Makefile
/// prints them after the tests) and always written to the test's output.
/// </summary>
public static class Fuzzer
{
    public const int DefaultSeed = 20261206;

    /// <summary>How many inputs to try: HOMEGATEWAY_FUZZ_INPUTS when set (make fuzz), otherwise the target's bounded default.</summary>
    public static int Inputs(int boundedDefault) =>
        int.TryParse(Environment.GetEnvironmentVariable("HOMEGATEWAY_FUZZ_INPUTS"), out var n) && n > 0 ? n : boundedDefault;

    public static int Seed =>
        int.TryParse(Environment.GetEnvironmentVariable("HOMEGATEWAY_FUZZ_SEED"), out var s) ? s : DefaultSeed;

    public static async Task<FuzzReport> RunAsync<T>(
        string target,
        int boundedDefault,
        Func<Random, T> generate,
        Func<T, Task<FuzzVerdict>> attempt,
        Func<T, string> describe,
        ITestOutputHelper? output = null)
    {
        var seed = Seed;
        var random = new Random(seed);
        var inputs = Inputs(boundedDefault);
        var report = new FuzzReport(target, seed);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < inputs; i++)
        {
            var input = generate(random);
            try
            {
                var verdict = await attempt(input).ConfigureAwait(false);
                if (verdict.Accepted)
                {
                    report.Accepted++;
                }
                else if (string.IsNullOrWhiteSpace(verdict.Refusal))
                {
                    report.Failures.Add($"input #{i}: refused without a reason: {Shorten(describe(input))}");
                }
                else
                {
                    report.Refused++;
                    report.CountReason(verdict.Refusal);
                }
            }
            catch (Exception ex)
            {
                report.Failures.Add($"input #{i}: {ex.GetType().Name}: {Shorten(ex.Message)} on {Shorten(describe(input))}");
            }

            report.Tried++;
            if (report.Failures.Count >= 20)
            {
                break;
            }
        }

        report.Elapsed = clock.Elapsed;
        var line = report.ToString();
        output?.WriteLine(line);
        if (Environment.GetEnvironmentVariable("HOMEGATEWAY_FUZZ_REPORT") is { Length: > 0 } path)
        {
            lock (ReportLock)
            {
                File.AppendAllText(path, line + Environment.NewLine);
            }
        }

        Assert.True(report.Failures.Count == 0, $"{line}{Environment.NewLine}{string.Join(Environment.NewLine, report.Failures)}");
        Assert.Equal(inputs, report.Tried);
        return report;
    }

    public static Task<FuzzReport> Run<T>(
        string target,
        int boundedDefault,
        Func<Random, T> generate,
        Func<T, FuzzVerdict> attempt,
        Func<T, string> describe,
        ITestOutputHelper? output = null) =>
        RunAsync(target, boundedDefault, generate, input => Task.FromResult(attempt(input)), describe, output);

    private static readonly object ReportLock = new();

    private static string Shorten(string text)
    {
        var escaped = new StringBuilder();
        foreach (var c in text.Length > 300 ? text[..300] : text)
        {
            escaped.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString());
        }

        return text.Length > 300 ? escaped + $"... ({text.Length} chars)" : escaped.ToString();
    }
}

public sealed class FuzzReport(string target, int seed)
{
    // Distinct reasons are counted up to this many; past it only the ones already seen are counted.
    private const int MaxReasons = 500;

    private readonly Dictionary<string, int> _reasons = new(StringComparer.Ordinal);

    public string Target { get; } = target;

    public int Seed { get; } = seed;

    public int Tried { get; internal set; }

    public int Accepted { get; internal set; }

    public int Refused { get; internal set; }

    public TimeSpan Elapsed { get; internal set; }

    public List<string> Failures { get; } = [];

    /// <summary>Distinct refusal reasons seen (first 60 characters each), so a test can check the refusals are varied and specific.</summary>
    public IReadOnlyDictionary<string, int> Reasons => _reasons;

    internal void CountReason(string reason)
    {
        var key = reason.Length > 60 ? reason[..60] : reason;
        if (_reasons.Count < MaxReasons || _reasons.ContainsKey(key))
        {
            _reasons[key] = _reasons.GetValueOrDefault(key) + 1;
        }
    }

    public override string ToString() =>
        $"fuzz {Target}: {Tried} inputs (seed {Seed}) in {Elapsed.TotalSeconds:0.0} s: {Accepted} accepted, {Refused} refused " +
        $"({(_reasons.Count >= MaxReasons ? $"{MaxReasons}+" : _reasons.Count.ToString(System.Globalization.CultureInfo.InvariantCulture))} distinct reasons), {Failures.Count} crashes";
}

/// <summary>Mutations shared by the fuzz targets: start from a valid input and damage it the ways peers and typos do.</summary>
public static class Mutate
{
    /// <summary>Text that breaks parsers: huge and negative numbers, non-ASCII digits, control and bidi characters, deep nesting.</summary>
    public static readonly string[] HostileTokens =
    [
        "99999999999999", "-5", "1e309", "NaN", "-0", "0x7fffffff", "18446744073709551616", "١٠", "１０", "\u0000", "\n", "\r\n",
        "\u001b[31m", "\u202e", "\u2028", "\ud800", "null", "true", "[]", "{}", "\"", "'", "\\", "%s%n", "../../", "Europe",
        "0001-01-01T00:00:00", "9999-12-31T23:59:59", "24:00", "-00:01", "m", "10q", " ", "\t", "~", "&a", "*a", "!!binary",
        new string('x', 70_000), new string('[', 2_000), "é", "😀",
    ];

    public static string Text(Random random, string valid, int maxEdits = 4)
    {
        var builder = new StringBuilder(valid);
        var edits = random.Next(1, maxEdits + 1);
        for (var e = 0; e < edits; e++)
        {
            var at = builder.Length == 0 ? 0 : random.Next(builder.Length + 1);
            switch (random.Next(6))
            {
                case 0 when builder.Length > 0:
                    builder.Remove(Math.Min(at, builder.Length - 1), Math.Min(random.Next(1, 12), builder.Length - Math.Min(at, builder.Length - 1)));
                    break;
                case 1:
                    builder.Insert(at, HostileTokens[random.Next(HostileTokens.Length)]);
                    break;
                case 2 when builder.Length > 0:
                    // Replace a word-ish run with a hostile token.
                    var start = Math.Min(at, builder.Length - 1);
                    var end = start;
                    while (end < builder.Length && char.IsLetterOrDigit(builder[end]))
                    {
                        end++;
                    }

                    builder.Remove(start, end - start).Insert(start, HostileTokens[random.Next(HostileTokens.Length)]);
                    break;
                case 3 when builder.Length > 0:
                    // Duplicate a slice (repeated keys, repeated lines).
                    var from = random.Next(builder.Length);
                    var length = Math.Min(random.Next(1, 80), builder.Length - from);
                    builder.Insert(at, builder.ToString(from, length));
                    break;
                case 4:
                    builder.Insert(at, (char)random.Next(0, 0x80));
                    break;
                default:
                    if (builder.Length > 0)
                    {
                        var i = Math.Min(at, builder.Length - 1);
                        builder[i] = (char)(builder[i] ^ (1 << random.Next(7)));
                    }

                    break;
            }
        }

        return builder.ToString();
    }

    public static byte[] Bytes(Random random, ReadOnlySpan<byte> valid, int maxEdits = 6)
    {
        var bytes = new List<byte>(valid.ToArray());
        var edits = random.Next(1, maxEdits + 1);
        for (var e = 0; e < edits; e++)
        {
            var at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(5))
            {
                case 0 when bytes.Count > 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when bytes.Count > 0:
                    bytes.RemoveRange(at, Math.Min(random.Next(1, 8), bytes.Count - at));
                    break;
                case 2:
                    bytes.Insert(at, (byte)random.Next(256));
                    break;
                case 3 when bytes.Count > 0:
                    bytes[at] = random.Next(4) switch { 0 => 0x00, 1 => 0xff, 2 => 0x7f, _ => 0x80 };
                    break;
                default:
                    var filler = new byte[random.Next(1, 64)];
                    random.NextBytes(filler);
                    bytes.InsertRange(at, filler);
                    break;
            }
        }

        return [.. bytes];
    }
}
