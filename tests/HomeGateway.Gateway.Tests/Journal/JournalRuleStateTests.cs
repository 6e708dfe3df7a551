using System.Text;
using System.Text.Json.Nodes;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Rules;
using HomeGateway.Gateway.Journal;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using CoreEvents = HomeGateway.Core.Events;

namespace HomeGateway.Gateway.Tests.Journal;

/// <summary>
/// Guards the rules' saved state on the SD card: it is stored in entries (each rule, each open alert, each open door), a
/// commit writes only the entries that changed, and what is read back is the state that was saved — after a reopen, and
/// from a journal written before entries (a whole state in its row).
/// </summary>
public sealed class JournalRuleStateTests : IDisposable
{
    private readonly TempDirectory dir = new();
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 7, 2, 0, 0, TimeSpan.Zero));

    public void Dispose() => dir.Dispose();

    [Fact]
    public void A_rules_engine_state_splits_into_one_entry_per_open_door_and_alert_and_joins_back_equal()
    {
        var (engine, _) = EngineWithOpenDoors(40);
        var state = engine.SaveState();

        var entries = RuleStateEntries.Split(state);

        Assert.Equal(40, entries.Keys.Count(k => k.StartsWith("Rules\u001fdoorLeftOpen\u001f", StringComparison.Ordinal)));
        Assert.Equal(40, entries.Keys.Where(k => k.StartsWith("Open\u001f", StringComparison.Ordinal)).Select(k => k.Split('\u001f')[1]).Distinct().Count());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(state), JsonNode.Parse(RuleStateEntries.Join(entries))));

        // And the joined state restores an engine that goes on as the saved one would.
        var restored = new RulesEngine(Home(40), engine.Context.StartedAt);
        restored.RestoreState(RuleStateEntries.Join(entries));
        Assert.Equal(engine.NextDeadline, restored.NextDeadline);
        Assert.Equal(engine.OpenAlerts.Count, restored.OpenAlerts.Count);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("[1,2,3]")]
    [InlineData("\"text\"")]
    [InlineData("{\"a\":{},\"b\":{\"c\":{},\"d\":[]},\"e\":null}")]
    [InlineData("{\"a/b\":{\"x\\u00e4\\\"y\":{\"deep\":{\"deeper\":1}}},\"a\":2}")]
    public void Any_json_comes_back_equal(string json)
    {
        var state = Encoding.UTF8.GetBytes(json);
        var joined = RuleStateEntries.Join(RuleStateEntries.Split(state));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(state), JsonNode.Parse(joined)), Encoding.UTF8.GetString(joined));
    }

    [Theory]
    [InlineData(new byte[] { 1 })]
    [InlineData(new byte[] { (byte)'{', (byte)'"', (byte)'a', (byte)'"', (byte)':', (byte)'1', (byte)',' })]
    public void What_is_not_a_json_object_is_kept_whole_byte_for_byte(byte[] state)
    {
        var entries = RuleStateEntries.Split(state);
        Assert.Equal([RuleStateEntries.Whole], entries.Keys);
        Assert.Equal(state, RuleStateEntries.Join(entries));
    }

    [Fact]
    public void Repeated_property_names_keep_the_state_whole()
    {
        var state = "{\"a\":{\"b\":1,\"b\":2}}"u8.ToArray();
        Assert.Equal(state, RuleStateEntries.Join(RuleStateEntries.Split(state)));
    }

    [Fact]
    public void A_commit_writes_only_the_entries_that_changed_and_a_reopened_journal_reads_the_state_back()
    {
        var (engine, seq) = EngineWithOpenDoors(80);
        var path = dir.File("journal.db");
        byte[] second;
        long walBefore, walAfter;
        using (var journal = HomeGateway.Gateway.Journal.Journal.Open(path, clock))
        {
            var first = engine.SaveState();
            journal.Append([], first, seq);
            walBefore = new FileInfo(path + "-wal").Length;

            // One door closes: its entry and its alert's go, everything else is as it was.
            clock.Advance(TimeSpan.FromSeconds(1));
            engine.Observe(Door("door_007", "closed"), ++seq, clock.GetUtcNow());
            second = engine.SaveState();
            journal.Append([], second, seq);
            walAfter = new FileInfo(path + "-wal").Length;

            Assert.True(first.Length > 20_000, $"the state of 80 open doors is {first.Length} bytes");
            Assert.True(walAfter - walBefore < first.Length / 4,
                $"the second commit wrote {walAfter - walBefore} bytes of WAL for a state of {second.Length} bytes");
        }

        using var reopened = HomeGateway.Gateway.Journal.Journal.Open(path, clock);
        var (loaded, through) = reopened.LoadRuleState()!.Value;
        Assert.Equal(seq, through);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(second), JsonNode.Parse(loaded)));
        Assert.DoesNotContain("door_007", Encoding.UTF8.GetString(loaded), StringComparison.Ordinal);
    }

    [Fact]
    public void A_whole_state_saved_by_an_earlier_build_is_read_until_the_next_save_replaces_it()
    {
        var path = dir.File("journal.db");
        var older = "{\"Version\":1,\"written\":\"whole\"}"u8.ToArray();
        HomeGateway.Gateway.Journal.Journal.Open(path, clock).Dispose();
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=false"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO rule_state (id, through_seq, saved_at_ms, state) VALUES (1, 7, 0, $state);";
            command.Parameters.AddWithValue("$state", older);
            command.ExecuteNonQuery();
        }

        using var journal = HomeGateway.Gateway.Journal.Journal.Open(path, clock);
        Assert.Equal(older, journal.LoadRuleState()!.Value.State);
        Assert.Equal(7, journal.LoadRuleState()!.Value.ThroughSeq);

        var newer = "{\"Version\":1,\"written\":\"entries\"}"u8.ToArray();
        journal.Append([], newer, 8);
        journal.Dispose();
        using var reopened = HomeGateway.Gateway.Journal.Journal.Open(path, clock);
        Assert.Equal(newer, reopened.LoadRuleState()!.Value.State);
        Assert.Equal(8, reopened.LoadRuleState()!.Value.ThroughSeq);
    }

    [Fact]
    public void A_commit_that_fails_midway_is_rolled_back_whole_and_the_journal_goes_on()
    {
        var path = dir.File("journal.db");
        using var journal = HomeGateway.Gateway.Journal.Journal.Open(path, clock);
        journal.Append([Help("a1")], "{\"a\":1,\"b\":1}"u8.ToArray(), 1);

        // The alert step's insert fails after the state's changed entry was written in the same transaction.
        Execute(path, "CREATE TRIGGER refuse BEFORE INSERT ON journal BEGIN SELECT RAISE(ABORT, 'simulated failure'); END;");
        Assert.Throws<SqliteException>(() => journal.Append([Help("a2")], "{\"a\":2,\"b\":1}"u8.ToArray(), 2));
        Execute(path, "DROP TRIGGER refuse;");

        // Nothing of it is on disk, and the journal still knows the entries as they are on disk: the next commit, with
        // the state the failed one had, writes the entry again.
        Assert.Equal(1, journal.LastSeq);
        Assert.Equal("{\"a\":1,\"b\":1}", Encoding.UTF8.GetString(journal.LoadRuleState()!.Value.State));
        journal.Append([Help("a3")], "{\"a\":2,\"b\":1}"u8.ToArray(), 3);
        Assert.Equal(2, journal.LastSeq);
        journal.Dispose();

        using var reopened = HomeGateway.Gateway.Journal.Journal.Open(path, clock);
        var (state, through) = reopened.LoadRuleState()!.Value;
        Assert.Equal("{\"a\":2,\"b\":1} through 3", $"{Encoding.UTF8.GetString(state)} through {through}");
        Assert.Equal(["a1", "a3"], reopened.ReadAfter(0, 10).Select(r => r.AlertEvent.AlertId));
    }

    private static void Execute(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private HomeGateway.Core.Alerts.AlertEvent Help(string id) =>
        new(id, HomeGateway.Core.Alerts.AlertEventKind.Raised, HomeGateway.Core.Alerts.AlertType.Help, HomeGateway.Core.Alerts.AlertPriority.Critical,
            "home", "button", clock.GetUtcNow(), clock.GetUtcNow(), 1, "Help");

    private (RulesEngine Engine, long LastSeq) EngineWithOpenDoors(int doors)
    {
        var engine = new RulesEngine(Home(doors), clock.GetUtcNow());
        long seq = 0;
        for (var i = 1; i <= doors; i++)
        {
            engine.Observe(Door($"door_{i:000}", "open"), ++seq, clock.GetUtcNow());
        }

        // Past the limit: every door has raised its alert.
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(doors, engine.Advance(clock.GetUtcNow()).Count);
        return (engine, seq);
    }

    private static HomeConfig Home(int doors) => new(
        "kotka-0042", "Europe/Helsinki",
        [.. Enumerable.Range(1, doors).Select(i => new SensorConfig($"door_{i:000}", CoreEvents.SensorKind.Door))],
        new RulesConfig { DoorLeftOpen = new DoorLeftOpenRuleConfig { After = TimeSpan.FromSeconds(3), RepeatEvery = TimeSpan.FromHours(1) } });

    private CoreEvents.SensorEvent Door(string id, string state) =>
        new("kotka-0042", id, CoreEvents.SensorKind.Door, state, clock.GetUtcNow(), "mqtt:zigbee2mqtt/" + id);
}
