using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace HomeGateway.Dispatch.Credentials;

/// <summary>
/// Dispatch's data directory holds what a care organisation must keep to itself: key-safe locations, contacts,
/// password and token hashes, the CA key, the cookie keys. Two layers keep it private:
/// <list type="bullet">
/// <item>the process umask is 077 from the first line (<see cref="SetProcessUmask"/>), so whatever a library creates
/// there (SQLite's -wal/-shm/-journal, ASP.NET's key files, a backup copy) is the owner's alone;</item>
/// <item>and, not to depend on that alone (a host that starts dispatch without the entry point, a library that passes
/// an explicit mode), the data directory is created 0700 and <c>dispatch.db</c> 0600 before SQLite first opens it
/// (SQLite gives its -wal and -shm files the database file's mode), and at each start anything older versions left
/// readable by others is tightened, with a log line saying what.</item>
/// </list>
/// </summary>
public static partial class PrivateFiles
{
    public const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>What the group or anyone else may do: none of it, in the data directory.</summary>
    private const UnixFileMode NotOwner = ~(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.SetUser | UnixFileMode.SetGroup | UnixFileMode.StickyBit);

    private const uint PrivateUmask = 0b000_111_111; // 077

    /// <summary>Sets the process umask to 077 (Linux; a no-op elsewhere). Returns the previous one, or null when not set.</summary>
    public static uint? SetProcessUmask() => OperatingSystem.IsLinux() ? umask(PrivateUmask) : null;

    /// <summary>Creates <paramref name="directory"/> (and missing parents) 0700; an existing one is left as it is.</summary>
    public static void CreateDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
            return;
        }

        Directory.CreateDirectory(directory, PrivateDirectory);
    }

    /// <summary>
    /// Creates an empty <paramref name="path"/> with mode 0600 when it does not exist (SQLite takes an empty file as an
    /// empty database, and gives its -wal/-shm/-journal files this file's mode).
    /// </summary>
    public static void CreateFile(string path)
    {
        if (OperatingSystem.IsWindows() || File.Exists(path))
        {
            return;
        }

        try
        {
            using var created = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = PrivateFile,
            });
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another connection created it first, with the same mode.
        }
    }

    /// <summary>
    /// Takes group and other permissions off <paramref name="directory"/> and everything in it (files 0600 at most,
    /// directories 0700 at most). Returns what was tightened, for one log line; an absent directory is nothing to do.
    /// Symbolic links are not followed: what they point at is not dispatch's.
    /// </summary>
    public static IReadOnlyList<string> Tighten(string directory)
    {
        var tightened = new List<string>();
        if (OperatingSystem.IsWindows() || !Directory.Exists(directory))
        {
            return tightened;
        }

        TightenOne(new DirectoryInfo(directory), tightened);
        foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos("*", new EnumerationOptions
        {
            RecurseSubdirectories = true,
            AttributesToSkip = FileAttributes.ReparsePoint,
            IgnoreInaccessible = true,
        }))
        {
            TightenOne(entry, tightened);
        }

        return tightened;
    }

    /// <summary>Tightens the data directory at start and logs once what an older version had left readable.</summary>
    public static void TightenAtStart(string directory, ILogger logger)
    {
        var tightened = Tighten(directory);
        if (tightened.Count > 0)
        {
            PrivateFilesLog.Tightened(logger, directory, tightened.Count, string.Join(", ", tightened.Take(10)));
        }
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void TightenOne(FileSystemInfo entry, List<string> tightened)
    {
        if (entry.LinkTarget is not null)
        {
            return;
        }

        var mode = entry.UnixFileMode;
        if ((mode & NotOwner) == 0)
        {
            return;
        }

        try
        {
            entry.UnixFileMode = mode & ~NotOwner;
            tightened.Add(entry.Name);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            // Gone since the listing (a running dispatch's temporary file, renamed or deleted): nothing left to tighten.
        }
    }

    [LibraryImport("libc", EntryPoint = "umask")]
    private static partial uint umask(uint mask);
}

internal static partial class PrivateFilesLog
{
    [LoggerMessage(1500, LogLevel.Warning,
        "Data directory {Directory}: {Count} files or directories were readable by others (from an older version); now owner-only: {Names}")]
    public static partial void Tightened(ILogger logger, string directory, int count, string names);
}
