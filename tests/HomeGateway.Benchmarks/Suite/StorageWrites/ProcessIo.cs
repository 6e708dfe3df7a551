using System.Globalization;

namespace HomeGateway.Benchmarks.Suite.StorageWrites;

/// <summary>
/// A process's I/O counters from Linux's <c>/proc/[pid]/io</c>. <see cref="WriteBytes"/> is what the process caused to be
/// sent to the block device: counted when a page of the page cache turns dirty, so a write the kernel flushes seconds
/// later is already in it, and rewriting a page that is still dirty costs nothing more (after an fsync cleans it, the
/// next write to it counts again). <see cref="CancelledWriteBytes"/> is dirty data that never reached the device (a file
/// truncated or deleted first). <see cref="Wchar"/> counts every byte passed to write(2) and friends, pipes and sockets
/// included (stdout → journald, MQTT, gRPC): an upper bound, not wear. On tmpfs (e.g. /run) writes show in wchar only.
/// </summary>
public readonly record struct ProcessIo(long Wchar, long WriteSyscalls, long WriteBytes, long CancelledWriteBytes)
{
    /// <summary>Bytes that reached (or will reach) the storage device: what wears an SD card.</summary>
    public long DeviceBytes => WriteBytes - CancelledWriteBytes;

    public static ProcessIo Read(int pid) => Parse(File.ReadAllText($"/proc/{pid}/io"));

    /// <summary>Parses the file's <c>name: value</c> lines; a counter missing from them is an error, not a zero.</summary>
    public static ProcessIo Parse(string text)
    {
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && long.TryParse(line[(colon + 1)..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                values[line[..colon]] = value;
            }
        }

        long Get(string name) => values.TryGetValue(name, out var v)
            ? v
            : throw new FormatException($"/proc/pid/io has no '{name}' line (a kernel without CONFIG_TASK_IO_ACCOUNTING?)");
        return new ProcessIo(Get("wchar"), Get("syscw"), Get("write_bytes"), Get("cancelled_write_bytes"));
    }

    public static ProcessIo operator -(ProcessIo after, ProcessIo before) =>
        new(after.Wchar - before.Wchar, after.WriteSyscalls - before.WriteSyscalls,
            after.WriteBytes - before.WriteBytes, after.CancelledWriteBytes - before.CancelledWriteBytes);
}
