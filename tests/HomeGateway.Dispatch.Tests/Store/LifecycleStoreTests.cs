using HomeGateway.Core.Alerts;
using HomeGateway.Core.Events;
using HomeGateway.Dispatch.Store;
using Microsoft.Extensions.Time.Testing;

namespace HomeGateway.Dispatch.Tests.Store;

/// <summary>
/// Invariant: an alert's lifecycle after acknowledgement is recorded once and audited: the first resolution and the
/// first escalation stand (a repeat or a second runner changes nothing), a resolved alert leaves the queue and is closed,
/// homes exist for every gateway, and the outcome values never change.
/// </summary>
public sealed class SqliteLifecycleStoreTests() : LifecycleStoreTests(StoreProvider.Sqlite);

public sealed class PostgresLifecycleStoreTests() : LifecycleStoreTests(StoreProvider.PostgreSql);

public abstract class LifecycleStoreTests(StoreProvider provider) : IAsyncLifetime
{
    private const string Gateway = "gw-1";
    private readonly StoreHarness harness = new(Records.T0.AddSeconds(5), provider);

    private DispatchStore store = null!;

    private FakeTimeProvider time = null!;

    public async Task InitializeAsync()
    {
        await harness.StartAsync();
        (store, time) = (harness.Store, harness.Clock);
        await store.AddGatewayAsync(Gateway, "home-1");
    }

    public Task DisposeAsync() => harness.DisposeAsync().AsTask();

    private Task<StoreOutcome> Store(long seq, AlertEvent alert) => store.StoreAsync(new IncomingRecord(Gateway, seq, alert.At, alert, null));

    private Task<StoreOutcome> StoreSensor(long seq, SensorEvent e) => store.StoreAsync(new IncomingRecord(Gateway, seq, e.At, null, e));

    [Fact]
    public void The_outcome_values_are_frozen()
    {
        // Persisted by number and sent by name: neither may ever change. Add new outcomes at the end.
        var frozen = new (int Number, string Name)[]
        {
            (1, "visited_no_injury"), (2, "visited_injury"), (3, "ambulance_called"), (4, "false_alarm"),
            (5, "technical_fault"), (6, "client_not_home"), (7, "other"),
        };
        Assert.Equal(frozen, ResolutionOutcomes.All.Select(o => ((int)o, ResolutionOutcomes.ToName(o))));
        Assert.Equal(frozen.Length, Enum.GetValues<ResolutionOutcome>().Length);
        foreach (var (number, name) in frozen)
        {
            Assert.True(ResolutionOutcomes.TryParse(name, out var parsed));
            Assert.Equal(number, (int)parsed);
        }

        Assert.False(ResolutionOutcomes.TryParse("Visited_No_Injury", out _));
    }

    [Fact]
    public async Task The_first_resolution_stands_a_repeat_changes_nothing_and_both_are_audited()
    {
        await Store(1, Records.Alert("fall-1"));
        time.Advance(TimeSpan.FromMinutes(20));

        var first = await store.ResolveAsync(null, "fall-1", ResolutionOutcome.VisitedNoInjury, "helped up", "anna");
        time.Advance(TimeSpan.FromMinutes(1));
        var second = await store.ResolveAsync(Gateway, "fall-1", ResolutionOutcome.FalseAlarm, null, "bert");

        Assert.Equal(LifecycleResult.Done, first.Result);
        Assert.Equal(LifecycleResult.Unchanged, second.Result);
        var resolution = second.Alert!.Resolution!;
        Assert.Equal((ResolutionOutcome.VisitedNoInjury, "helped up", "anna"), (resolution.Outcome, resolution.Note, resolution.ResolvedBy));
        Assert.Equal(Records.T0.AddSeconds(5).AddMinutes(20), resolution.ResolvedAt);
        Assert.Equal(["resolved", "resolve_repeated"], (await store.ListAuditAsync(Gateway, "fall-1")).Select(a => a.Action));

        Assert.Empty(await store.ListAlertViewsAsync(AlertListFilter.Unresolved));
        Assert.Equal("fall-1", Assert.Single(await store.ListAlertViewsAsync(AlertListFilter.Resolved)).Alert.AlertId);
        Assert.Single(await store.ListAlertViewsAsync(AlertListFilter.All));

        // Closed: it is not assigned or escalated any more, but a note can still be added.
        Assert.Equal(LifecycleResult.AlreadyResolved, (await store.AssignAsync(null, "fall-1", "anna", "anna")).Result);
        Assert.Equal(LifecycleResult.AlreadyResolved, (await store.EscalateAsync(null, "fall-1", "why", "anna", false)).Result);
        Assert.Equal(LifecycleResult.Done, (await store.AddNoteAsync(null, "fall-1", "called the daughter", "anna")).Result);
    }

