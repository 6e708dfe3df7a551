using Google.Protobuf;
using HomeGateway.Contracts.V1;
using HomeGateway.Gateway.Journal;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using CoreEvents = HomeGateway.Core.Events;

namespace HomeGateway.Gateway.Tests.Journal;

/// <summary>
/// Guards: a journal file that cannot be trusted (torn, overwritten, failing SQLite's check, or from a newer gateway) never
/// stops the gateway. It is moved aside with its WAL for a person to inspect, the error names the path, and the fresh
/// journal's first record is a gateway-health step that tells dispatch.
/// </summary>
public sealed class UnreadableJournalTests : IDisposable
{
    private readonly TempDirectory dir = new();
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero));
    private readonly CapturingLoggerProvider logs = new();

    public void Dispose() => dir.Dispose();

    private string JournalPath => dir.File("journal.db");

    private HomeGateway.Gateway.Journal.Journal Open() =>
        HomeGateway.Gateway.Journal.Journal.Open(JournalPath, clock, new JournalOptions(), "home", logs.CreateLogger("journal"));

    private void WriteSomeRecords()
    {
        using var journal = Open();
        for (var i = 0; i < 200; i++)
        {
            journal.Append(new CoreEvents.SensorEvent("home", "hall_motion", CoreEvents.SensorKind.Motion, i % 2 == 0 ? "detected" : "clear",
                clock.GetUtcNow(), "mqtt:zigbee2mqtt/hall_motion") { Detail = new string('d', 200) });
        }
    }

    public static TheoryData<string> Damages => ["truncated", "garbage", "overwritten page", "future schema"];

    [Theory]
    [MemberData(nameof(Damages))]
    public void A_damaged_journal_is_set_aside_reported_and_a_fresh_one_starts(string damage)
    {
        // Invariant: a damaged journal is never silently lost: it is kept aside, reported, and the gateway goes on protecting the client.
        WriteSomeRecords();
        Damage(damage);

        using var journal = Open();

        var movedTo = JournalPath + ".corrupt-20261125T080000Z";
        Assert.Equal(movedTo, journal.Recovery?.MovedTo);
        Assert.True(File.Exists(movedTo));
        var error = Assert.Single(logs.WithEventId(1100));
        Assert.Equal(LogLevel.Error, error.Level);
        Assert.Contains(movedTo, error.Message, StringComparison.Ordinal);

        // The fresh journal starts with the gateway-health step, and works.
        var first = Assert.Single(journal.ReadAfter(0, 10));
        Assert.Equal((1UL, AlertType.GatewayHealth, AlertEventKind.Raised), (first.Seq, first.AlertEvent.Type, first.AlertEvent.Kind));
        Assert.Contains("journal.db.corrupt-20261125T080000Z", first.AlertEvent.Summary, StringComparison.Ordinal);
        Assert.Equal(2, journal.Append(new CoreEvents.SensorEvent("home", "hall_motion", CoreEvents.SensorKind.Motion, "clear", clock.GetUtcNow(), "test")));
    }

    [Fact]
    public void A_healthy_journal_is_not_touched_and_a_second_set_aside_in_the_same_second_gets_its_own_name()
    {
        // Invariant: a healthy journal is never set aside, and one set-aside file never overwrites another.
        WriteSomeRecords();
        using (var healthy = Open())
        {
            Assert.Null(healthy.Recovery);
            Assert.Equal(200, healthy.LastSeq);
        }

        File.WriteAllText(JournalPath + ".corrupt-20261125T080000Z", "an earlier one");
        Damage("garbage");
        using var journal = Open();
        Assert.Equal(JournalPath + ".corrupt-20261125T080000Z-2", journal.Recovery?.MovedTo);
    }

    [Fact]
    public void A_version_1_journal_is_migrated_in_place_with_its_records_and_acknowledged_mark()
    {
        // Invariant: an older journal keeps every record and its acknowledged mark across the upgrade.
        using (var connection = new SqliteConnection($"Data Source={JournalPath};Pooling=false"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE journal (seq INTEGER PRIMARY KEY, kind INTEGER NOT NULL, recorded_at_ms INTEGER NOT NULL, record BLOB NOT NULL);
                CREATE TABLE uplink_state (id INTEGER PRIMARY KEY CHECK (id = 1), acked_seq INTEGER NOT NULL);
                CREATE TABLE rule_state (id INTEGER PRIMARY KEY CHECK (id = 1), through_seq INTEGER NOT NULL, saved_at_ms INTEGER NOT NULL, state BLOB NOT NULL);
                INSERT INTO uplink_state VALUES (1, 1);
                INSERT INTO meta VALUES ('schema_version', '1');
                """;
            command.ExecuteNonQuery();
            command.CommandText = "INSERT INTO journal VALUES (1, 1, 0, $r), (2, 1, 0, $r);";
            command.Parameters.AddWithValue("$r", new JournalRecord
            {
                Seq = 1,
                SensorEvent = new CoreEvents.SensorEvent("home", "hall_motion", CoreEvents.SensorKind.Motion, "clear", clock.GetUtcNow(), "test").ToWire(),
            }.ToByteArray());
            command.ExecuteNonQuery();
        }

        using var journal = Open();
        Assert.Null(journal.Recovery);
        Assert.Equal((2L, 1L, 1L), (journal.LastSeq, journal.AckedSeq, journal.OutboxDepth));
        Assert.Equal(0, journal.ReceiptCount);
    }

    private void Damage(string damage)
    {
        SqliteConnection.ClearAllPools();
        switch (damage)
        {
            case "truncated":
                using (var file = File.OpenWrite(JournalPath))
                {
                    file.SetLength(file.Length / 2 + 100);
                }

                break;
            case "garbage":
                File.WriteAllBytes(JournalPath, [.. Enumerable.Range(0, 8192).Select(i => (byte)(i * 31))]);
                break;
            case "overwritten page":
                using (var file = File.OpenWrite(JournalPath))
                {
                    // Page 9 onwards (1 KiB pages): the journal table's b-tree. The header stays valid; SQLite meets the damage
                    // while the open reads the tables (after a clean close, when the full check is skipped: JournalStartCheckTests).
                    file.Position = 2 * 4096;
                    file.Write([.. Enumerable.Range(0, 4096 * 3).Select(i => (byte)(i * 7))]);
                }

                break;
            case "future schema":
                using (var connection = new SqliteConnection($"Data Source={JournalPath};Pooling=false"))
                {
                    connection.Open();
                    using var command = connection.CreateCommand();
                    command.CommandText = "UPDATE meta SET value = '99' WHERE key = 'schema_version';";
                    command.ExecuteNonQuery();
                }

                break;
        }
    }
}
