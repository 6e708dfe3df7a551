using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace HomeGateway.Gateway;

/// <summary>
/// The journal holds a client's life at home (doors, falls, nights), the data directory the gateway's key: they are the
/// service user's alone. The process umask is 077 from the start of the service and of <c>enroll</c>
/// (<see cref="SetProcessUmask"/>), and the journal is made private explicitly as well, so it does not depend on how the
/// process was started: its directory is created 0700, <c>journal.db</c> 0600 before SQLite first opens it (SQLite
/// gives -wal/-shm/-journal the database file's mode), and what an older version left readable by others is tightened
/// with a log line. An existing data directory keeps its group permissions (systemd's <c>StateDirectoryMode</c> decides
/// those); only "others" lose theirs.
/// </summary>
public static partial class PrivateFiles
{
    public const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const UnixFileMode Others = UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
    private const UnixFileMode GroupAndOthers = Others | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute;
    private const uint PrivateUmask = 0b000_111_111; // 077

    /// <summary>Sets the process umask to 077 (Linux; a no-op elsewhere). Returns the previous one, or null when not set.</summary>
    public static uint? SetProcessUmask() => OperatingSystem.IsLinux() ? umask(PrivateUmask) : null;

    /// <summary>
    /// Before SQLite opens <paramref name="databasePath"/>: its directory exists (0700 when new, no access for others
    /// when old), the database exists with mode 0600, and it and its -wal, -shm and -journal files are 0600.
    /// </summary>
    public static void PrepareDatabase(string databasePath, ILogger logger)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var tightened = new List<string>();
        var directory = Path.GetDirectoryName(Path.GetFullPath(databasePath))!;
        var info = Directory.CreateDirectory(directory, PrivateDirectory);
        if ((info.UnixFileMode & Others) != 0)
        {
            info.UnixFileMode &= ~Others;
            tightened.Add(directory);
        }

        if (!File.Exists(databasePath))
        {
            try
            {
                using var created = new FileStream(databasePath, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.Write,
                    UnixCreateMode = PrivateFile,
                });
            }
            catch (IOException) when (File.Exists(databasePath))
            {
                // Created in between; tightened below like any existing one.
            }
        }

        foreach (var path in new[] { databasePath, databasePath + "-wal", databasePath + "-shm", databasePath + "-journal" })
        {
            var file = new FileInfo(path);
            if (file.Exists && file.LinkTarget is null && (file.UnixFileMode & GroupAndOthers) != 0)
            {
                file.UnixFileMode &= ~GroupAndOthers;
                tightened.Add(file.Name);
            }
        }

        if (tightened.Count > 0)
        {
            PrivateFilesLog.Tightened(logger, string.Join(", ", tightened));
        }
    }

    [LibraryImport("libc", EntryPoint = "umask")]
    private static partial uint umask(uint mask);
}

internal static partial class PrivateFilesLog
{
    [LoggerMessage(2550, LogLevel.Warning, "Readable by others (left by an older version), now private: {Names}")]
    public static partial void Tightened(ILogger logger, string names);
}