    [Fact]
    public async Task A_later_step_from_the_gateway_does_not_reopen_a_resolved_alert()
    {
        await Store(1, Records.Alert("door-1", type: AlertType.DoorLeftOpen, priority: AlertPriority.Normal));
        await store.ResolveAsync(null, "door-1", ResolutionOutcome.ClientNotHome, null, "anna");

        await Store(2, Records.Alert("door-1", AlertEventKind.Cleared, AlertType.DoorLeftOpen, AlertPriority.Normal, minutes: 3));

        Assert.Empty(await store.ListAlertViewsAsync(AlertListFilter.Unresolved));
        Assert.Equal(AlertStatus.Cleared, Assert.Single(await store.ListAlertViewsAsync(AlertListFilter.Resolved)).Alert.Status);
    }

    [Fact]
    public async Task New_evidence_on_a_resolved_alert_reopens_it_in_the_live_queue_to_be_taken_again()
    {
        await Store(1, Records.Alert("help-1", type: AlertType.Help, summary: "Help button pressed"));
        await store.AcknowledgeAsync(null, "help-1", "anna", "dispatcher");
        await store.ResolveAsync(null, "help-1", ResolutionOutcome.FalseAlarm, null, "anna");
        time.Advance(TimeSpan.FromMinutes(1));

        // The client pressed again before the resolution reached the gateway: a repeat of the same alert.
        await Store(2, Records.Alert("help-1", AlertEventKind.Repeated, AlertType.Help, count: 2, summary: "Help button pressed again", minutes: 1));

        var live = Assert.Single(await store.ListAlertViewsAsync(AlertListFilter.Unresolved));
        Assert.Equal(("help-1", AlertStatus.Open, 2), (live.Alert.AlertId, live.Alert.Status, live.Alert.Count));
        Assert.Null(live.Resolution);
        // A person must take it again: the earlier acknowledgement belonged to the episode that was resolved.
        Assert.Null(live.Alert.AcknowledgedAt);
        Assert.Empty(await store.ListAlertViewsAsync(AlertListFilter.Resolved));
        var reopened = Assert.Single(await store.ListAuditAsync(Gateway, "help-1"), a => a.Action == "reopened");
        Assert.Contains("false_alarm", reopened.Detail, StringComparison.Ordinal);
        // The automatic escalation counts from the reopening, not from the first arrival.
        Assert.Equal(time.GetUtcNow(), Assert.Single(await store.ListUnacknowledgedCriticalAsync()).ReceivedAt);
    }

    [Fact]
    public async Task An_escalation_or_a_clear_from_the_gateway_is_no_new_evidence_and_does_not_reopen()
    {
        await Store(1, Records.Alert("help-1", type: AlertType.Help));
        await store.ResolveAsync(null, "help-1", ResolutionOutcome.FalseAlarm, null, "anna");

        await Store(2, Records.Alert("help-1", AlertEventKind.Escalated, AlertType.Help, summary: "Not acknowledged within 120 s: Help", minutes: 2));

        Assert.Empty(await store.ListAlertViewsAsync(AlertListFilter.Unresolved));
        Assert.Null(Assert.Single(await store.ListAlertViewsAsync(AlertListFilter.Resolved)).Escalation);
    }

