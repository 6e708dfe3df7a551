using HomeGateway.Core.Alerts;
using HomeGateway.Dispatch.Store;
using Microsoft.Extensions.Time.Testing;

namespace HomeGateway.Dispatch.Tests.Store;

/// <summary>
/// Invariant: a request to responders has one story, told in order and once: only the people asked may accept, only the
/// one who accepted goes on (on the way, arrived, done, in that order), one request per alert is open, a request
/// nobody accepts in time asks the cascade's next step exactly once, and resolving the alert ends what is open.
/// </summary>
public sealed class SqliteResponderStoreTests() : ResponderStoreTests(StoreProvider.Sqlite);

public sealed class PostgresResponderStoreTests() : ResponderStoreTests(StoreProvider.PostgreSql);

public abstract class ResponderStoreTests(StoreProvider provider) : IAsyncLifetime
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
        foreach (var (name, role) in new[] { ("anna", "responder"), ("bert", "responder"), ("cecilia", "responder"), ("dora", "dispatcher") })
        {
            await store.AddUserAsync(name, "hash", role);
        }

        await store.AddTeamAsync("night", "Night patrol", "admin");
        await store.AddTeamMemberAsync("night", "anna", "admin");
        await store.AddTeamMemberAsync("night", "bert", "admin");
        await store.AddTeamAsync("guards", "Guard company", "admin");
        await store.AddTeamMemberAsync("guards", "cecilia", "admin");
        await store.StoreAsync(new IncomingRecord(Gateway, 1, Records.T0, Records.Alert("fall-1"), null));
    }

    public Task DisposeAsync() => harness.DisposeAsync().AsTask();

    private static CascadeStep Team(string id, int minutes = 10) => new(id, null, minutes);

    private static CascadeStep User(string name, int minutes = 10) => new(null, name, minutes);

    [Fact]
    public async Task Teams_are_added_renamed_given_members_and_removed_and_every_change_is_audited()
    {
        Assert.Equal(TeamChangeResult.Exists, await store.AddTeamAsync("night", "Other", "admin"));
        Assert.Equal(TeamChangeResult.Done, await store.RenameTeamAsync("night", "Night patrol north", "admin"));
        Assert.Equal(TeamChangeResult.Unchanged, await store.RenameTeamAsync("night", "Night patrol north", "admin"));
        Assert.Equal(TeamChangeResult.NotFound, await store.RenameTeamAsync("nope", "x", "admin"));
        Assert.Equal(TeamChangeResult.NotAResponder, await store.AddTeamMemberAsync("night", "dora", "admin"));
        Assert.Equal(TeamChangeResult.NotAResponder, await store.AddTeamMemberAsync("night", "nobody", "admin"));
        Assert.Equal(TeamChangeResult.Unchanged, await store.AddTeamMemberAsync("night", "anna", "admin"));
        Assert.Equal(TeamChangeResult.Done, await store.RemoveTeamMemberAsync("night", "bert", "admin"));
        Assert.Equal(TeamChangeResult.Unchanged, await store.RemoveTeamMemberAsync("night", "bert", "admin"));

        var teams = await store.ListTeamsAsync();
        Assert.Equal(["guards", "night"], teams.Select(t => t.TeamId));
        var night = (await store.FindTeamAsync("night"))!;
        Assert.Equal("Night patrol north", night.Name);
        Assert.Equal(["anna"], night.Members);

        Assert.Equal(TeamChangeResult.Done, await store.RemoveTeamAsync("guards", "admin"));
        Assert.Null(await store.FindTeamAsync("guards"));
        Assert.Equal(TeamChangeResult.NotFound, await store.RemoveTeamAsync("guards", "admin"));

        var actions = (await store.ListAuditPageAsync(new AuditQuery(null, null, "admin", null, 1, 100))).Rows.Select(r => r.Action).Reverse().ToList();
        Assert.Equal(
            ["team_added", "team_member_added", "team_member_added", "team_added", "team_member_added", "team_changed", "team_member_removed", "team_removed"],
            actions);
    }

    [Fact]
    public async Task A_team_with_an_open_request_or_in_a_cascade_is_not_removed()
    {
        await store.AskResponderAsync(Gateway, "fall-1", Team("guards"), "dora");
        Assert.Equal(TeamChangeResult.OpenRequest, await store.RemoveTeamAsync("guards", "admin"));

        Assert.True(await store.SetCascadeAsync("home-1", [Team("night")], "admin"));
        Assert.Equal(TeamChangeResult.InCascade, await store.RemoveTeamAsync("night", "admin"));
    }

    [Fact]
    public async Task A_cascade_is_replaced_as_a_whole_and_audited_with_its_steps()
    {
        Assert.Empty(await store.GetCascadeAsync("home-1"));
        Assert.True(await store.SetCascadeAsync("home-1", [Team("night", 5), User("cecilia", 15)], "admin"));
        Assert.Equal([Team("night", 5), User("cecilia", 15)], await store.GetCascadeAsync("home-1"));
        Assert.True(await store.SetCascadeAsync("home-1", [User("bert")], "admin"));
        Assert.Equal([User("bert")], await store.GetCascadeAsync("home-1"));
        Assert.False(await store.SetCascadeAsync("no-such-home", [User("bert")], "admin"));

        var rows = (await store.ListAuditPageAsync(new AuditQuery(null, "home-1", null, "cascade_changed", 1, 10))).Rows;
        Assert.Equal(["user:bert:10", "no cascade"], rows.Select(r => r.Detail.Split(" → ")[rows[0] == r ? 1 : 0]));
        Assert.Equal("team:night:5, user:cecilia:15 → user:bert:10", rows[0].Detail);
    }

    [Fact]
    public async Task A_team_request_goes_asked_accepted_on_the_way_arrived_done_and_the_alert_shows_each_step()
    {
        var asked = await store.AskResponderAsync(Gateway, "fall-1", Team("night", 10), "dora");
        Assert.Equal(ResponderResult.Done, asked.Result);
        var id = asked.Request!.Id;
        Assert.Equal(("asked", "Night patrol", Records.T0.AddSeconds(5).AddMinutes(10)), (asked.Alert!.Responder!.State, asked.Request.Asked, asked.Request.AcceptDeadline));

        Assert.Equal(ResponderResult.NotYours, (await store.RecordResponderStepAsync(id, ResponderStep.Accept, "cecilia", null, null)).Result);
        Assert.Equal(ResponderResult.NotYours, (await store.RecordResponderStepAsync(id, ResponderStep.OnTheWay, "anna", null, null)).Result);
        time.Advance(TimeSpan.FromMinutes(2));
        var accepted = await store.RecordResponderStepAsync(id, ResponderStep.Accept, "anna", null, null);
        Assert.Equal((ResponderResult.Done, "accepted", "anna"), (accepted.Result, accepted.Alert!.Responder!.State, accepted.Request!.AcceptedBy));
        // The same tap again, or a second member too late: nothing changes.
        Assert.Equal(ResponderResult.Unchanged, (await store.RecordResponderStepAsync(id, ResponderStep.Accept, "anna", null, null)).Result);
        Assert.Equal(ResponderResult.NotYours, (await store.RecordResponderStepAsync(id, ResponderStep.Accept, "bert", null, null)).Result);
        Assert.Empty(await store.ListAssignmentsAsync("bert"));

        Assert.Equal(ResponderResult.OutOfOrder, (await store.RecordResponderStepAsync(id, ResponderStep.Arrive, "anna", null, null)).Result);
        Assert.Equal(ResponderResult.OutOfOrder, (await store.RecordResponderStepAsync(id, ResponderStep.Done, "anna", ResolutionOutcome.VisitedNoInjury, null)).Result);
        Assert.Equal("on_the_way", (await store.RecordResponderStepAsync(id, ResponderStep.OnTheWay, "anna", null, null)).Alert!.Responder!.State);
        time.Advance(TimeSpan.FromMinutes(12));
        Assert.Equal("arrived", (await store.RecordResponderStepAsync(id, ResponderStep.Arrive, "anna", null, null)).Alert!.Responder!.State);
        // A late second tap on "on the way" changes nothing.
        Assert.Equal(ResponderResult.Unchanged, (await store.RecordResponderStepAsync(id, ResponderStep.OnTheWay, "anna", null, null)).Result);
        // Taken off the team after accepting: she is still the one going, and still sees it.
        await store.RemoveTeamMemberAsync("night", "anna", "admin");
        Assert.Single(await store.ListAssignmentsAsync("anna"));
        var done = await store.RecordResponderStepAsync(id, ResponderStep.Done, "anna", ResolutionOutcome.VisitedNoInjury, "helped up, no pain");
        Assert.Equal(ResponderResult.Done, done.Result);
        Assert.Equal(("done", ResolutionOutcome.VisitedNoInjury, "helped up, no pain", "done"),
            (done.Alert!.Responder!.State, done.Request!.ProposedOutcome, done.Request.DoneNote, done.Request.EndedReason));
        Assert.Equal(ResponderResult.Unchanged, (await store.RecordResponderStepAsync(id, ResponderStep.Done, "anna", ResolutionOutcome.FalseAlarm, null)).Result);
        Assert.Empty(await store.ListAssignmentsAsync("anna"));

        var trail = (await store.ListAuditAsync(Gateway, "fall-1")).Select(a => a.Action).ToList();
        Assert.Equal(["responder_asked", "responder_accepted", "responder_on_the_way", "responder_arrived", "responder_done"], trail);
        // The one who asked does not need to take the alert again: a new request may follow a finished one.
        Assert.Equal(ResponderResult.Done, (await store.AskResponderAsync(Gateway, "fall-1", User("cecilia"), "dora")).Result);
    }

    [Fact]
    public async Task The_phone_lists_what_is_asked_of_the_user_or_their_teams_newest_first_with_the_home()
    {
        await store.StoreAsync(new IncomingRecord(Gateway, 2, Records.T0, Records.Alert("fall-2"), null));
        await store.AskResponderAsync(Gateway, "fall-1", Team("night"), "dora");
        time.Advance(TimeSpan.FromMinutes(1));
        await store.AskResponderAsync(Gateway, "fall-2", User("anna"), "dora");

        var anna = await store.ListAssignmentsAsync("anna");
        Assert.Equal(["fall-2", "fall-1"], anna.Select(a => a.Alert.AlertId));
        Assert.Equal("home-1", anna[0].Home!.HomeId);
        Assert.Equal(["fall-1"], (await store.ListAssignmentsAsync("bert")).Select(a => a.Alert.AlertId));
        Assert.Empty(await store.ListAssignmentsAsync("cecilia"));
    }

    [Fact]
    public async Task One_request_is_open_per_alert_a_withdrawn_one_ends_and_a_resolved_alert_gets_none()
    {
        var first = await store.AskResponderAsync(Gateway, "fall-1", Team("night"), "dora");
        Assert.Equal(ResponderResult.AlreadyOpen, (await store.AskResponderAsync(Gateway, "fall-1", User("cecilia"), "dora")).Result);
        Assert.Equal(ResponderResult.NotFound, (await store.AskResponderAsync(Gateway, "no-such", User("cecilia"), "dora")).Result);

        var withdrawn = await store.WithdrawResponderAsync(first.Request!.Id, "dora");
        Assert.Equal(("withdrawn", ResponderResult.Done), (withdrawn.Alert!.Responder!.State, withdrawn.Result));
        Assert.Equal(ResponderResult.Ended, (await store.WithdrawResponderAsync(first.Request.Id, "dora")).Result);
        Assert.Equal(ResponderResult.Ended, (await store.RecordResponderStepAsync(first.Request.Id, ResponderStep.Accept, "anna", null, null)).Result);
        Assert.Equal(ResponderResult.NotFound, (await store.WithdrawResponderAsync(9999, "dora")).Result);

        var second = await store.AskResponderAsync(Gateway, "fall-1", User("cecilia"), "dora");
        await store.RecordResponderStepAsync(second.Request!.Id, ResponderStep.Accept, "cecilia", null, null);
        await store.ResolveAsync(Gateway, "fall-1", ResolutionOutcome.FalseAlarm, null, "dora");

        var requests = await store.ListResponderRequestsAsync(Gateway, "fall-1");
        Assert.Equal(["withdrawn", "alert_resolved"], requests.Select(r => r.EndedReason));
        Assert.Equal(ResponderResult.AlreadyResolved, (await store.AskResponderAsync(Gateway, "fall-1", User("cecilia"), "dora")).Result);
        Assert.Empty(await store.ListAssignmentsAsync("cecilia"));
    }

    [Fact]
    public async Task The_cascade_asks_the_next_step_when_nobody_accepts_in_time_and_says_when_nobody_is_left()
    {
        Assert.Equal(ResponderResult.NoCascade, (await store.StartCascadeAsync(Gateway, "fall-1", "dora")).Result);
        await store.SetCascadeAsync("home-1", [Team("night", 5), User("cecilia", 3)], "admin");

        var first = await store.StartCascadeAsync(Gateway, "fall-1", "dora");
        Assert.Equal((1, "night"), (first.Request!.CascadePosition, first.Request.TeamId));
        // Not yet: the deadline has not passed.
        Assert.Equal(ResponderResult.Unchanged, (await store.ExpireResponderAsync(first.Request.Id)).Result);
        Assert.Single(await store.ListAcceptDeadlinesAsync());

        time.Advance(TimeSpan.FromMinutes(5));
        var second = await store.ExpireResponderAsync(first.Request.Id);
        Assert.Equal(ResponderResult.Done, second.Result);
        Assert.Equal((2, "cecilia", "dispatch", "asked"), (second.Request!.CascadePosition, second.Request.UserName, second.Request.AskedBy, second.Alert!.Responder!.State));
        Assert.Equal(ResponderResult.Unchanged, (await store.ExpireResponderAsync(first.Request.Id)).Result);

        // Declined: the next step would be asked at once; here none is left.
        var declined = await store.RecordResponderStepAsync(second.Request.Id, ResponderStep.Decline, "cecilia", null, null);
        Assert.Equal(ResponderResult.Done, declined.Result);
        Assert.Equal("declined", declined.Alert!.Responder!.State);
        Assert.Empty(await store.ListAcceptDeadlinesAsync());

        var requests = await store.ListResponderRequestsAsync(Gateway, "fall-1");
        Assert.Equal(["not_accepted", "declined"], requests.Select(r => r.EndedReason));
        var trail = (await store.ListAuditAsync(Gateway, "fall-1")).Select(a => (a.Action, a.Actor)).ToList();
        Assert.Equal(
            [("responder_asked", "dora"), ("responder_not_accepted", "dispatch"), ("responder_asked", "dispatch"), ("responder_declined", "cecilia"),
                ("responder_not_accepted", "dispatch")],
            trail);
    }

    [Fact]
    public async Task An_exhausted_cascade_leaves_the_alert_showing_nobody_accepted()
    {
        await store.SetCascadeAsync("home-1", [Team("night", 1)], "admin");
        var first = await store.StartCascadeAsync(Gateway, "fall-1", "dora");
        time.Advance(TimeSpan.FromMinutes(1));
        var expired = await store.ExpireResponderAsync(first.Request!.Id);

        Assert.Equal(ResponderResult.Done, expired.Result);
        Assert.False(expired.Request!.IsOpen);
        var view = Assert.Single(await store.ListAlertViewsAsync(AlertListFilter.Unresolved));
        Assert.Equal("not_accepted", view.Responder!.State);
        // A member accepting after the end is too late: the dispatcher is already finding someone else.
        Assert.Equal(ResponderResult.Ended, (await store.RecordResponderStepAsync(first.Request.Id, ResponderStep.Accept, "anna", null, null)).Result);
    }

    [Fact]
    public async Task Two_passes_expiring_the_same_requests_at_once_ask_each_next_step_exactly_once()
    {
        await ResponderRace.RunAsync(store, store, time);
    }
}

