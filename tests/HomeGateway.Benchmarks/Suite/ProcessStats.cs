using System.Globalization;

namespace HomeGateway.Benchmarks.Suite;

/// <summary>
/// What the kernel says about a process (Linux /proc): resident memory now and at its peak, and CPU time used.
/// RSS is what a Pi's RAM pays for, so it is the memory figure throughout the suite.
/// </summary>
public readonly record struct ProcessStats(long RssBytes, long PeakRssBytes, TimeSpan CpuTime, int Threads)
{
    /// <summary>USER_HZ: the unit of utime/stime in /proc/[pid]/stat; 100 on every Linux the product runs on.</summary>
    private const double TicksPerSecond = 100;

    public double RssMiB => RssBytes / 1024.0 / 1024.0;

    public double PeakRssMiB => PeakRssBytes / 1024.0 / 1024.0;

    public static ProcessStats Read(int pid)
    {
        long rss = 0, peak = 0;
        var threads = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kilobytes(line) * 1024;
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kilobytes(line) * 1024;
            }
            else if (line.StartsWith("Threads:", StringComparison.Ordinal))
            {
                threads = int.Parse(line["Threads:".Length..].Trim(), CultureInfo.InvariantCulture);
            }
        }

        // The command name in field 2 may hold spaces and parentheses: count fields after its closing parenthesis.
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return new ProcessStats(rss, peak, TimeSpan.FromSeconds(ticks / TicksPerSecond), threads);
    }

    private static long Kilobytes(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