    [Fact]
    public async Task An_escalation_by_the_gateway_shows_as_escalated_and_keeps_the_alerts_own_summary()
    {
        await Store(1, Records.Alert("help-1", type: AlertType.Help, summary: "Help button pressed"));
        await Store(2, Records.Alert("help-1", AlertEventKind.Escalated, AlertType.Help, summary: "Not acknowledged within 120 s: Help button pressed", minutes: 2));

        var view = Assert.Single(await store.ListAlertViewsAsync(AlertListFilter.Unresolved));
        Assert.Equal("Help button pressed", view.Alert.Summary);
        var escalation = view.Escalation!;
        Assert.Equal(("gateway", "Not acknowledged within 120 s: Help button pressed"), (escalation.By, escalation.Reason));
        Assert.Single(await store.ListAuditAsync(Gateway, "help-1"), a => a.Action == "escalated" && a.Actor == "gateway");

        // Acknowledged at dispatch before the gateway heard: its later escalation is stale and marks nothing.
        await Store(3, Records.Alert("help-2", type: AlertType.Help, summary: "Help button pressed", minutes: 3));
        await store.AcknowledgeAsync(null, "help-2", "anna", "dispatcher");
        await Store(4, Records.Alert("help-2", AlertEventKind.Escalated, AlertType.Help, summary: "Not acknowledged within 120 s: Help button pressed", minutes: 5));
        var taken = (await store.FindAlertAsync(Gateway, "help-2")).Alert!;
        Assert.Null(taken.Escalation);
        Assert.Equal("Help button pressed", taken.Alert.Summary);
    }

    [Fact]
    public async Task Escalation_is_marked_once_and_the_automatic_one_never_marks_an_acknowledged_alert()
    {
        await Store(1, Records.Alert("fall-1"));
        await Store(2, Records.Alert("fall-2", minutes: 1));
        await store.AcknowledgeAsync(null, "fall-2", "anna", "dispatcher");

        var first = await store.EscalateAsync(null, "fall-1", "not acknowledged within 5 min", "dispatch", onlyIfUnacknowledged: true);
        var second = await store.EscalateAsync(null, "fall-1", "not acknowledged within 5 min", "dispatch", onlyIfUnacknowledged: true);
        var acknowledged = await store.EscalateAsync(null, "fall-2", "not acknowledged within 5 min", "dispatch", onlyIfUnacknowledged: true);

        Assert.Equal(LifecycleResult.Done, first.Result);
        Assert.Equal(LifecycleResult.Unchanged, second.Result);
        Assert.Equal(LifecycleResult.Unchanged, acknowledged.Result);
        Assert.Null(acknowledged.Alert!.Escalation);
        Assert.Equal("dispatch", Assert.Single(await store.ListAuditAsync(Gateway, "fall-1"), a => a.Action == "escalated").Actor);
        Assert.DoesNotContain(await store.ListAuditAsync(Gateway, "fall-2"), a => a.Action == "escalated");
        Assert.Empty(await store.ListUnacknowledgedCriticalAsync());

        // By hand, an acknowledged alert may be escalated too.
        Assert.Equal(LifecycleResult.Done, (await store.EscalateAsync(null, "fall-2", "client not answering", "anna", false)).Result);
    }

    [Fact]
    public async Task An_escalated_alert_shows_one_priority_step_higher_and_a_critical_one_stays_critical()
    {
        await Store(1, Records.Alert("bed-1", type: AlertType.BedNotReturned, priority: AlertPriority.High));
        await Store(2, Records.Alert("fall-1"));

        var high = (await store.EscalateAsync(null, "bed-1", "no answer", "anna", false)).Alert!;
        var critical = (await store.EscalateAsync(null, "fall-1", "no answer", "anna", false)).Alert!;

        Assert.Equal((AlertPriority.High, AlertPriority.Critical), (high.Alert.Priority, high.DisplayPriority));
        Assert.Equal(AlertPriority.Critical, critical.DisplayPriority);
    }

    [Fact]
    public async Task Assignment_and_notes_are_kept_and_audited_without_the_note_text()
    {
        await Store(1, Records.Alert("fall-1"));

        Assert.Equal(LifecycleResult.Done, (await store.AssignAsync(null, "fall-1", "anna", "bert")).Result);
        Assert.Equal(LifecycleResult.Unchanged, (await store.AssignAsync(null, "fall-1", "anna", "bert")).Result);
        Assert.Equal("anna", (await store.FindAlertAsync(null, "fall-1")).Alert!.AssignedTo);
        Assert.Equal(LifecycleResult.Done, (await store.AssignAsync(null, "fall-1", null, "bert")).Result);
        Assert.Null((await store.FindAlertAsync(null, "fall-1")).Alert!.AssignedTo);
        await store.AddNoteAsync(null, "fall-1", "key safe code changed, ask the daughter", "anna");

        var audit = await store.ListAuditAsync(Gateway, "fall-1");
        Assert.Equal(["assigned", "unassigned", "note_added"], audit.Select(a => a.Action));
        Assert.DoesNotContain(audit, a => a.Detail.Contains("daughter", StringComparison.Ordinal));
        var detail = (await store.GetAlertDetailAsync(Gateway, "fall-1", TimeSpan.FromMinutes(30)))!;
        Assert.Equal("key safe code changed, ask the daughter", Assert.Single(detail.Notes).Text);
        Assert.Equal((LifecycleResult.NotFound, null), ((await store.AssignAsync(null, "nope", "anna", "bert")).Result, (AlertView?)null));
    }

