using System.Text.Json;
using System.Threading.Channels;
using HomeGateway.Contracts.V1;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Rules;
using HomeGateway.Gateway.Configuration;
using HomeGateway.Gateway.Journal;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using CoreAlerts = HomeGateway.Core.Alerts;
using CoreEvents = HomeGateway.Core.Events;

namespace HomeGateway.Gateway.Pipeline;

/// <summary>
/// The one loop that turns sensor events into alerts, in a fixed order per batch (whatever waits in the inbox):
/// rules decide each event → the events, the alert steps and the rules' state are journalled in one durable transaction →
/// the inputs are told (PUBACK) and the observers (local MQTT, LED) → the uplink sees them in the journal. Being the rules
/// engine's only caller keeps the engine single-threaded; committing before anyone is told means nothing the rules
/// decided can be seen and then lost by a crash.
/// At start the rules' saved state is restored and the events journalled after it (the state of events that decided no
/// alert is written at most every mark interval) are decided again, so a restart neither loses nor repeats an alert.
/// </summary>
public sealed partial class AlertPipeline(
    SensorEventInbox inbox,
    Journal.Journal journal,
    RulesEngine engine,
    IEnumerable<IAlertObserver> observers,
    TimeProvider time,
    ILogger<AlertPipeline> logger,
    HomeConfigSource? homeSource = null,
    Uplink.AcknowledgementInbox? acknowledgements = null,
    Watchdog.AlertPathHeartbeats? heartbeats = null,
    RepeatedReports? repeatedReports = null,
    Microsoft.Extensions.Options.IOptions<GatewayOptions>? options = null) : BackgroundService
{
    private readonly Uplink.AcknowledgementInbox? acknowledgements = acknowledgements;

    /// <summary>The most events journalled in one transaction: bounds the latency a burst adds to the event after it.</summary>
    internal const int MaxBatch = 256;

    /// <summary>
    /// Held events commit at once when this many wait, whatever the spacing: an input that stops sending until its
    /// acknowledgements come (MQTT's receive maximum; mosquitto lets 20 messages be in flight by default) is never
    /// held to the spacing's pace.
    /// </summary>
    internal const int CommitWhenHeld = 10;

    // How long after a commit events that decided no alert are held for company (Gateway:Journal:CommitSpacing).
    private readonly TimeSpan commitSpacing = options?.Value.Journal.CommitSpacing ?? TimeSpan.Zero;

    private readonly IAlertObserver[] observers = observers.ToArray();
    private readonly Channel<HomeConfig> reloads = Channel.CreateBounded<HomeConfig>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });

    private RulesEngine engine = engine;

    // The journal serialises a held state when it commits it: the engine in force then (a reload carries the state over).
    private Func<(IReadOnlyDictionary<string, byte[]> Entries, long ThroughSeq)?>? saveEngineState;

    // The last sensor event the engine has seen; saved with its state.
    private long appliedSeq;

    // Group commit (CommitSpacing): the events the rules have decided and the journal has not yet committed, in order —
    // each inbox item kept (its waiter), its event as journalled, its number (a repeat's: the record it repeats) and
    // whether it is such a stand-in — and the events of them the journal keeps, with their receipts.
    private readonly List<SensorEventInbox.Item> held = [];
    private readonly List<CoreEvents.SensorEvent> heldEvents = [];
    private readonly List<long> heldSeqs = [];
    private readonly List<bool> heldStandsIn = [];
    private readonly List<CoreEvents.SensorEvent> toJournal = [];
    private readonly List<MessageReceipt?> toJournalReceipts = [];
    private DateTimeOffset lastCommitAt = DateTimeOffset.MinValue;

    // True while the held events are being committed: the state the journal may serialise then is consistent with them.
    private bool committingHeld;

    // A commit failed: the rules have seen what the journal does not have, so no state of theirs may be written after it.
    private bool journalFailed;

    // Redelivered events whose first arrival is held: released with the original's seq once it commits.
    private readonly List<(SensorEventInbox.Item Redelivery, int Original)> redeliveredInBatch = [];

    /// <summary>The engine in force (replaced when the home file is reloaded).</summary>
    public RulesEngine Engine => engine;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (homeSource is not null)
        {
            homeSource.Changed += home => reloads.Writer.TryWrite(home);
        }

        await RestoreAsync(stoppingToken).ConfigureAwait(false);
        PipelineLog.Started(logger, journal.LastSeq, journal.AckedSeq, appliedSeq);
        await AnnounceRestoredAsync(stoppingToken).ConfigureAwait(false);

        try
        {
            await RunLoopAsync(stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            CommitHeldAtStop();
            // Whoever waits for an event to be journalled (an MQTT PUBACK) must not wait forever: not journalled, not acked.
            inbox.CancelWaiting();
        }
    }

    /// <summary>
    /// At a stop, the events the rules decided and the spacing still held are committed, so their inputs are told; if that
    /// fails they were never acknowledged, and the state on disk stays the one before them (see <see cref="SaveEngineState"/>).
    /// </summary>
    private void CommitHeldAtStop()
    {
        if (held.Count == 0)
        {
            return;
        }

        try
        {
            CommitHeldAsync([], CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            PipelineLog.HeldNotCommitted(logger, held.Count, ex.Message);
        }
    }

    private async Task RunLoopAsync(CancellationToken stoppingToken)
    {
        Task<bool>? waitForEvent = null;
        Task<bool>? waitForReload = null;
        Task<bool>? waitForAcknowledgement = null;
        // The timers outlive the loop's turns: a busy home turns the loop hundreds of times a second, and a timer made and
        // cancelled on each turn woke the runtime's timer thread as often (make bench nodeRed, CPU). The deadline's timer
        // is replaced only when the engine's next deadline moves; the watchdog's wake-up is renewed when it fires.
        var deadline = new DeadlineWake(time, stoppingToken);
        var commitWake = new DeadlineWake(time, stoppingToken);
        Task? heartbeatWake = null;
        var waits = new List<Task>(6);

        var batch = new List<SensorEventInbox.Item>(MaxBatch);
        heartbeats?.Pipeline.Beat();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                waitForEvent ??= inbox.Reader.WaitToReadAsync(stoppingToken).AsTask();
                waitForReload ??= reloads.Reader.WaitToReadAsync(stoppingToken).AsTask();
                waitForAcknowledgement ??= WaitForAcknowledgementAsync(stoppingToken);
                waits.Clear();
                waits.Add(waitForEvent);
                waits.Add(waitForReload);
                waits.Add(waitForAcknowledgement);
                if (deadline.Until(engine.NextDeadline) is { } wake)
                {
                    waits.Add(wake);
                }

                var commitDue = commitWake.Until(held.Count > 0 ? HeldDueAt(time.GetUtcNow()) : null);
                if (commitDue is not null)
                {
                    waits.Add(commitDue);
                }

                if (heartbeats is not null)
                {
                    // A quiet home sends nothing for hours: wake anyway, so the watchdog sees the loop still turns.
                    heartbeatWake ??= Task.Delay(Watchdog.AlertPathHeartbeats.PipelineWake, time, stoppingToken);
                    waits.Add(heartbeatWake);
                }

                await Task.WhenAny(waits).ConfigureAwait(false);

                // The runtime's timers count a coarse clock and may fire a tick (4 ms on Linux) before the time asked. For the
                // held events that is early enough: committing them then spares a second timer, and its two thread wake-ups.
                var commitWakeFired = commitDue is { IsCompletedSuccessfully: true };
                if (heartbeatWake is { IsCompleted: true })
                {
                    heartbeatWake = null;
                }

                if (waitForReload.IsCompleted)
                {
                    waitForReload = null;
                    while (reloads.Reader.TryRead(out var home))
                    {
                        await SwitchCarePlanAsync(home, stoppingToken).ConfigureAwait(false);
                    }
                }

                if (waitForAcknowledgement.IsCompleted)
                {
                    waitForAcknowledgement = null;
                    await ApplyAcknowledgementsAsync(stoppingToken).ConfigureAwait(false);
                }

                if (waitForEvent.IsCompleted)
                {
                    if (waitForEvent.IsCanceled || !await waitForEvent.ConfigureAwait(false))
                    {
                        break;
                    }

                    waitForEvent = null;
                    while (TakeBatch(batch))
                    {
                        await DecideEventsAsync(batch, stoppingToken).ConfigureAwait(false);
                    }
                }

                var timed = engine.Advance(time.GetUtcNow());
                if (timed.Count > 0)
                {
                    await DecideAsync(timed, appliedSeq, stoppingToken).ConfigureAwait(false);
                }

                if (held.Count > 0 && (commitWakeFired || time.GetUtcNow() is var turnEnd && turnEnd >= HeldDueAt(turnEnd)))
                {
                    await CommitHeldAsync([], stoppingToken).ConfigureAwait(false);
                }

                heartbeats?.Pipeline.Beat();
            }
        }
        finally
        {
            deadline.Dispose();
            commitWake.Dispose();
        }
    }

    /// <summary>What is waiting in the inbox, up to <see cref="MaxBatch"/>; false when nothing is.</summary>
    private bool TakeBatch(List<SensorEventInbox.Item> batch)
    {
        batch.Clear();
        while (batch.Count < MaxBatch && inbox.Reader.TryRead(out var item))
        {
            batch.Add(item);
        }

        return batch.Count > 0;
    }

    /// <summary>
    /// Group commit: the rules decide the batch's events in order, numbered as the journal will number them; the events, the
    /// alert steps they decided and (with steps) the rules' state are then committed in one transaction — one fsync — and
    /// only then is anyone told: the inputs (a PUBACK), the observers (local MQTT, LED), the uplink. Nothing the rules
    /// decided is seen outside the process before it is durable, and a crash before the commit leaves no trace of the
    /// events: an input that acknowledges sends them again. A report that repeats its sensor's last journalled one
    /// unchanged is decided but not journalled (<see cref="RepeatedReports"/>).
    /// <para>
    /// Events that decided no alert step are held for company until <see cref="commitSpacing"/> has passed since the last
    /// commit (or <see cref="CommitWhenHeld"/> wait): a busy home's events then share commits, each an fsync and a rewrite of
    /// the same pages (the SD card's life, and most of the gateway's CPU on a busy flow). A quiet home's event, the first
    /// after a pause, commits at once. An alert step is never held: it commits at once, with every event held before it.
    /// </para>
    /// </summary>
    private async Task DecideEventsAsync(List<SensorEventInbox.Item> batch, CancellationToken cancellationToken)
    {
        var start = held.Count;
        held.AddRange(batch);
        SetAsideRedeliveries(start);
        var count = held.Count - start;
        if (count == 0)
        {
            return;
        }

        var events = new CoreEvents.SensorEvent[count];
        var receipts = new MessageReceipt?[count];
        for (var i = 0; i < count; i++)
        {
            // Within the uplink's limits before the journal: a record dispatch would not take would hold the outbox
            // behind it for good. Adapters normalise; a device's own text (a detail, a state) may still be anything.
            var item = held[start + i];
            events[i] = UplinkLimits.Bound(item.Event);
            if (!ReferenceEquals(events[i], item.Event))
            {
                PipelineLog.EventBounded(logger, events[i].SensorId);
            }

            receipts[i] = item.Receipt;
        }

        // Only the pipeline appends while it runs, so the numbers the commit will give are known before it.
        var now = time.GetUtcNow();
        var firstSeq = journal.LastSeq + 1 + toJournal.Count;
        var standIns = repeatedReports?.Classify(events, receipts, firstSeq, now, engine.Context.Home.Rules.Temperature) ?? new long?[count];
        var seqOf = new long[count];
        var next = firstSeq;
        for (var i = 0; i < count; i++)
        {
            if (standIns[i] is { } original)
            {
                seqOf[i] = original;
            }
            else
            {
                seqOf[i] = next++;
                toJournal.Add(events[i]);
                toJournalReceipts.Add(receipts[i]);
            }

            heldEvents.Add(events[i]);
            heldSeqs.Add(seqOf[i]);
            heldStandsIn.Add(standIns[i] is not null);
        }

        var decided = new List<CoreAlerts.AlertEvent>();
        for (var i = 0; i < count; i++)
        {
            decided.AddRange(engine.Observe(events[i], seqOf[i], time.GetUtcNow()));
        }

        if (next > firstSeq)
        {
            appliedSeq = Math.Max(appliedSeq, next - 1);
        }

        // Compared with from here on, committed or held: a held event commits before anything after it, or the pipeline stops.
        repeatedReports?.Committed(events, standIns, seqOf, now);

        var alerts = Bounded(decided);
        if (alerts.Length > 0 || held.Count >= CommitWhenHeld || now >= HeldDueAt(now))
        {
            await CommitHeldAsync(alerts, cancellationToken).ConfigureAwait(false);
            return;
        }

        // A repeat of a record already committed is durable as it is: its input need not wait for the held events' commit.
        // Last, after the rules and the repeats have seen it: what awaits it runs here and then (a PUBACK, a test's next step).
        for (var i = 0; i < count; i++)
        {
            if (standIns[i] is { } original && original <= journal.LastSeq)
            {
                held[start + i].Journalled?.TrySetResult(original);
            }
        }
    }

    /// <summary>
    /// Commits the held events and <paramref name="alerts"/> (steps the rules decided after them, with the state that
    /// decided them) in one durable transaction, then releases the events' waiters and tells the observers of the steps.
    /// </summary>
    private async Task CommitHeldAsync(CoreAlerts.AlertEvent[] alerts, CancellationToken cancellationToken)
    {
        var firstSeq = journal.LastSeq + 1;
        var journalledEvents = toJournal.Count;
        IReadOnlyList<JournalRecord> records;
        committingHeld = true;
        try
        {
            records = journal.Append(toJournal, toJournalReceipts, alerts, alerts.Length > 0 ? engine.SaveStateEntries() : null, appliedSeq);
        }
        catch (Exception ex)
        {
            // Never acknowledged, so their senders send them again; and nothing of the rules is written from here on.
            journalFailed = true;
            foreach (var item in held)
            {
                item.Journalled?.TrySetException(ex);
            }

            foreach (var (redelivery, _) in redeliveredInBatch)
            {
                redelivery.Journalled?.TrySetException(ex);
            }

            ClearHeld();
            throw;
        }
        finally
        {
            committingHeld = false;
        }

        if (records.Count > 0)
        {
            lastCommitAt = time.GetUtcNow();
        }

        if (journalledEvents > 0 && (long)records[0].Seq != firstSeq)
        {
            throw new InvalidOperationException($"The journal numbered the batch from {records[0].Seq}, expected {firstSeq}: something else appended.");
        }

        for (var i = 0; i < held.Count; i++)
        {
            held[i].Journalled?.TrySetResult(heldSeqs[i]);
            var e = heldEvents[i];
            if (heldStandsIn[i])
            {
                PipelineLog.RepeatNotJournalled(logger, e.SensorId, e.State, heldSeqs[i]);
            }
            else
            {
                PipelineLog.EventJournalled(logger, heldSeqs[i], e.SensorId, e.State, e.Source);
            }
        }

        ReleaseRedeliveriesOf(heldSeqs);
        ClearHeld();
        if (alerts.Length == 0)
        {
            // Nothing decided: the state waits for a commit that happens anyway, serialised only then.
            journal.HoldRuleStateEntries(saveEngineState ??= SaveEngineState);
            return;
        }

        await TellObserversAsync(alerts, records, journalledEvents, cancellationToken).ConfigureAwait(false);
    }

    private void ClearHeld()
    {
        held.Clear();
        heldEvents.Clear();
        heldSeqs.Clear();
        heldStandsIn.Clear();
        toJournal.Clear();
        toJournalReceipts.Clear();
        redeliveredInBatch.Clear();
    }

    /// <summary>
    /// When the held events commit: the spacing after the last commit; now, if the clock was set back behind the last
    /// commit (a Pi without a real-time clock corrected by NTP), so that nothing waits for the clock to catch up.
    /// </summary>
    private DateTimeOffset HeldDueAt(DateTimeOffset now)
    {
        var due = lastCommitAt + commitSpacing;
        return due - now > commitSpacing ? now : due;
    }

    /// <summary>
    /// The rules' state for the journal to serialise when a commit writes it (<see cref="Journal.Journal.HoldRuleStateEntries(Func{ValueTuple{IReadOnlyDictionary{string, byte[]}, long}?})"/>):
    /// the engine's as it is then, through the last event it has seen, which that commit journals if it is held; null
    /// while events the rules have seen are held outside a commit, or after a commit failed (the rules saw what the journal
    /// lacks): then no state is written, and the one on disk, from before them, is decided forward at the next start.
    /// </summary>
    private (IReadOnlyDictionary<string, byte[]> Entries, long ThroughSeq)? SaveEngineState() =>
        !journalFailed && (held.Count == 0 || committingHeld) ? (engine.SaveStateEntries(), appliedSeq) : null;

    /// <summary>
    /// Takes out of the held events from <paramref name="from"/> on (those just taken from the inbox) every event of a
    /// redelivered message (MQTT DUP) that is already journalled — committed earlier, or held from an earlier arrival (the
    /// first was still queued or held when the link dropped) — so it is neither journalled nor decided twice. Its waiter (the
    /// PUBACK) is released with the original's sequence number: durable already, or as soon as the original commits. Only a
    /// message its sender marked as redelivered is looked up, so an ordinary message is never mistaken for an old one.
    /// </summary>
    private void SetAsideRedeliveries(int from)
    {
        var kept = from;
        for (var i = from; i < held.Count; i++)
        {
            var item = held[i];
            if (item.Receipt is { Redelivered: true } receipt)
            {
                if (FirstArrivalInBatch(held, kept, receipt) is { } original)
                {
                    redeliveredInBatch.Add((item, original));
                    PipelineLog.RedeliveryRecognised(logger, receipt.Publisher, receipt.PacketId, "held with its first arrival");
                    continue;
                }

                if (journal.FindJournalled(receipt) is { } seq)
                {
                    item.Journalled?.TrySetResult(seq);
                    PipelineLog.RedeliveryRecognised(logger, receipt.Publisher, receipt.PacketId, $"journalled as {seq}");
                    continue;
                }
            }

            held[kept++] = item;
        }

        held.RemoveRange(kept, held.Count - kept);
    }

    /// <summary>
    /// The index (among the first <paramref name="count"/> held) of another arrival of the same message whose events are all
    /// held, so that they commit together; null when there is none (then the redelivery is journalled: at worst twice).
    /// </summary>
    private static int? FirstArrivalInBatch(List<SensorEventInbox.Item> batch, int count, MessageReceipt receipt)
    {
        int? first = null;
        var events = 0;
        MessageReceipt? original = null;
        for (var j = 0; j < count; j++)
        {
            if (batch[j].Receipt is { } other && !ReferenceEquals(other, receipt) && other.SameMessageAs(receipt)
                && (original is null || ReferenceEquals(other, original)))
            {
                original = other;
                first ??= j;
                events++;
            }
        }

        return original is not null && events + original.EventsCommitted >= original.EventCount ? first : null;
    }

    private void ReleaseRedeliveriesOf(IReadOnlyList<long> seqs)
    {
        foreach (var (redelivery, original) in redeliveredInBatch)
        {
            redelivery.Journalled?.TrySetResult(seqs[original]);
        }

        redeliveredInBatch.Clear();
    }

    /// <summary>
    /// The rules' state from the journal, then the events it had not yet seen, decided again. "Seen" is only what a saved
    /// state says it has seen: with no state yet (a new gateway killed before its first decision) every journalled event is
    /// undecided, and a state that cannot be read still says through which event it was saved, so fresh rules decide the rest.
    /// </summary>
    private async Task RestoreAsync(CancellationToken cancellationToken)
    {
        appliedSeq = 0;
        if (journal.LoadRuleState() is { } saved)
        {
            appliedSeq = saved.ThroughSeq;
            try
            {
                engine.RestoreState(saved.State);
            }
            catch (Exception ex) when (ex is JsonException or InvalidDataException or NotSupportedException)
            {
                // The rules start fresh rather than not at all; what was already sent stays sent.
                PipelineLog.StateUnreadable(logger, ex.Message);
            }
        }

        // One commit per read batch, as in normal running: a fresh gateway killed mid-burst may leave hundreds undecided.
        // Only what was journalled before this start is read: the alert steps decided here are appended behind it.
        var from = appliedSeq + 1;
        var end = journal.LastSeq;
        var decided = new List<CoreAlerts.AlertEvent>();
        for (var after = appliedSeq; after < end;)
        {
            var batch = journal.ReadAfter(after, MaxBatch);
            if (batch.Count == 0)
            {
                break;
            }

            decided.Clear();
            var lastEvent = 0L;
            foreach (var record in batch)
            {
                after = (long)record.Seq;
                if (after <= end && record.BodyCase == JournalRecord.BodyOneofCase.SensorEvent)
                {
                    lastEvent = after;
                    decided.AddRange(engine.Observe(record.SensorEvent.ToDomain(), after, record.RecordedAt.ToDateTimeOffset()));
                }
            }

            if (lastEvent > 0)
            {
                await DecideAsync(decided, lastEvent, cancellationToken).ConfigureAwait(false);
            }
        }

        if (appliedSeq >= from)
        {
            PipelineLog.Redecided(logger, from, appliedSeq);
        }
    }

    private async Task SwitchCarePlanAsync(HomeConfig home, CancellationToken cancellationToken)
    {
        // The new plan carries on from the old one's state: running timers and open alerts survive a reload.
        var next = new RulesEngine(home, engine.Context.StartedAt);
        try
        {
            next.RestoreState(engine.SaveState());
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException or NotSupportedException)
        {
            PipelineLog.StateUnreadable(logger, ex.Message);
        }

        engine = next;
        PipelineLog.CarePlanSwitched(logger, home.HomeId, string.Join(", ", next.Rules.Select(r => r.Key)));
        await DecideAsync([], appliedSeq, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Steps the rules decided without a new event (a deadline, a reload, dispatch's word): committed at once with the
    /// state that decided them, behind whatever events are held (the rules saw those first).
    /// </summary>
    private async Task DecideAsync(IReadOnlyList<CoreAlerts.AlertEvent> decided, long throughSeq, CancellationToken cancellationToken)
    {
        var alerts = Bounded(decided);
        appliedSeq = Math.Max(appliedSeq, throughSeq);
        if (alerts.Length == 0)
        {
            // Nothing decided: the state waits for a commit that happens anyway, serialised only then.
            journal.HoldRuleStateEntries(saveEngineState ??= SaveEngineState);
            return;
        }

        await CommitHeldAsync(alerts, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Never journal what dispatch would refuse or cut: the step journalled is the step dispatch shows. A summary is cut and
    /// marked, an id (made from the home file's ids, so always within bounds today) made fit the same way every time, so all
    /// steps of one alert keep one id.
    /// </summary>
    private CoreAlerts.AlertEvent[] Bounded(IReadOnlyList<CoreAlerts.AlertEvent> decided)
    {
        var alerts = new CoreAlerts.AlertEvent[decided.Count];
        for (var i = 0; i < alerts.Length; i++)
        {
            alerts[i] = UplinkLimits.Bound(decided[i]);
            if (!ReferenceEquals(alerts[i], decided[i]))
            {
                PipelineLog.AlertBounded(logger, alerts[i].AlertId);
            }
        }

        return alerts;
    }

    /// <summary>The committed alert steps (<paramref name="records"/> from <paramref name="first"/> on), to the log and the observers.</summary>
    private async Task TellObserversAsync(CoreAlerts.AlertEvent[] alerts, IReadOnlyList<JournalRecord> records, int first, CancellationToken cancellationToken)
    {
        for (var i = 0; i < alerts.Length; i++)
        {
            var alert = alerts[i];
            var seq = (long)records[first + i].Seq;
            PipelineLog.AlertCommitted(logger, seq, AlertTypeNames.ToName(alert.Kind), AlertTypeNames.ToName(alert.Type),
                AlertTypeNames.ToName(alert.Priority), alert.SensorId, alert.AlertId);
            foreach (var observer in observers)
            {
                try
                {
                    await observer.OnAlertCommittedAsync(seq, alert, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A failing local output (LED, local MQTT) must never stop alerts reaching dispatch.
                    PipelineLog.ObserverFailed(logger, ex, observer.GetType().Name, alert.AlertId);
                }
            }
        }
    }
}

/// <summary>
/// Where the inputs hand over events; the pipeline reads them in order. Kept apart from the pipeline so that
/// inputs and outputs (the MQTT broker is both) can depend on it without a cycle.
/// </summary>
public sealed class SensorEventInbox(Status.SensorBoard? board = null, IEnumerable<ISensorEventObserver>? observers = null) : ISensorEventSink
{
    private readonly ISensorEventObserver[] _observers = observers?.ToArray() ?? [];

    // Tens of events a minute is normal; the bound only protects memory from a runaway device.
    private readonly Channel<Item> channel = Channel.CreateBounded<Item>(
        new BoundedChannelOptions(10_000) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    internal ChannelReader<Item> Reader => channel.Reader;

    public ValueTask PublishAsync(CoreEvents.SensorEvent sensorEvent, CancellationToken cancellationToken)
    {
        Observe(sensorEvent);
        return channel.Writer.WriteAsync(new Item(sensorEvent, null, null), cancellationToken);
    }

    public ValueTask<Task<long>> QueueDurablyAsync(CoreEvents.SensorEvent sensorEvent, CancellationToken cancellationToken) =>
        QueueDurablyAsync(sensorEvent, null, cancellationToken);

    public async ValueTask<Task<long>> QueueDurablyAsync(CoreEvents.SensorEvent sensorEvent, MessageReceipt? receipt, CancellationToken cancellationToken)
    {
        Observe(sensorEvent);
        // Completed by the pipeline right after the commit, and what waits on it runs there and then: an input's
        // acknowledgement (a PUBACK) goes out without waking a pool thread for it. One hand-over per event was a few per
        // cent of the gateway's CPU on a busy flow (make bench nodeRed). So whatever awaits it must only do quick,
        // non-blocking work (see ISensorEventSink.QueueDurablyAsync).
        var journalled = new TaskCompletionSource<long>();
        await channel.Writer.WriteAsync(new Item(sensorEvent, journalled, receipt), cancellationToken).ConfigureAwait(false);
        return journalled.Task;
    }

    private void Observe(CoreEvents.SensorEvent sensorEvent)
    {
        board?.Record(sensorEvent);
        foreach (var observer in _observers)
        {
            observer.OnSensorEvent(sensorEvent);
        }
    }

    /// <summary>The pipeline has stopped: events still queued will not be journalled by it, so their waiters are told.</summary>
    internal void CancelWaiting()
    {
        while (channel.Reader.TryRead(out var item))
        {
            item.Journalled?.TrySetCanceled();
        }
    }

    internal readonly record struct Item(CoreEvents.SensorEvent Event, TaskCompletionSource<long>? Journalled, MessageReceipt? Receipt);
}

internal static partial class PipelineLog
{
    [LoggerMessage(2400, LogLevel.Warning, "Alert {AlertId}: a text or id was past the uplink's limits; journalled cut and marked (UplinkLimits)")]
    public static partial void AlertBounded(ILogger logger, string alertId);

    [LoggerMessage(2401, LogLevel.Warning, "Sensor {SensorId}: an event's text or id was past the uplink's limits; journalled cut and cleaned (UplinkLimits)")]
    public static partial void EventBounded(ILogger logger, string sensorId);

    [LoggerMessage(1000, LogLevel.Information, "Alert pipeline started: journal at seq {LastSeq}, dispatch has through {AckedSeq}, rules have seen through {AppliedSeq}")]
    public static partial void Started(ILogger logger, long lastSeq, long ackedSeq, long appliedSeq);

    [LoggerMessage(1001, LogLevel.Debug, "Event {Seq}: {SensorId} {State} ({Source})")]
    public static partial void EventJournalled(ILogger logger, long seq, string sensorId, string state, string source);

    [LoggerMessage(1002, LogLevel.Information, "Alert {Seq}: {Kind} {Type} {Priority} from {SensorId} ({AlertId})")]
    public static partial void AlertCommitted(ILogger logger, long seq, string kind, string type, string priority, string sensorId, string alertId);

    [LoggerMessage(1003, LogLevel.Error, "Alert output {Observer} failed for {AlertId}; the alert is journalled and goes to dispatch regardless")]
    public static partial void ObserverFailed(ILogger logger, Exception exception, string observer, string alertId);

    [LoggerMessage(1004, LogLevel.Warning, "Records {FromSeq}..{ThroughSeq} were journalled before a restart but not decided: decided now")]
    public static partial void Redecided(ILogger logger, long fromSeq, long throughSeq);

    [LoggerMessage(1005, LogLevel.Error, "The rules' saved state could not be read ({Problem}); the rules start fresh")]
    public static partial void StateUnreadable(ILogger logger, string problem);

    [LoggerMessage(1009, LogLevel.Information, "Redelivered message {PacketId} from {Publisher} recognised ({Where}): not journalled or decided again")]
    public static partial void RedeliveryRecognised(ILogger logger, string publisher, int packetId, string where);

    [LoggerMessage(1010, LogLevel.Debug, "{SensorId} {State} repeats record {Seq} unchanged: decided, not journalled again")]
    public static partial void RepeatNotJournalled(ILogger logger, string sensorId, string state, long seq);

    [LoggerMessage(1006, LogLevel.Information, "Care plan for {HomeId} switched without a restart; rules: {Rules}")]
    public static partial void CarePlanSwitched(ILogger logger, string homeId, string rules);

    [LoggerMessage(1022, LogLevel.Error, "{Count} sensor events decided at the stop could not be journalled ({Problem}); they were not acknowledged, so their senders send them again")]
    public static partial void HeldNotCommitted(ILogger logger, int count, string problem);
}
