using System.Globalization;

namespace HomeGateway.Benchmarks.Suite.Arm64;

/// <summary>
/// The words of a relative figure: qemu's emulation makes the arm64 build's times and memory meaningless in absolute
/// terms on this machine, but their ratio to the native build, run the same way in the same run, still says whether a
/// change made the device build slower or bigger.
/// </summary>
public static class Relative
{
    /// <summary>"5.3× x64 native" (or "0.41× …"): <paramref name="value"/> ÷ <paramref name="baseline"/>, three significant figures.</summary>
    public static string Describe(double value, double baseline, string baselineName)
    {
        if (baseline <= 0 || double.IsNaN(baseline) || double.IsNaN(value))
        {
            throw new ArgumentOutOfRangeException(nameof(baseline), $"a ratio needs positive figures, not {value} ÷ {baseline}");
        }

        return $"{BenchReport.Format(value / baseline)}× {baselineName}";
    }

    /// <summary>Median of a few samples in ms, and the samples themselves in order of size, for the note.</summary>
    public static string Samples(Latencies samples) =>
        string.Join(", ", Enumerable.Range(1, samples.Count).Select(i => samples.Percentile(100.0 * i / samples.Count).ToString("0", CultureInfo.InvariantCulture)));
}
