using System.Buffers;
using System.Text;
using JournalRecord = HomeGateway.Contracts.V1.JournalRecord;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Core.Rules;
using HomeGateway.Gateway.Journal;
using HomeGateway.Gateway.Pipeline;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using CoreAlerts = HomeGateway.Core.Alerts;

namespace HomeGateway.Gateway.Tests.Pipeline;

/// <summary>
/// Guards: a redelivery (MQTT DUP: the sender never saw our acknowledgement) of a message already journalled is recognised
/// and neither journalled nor decided again — across batches, inside one batch, and across a restart — while an ordinary
/// message is never mistaken for an old one, whatever its packet identifier or content.
/// </summary>
public sealed class RedeliveryTests : IAsyncDisposable
{
    private readonly TempDirectory dir = new();
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero));
    private readonly HomeConfig home = new("home", "Europe/Helsinki",
    [
        new SensorConfig("help", SensorKind.HelpButton) { Mqtt = new MqttInputConfig("z/help", MqttProfiles.Zigbee2Mqtt) },
    ],
    new RulesConfig { Help = new HelpRuleConfig(), Escalation = new EscalationConfig { MaxEscalations = 0 } });

    private HomeGateway.Gateway.Journal.Journal journal;
    private SensorEventInbox inbox = new();
    private AlertPipeline pipeline;

    public RedeliveryTests()
    {
        journal = HomeGateway.Gateway.Journal.Journal.Open(dir.File("journal.db"), clock);
        pipeline = NewPipeline();
    }

    private AlertPipeline NewPipeline() =>
        new(inbox, journal, new RulesEngine(home, clock.GetUtcNow()), [], clock, NullLogger<AlertPipeline>.Instance);

    public async ValueTask DisposeAsync()
    {
        await pipeline.StopAsync(CancellationToken.None);
        pipeline.Dispose();
        journal.Dispose();
        dir.Dispose();
    }

    private SensorEvent Press() => new("home", "help", SensorKind.HelpButton, SensorStates.Pressed, clock.GetUtcNow(), "mqtt:z/help");

    private static MessageReceipt Receipt(ushort packetId, string payload, bool dup, string publisher = "embedded/z2m") =>
        MessageReceipt.ForMqtt(publisher, packetId, "z/help", new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(payload)), dup);

    private Task<long> Queue(MessageReceipt receipt) => inbox.QueueDurablyAsync(Press(), receipt, CancellationToken.None).AsTask().Unwrap();

    private List<JournalRecord> Records() => [.. journal.ReadAfter(0, 1000)];

    private int HelpSteps() => Records().Count(r => r.BodyCase == JournalRecord.BodyOneofCase.AlertEvent);

    private int Events() => Records().Count(r => r.BodyCase == JournalRecord.BodyOneofCase.SensorEvent);

    [Fact]
    public async Task A_redelivery_of_a_journalled_message_is_answered_with_the_original_and_not_decided_again()
    {
        await pipeline.StartAsync(CancellationToken.None);
        var first = await Queue(Receipt(7, "{\"action\":\"single\"}", dup: false)).WaitAsync(TimeSpan.FromSeconds(10));
        await WaitUntil(() => HelpSteps() == 1);

        var again = await Queue(Receipt(7, "{\"action\":\"single\"}", dup: true)).WaitAsync(TimeSpan.FromSeconds(10));
        var next = await Queue(Receipt(8, "{\"action\":\"single\"}", dup: false)).WaitAsync(TimeSpan.FromSeconds(10));
        await WaitUntil(() => HelpSteps() == 2);

        Assert.Equal(first, again);
        Assert.Equal(2, Events());
        Assert.Equal([CoreAlerts.AlertEventKind.Raised, CoreAlerts.AlertEventKind.Repeated],
            Records().Where(r => r.BodyCase == JournalRecord.BodyOneofCase.AlertEvent).Select(r => (CoreAlerts.AlertEventKind)r.AlertEvent.Kind));
        Assert.True(next > first);
    }

    [Fact]
    public async Task A_redelivery_queued_behind_its_first_arrival_in_the_same_batch_is_journalled_once()
    {
        // The link dropped while the first arrival was still queued: both wait in the inbox when the pipeline starts.
        var first = Queue(Receipt(9, "{\"action\":\"single\"}", dup: false));
        var again = Queue(Receipt(9, "{\"action\":\"single\"}", dup: true));
        await pipeline.StartAsync(CancellationToken.None);

        var seqs = await Task.WhenAll(first, again).WaitAsync(TimeSpan.FromSeconds(10));
        await WaitUntil(() => HelpSteps() == 1);
        Assert.Equal(seqs[0], seqs[1]);
        Assert.Equal(1, Events());
    }

    [Fact]
    public async Task A_redelivery_after_a_restart_is_recognised_from_the_journal()
    {
        await pipeline.StartAsync(CancellationToken.None);
        var first = await Queue(Receipt(300, "{\"action\":\"single\"}", dup: false)).WaitAsync(TimeSpan.FromSeconds(10));
        await WaitUntil(() => HelpSteps() == 1);
        await pipeline.StopAsync(CancellationToken.None);
        pipeline.Dispose();
        journal.Dispose();

        journal = HomeGateway.Gateway.Journal.Journal.Open(dir.File("journal.db"), clock);
        inbox = new SensorEventInbox();
        pipeline = NewPipeline();
        await pipeline.StartAsync(CancellationToken.None);
        var again = await Queue(Receipt(300, "{\"action\":\"single\"}", dup: true)).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(first, again);
        Assert.Equal(1, Events());
    }

    [Theory]
    [InlineData(false, 7, "{\"action\":\"single\"}", "embedded/z2m")] // not marked as a redelivery: a new press under a reused id
    [InlineData(true, 8, "{\"action\":\"single\"}", "embedded/z2m")] // another packet id
    [InlineData(true, 7, "{\"action\":\"double\"}", "embedded/z2m")] // other content under the same id
    [InlineData(true, 7, "{\"action\":\"single\"}", "embedded/other")] // another device
    public async Task Anything_but_a_true_copy_of_a_journalled_message_is_journalled_and_decided(bool dup, ushort packetId, string payload, string publisher)
    {
        await pipeline.StartAsync(CancellationToken.None);
        var first = await Queue(Receipt(7, "{\"action\":\"single\"}", dup: false)).WaitAsync(TimeSpan.FromSeconds(10));
        var other = await Queue(Receipt(packetId, payload, dup, publisher)).WaitAsync(TimeSpan.FromSeconds(10));
        await WaitUntil(() => HelpSteps() == 2);

        Assert.NotEqual(first, other);
        Assert.Equal(2, Events());
    }

    [Fact]
    public void A_receipt_is_kept_once_per_message_and_replaced_when_its_packet_id_is_reused()
    {
        var twoEvents = Receipt(5, "{\"a\":1}", dup: false);
        twoEvents.EventCount = 2;
        journal.Append([Press(), Press()], [twoEvents, twoEvents]);
        Assert.Equal(2, journal.FindJournalled(Receipt(5, "{\"a\":1}", dup: true)));

        journal.Append([Press()], [Receipt(5, "{\"a\":2}", dup: false)]);
        Assert.Null(journal.FindJournalled(Receipt(5, "{\"a\":1}", dup: true)));
        Assert.Equal(3, journal.FindJournalled(Receipt(5, "{\"a\":2}", dup: true)));
        // While their rows are in the journal each keeps its message's receipt; the latest under an identifier decides.
        Assert.Equal(2, journal.ReceiptCount);

        // Dispatch stored them and the rules saw them: the rows are pruned and their receipts move, the latest per identifier.
        journal.Acknowledge(3);
        journal.Append([], [1], 3);
        journal.Flush();
        Assert.Empty(journal.ReadAfter(0, 10));
        Assert.Equal(1, journal.ReceiptCount);
        Assert.Null(journal.FindJournalled(Receipt(5, "{\"a\":1}", dup: true)));
        Assert.Equal(3, journal.FindJournalled(Receipt(5, "{\"a\":2}", dup: true)));
    }

    [Fact]
    public void Receipts_kept_by_a_version_4_journal_are_still_recognised_after_the_upgrade()
    {
        // Invariant: an upgrade never makes a journalled message look new.
        journal.Append([Press()], [Receipt(9, "{\"b\":1}", dup: false)]);
        journal.Acknowledge(1);
        journal.Append([], [1], 1);
        journal.Flush();
        journal.Dispose();
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={dir.File("journal.db")};Pooling=false"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "ALTER TABLE journal DROP COLUMN receipt_publisher; ALTER TABLE journal DROP COLUMN receipt_packet_id; "
                + "ALTER TABLE journal DROP COLUMN receipt_fingerprint; UPDATE meta SET value = '4' WHERE key = 'schema_version';";
            command.ExecuteNonQuery();
        }

        using var upgraded = HomeGateway.Gateway.Journal.Journal.Open(dir.File("journal.db"), clock);
        Assert.Equal(1, upgraded.FindJournalled(Receipt(9, "{\"b\":1}", dup: true)));
        Assert.Equal(2, upgraded.Append([Press()], [Receipt(10, "{\"b\":2}", dup: false)])[0]);
        Assert.Equal(2, upgraded.FindJournalled(Receipt(10, "{\"b\":2}", dup: true)));
    }

    [Fact]
    public void A_message_whose_events_span_two_commits_is_recognised_only_once_all_are_durable()
    {
        // Invariant: a redelivery is taken for a copy only when every event of the original is in the journal.
        var twoEvents = Receipt(6, "{\"Switch1\":\"ON\",\"Switch2\":\"ON\"}", dup: false);
        twoEvents.EventCount = 2;
        journal.Append([Press()], [twoEvents]);
        Assert.Null(journal.FindJournalled(Receipt(6, "{\"Switch1\":\"ON\",\"Switch2\":\"ON\"}", dup: true)));

        journal.Append([Press()], [twoEvents]);
        Assert.Equal(2, journal.FindJournalled(Receipt(6, "{\"Switch1\":\"ON\",\"Switch2\":\"ON\"}", dup: true)));
    }

    [Fact]
    public void A_long_or_unprintable_client_id_is_kept_as_its_hash()
    {
        var receipt = Receipt(1, "{}", dup: false, publisher: "embedded/" + new string('x', 300));
        Assert.StartsWith("sha256:", receipt.Publisher, StringComparison.Ordinal);
        Assert.StartsWith("sha256:", Receipt(1, "{}", dup: false, publisher: "embedded/evil\nline").Publisher, StringComparison.Ordinal);
        Assert.Equal("embedded/z2m", Receipt(1, "{}", dup: false).Publisher);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 10 s");
            await Task.Delay(10);
        }
    }
}