    [Fact]
    public async Task The_detail_holds_the_steps_the_sensor_events_around_the_alert_and_the_open_carer_visit()
    {
        var radar = (string state, int minutes) => new SensorEvent("home-1", "bedroom_radar", SensorKind.Fall, state, Records.T0.AddMinutes(minutes), "mqtt:radar");
        await StoreSensor(1, radar(SensorStates.Clear, -45));
        await StoreSensor(2, radar(SensorStates.SuspectedFall, -1));
        await StoreSensor(3, new SensorEvent("home-1", "keyswitch", SensorKind.Visit, SensorStates.CheckIn, Records.T0.AddMinutes(-10), "gpio:5"));
        await Store(4, Records.Alert("fall-1"));
        await StoreSensor(5, radar(SensorStates.Fall, 1));
        await Store(6, Records.Alert("fall-1", AlertEventKind.Cleared, minutes: 4));
        await StoreSensor(7, radar(SensorStates.Clear, 9));

        var detail = (await store.GetAlertDetailAsync(Gateway, "fall-1", TimeSpan.FromMinutes(30)))!;

        Assert.Equal([AlertEventKind.Raised, AlertEventKind.Cleared], detail.Steps.Select(s => s.Kind));
        // 30 min before the raise until it was cleared: not the event 45 min before, not the one after the clear.
        Assert.Equal([2L, 5L], detail.Evidence.Select(e => e.Seq));
        Assert.Equal(new VisitStatus(true, Records.T0.AddMinutes(-10), "keyswitch"), detail.Visit);
        Assert.Equal(HomeDetails.DefaultResponseMinutes, detail.Home!.ResponseMinutes);

        await StoreSensor(8, new SensorEvent("home-1", "keyswitch", SensorKind.Visit, SensorStates.CheckOut, Records.T0.AddMinutes(12), "gpio:5"));
        Assert.False((await store.GetAlertDetailAsync(Gateway, "fall-1", TimeSpan.FromMinutes(30)))!.Visit!.Open);
    }

    [Fact]
    public async Task A_gateway_for_a_new_home_registers_the_home_with_defaults_and_homes_are_registered_once_and_edited_with_audit()
    {
        await store.AddGatewayAsync("gw-2", "home-2");
        Assert.Equal(["home-1", "home-2"], (await store.ListHomesAsync()).Select(h => h.HomeId));
        Assert.Equal(60, (await store.FindHomeAsync("home-2"))!.ResponseMinutes);

        Assert.True(await store.RegisterHomeAsync(new HomeDetails("home-3", 30, "left of the door", "daughter 040 123", ""), "ada"));
        Assert.False(await store.RegisterHomeAsync(new HomeDetails("home-3", 45, "", "", ""), "ada"));
        Assert.True(await store.UpdateHomeAsync(new HomeDetails("home-3", 45, "left of the door", "son 050 999", ""), "tess"));
        Assert.False(await store.UpdateHomeAsync(new HomeDetails("home-9", 45, "", "", ""), "tess"));

        var home = (await store.FindHomeAsync("home-3"))!;
        Assert.Equal((45, "son 050 999"), (home.ResponseMinutes, home.Contacts));
        var audit = await store.ListAuditPageAsync(new AuditQuery(null, "home-3", null, null, 1, 10));
        Assert.Equal(["home_updated", "home_registered"], audit.Rows.Select(r => r.Action));
        // The trail names what changed, never the contacts themselves.
        Assert.Equal("changed: response time 30 → 45 min, contacts", audit.Rows[0].Detail);
        Assert.Equal("home-3", audit.Rows[0].HomeId);
    }

