using Google.Protobuf.Reflection;
using HomeGateway.Contracts.V1;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace HomeGateway.Gateway.Tests.Journal;

/// <summary>
/// Guards every persisted format of the journal: a gateway in the field opens files written years ago, and dispatch reads
/// the records' bytes. Any change here must fail this test on purpose — then add a migration (schema) or a new field
/// number (protobuf), never edit or reuse one, and update the frozen text below knowingly.
/// </summary>
public sealed class JournalFormatTests : IDisposable
{
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public void Schema_version_and_record_kinds_are_frozen()
    {
        Assert.Equal(6, HomeGateway.Gateway.Journal.Journal.SchemaVersion);
        Assert.Equal(
            ["1 SensorEvent", "2 AlertEvent", "3 TelemetryGap"],
            Enum.GetValues<HomeGateway.Gateway.Journal.Journal.RecordKind>().Select(k => $"{(int)k} {k}"));
    }

    [Fact]
    public void Table_layout_is_frozen()
    {
        HomeGateway.Gateway.Journal.Journal.Open(dir.File("journal.db"), new FakeTimeProvider()).Dispose();
        using var connection = new SqliteConnection($"Data Source={dir.File("journal.db")};Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name;";
        using var reader = command.ExecuteReader();
        var layout = new List<string>();
        while (reader.Read())
        {
            layout.Add($"{reader.GetString(0)} {reader.GetString(1)}: {Normalise(reader.GetString(2))}");
        }

        Assert.Equal(
        [
            "table journal: CREATE TABLE journal ( seq INTEGER PRIMARY KEY, kind INTEGER NOT NULL, recorded_at_ms INTEGER NOT NULL, record BLOB NOT NULL, publisher TEXT, receipt_publisher TEXT, receipt_packet_id INTEGER, receipt_fingerprint BLOB)",
            "table message_receipts: CREATE TABLE message_receipts ( publisher TEXT NOT NULL, packet_id INTEGER NOT NULL, fingerprint BLOB NOT NULL, seq INTEGER NOT NULL, received_at_ms INTEGER NOT NULL, PRIMARY KEY (publisher, packet_id))",
            "table meta: CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            "table rule_state: CREATE TABLE rule_state ( id INTEGER PRIMARY KEY CHECK (id = 1), through_seq INTEGER NOT NULL, saved_at_ms INTEGER NOT NULL, state BLOB NOT NULL)",
            "table rule_state_entries: CREATE TABLE rule_state_entries (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID",
            "table telemetry_gaps: CREATE TABLE telemetry_gaps ( from_seq INTEGER PRIMARY KEY, through_seq INTEGER NOT NULL, count INTEGER NOT NULL, dropped_at_ms INTEGER NOT NULL)",
            "table uplink_state: CREATE TABLE uplink_state (id INTEGER PRIMARY KEY CHECK (id = 1), acked_seq INTEGER NOT NULL)",
        ], layout);

        reader.Close();
        command.CommandText = "SELECT value FROM meta WHERE key = 'schema_version';";
        Assert.Equal("6", command.ExecuteScalar());
    }

    [Fact]
    public void Protobuf_field_numbers_of_the_journal_record_and_its_bodies_are_frozen()
    {
        Assert.Equal("seq=1 recorded_at=2 sensor_event=3 alert_event=4 telemetry_gap=5", Fields(JournalRecord.Descriptor));
        Assert.Equal(
            "home_id=1 sensor_id=2 kind=3 state=4 at=5 source=6 value=7 battery_percent=8 link_quality=9 battery_low=10 detail=11",
            Fields(SensorEvent.Descriptor));
        Assert.Equal(
            "alert_id=1 kind=2 type=3 priority=4 home_id=5 sensor_id=6 at=7 evidence_at=8 count=9 summary=10 evidence_seqs=11",
            Fields(AlertEvent.Descriptor));
        Assert.Equal("from_seq=1 through_seq=2 count=3 first_recorded_at=4 last_recorded_at=5", Fields(TelemetryGap.Descriptor));
    }

    private static string Fields(MessageDescriptor descriptor) =>
        string.Join(' ', descriptor.Fields.InFieldNumberOrder().Select(f => $"{f.Name}={f.FieldNumber}"));

    private static string Normalise(string sql) =>
        string.Join(' ', sql.Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries));
}
