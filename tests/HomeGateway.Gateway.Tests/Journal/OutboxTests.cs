using HomeGateway.Contracts.V1;
using HomeGateway.Gateway.Journal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using AlertEvent = HomeGateway.Core.Alerts.AlertEvent;
using AlertEventKind = HomeGateway.Core.Alerts.AlertEventKind;
using AlertPriority = HomeGateway.Core.Alerts.AlertPriority;
using AlertType = HomeGateway.Core.Alerts.AlertType;
using CoreEvents = HomeGateway.Core.Events;

namespace HomeGateway.Gateway.Tests.Journal;

/// <summary>
/// Guards the outbox while dispatch is unreachable: every record has an explicit state; acknowledged and decided records
/// are pruned; at the disk budget the oldest unacknowledged telemetry is dropped (never an alert step) and a gap record
/// takes the run's last sequence number, so what is sent still accounts for every sequence number.
/// </summary>
public sealed class OutboxTests : IDisposable
{
    private const long Budget = 256 * 1024;
    private readonly TempDirectory dir = new();
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero));
    private readonly CapturingLoggerProvider logs = new();

    public void Dispose() => dir.Dispose();

    private HomeGateway.Gateway.Journal.Journal Open(long maxBytes = Budget) =>
        HomeGateway.Gateway.Journal.Journal.Open(dir.File("journal.db"), clock, new JournalOptions { MaxBytes = maxBytes }, "home",
            logs.CreateLogger("journal"));

    private CoreEvents.SensorEvent Temperature(int i) =>
        new("home", "living_room_temperature", CoreEvents.SensorKind.Temperature, "measured", clock.GetUtcNow(),
            "mqtt:zigbee2mqtt/living_room_temperature") { Value = 20 + (i % 10), Detail = new string('x', 100) };

    private AlertEvent Alert(string id) =>
        new(id, AlertEventKind.Raised, AlertType.Help, AlertPriority.Critical, "home", "button", clock.GetUtcNow(), clock.GetUtcNow(), 1, "Help");

    /// <summary>Sensor events as the pipeline journals them: a batch, then the rules' state saved through its last seq.</summary>
    private static void Telemetry(HomeGateway.Gateway.Journal.Journal journal, IEnumerable<CoreEvents.SensorEvent> events)
    {
        var seqs = journal.Append(events.ToList());
        journal.Append([], [1, 2, 3], seqs[^1]);
    }

    [Fact]
    public void States_are_pending_then_acknowledged_and_the_outbox_counts_them()
    {
        using var journal = Open();
        Telemetry(journal, [Temperature(1), Temperature(2)]);
        journal.Append([Alert("a1")]);
        clock.Advance(TimeSpan.FromMinutes(1));

        var outbox = journal.Outbox;
        Assert.Equal((3L, 1L, 2L, 0L), (outbox.Depth, outbox.PendingAlertSteps, outbox.PendingSensorEvents, outbox.PendingGapRecords));
        Assert.Equal(clock.GetUtcNow().AddMinutes(-1), outbox.OldestPendingAt);
        Assert.Equal(OutboxState.Pending, journal.StateOf(1));

        journal.Acknowledge(2);
        Assert.Equal(OutboxState.Acknowledged, journal.StateOf(1));
        Assert.Equal(OutboxState.Pending, journal.StateOf(3));
        Assert.Null(journal.StateOf(4));
        outbox = journal.Outbox;
        Assert.Equal((1L, 2L, 0L), (outbox.Depth, outbox.Acknowledged, outbox.Dropped));
    }

    [Fact]
    public void Acknowledged_records_are_pruned_only_once_the_rules_have_decided_them()
    {
        using (var journal = Open())
        {
            var seqs = journal.Append([Temperature(1), Temperature(2), Temperature(3)]);
            journal.Append([], [1], seqs[0]);
            journal.Acknowledge(3);

            // Neither mark has a commit of its own (JournalDeferredMarksTests): pruning waits for the commit that holds them.
            Assert.Equal([1UL, 2UL, 3UL], journal.ReadAfter(0, 10).Select(r => r.Seq));
            journal.Flush();

            // Dispatch has all three, but the rules have seen only the first: the other two stay for a restart to decide.
            Assert.Equal([2UL, 3UL], journal.ReadAfter(0, 10).Select(r => r.Seq));
            journal.Append([], [1], seqs[2]);
            journal.Flush();
            Assert.Empty(journal.ReadAfter(0, 10));
            Assert.Equal(0, journal.OutboxDepth);
        }

        // The sequence goes on after a restart although every record was pruned: numbers are never reused.
        using var reopened = Open();
        Assert.Equal(3, reopened.LastSeq);
        Assert.Equal(4, reopened.Append(Temperature(4)));
    }

    [Fact]
    public void At_the_budget_the_oldest_telemetry_is_dropped_and_a_gap_record_covers_it_while_alert_steps_stay()
    {
        using var journal = Open();
        Telemetry(journal, Enumerable.Range(0, 100).Select(Temperature));
        journal.Append([Alert("help-1")]);
        for (var i = 0; i < 40; i++)
        {
            Telemetry(journal, Enumerable.Range(0, 100).Select(Temperature));
        }

        var outbox = journal.Outbox;
        Assert.True(outbox.Dropped > 0, "nothing was dropped");
        Assert.InRange(outbox.UsedBytes, 0, Budget);
        Assert.Equal(1, outbox.PendingAlertSteps);

        // What would be sent: every sequence number 1..LastSeq is either a record or inside a gap record just before.
        var records = journal.ReadAfter(0, 100_000);
        long expected = 1;
        foreach (var record in records)
        {
            if (record.BodyCase == JournalRecord.BodyOneofCase.TelemetryGap)
            {
                var gap = record.TelemetryGap;
                Assert.Equal((ulong)expected, gap.FromSeq);
                Assert.Equal(record.Seq, gap.ThroughSeq);
                Assert.Equal(gap.ThroughSeq - gap.FromSeq + 1, gap.Count);
                Assert.Equal(OutboxState.Dropped, journal.StateOf((long)gap.FromSeq));
            }
            else
            {
                Assert.Equal((ulong)expected, record.Seq);
            }

            expected = (long)record.Seq + 1;
        }

        Assert.Equal(journal.LastSeq + 1, expected);
        Assert.Single(records, r => r.BodyCase == JournalRecord.BodyOneofCase.AlertEvent && r.AlertEvent.AlertId == "help-1");
        Assert.Equal(outbox.Dropped, records.Where(r => r.TelemetryGap is not null).Sum(r => (long)r.TelemetryGap.Count));
        Assert.Equal(outbox.Depth, records.Count);
        Assert.NotEmpty(logs.WithEventId(1101));
    }

    [Fact]
    public void The_budget_holds_after_every_append_although_the_file_is_not_measured_at_each()
    {
        // The journal reads its size only when the appends since the last reading may have used half the room left
        // (Journal.KeepWithinBudget): one event per commit, as a quiet home journals, must never take it past the budget.
        using var journal = Open();
        var measuredOver = 0;
        for (var i = 0; i < 3000; i++)
        {
            var seq = journal.Append(Temperature(i));
            if (i % 7 == 0)
            {
                journal.Append([], [1, 2, 3], seq);
            }

            if (journal.Outbox.UsedBytes > Budget)
            {
                measuredOver++;
            }
        }

        Assert.True(journal.Outbox.Dropped > 0, "nothing was dropped: the run never reached the budget");
        Assert.Equal(0, measuredOver);
    }

    [Fact]
    public void Alert_steps_alone_past_the_budget_are_kept_and_logged_loudly_once()
    {
        using var journal = Open();
        for (var i = 0; i < 60; i++)
        {
            journal.Append(Enumerable.Range(0, 20).Select(n => Alert($"a{i}-{n}") with { Summary = new string('s', 400) }));
        }

        Assert.Equal(1200, journal.Outbox.PendingAlertSteps);
        Assert.True(journal.Outbox.UsedBytes > Budget);
        Assert.Equal(0, journal.Outbox.Dropped);
        var error = Assert.Single(logs.WithEventId(1102));
        Assert.Equal(LogLevel.Error, error.Level);
    }

    [Fact]
    public void Telemetry_the_rules_have_not_decided_yet_is_never_dropped()
    {
        using var journal = Open();
        for (var i = 0; i < 40; i++)
        {
            journal.Append(Enumerable.Range(0, 100).Select(Temperature).ToList());
        }

        // No rule state saved: a restart would decide all of them again, so all of them stay.
        Assert.Equal(0, journal.Outbox.Dropped);
        Assert.Equal(4000, journal.OutboxDepth);
    }

    [Fact]
    public void Outbox_state_names_are_frozen()
    {
        Assert.Equal(
            ["1 pending", "2 acknowledged", "3 dropped"],
            Enum.GetValues<OutboxState>().Select(s => $"{(int)s} {OutboxStateNames.ToName(s)}"));
    }
}