    [Fact]
    public async Task The_audit_page_is_newest_first_filtered_and_paged()
    {
        await Store(1, Records.Alert("fall-1"));
        for (var i = 0; i < 5; i++)
        {
            await store.AddNoteAsync(null, "fall-1", $"note {i}", i % 2 == 0 ? "anna" : "bert");
        }

        await store.AppendAuditAsync("ada", "report_viewed", null, null, null, "range");

        var first = await store.ListAuditPageAsync(new AuditQuery(null, null, null, null, 1, 4));
        var second = await store.ListAuditPageAsync(new AuditQuery(null, null, null, null, 2, 4));
        Assert.True(first.HasMore);
        Assert.False(second.HasMore);
        Assert.Equal("report_viewed", first.Rows[0].Action);
        Assert.Equal(6, first.Rows.Concat(second.Rows).Select(r => r.Id).Distinct().Count());
        Assert.True(first.Rows.Zip(first.Rows.Skip(1)).All(p => p.First.Id > p.Second.Id));

        Assert.Equal(3, (await store.ListAuditPageAsync(new AuditQuery(null, null, "anna", null, 1, 50))).Rows.Count);
        Assert.Equal(5, (await store.ListAuditPageAsync(new AuditQuery("fall-1", "home-1", null, "note_added", 1, 50))).Rows.Count);
        Assert.Empty((await store.ListAuditPageAsync(new AuditQuery(null, "home-2", null, null, 1, 50))).Rows);
    }

    [Fact]
    public async Task Response_time_rows_are_the_alerts_raised_in_the_range_with_their_home_s_contracted_time()
    {
        await store.UpdateHomeAsync(new HomeDetails("home-1", 30, "", "", ""), "ada");
        await Store(1, Records.Alert("fall-1"));
        await Store(2, Records.Alert("fall-2", minutes: 24 * 60));
        time.Advance(TimeSpan.FromMinutes(3));
        await store.AcknowledgeAsync(null, "fall-1", "anna", "dispatcher");
        time.Advance(TimeSpan.FromMinutes(10));
        await store.ResolveAsync(null, "fall-1", ResolutionOutcome.FalseAlarm, null, "anna");

        var rows = await store.ListResponseTimesAsync(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero));

