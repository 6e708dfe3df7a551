using System.Text;

namespace HomeGateway.Gateway;

/// <summary>
/// Replaces a small file all at once: written beside it, then renamed over it, so a reader or a crash never sees half a
/// file. Created with <paramref name="mode"/> from the start, so a secret is never readable by others, not even briefly.
/// </summary>
internal static class AtomicFile
{
    public const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode GroupReadable = Private | UnixFileMode.GroupRead;
    public const UnixFileMode Public = GroupReadable | UnixFileMode.OtherRead;

    /// <param name="durable">Flush to disk before the rename (what must survive a power cut); not for files in RAM.</param>
    public static void Write(string path, ReadOnlySpan<byte> content, UnixFileMode mode, bool durable)
    {
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }

        using (var stream = new FileStream(temporary, options))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: durable);
        }

        if (!OperatingSystem.IsWindows())
        {
            // A temporary file left by a crash keeps its old mode when opened again.
            File.SetUnixFileMode(temporary, mode);
        }

        File.Move(temporary, path, overwrite: true);
    }

    public static void Write(string path, string text, UnixFileMode mode, bool durable) =>
        Write(path, Encoding.UTF8.GetBytes(text), mode, durable);
}
