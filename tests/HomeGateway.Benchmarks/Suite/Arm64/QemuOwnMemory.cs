using System.Globalization;

namespace HomeGateway.Benchmarks.Suite.Arm64;

/// <summary>
/// The part of a qemu-user process's resident memory that is qemu's own rather than the guest program's, as far as
/// /proc/&lt;pid&gt;/smaps can tell: qemu's malloc heap (<c>[heap]</c>: its bookkeeping, which grows by some 290 MiB as the
/// guest reserves its ~50 GB of address space at start, the .NET GC's up-front reservation) and its
/// translated-code cache (anonymous mappings both writable and executable; a NativeAOT guest never has one, it has no
/// JIT). What is left is an estimate of the guest's own resident memory, never a Pi's figure.
/// </summary>
public static class QemuOwnMemory
{
    public static long Read(int pid) => Parse(File.ReadAllText($"/proc/{pid}/smaps"));

    /// <summary>Bytes resident in qemu's heap and its code cache.</summary>
    public static long Parse(string smaps)
    {
        long kilobytes = 0;
        var counted = false;
        var mappings = 0;
        foreach (var line in smaps.Split('\n'))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 5 && fields[0].Contains('-', StringComparison.Ordinal) && fields[1].Length == 4)
            {
                // "start-end perms offset dev inode [name]": a mapping begins.
                mappings++;
                var name = fields.Length > 5 ? fields[5] : "";
                counted = name == "[heap]" || (name.Length == 0 && fields[1].StartsWith("rwx", StringComparison.Ordinal));
            }
            else if (counted && fields.Length == 3 && fields[0] == "Rss:" && fields[2] == "kB")
            {
                kilobytes += long.Parse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture);
            }
        }

        return mappings > 0 ? kilobytes * 1024 : throw new FormatException("no mappings in /proc/<pid>/smaps (has the process exited?)");
    }
}