        var row = Assert.Single(rows);
        Assert.Equal(("fall-1", 30, ResolutionOutcome.FalseAlarm), (row.AlertId, row.ResponseMinutes, row.Outcome!.Value));
        Assert.Equal(Records.T0.AddSeconds(5).AddMinutes(3), row.AcknowledgedAt);
        Assert.Equal(Records.T0.AddSeconds(5).AddMinutes(13), row.ResolvedAt);
    }

    [Fact]
    public async Task Response_time_rows_carry_the_earliest_arrival_and_the_team_that_answered_for_the_alert()
    {
        await store.UpdateHomeAsync(new HomeDetails("home-1", 30, "", "", ""), "ada");
        await AlertDispatchRows.AddTeamAsync(store, "night", "Night patrol");
        await AlertDispatchRows.AddTeamAsync(store, "day", "Day team");
        await Store(1, Records.Alert("fall-1"));
        await Store(2, Records.Alert("fall-2", minutes: 60));
        await Store(3, Records.Alert("fall-3", minutes: 120));
        await Store(4, Records.Alert("fall-4", minutes: 180));
        var t = Records.T0;
        // fall-1: the day team never accepts (withdrawn), accepts once and is withdrawn before arriving; the night patrol
        // arrives at +20 and reports done; a single responder asked after them arrives at +25. The night patrol answered for
        // it. (One request is open at a time: each ends before the next is asked.)
        await AlertDispatchRows.AddAsync(store, Gateway, "fall-1", t.AddMinutes(2), "day", endedAt: t.AddMinutes(4), endedReason: "withdrawn");
        await AlertDispatchRows.AddAsync(store, Gateway, "fall-1", t.AddMinutes(4), "day", acceptedAt: t.AddMinutes(5), endedAt: t.AddMinutes(8), endedReason: "withdrawn");
        await AlertDispatchRows.AddAsync(store, Gateway, "fall-1", t.AddMinutes(8), "night", acceptedAt: t.AddMinutes(9), arrivedAt: t.AddMinutes(20), endedAt: t.AddMinutes(22), endedReason: "done");
        await AlertDispatchRows.AddAsync(store, Gateway, "fall-1", t.AddMinutes(22), userName: "olli", acceptedAt: t.AddMinutes(23), arrivedAt: t.AddMinutes(25));
        // fall-2: accepted by the night patrol, then withdrawn; the day team accepted after and is on its way (no arrival).
        await AlertDispatchRows.AddAsync(store, Gateway, "fall-2", t.AddMinutes(61), "night", acceptedAt: t.AddMinutes(62), endedAt: t.AddMinutes(63), endedReason: "withdrawn");
        await AlertDispatchRows.AddAsync(store, Gateway, "fall-2", t.AddMinutes(63), "day", acceptedAt: t.AddMinutes(64));
        // fall-3: asked, never accepted. fall-4: nobody was asked.
        await AlertDispatchRows.AddAsync(store, Gateway, "fall-3", t.AddMinutes(121), "day", endedAt: t.AddMinutes(126), endedReason: "not_accepted");
        // Another gateway's alert of the same id does not leak in.
        await AlertDispatchRows.AddAsync(store, "gw-other", "fall-4", t.AddMinutes(181), "day", acceptedAt: t.AddMinutes(182), arrivedAt: t.AddMinutes(183));

        var rows = (await store.ListResponseTimesAsync(t.AddDays(-1), t.AddDays(1))).ToDictionary(r => r.AlertId);

        var first = rows["fall-1"];
        Assert.Equal((t.AddMinutes(2), t.AddMinutes(9), t.AddMinutes(20)), (first.FirstAskedAt, first.AcceptedAt, first.ArrivedAt));
        Assert.Equal(("night", "Night patrol"), (first.TeamId, first.TeamName));
        var second = rows["fall-2"];
        Assert.Equal((t.AddMinutes(61), t.AddMinutes(64), (DateTimeOffset?)null), (second.FirstAskedAt, second.AcceptedAt, second.ArrivedAt));
        Assert.Equal(("day", "Day team"), (second.TeamId, second.TeamName));
        var third = rows["fall-3"];
        Assert.Equal((t.AddMinutes(121), (DateTimeOffset?)null, (DateTimeOffset?)null), (third.FirstAskedAt, third.AcceptedAt, third.ArrivedAt));
        Assert.Null(third.TeamId);
        var fourth = rows["fall-4"];
        Assert.Equal(((DateTimeOffset?)null, (DateTimeOffset?)null, (string?)null), (fourth.FirstAskedAt, fourth.ArrivedAt, fourth.TeamId));
    }

    [Fact]
    public async Task A_single_responder_who_arrived_first_answers_for_the_alert_without_a_team()
    {
        await AlertDispatchRows.AddTeamAsync(store, "night", "Night patrol");
        await Store(1, Records.Alert("fall-1"));
        var t = Records.T0;
        await AlertDispatchRows.AddAsync(store, Gateway, "fall-1", t.AddMinutes(1), userName: "olli", acceptedAt: t.AddMinutes(2), arrivedAt: t.AddMinutes(12), endedAt: t.AddMinutes(30), endedReason: "done");
        await AlertDispatchRows.AddAsync(store, Gateway, "fall-1", t.AddMinutes(3), "night", acceptedAt: t.AddMinutes(4), arrivedAt: t.AddMinutes(15));

        var row = Assert.Single(await store.ListResponseTimesAsync(t.AddDays(-1), t.AddDays(1)));

        Assert.Equal((t.AddMinutes(2), t.AddMinutes(12)), (row.AcceptedAt, row.ArrivedAt));
        Assert.Null(row.TeamId);
        Assert.Null(row.TeamName);
    }

    [Fact]
    public async Task The_enrolment_history_of_a_home_lists_codes_of_its_gateways_only()
    {
        await store.AddGatewayAsync("gw-2", "home-2");
        await store.AddEnrolmentTokenAsync(Gateway, [1, 2, 3], Records.T0.AddDays(1));
        await store.AddEnrolmentTokenAsync("gw-2", [4, 5, 6], Records.T0.AddDays(1));

        var history = Assert.Single(await store.ListEnrolmentCodesAsync("home-1"));

        Assert.Equal((Gateway, Records.T0.AddDays(1), (DateTimeOffset?)null), (history.GatewayId, history.ExpiresAt, history.UsedAt));
    }
}
