using Microsoft.Extensions.Time.Testing;

namespace HomeGateway.Gateway.Tests.Journal;

/// <summary>
/// Invariant: the journal (a client's doors, falls and nights) and its -wal are the service user's alone, whatever the umask
/// (there is no -shm: its WAL index is in the service's memory), and a journal an older version left readable by others is made private when it is opened.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class JournalFileModeTests
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OthersMayRead = OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    [Fact]
    public void A_new_journal_and_its_wal_are_owner_only_in_a_new_private_directory()
    {
        using var dir = new TempDirectory();
        var data = Path.Combine(dir.Path, "data");

        using (HomeGateway.Gateway.Journal.Journal.Open(Path.Combine(data, "journal.db"), new FakeTimeProvider()))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(data));
            foreach (var file in new[] { "journal.db", "journal.db-wal" })
            {
                Assert.True(File.Exists(Path.Combine(data, file)), file + " exists while the journal is open");
                Assert.Equal(OwnerOnly, File.GetUnixFileMode(Path.Combine(data, file)));
            }

            Assert.False(File.Exists(Path.Combine(data, "journal.db-shm")));
            Assert.DoesNotContain(File.ReadLines("/proc/self/maps"), line => line.Contains(Path.Combine(data, "journal.db-shm"), StringComparison.Ordinal));
        }
    }

    [Fact]
    public void A_journal_left_readable_by_others_is_made_private_when_opened()
    {
        using var dir = new TempDirectory();
        var path = dir.File("journal.db");
        HomeGateway.Gateway.Journal.Journal.Open(path, new FakeTimeProvider()).Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.SetUnixFileMode(path, OthersMayRead);
        File.SetUnixFileMode(dir.Path, File.GetUnixFileMode(dir.Path) | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

        using (HomeGateway.Gateway.Journal.Journal.Open(path, new FakeTimeProvider()))
        {
            Assert.Equal(OwnerOnly, File.GetUnixFileMode(path));
            if (File.Exists(path + "-wal"))
            {
                Assert.Equal(OwnerOnly, File.GetUnixFileMode(path + "-wal"));
            }

            Assert.Equal((UnixFileMode)0, File.GetUnixFileMode(dir.Path) & (UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute));
        }
    }
}
