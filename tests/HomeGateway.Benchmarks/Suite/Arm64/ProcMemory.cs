using System.Globalization;

namespace HomeGateway.Benchmarks.Suite.Arm64;

/// <summary>
/// Resident memory as /proc/&lt;pid&gt;/status tells it: VmRSS (now) and VmHWM (the peak so far). Parsed from the text, not
/// read in place, so the parsing is tested; a status without either line is an error, never a zero figure.
/// </summary>
public readonly record struct ProcMemory(long RssBytes, long PeakRssBytes)
{
    public double RssMiB => RssBytes / 1024.0 / 1024.0;

    public double PeakRssMiB => PeakRssBytes / 1024.0 / 1024.0;

    public static ProcMemory Read(int pid) => Parse(File.ReadAllText($"/proc/{pid}/status"));

    public static ProcMemory Parse(string status)
    {
        long? rss = null, peak = null;
        foreach (var line in status.Split('\n'))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kilobytes(line);
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kilobytes(line);
            }
        }

        // A kernel thread or a process already reaped has no Vm* lines: say so rather than report 0 MiB.
        return rss is { } r && peak is { } p
            ? new ProcMemory(r * 1024, p * 1024)
            : throw new FormatException("no VmRSS/VmHWM lines in /proc/<pid>/status (has the process exited?)");
    }

    // "VmRSS:	   23456 kB": the kernel always counts in kB here.
    private static long Kilobytes(string line)
    {
        var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        return fields.Length == 3 && fields[2] == "kB" && long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var kb)
            ? kb
            : throw new FormatException($"unexpected /proc status line '{line.Trim()}'");
    }
}
