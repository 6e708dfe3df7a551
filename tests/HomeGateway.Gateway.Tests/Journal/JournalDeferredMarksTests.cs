using AlertEvent = HomeGateway.Core.Alerts.AlertEvent;
using AlertEventKind = HomeGateway.Core.Alerts.AlertEventKind;
using AlertPriority = HomeGateway.Core.Alerts.AlertPriority;
using AlertType = HomeGateway.Core.Alerts.AlertType;
using Microsoft.Extensions.Time.Testing;
using CoreEvents = HomeGateway.Core.Events;

namespace HomeGateway.Gateway.Tests.Journal;

/// <summary>
/// Guards: dispatch's acknowledgement and a rules' state that decided no alert get no commit of their own and ride in a
/// sensor event's commit at most once per <c>Journal.MarkInterval</c> (the SD card's life), yet every promise stands: what an append returned is on disk at a power cut, alert steps are committed with the
/// state that decided them, and a power cut never leaves a record pruned whose mark did not reach the disk. A power cut
/// is simulated by copying the database and its WAL while the journal is open: exactly what fsync'd commits left behind.
/// </summary>
public class JournalDeferredMarksTests : IDisposable
{
    private readonly TempDirectory dir = new();
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 6, 8, 0, 0, TimeSpan.Zero));
    private int cuts;

    public void Dispose() => dir.Dispose();

    private HomeGateway.Gateway.Journal.Journal Open(string name = "journal.db") => HomeGateway.Gateway.Journal.Journal.Open(dir.File(name), clock);

    private CoreEvents.SensorEvent Door(string state) =>
        new("home", "front_door", CoreEvents.SensorKind.Door, state, clock.GetUtcNow(), "mqtt:zigbee2mqtt/front_door");

    private AlertEvent Alert(string id) =>
        new(id, AlertEventKind.Raised, AlertType.Help, AlertPriority.Critical, "home", "button", clock.GetUtcNow(), clock.GetUtcNow(), 1, "Help");

    /// <summary>The files as a power cut would leave them (the open journal's database and WAL), opened as a restarted gateway would.</summary>
    private HomeGateway.Gateway.Journal.Journal PowerCut()
    {
        var name = $"cut{++cuts}.db";
        File.Copy(dir.File("journal.db"), dir.File(name));
        if (File.Exists(dir.File("journal.db-wal")))
        {
            File.Copy(dir.File("journal.db-wal"), dir.File(name + "-wal"));
        }

        return Open(name);
    }

    [Fact]
    public void A_held_state_is_serialised_only_when_a_commit_writes_it_and_as_of_the_latest_hold()
    {
        // Invariant: a state that decided nothing costs no serialisation until it is written, and the latest is written.
        using var journal = Open();
        journal.Append([], [1], 0);
        var serialised = 0;
        byte current = 10;
        for (var i = 1; i <= 3; i++)
        {
            Assert.Equal(i, journal.Append(Door(i % 2 == 0 ? "closed" : "open")));
            current++;
            journal.HoldRuleState(() => { serialised++; return [current]; }, i);
        }

        // Three holds, no commit with marks yet (all within MarkInterval of the first): nothing serialised.
        Assert.Equal(0, serialised);
        using (var cut = PowerCut())
        {
            var (state, through) = cut.LoadRuleState()!.Value;
            Assert.Equal("1 through 0", $"{string.Join(",", state)} through {through}");
        }

        clock.Advance(HomeGateway.Gateway.Journal.Journal.MarkInterval);
        Assert.Equal(4, journal.Append(Door("closed")));
        Assert.Equal(1, serialised);
        using (var cut = PowerCut())
        {
            var (state, through) = cut.LoadRuleState()!.Value;
            Assert.Equal("13 through 3", $"{string.Join(",", state)} through {through}");
        }

        // Held again, then flushed at a stop: serialised once more.
        current = 20;
        journal.HoldRuleState(() => { serialised++; return [current]; }, 4);
        journal.Flush();
        Assert.Equal(2, serialised);
        using (var cut = PowerCut())
        {
            var (state, through) = cut.LoadRuleState()!.Value;
            Assert.Equal("20 through 4", $"{string.Join(",", state)} through {through}");
        }
    }

    [Fact]
    public void An_acknowledgement_waits_for_the_next_commit_and_nothing_is_pruned_before_its_mark_is_on_disk()
    {
        using var journal = Open();
        journal.Append([], [1], 0);
        journal.Append([Door("open"), Door("closed"), Door("open")]);
        journal.Append([], [2], 3);
        var commits = journal.Commits;

        journal.Acknowledge(3);

        Assert.Equal(commits, journal.Commits);
        Assert.Equal(3, journal.AckedSeq);
        Assert.Equal(0, journal.OutboxDepth);
        using (var cut = PowerCut())
        {
            // The mark was lost with the power: the records are all still there to resend (dispatch's welcome restates
            // what it stored), and the sequence goes on from the last record, never reused.
            Assert.Equal(0, cut.AckedSeq);
            Assert.Equal([1UL, 2UL, 3UL], cut.ReadAfter(0, 10).Select(r => r.Seq));
            Assert.Equal(3, cut.LastSeq);
        }

        // A sensor event's commit carries the marks at most once per MarkInterval: this one, just after the last, does not.
        Assert.Equal(4, journal.Append(Door("closed")));
        using (var cut = PowerCut())
        {
            Assert.Equal(0, cut.AckedSeq);
            Assert.Equal([1UL, 2UL, 3UL, 4UL], cut.ReadAfter(0, 10).Select(r => r.Seq));
        }

        clock.Advance(HomeGateway.Gateway.Journal.Journal.MarkInterval);
        Assert.Equal(5, journal.Append(Door("open")));
        Assert.Equal(commits + 2, journal.Commits);
        using (var cut = PowerCut())
        {
            Assert.Equal(3, cut.AckedSeq);
            Assert.Equal(5, cut.LastSeq);
            Assert.Equal(3, cut.LoadRuleState()!.Value.ThroughSeq);
            Assert.Equal([4UL, 5UL], cut.ReadAfter(0, 10).Select(r => r.Seq));
        }
    }

    [Fact]
    public void A_rules_state_that_decided_nothing_rides_in_the_next_commit_and_one_with_alert_steps_is_committed_with_them()
    {
        using var journal = Open();
        var first = journal.Append(Door("open"));
        var commits = journal.Commits;

        journal.Append([], [7], first);

        Assert.Equal(commits, journal.Commits);
        Assert.Equal(first, journal.LoadRuleState()!.Value.ThroughSeq);
        using (var cut = PowerCut())
        {
            // What a crash between the event's commit and the state's always left: the event is decided again at start.
            Assert.Null(cut.LoadRuleState());
            Assert.Equal([1UL], cut.ReadAfter(0, 10).Select(r => r.Seq));
        }

        clock.Advance(HomeGateway.Gateway.Journal.Journal.MarkInterval);
        var second = journal.Append(Door("closed"));
        using (var cut = PowerCut())
        {
            var (state, through) = cut.LoadRuleState()!.Value;
            Assert.Equal([7], state);
            Assert.Equal(first, through);
        }

        // Alert steps never wait: they are committed at once, with the state that decided them, whatever the interval.
        var alerts = journal.Append([Alert("a1")], [9], second);
        using (var cut = PowerCut())
        {
            Assert.Equal(second, cut.LoadRuleState()!.Value.ThroughSeq);
            Assert.Equal(alerts[0].Seq, cut.ReadAfter(second, 10).Single().Seq);
        }
    }

    [Fact]
    public void Flush_and_a_clean_shutdown_put_what_waits_on_disk()
    {
        using (var journal = Open())
        {
            var seq = journal.Append(Door("open"));
            journal.Append([], [1], seq);
            journal.Acknowledge(seq);
            var commits = journal.Commits;

            journal.Flush();
            journal.Flush();

            Assert.Equal(commits + 1, journal.Commits);
            using var cut = PowerCut();
            Assert.Equal((seq, seq), (cut.AckedSeq, cut.LoadRuleState()!.Value.ThroughSeq));
            Assert.Empty(cut.ReadAfter(0, 10));
            journal.Acknowledge(seq + 5);
            journal.Append([], [2], seq);
        }

        using var reopened = Open();
        Assert.Equal(1, reopened.AckedSeq);
        Assert.Equal([2], reopened.LoadRuleState()!.Value.State);
    }

    [Fact]
    public void A_new_journal_has_small_pages_and_one_made_with_the_default_keeps_its_own()
    {
        using (var journal = Open())
        {
            journal.Append(Door("open"));
        }

        Assert.Equal(HomeGateway.Gateway.Journal.Journal.PageSize, PageSizeOf(dir.File("journal.db")));

        // A journal written before the change (SQLite's default 4 KiB pages) opens and works as it is.
        using (var old = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={dir.File("old.db")};Pooling=False"))
        {
            old.Open();
            using var command = old.CreateCommand();
            command.CommandText = "PRAGMA page_size=4096; PRAGMA journal_mode=WAL; CREATE TABLE t (x);";
            command.ExecuteNonQuery();
        }

        using (var journal = Open("old.db"))
        {
            Assert.Equal(1, journal.Append(Door("open")));
        }

        Assert.Equal(4096, PageSizeOf(dir.File("old.db")));
    }

    private static long PageSizeOf(string path)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA page_size;";
        return (long)command.ExecuteScalar()!;
    }
}
