using System.Buffers.Binary;
using HomeGateway.Gateway.Journal;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using CoreAlerts = HomeGateway.Core.Alerts;
using CoreEvents = HomeGateway.Core.Events;

namespace HomeGateway.Gateway.Tests.Journal;

/// <summary>
/// Guards the bounded start (issue 18): SQLite's full quick check runs at open only when the last stop was not a clean
/// close; a file damaged while the gateway was off after a clean close is found by the running check instead, and that
/// verdict keeps the next start from skipping the full check, which then sets the file aside.
/// </summary>
public sealed class JournalStartCheckTests : IDisposable
{
    private readonly TempDirectory dir = new();
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 6, 8, 0, 0, TimeSpan.Zero));
    private readonly CapturingLoggerProvider logs = new();

    public void Dispose() => dir.Dispose();

    private string JournalPath => dir.File("journal.db");

    private HomeGateway.Gateway.Journal.Journal Open() =>
        HomeGateway.Gateway.Journal.Journal.Open(JournalPath, clock, new JournalOptions(), "home", logs.CreateLogger("journal"));

    /// <summary>200 events, then dispatch's ack and the rules' state through them: the stop prunes them, so the file has free pages.</summary>
    private static void WriteAndPrune(HomeGateway.Gateway.Journal.Journal journal, TimeProvider time)
    {
        for (var i = 0; i < 200; i++)
        {
            journal.Append(new CoreEvents.SensorEvent("home", "hall_motion", CoreEvents.SensorKind.Motion, i % 2 == 0 ? "detected" : "clear",
                time.GetUtcNow(), "mqtt:zigbee2mqtt/hall_motion") { Detail = new string('d', 200) });
        }

        journal.Acknowledge(journal.LastSeq);
        journal.Append(Array.Empty<CoreAlerts.AlertEvent>(), [1, 2, 3], journal.LastSeq);
        journal.Flush();
        journal.Append(new CoreEvents.SensorEvent("home", "hall_motion", CoreEvents.SensorKind.Motion, "clear", time.GetUtcNow(), "test"));
    }

    /// <summary>
    /// Leaves the file as a kill -9 would: after a clean stop (so the main file has free pages), an open whose files are
    /// copied while it is still open and put back after it closed. <paramref name="checkpointFirst"/>: the WAL was just
    /// checkpointed and emptied when the kill came, so only the main file can tell.
    /// </summary>
    private void StopLikeAKill(bool checkpointFirst = false)
    {
        StopCleanly();
        var copy = dir.File("copy.db");
        using (var journal = Open())
        {
            if (checkpointFirst)
            {
                using var other = new SqliteConnection($"Data Source={JournalPath};Pooling=false");
                other.Open();
                using var checkpoint = other.CreateCommand();
                checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
                checkpoint.ExecuteNonQuery();
            }

            File.Copy(JournalPath, copy);
            File.Copy(JournalPath + "-wal", copy + "-wal");
        }

        SqliteConnection.ClearAllPools();
        File.Delete(JournalPath + "-shm");
        File.Move(copy, JournalPath, overwrite: true);
        File.Move(copy + "-wal", JournalPath + "-wal", overwrite: true);
    }

    private void StopCleanly()
    {
        using var journal = Open();
        WriteAndPrune(journal, clock);
    }

    /// <summary>Garbage over the freelist's first trunk page: nothing at open reads it, SQLite's quick check does.</summary>
    private void DamageFreePages()
    {
        SqliteConnection.ClearAllPools();
        using var file = new FileStream(JournalPath, FileMode.Open, FileAccess.ReadWrite);
        var header = new byte[100];
        file.ReadExactly(header);
        var pageSize = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(16));
        var trunk = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(32));
        Assert.True(trunk > 1, "the test needs free pages in the main file");
        file.Position = (trunk - 1) * (long)pageSize;
        file.Write([.. Enumerable.Range(0, pageSize).Select(i => (byte)(i * 7 + 3))]);
    }

    [Fact]
    public void A_start_after_a_clean_close_skips_the_full_check_and_a_new_file_gets_it()
    {
        // Invariant: the full check's cost is paid when the file may be half-written, not at every start.
        using (var created = Open())
        {
            Assert.True(created.CheckedInFullAtOpen);
            Assert.Equal(clock.GetUtcNow(), created.LastIntactAt);
            WriteAndPrune(created, clock);
        }

        Assert.False(File.Exists(JournalPath + "-wal"), "a clean close leaves no WAL");
        using var journal = Open();

        Assert.False(journal.CheckedInFullAtOpen);
        Assert.Null(journal.LastIntactAt);
        Assert.Null(journal.Recovery);
        Assert.Equal(201, journal.LastSeq);

        // The depth the closing service counted (the one event after dispatch's ack), not counted again.
        Assert.Equal(1, journal.OutboxDepth);
        Assert.Equal(1, journal.Outbox.PendingSensorEvents);
        Assert.Contains("closed cleanly", logs.WithEventId(2987).Last().Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_start_after_a_kill_runs_the_full_check()
    {
        // Invariant: after a crash, a power cut or a kill the file is checked in full before anything is appended to it.
        StopLikeAKill();

        using var journal = Open();

        Assert.True(journal.CheckedInFullAtOpen);
        Assert.Null(journal.Recovery);
        Assert.Equal(201, journal.LastSeq);
        Assert.Equal(1, journal.OutboxDepth);
        Assert.Contains("full quick check ran", logs.WithEventId(2987).Last().Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_kill_right_after_a_checkpoint_still_runs_the_full_check()
    {
        // Invariant: the clean mark counts for one start only: the first commit of an open deletes it, so a kill when the
        // WAL happens to be empty (everything checkpointed) is still seen as a kill.
        StopLikeAKill(checkpointFirst: true);
        Assert.Equal(0, new FileInfo(JournalPath + "-wal").Length);

        using var journal = Open();

        Assert.True(journal.CheckedInFullAtOpen);
    }

    [Fact]
    public void Damage_after_a_kill_is_found_at_the_next_start_and_the_file_set_aside()
    {
        // Invariant: a damaged file is never appended to after a crash: the start's full check sets it aside.
        StopLikeAKill();
        DamageFreePages();

        using var journal = Open();

        Assert.NotNull(journal.Recovery);
        Assert.Contains("quick check failed", journal.Recovery.Reason, StringComparison.Ordinal);
        Assert.Single(logs.WithEventId(1100));
    }

    [Fact]
    public void Damage_after_a_clean_close_is_found_by_the_running_check_and_set_aside_at_the_next_start()
    {
        // Invariant: what went bad while the gateway was off is found while it runs, reported, and never trusted again.
        StopCleanly();
        DamageFreePages();

        using (var journal = Open())
        {
            Assert.False(journal.CheckedInFullAtOpen);
            Assert.Null(journal.Recovery);
            Assert.Null(journal.LastCheck);

            var check = journal.RunBackgroundCheck();

            Assert.NotNull(check?.Damage);
            Assert.Same(check, journal.LastCheck);
            Assert.Null(journal.LastIntactAt);
            var error = Assert.Single(logs.WithEventId(2988));
            Assert.Equal(LogLevel.Error, error.Level);

            // A later check that reads fine (it cannot here) would not clear the verdict either; appends go on meanwhile.
            Assert.Equal(202, journal.Append(new CoreEvents.SensorEvent("home", "hall_motion", CoreEvents.SensorKind.Motion, "clear", clock.GetUtcNow(), "test")));
        }

        // The damaged file got no clean mark at that stop, so this start checks it in full and sets it aside.
        using var reopened = Open();
        Assert.True(reopened.CheckedInFullAtOpen);
        Assert.NotNull(reopened.Recovery);
    }

    [Fact]
    public void The_running_check_comes_soon_after_a_start_that_skipped_the_full_check_then_once_per_interval()
    {
        // Invariant: a silently-bad page is found within CheckInterval while running (FirstCheckAfterCleanStart after a clean start).
        StopCleanly();
        using var journal = Open();
        Assert.False(journal.CheckedInFullAtOpen);

        clock.Advance(HomeGateway.Gateway.Journal.Journal.FirstCheckAfterCleanStart - TimeSpan.FromSeconds(1));
        Assert.Null(journal.LastCheck);
        clock.Advance(TimeSpan.FromSeconds(1));
        var first = Assert.IsType<JournalCheck>(journal.LastCheck);
        Assert.Null(first.Damage);
        Assert.Equal(first.At, journal.LastIntactAt);

        clock.Advance(HomeGateway.Gateway.Journal.Journal.CheckInterval);
        Assert.True(journal.LastCheck!.At > first.At);
        Assert.Equal(journal.LastCheck.At, journal.LastIntactAt);
        Assert.Equal(2, logs.WithEventId(2989).Count());
    }

    [Fact]
    public void A_file_cut_short_after_a_clean_close_is_set_aside_at_the_start()
    {
        // Invariant: the start that skips the full check still refuses a file shorter or longer than its pages.
        StopCleanly();
        SqliteConnection.ClearAllPools();
        using (var file = File.OpenWrite(JournalPath))
        {
            file.SetLength(file.Length - 1024);
        }

        using var journal = Open();

        Assert.NotNull(journal.Recovery);
    }
}
