using HomeGateway.Gateway.Cli;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using CoreEvents = HomeGateway.Core.Events;

namespace HomeGateway.Gateway.Tests.Journal;

/// <summary>
/// Invariant: the service keeps the journal's WAL index in its own memory (SQLite's unix-excl VFS), so no shared-memory
/// file beside the journal is rewritten on the SD card; a journal an older version left behind after a crash, -shm and all,
/// opens with every commit its WAL holds; and a technician's lock-free read (<see cref="JournalFile"/>) is a snapshot that
/// never disturbs the service's file. (Another process being kept out while the service runs: JournalHeldProcessTests.)
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class JournalLockTests
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public void A_journal_an_older_version_left_after_a_crash_opens_with_every_commit_and_without_its_shm_file()
    {
        using var dir = new TempDirectory();
        var crashed = dir.File("crashed/journal.db");
        var older = dir.File("older/journal.db");
        Directory.CreateDirectory(Path.GetDirectoryName(crashed)!);
        Directory.CreateDirectory(Path.GetDirectoryName(older)!);

        // The state a kill -9 leaves: the file and a WAL with every commit in it (copied while the journal is open).
        using (var journal = HomeGateway.Gateway.Journal.Journal.Open(dir.File("live/journal.db"), clock))
        {
            journal.Append([Door("open"), Door("closed"), Door("open")]);
            CopyWith(dir.File("live/journal.db"), crashed, "", "-wal");
        }

        // As an older version had it: a plain connection builds the WAL's index in journal.db-shm; copied while open again.
        using (var plain = new SqliteConnection($"Data Source={crashed};Pooling=false"))
        {
            plain.Open();
            using var count = plain.CreateCommand();
            count.CommandText = "SELECT COUNT(*) FROM journal;";
            Assert.Equal(3L, count.ExecuteScalar());
            Assert.True(File.Exists(crashed + "-shm"), "the older way keeps the index in a file");
            CopyWith(crashed, older, "", "-wal", "-shm");
        }

        using (var journal = HomeGateway.Gateway.Journal.Journal.Open(older, clock))
        {
            Assert.Equal(3, journal.LastSeq);
            Assert.True(journal.CheckedInFullAtOpen, "a WAL with frames means the last stop was not clean");
            Assert.False(File.Exists(older + "-shm"), "the older version's shared-memory file is removed at open");
            Assert.DoesNotContain(File.ReadLines("/proc/self/maps"), line => line.Contains(older + "-shm", StringComparison.Ordinal));
            Assert.Equal(4, journal.Append(Door("closed")));
        }

        using var reopened = HomeGateway.Gateway.Journal.Journal.Open(older, clock);
        Assert.Equal(4, reopened.LastSeq);
    }

    [Fact]
    public void A_lock_free_read_is_a_snapshot_of_its_first_read_and_leaves_the_service_s_file_alone()
    {
        using var dir = new TempDirectory();
        var path = dir.File("journal.db");
        using (var journal = HomeGateway.Gateway.Journal.Journal.Open(path, clock))
        {
            journal.Append([Door("open"), Door("closed"), Door("open")]);
            using (var reader = JournalFile.OpenUnlocked(path))
            {
                Assert.Equal(3L, MaxSeq(reader));
                journal.Append([Door("closed"), Door("open")]);
                Assert.Equal(3L, MaxSeq(reader));
            }

            // A new read sees the commits since; reading took no lock and wrote nothing: the service goes on as before.
            Assert.Equal(5L, JournalFile.ReadUnlocked(path, MaxSeq));
            Assert.True(new FileInfo(path + "-wal").Length > 0, "the WAL is still the service's, not checkpointed away by a reader");
            Assert.False(File.Exists(path + "-shm"));
            Assert.Equal(6, journal.Append(Door("closed")));
            Assert.Equal(6L, JournalFile.ReadUnlocked(path, MaxSeq));
        }

        using var reopened = HomeGateway.Gateway.Journal.Journal.Open(path, clock);
        Assert.Equal(6, reopened.LastSeq);
        Assert.False(reopened.CheckedInFullAtOpen, "the service's stop was clean although readers came and went");
    }

    private static long MaxSeq(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT MAX(seq) FROM journal;";
        return (long)command.ExecuteScalar()!;
    }

    private static void CopyWith(string from, string to, params string[] suffixes)
    {
        foreach (var suffix in suffixes)
        {
            File.Copy(from + suffix, to + suffix, overwrite: true);
        }
    }

    private CoreEvents.SensorEvent Door(string state) =>
        new("kotka-0042", "front_door", CoreEvents.SensorKind.Door, state, clock.GetUtcNow(), "gpio:17");
}
