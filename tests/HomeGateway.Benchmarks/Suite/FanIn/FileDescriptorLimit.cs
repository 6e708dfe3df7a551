using System.Runtime.InteropServices;

namespace HomeGateway.Benchmarks.Suite.FanIn;

/// <summary>
/// Every held gateway is one socket in the bench and one in dispatch. .NET raises the soft RLIMIT_NOFILE to the hard
/// one at start, but the hard one is often 20,000 or less. As root the bench raises both for itself; dispatch, started
/// afterwards as its child, inherits them. Without the privilege the machine's limit caps the fleet, and the run says so.
/// </summary>
internal static partial class FileDescriptorLimit
{
    private const int RlimitNofile = 7;

    /// <summary>Raises the limit to at least <paramref name="wanted"/> where allowed; returns the soft limit now in force.</summary>
    public static long Raise(long wanted)
    {
        if (!OperatingSystem.IsLinux())
        {
            return long.MaxValue;
        }

        var limit = default(RLimit);
        if (GetRLimit(RlimitNofile, ref limit) != 0)
        {
            return 1024;
        }

        if ((long)limit.Current >= wanted)
        {
            return (long)limit.Current;
        }

        var raised = new RLimit { Current = (ulong)wanted, Maximum = Math.Max(limit.Maximum, (ulong)wanted) };
        if (SetRLimit(RlimitNofile, ref raised) == 0)
        {
            return wanted;
        }

        // Not privileged: the soft limit can still go up to the hard one.
        var soft = new RLimit { Current = limit.Maximum, Maximum = limit.Maximum };
        return SetRLimit(RlimitNofile, ref soft) == 0 ? (long)limit.Maximum : (long)limit.Current;
    }

    /// <summary>The kernel's ceiling for any process (fs.nr_open).</summary>
    public static long KernelCeiling() =>
        File.Exists("/proc/sys/fs/nr_open") && long.TryParse(File.ReadAllText("/proc/sys/fs/nr_open").Trim(), out var value) ? value : 1024 * 1024;

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [DllImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static extern int GetRLimit(int resource, ref RLimit limit);

    [DllImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static extern int SetRLimit(int resource, ref RLimit limit);
}
