using System.CommandLine;
using HomeGateway.Gateway.Cli;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using CoreEvents = HomeGateway.Core.Events;

namespace HomeGateway.Gateway.Tests.Journal;

/// <summary>
/// Guards that the journal says which login (or which external broker) handed over each sensor event, that this survives a
/// restart, that a journal written before the column existed opens with its records intact (their publisher unknown), and
/// that `homegateway events tail` shows it where the technician looks.
/// </summary>
public sealed class PublisherJournalTests : IDisposable
{
    private readonly TempDirectory dir = new();
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero));

    public void Dispose() => dir.Dispose();

    private CoreEvents.SensorEvent Fall(string? publisher) =>
        new("home", "hall_radar", CoreEvents.SensorKind.Fall, "fall", clock.GetUtcNow(), "mqtt:zigbee2mqtt/hall_radar") { Publisher = publisher };

    [Fact]
    public void The_login_that_published_each_event_survives_reopening()
    {
        long fromZigbee, fromBroker, fromGpio;
        using (var journal = HomeGateway.Gateway.Journal.Journal.Open(dir.File("journal.db"), clock))
        {
            var seqs = journal.Append([Fall("login:zigbee2mqtt"), Fall("broker:192.168.1.20:8883"), Fall(null)]);
            (fromZigbee, fromBroker, fromGpio) = (seqs[0], seqs[1], seqs[2]);
        }

        using var reopened = HomeGateway.Gateway.Journal.Journal.Open(dir.File("journal.db"), clock);
        Assert.Equal("login:zigbee2mqtt", reopened.PublisherOf(fromZigbee));
        Assert.Equal("broker:192.168.1.20:8883", reopened.PublisherOf(fromBroker));
        Assert.Null(reopened.PublisherOf(fromGpio));
    }

    [Fact]
    public void A_journal_from_before_the_publisher_column_keeps_its_records_and_gains_the_column()
    {
        using (var journal = HomeGateway.Gateway.Journal.Journal.Open(dir.File("journal.db"), clock))
        {
            journal.Append(Fall(null));
        }

        // Made into the previous version's file: no publisher column, schema version 3.
        using (var connection = new SqliteConnection($"Data Source={dir.File("journal.db")};Pooling=false"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "ALTER TABLE journal DROP COLUMN publisher; ALTER TABLE journal DROP COLUMN receipt_publisher; ALTER TABLE journal DROP COLUMN receipt_packet_id; ALTER TABLE journal DROP COLUMN receipt_fingerprint; UPDATE meta SET value = '3' WHERE key = 'schema_version';";
            command.ExecuteNonQuery();
        }

        using var migrated = HomeGateway.Gateway.Journal.Journal.Open(dir.File("journal.db"), clock);
        var old = migrated.ReadAfter(0, 10).Single();
        Assert.Equal("hall_radar", old.SensorEvent.SensorId);
        Assert.Null(migrated.PublisherOf((long)old.Seq));
        var added = migrated.Append(Fall("login:zigbee2mqtt"));
        Assert.Equal("login:zigbee2mqtt", migrated.PublisherOf(added));
    }

    [Fact]
    public async Task Events_tail_shows_who_published_each_sensor_event()
    {
        using (var journal = HomeGateway.Gateway.Journal.Journal.Open(dir.File("journal.db"), clock))
        {
            journal.Append([Fall("login:hall-esp"), Fall(null)]);
        }

        using var output = new StringWriter();
        var root = new RootCommand { EventsCommand.Create(clock) };
        var exit = await root.Parse(["events", "tail", "--data", dir.Path]).InvokeAsync(new InvocationConfiguration { Output = output, Error = new StringWriter() });

        Assert.Equal(0, exit);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.EndsWith("[mqtt:zigbee2mqtt/hall_radar] by login:hall-esp", lines[0], StringComparison.Ordinal);
        Assert.EndsWith("[mqtt:zigbee2mqtt/hall_radar]", lines[1], StringComparison.Ordinal);
    }
}
