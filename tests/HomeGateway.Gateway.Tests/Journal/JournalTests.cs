using HomeGateway.Contracts.V1;
using AlertEvent = HomeGateway.Core.Alerts.AlertEvent;
using AlertEventKind = HomeGateway.Core.Alerts.AlertEventKind;
using AlertPriority = HomeGateway.Core.Alerts.AlertPriority;
using AlertType = HomeGateway.Core.Alerts.AlertType;
using Microsoft.Extensions.Time.Testing;
using CoreEvents = HomeGateway.Core.Events;

namespace HomeGateway.Gateway.Tests.Journal;

/// <summary>
/// Guards: what Append returned is on disk with gap-free sequence numbers, survives reopening, and the
/// acknowledged mark only moves forward — so a restarted gateway resends exactly the unacknowledged tail.
/// </summary>
public class JournalTests : IDisposable
{
    private readonly TempDirectory dir = new();
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero));

    public void Dispose() => dir.Dispose();

    private CoreEvents.SensorEvent Door(string state) =>
        new("home", "front_door", CoreEvents.SensorKind.Door, state, clock.GetUtcNow(), "mqtt:zigbee2mqtt/front_door");

    private AlertEvent Alert(string id) =>
        new(id, AlertEventKind.Raised, AlertType.Help, AlertPriority.Critical, "home", "button", clock.GetUtcNow(), clock.GetUtcNow(), 1, "Help");

    [Fact]
    public void Records_get_consecutive_sequence_numbers_and_survive_reopening()
    {
        using (var journal = HomeGateway.Gateway.Journal.Journal.Open(dir.File("journal.db"), clock))
        {
            Assert.Equal(1, journal.Append(Door("open")));
            var alerts = journal.Append([Alert("a1"), Alert("a2")]);
            Assert.Equal([2UL, 3UL], alerts.Select(r => r.Seq));
            Assert.Equal(4, journal.Append(Door("closed")));
        }

        using var reopened = HomeGateway.Gateway.Journal.Journal.Open(dir.File("journal.db"), clock);
        Assert.Equal(4, reopened.LastSeq);
        var records = reopened.ReadAfter(0, 100);
        Assert.Equal([1UL, 2UL, 3UL, 4UL], records.Select(r => r.Seq));
        Assert.Equal(JournalRecord.BodyOneofCase.SensorEvent, records[0].BodyCase);
        Assert.Equal("open", records[0].SensorEvent.State);
        Assert.Equal("a2", records[2].AlertEvent.AlertId);
        Assert.Equal(clock.GetUtcNow(), records[3].RecordedAt.ToDateTimeOffset());
        Assert.Equal(5, reopened.Append(Door("open")));
    }

    [Fact]
    public void The_acknowledged_mark_is_persisted_and_never_moves_backwards_or_past_the_end()
    {
        using (var journal = HomeGateway.Gateway.Journal.Journal.Open(dir.File("journal.db"), clock))
        {
            for (var i = 0; i < 5; i++)
            {
                journal.Append(Door("open"));
            }

            journal.Acknowledge(3);
            journal.Acknowledge(2);
            Assert.Equal(3, journal.AckedSeq);
            Assert.Equal(2, journal.OutboxDepth);
            journal.Acknowledge(99);
            Assert.Equal(5, journal.AckedSeq);
            journal.Append(Door("closed"));
        }

        using var reopened = HomeGateway.Gateway.Journal.Journal.Open(dir.File("journal.db"), clock);
        Assert.Equal(5, reopened.AckedSeq);
        Assert.Equal([6UL], reopened.ReadAfter(reopened.AckedSeq, 100).Select(r => r.Seq));
    }

    [Fact]
    public void ReadAfter_pages_in_order()
    {
        using var journal = HomeGateway.Gateway.Journal.Journal.Open(dir.File("journal.db"), clock);
        for (var i = 0; i < 10; i++)
        {
            journal.Append(Door(i % 2 == 0 ? "open" : "closed"));
        }

        Assert.Equal([4UL, 5UL, 6UL], journal.ReadAfter(3, 3).Select(r => r.Seq));
        Assert.Empty(journal.ReadAfter(10, 3));
    }

    [Fact]
    public async Task A_waiter_wakes_when_a_record_is_appended()
    {
        using var journal = HomeGateway.Gateway.Journal.Journal.Open(dir.File("journal.db"), clock);
        var wait = journal.WaitForRecordsAfterAsync(0, CancellationToken.None);
        Assert.False(wait.IsCompleted);
        journal.Append(Door("open"));
        await wait.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(journal.WaitForRecordsAfterAsync(0, CancellationToken.None).IsCompleted);
    }
}