/// <summary>
/// Invariant: with two dispatch nodes on one PostgreSQL (two store instances, two pools), both cascade supervisors
/// expiring the same overdue requests at once end each once and ask each next step exactly once.
/// </summary>
public sealed class PostgresResponderConcurrencyTests : IAsyncLifetime
{
    private readonly TempDirectory data = new();
    private readonly FakeTimeProvider time = new(Records.T0.AddSeconds(5));
    private DispatchStore nodeA = null!;
    private DispatchStore nodeB = null!;

    public async Task InitializeAsync()
    {
        var options = await TestStores.OptionsAsync(StoreProvider.PostgreSql);
        nodeA = options.CreateStore(data.Path, time);
        nodeB = options.CreateStore(data.Path, time);
        await Task.WhenAll(nodeA.MigrateAsync(), nodeB.MigrateAsync());
    }

    public Task DisposeAsync()
    {
        nodeA.Dispose();
        nodeB.Dispose();
        data.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public Task Two_nodes_expiring_the_same_requests_at_once_ask_each_next_step_exactly_once() => ResponderRace.RunAsync(nodeA, nodeB, time);
}

internal static class ResponderRace
{
    /// <summary>Ten alerts, each with its first cascade step overdue; both stores expire every one at once.</summary>
    public static async Task RunAsync(DispatchStore first, DispatchStore second, FakeTimeProvider time)
    {
        const string gateway = "gw-race";
        await first.AddGatewayAsync(gateway, "home-race");
        await first.AddUserAsync("anna", "hash", "responder");
        await first.AddTeamAsync("night-race", "Night patrol", "admin");
        await first.AddTeamAsync("guards-race", "Guards", "admin");
        await first.SetCascadeAsync("home-race", [new CascadeStep("night-race", null, 1), new CascadeStep("guards-race", null, 10)], "admin");
        var alerts = Enumerable.Range(1, 10).Select(i => $"race-{i}").ToList();
        for (var i = 0; i < alerts.Count; i++)
        {
            await first.StoreAsync(new IncomingRecord(gateway, i + 1, Records.T0, Records.Alert(alerts[i], homeId: "home-race"), null));
            Assert.Equal(ResponderResult.Done, (await first.StartCascadeAsync(gateway, alerts[i], "dora")).Result);
        }

        time.Advance(TimeSpan.FromMinutes(2));
        var due = await first.ListAcceptDeadlinesAsync();
        Assert.Equal(alerts.Count, due.Count);
        var outcomes = await Task.WhenAll(due.SelectMany(d => new[]
        {
            Task.Run(() => first.ExpireResponderAsync(d.RequestId)),
            Task.Run(() => second.ExpireResponderAsync(d.RequestId)),
        }));

        Assert.Equal(alerts.Count, outcomes.Count(o => o.Result == ResponderResult.Done));
        Assert.Equal(alerts.Count, outcomes.Count(o => o.Result == ResponderResult.Unchanged));
        foreach (var alert in alerts)
        {
            var requests = await second.ListResponderRequestsAsync(gateway, alert);
            Assert.Equal([("night-race", "not_accepted"), ("guards-race", null)], requests.Select(r => (r.TeamId!, r.EndedReason)));
        }

        Assert.Equal(alerts.Count, (await first.ListAcceptDeadlinesAsync()).Count);
    }
}
