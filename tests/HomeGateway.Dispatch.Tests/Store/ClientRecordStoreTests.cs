using HomeGateway.Dispatch.Store;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace HomeGateway.Dispatch.Tests.Store;

/// <summary>
/// Invariant: a client record round-trips whole (its key holders and contacts in order), survives migration 13 from the
/// old free-text columns, and once the retention time after the client left has passed it is gone (the record deleted,
/// the alerts' free text replaced) while the figures (alert types, times, outcomes) and the audit trail stay; the sweep
/// touches no other home and does nothing the second time.
/// </summary>
public sealed class SqliteClientRecordStoreTests() : ClientRecordStoreTests(StoreProvider.Sqlite);

public sealed class PostgresClientRecordStoreTests() : ClientRecordStoreTests(StoreProvider.PostgreSql);

public abstract class ClientRecordStoreTests(StoreProvider provider) : IAsyncLifetime
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

    internal static HomeDetails Record(string homeId) => new(homeId, 30, "Key safe left of the door, code 1234\nDog: friendly", "", "Hard of hearing: knock loudly")
    {
        Address = "Kotikatu 1 A 2\n00100 Helsinki",
        KeyHolders = [new HomePerson("Liisa Virtanen", "+358 40 123 4567", "daughter"), new HomePerson("Home care team north", "09 310 1234", "")],
        ContactPeople = [new HomePerson("Matti Virtanen", "050-765 4321", "son")],
    };

    [Fact]
    public async Task The_record_round_trips_with_its_key_holders_and_contacts_in_order_and_the_trail_names_only_what_changed()
    {
        Assert.True(await store.RegisterHomeAsync(Record("home-2"), "ada"));

        var home = (await store.FindHomeAsync("home-2"))!;
        Assert.Equal("Kotikatu 1 A 2\n00100 Helsinki", home.Address);
        Assert.Equal("Key safe left of the door, code 1234\nDog: friendly", home.AccessInstructions);
        Assert.Equal(home.AccessInstructions, home.KeySafe);
        Assert.Equal(["Liisa Virtanen", "Home care team north"], home.KeyHolders.Select(k => k.Name));
        Assert.Equal(new HomePerson("Liisa Virtanen", "+358 40 123 4567", "daughter"), home.KeyHolders[0]);
        Assert.Equal("Matti Virtanen (son) 050-765 4321", home.Contacts);
        Assert.Equal("Hard of hearing: knock loudly", home.Notes);
        Assert.Null(home.ClientLeftOn);
        Assert.Null(home.AnonymisedAt);
        var listed = (await store.ListHomesAsync()).Single(h => h.HomeId == "home-2");
        Assert.Equal(home.KeyHolders, listed.KeyHolders);
        Assert.Equal(home.ContactPeople, listed.ContactPeople);
        Assert.Equal(home with { KeyHolders = listed.KeyHolders, ContactPeople = listed.ContactPeople }, listed);

        var changed = Record("home-2") with { ResponseMinutes = 20 };
        changed = changed with { KeyHolders = [changed.KeyHolders![1], changed.KeyHolders[0]], Address = "Kotikatu 3\n00100 Helsinki" };
        Assert.True(await store.UpdateHomeAsync(changed, "ada"));

        home = (await store.FindHomeAsync("home-2"))!;
        Assert.Equal(["Home care team north", "Liisa Virtanen"], home.KeyHolders.Select(k => k.Name));
        var audit = (await store.ListAuditPageAsync(new AuditQuery(null, "home-2", null, null, 1, 10))).Rows;
        Assert.Equal("changed: response time 30 → 20 min, address, key holders", audit[0].Detail);
        Assert.All(audit, row => Assert.DoesNotContain("Virtanen", row.Detail, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Marking_the_client_left_is_audited_with_the_day_only_undone_once_and_refused_after_anonymisation()
    {
        var leftOn = new DateOnly(2026, 3, 1);
        Assert.Equal(ClientRecordChange.Done, await store.MarkClientLeftAsync("home-1", leftOn, "ada"));
        Assert.Equal(ClientRecordChange.Unchanged, await store.MarkClientLeftAsync("home-1", leftOn, "ada"));
        Assert.Equal(ClientRecordChange.NotFound, await store.MarkClientLeftAsync("home-9", leftOn, "ada"));
        Assert.Equal(leftOn, (await store.FindHomeAsync("home-1"))!.ClientLeftOn);

        Assert.Equal(ClientRecordChange.Done, await store.UndoClientLeftAsync("home-1", "ada"));
        Assert.Equal(ClientRecordChange.Unchanged, await store.UndoClientLeftAsync("home-1", "ada"));
        Assert.Null((await store.FindHomeAsync("home-1"))!.ClientLeftOn);

        Assert.Equal(ClientRecordChange.Done, await store.AnonymiseHomeAsync("home-1", "ada"));
        Assert.Equal(ClientRecordChange.AlreadyAnonymised, await store.AnonymiseHomeAsync("home-1", "ada"));
        Assert.Equal(ClientRecordChange.AlreadyAnonymised, await store.MarkClientLeftAsync("home-1", leftOn, "ada"));
        Assert.Equal(ClientRecordChange.NotFound, await store.AnonymiseHomeAsync("home-9", "ada"));
        Assert.False(await store.UpdateHomeAsync(Record("home-1"), "ada"));

        var audit = (await store.ListAuditPageAsync(new AuditQuery(null, "home-1", null, null, 1, 10))).Rows;
        Assert.Equal(["client_record_anonymised", "client_left_undone", "client_left"], audit.Select(r => r.Action));
        Assert.Equal(["at once", "was left on 2026-03-01", "client left on 2026-03-01"], audit.Select(r => r.Detail));
    }

    [Fact]
    public async Task The_sweep_anonymises_only_homes_whose_time_has_passed_replaces_free_text_keeps_the_figures_and_is_idempotent()
    {
        await store.UpdateHomeAsync(Record("home-1"), "ada");
        await store.RegisterHomeAsync(Record("home-2"), "ada");
        await store.RegisterHomeAsync(Record("home-3"), "ada");
        await store.AddGatewayAsync("gw-2", "home-2");
        await Raise(Gateway, 1, "fall-1", "home-1");
        await Raise("gw-2", 1, "fall-2", "home-2");
        foreach (var (gateway, alert) in new[] { (Gateway, "fall-1"), ("gw-2", "fall-2") })
        {
            await store.AcknowledgeAsync(gateway, alert, "anna", "dispatcher");
            await store.AddNoteAsync(gateway, alert, "Liisa has the key", "anna");
            await store.EscalateAsync(gateway, alert, "Matti does not answer", "anna", onlyIfUnacknowledged: false);
            await store.ResolveAsync(gateway, alert, ResolutionOutcome.VisitedNoInjury, "helped Matti up", "anna");
        }

        var before = (await store.FindAlertAsync(Gateway, "fall-1")).Alert!;
        var auditBefore = (await store.ListAuditPageAsync(new AuditQuery(null, null, null, null, 1, 500))).Rows;
        await store.MarkClientLeftAsync("home-1", new DateOnly(2026, 1, 30), "ada");
        await store.MarkClientLeftAsync("home-2", new DateOnly(2026, 2, 1), "ada");

        // home-1 left on or before the cutoff; home-2 a day after it; home-3 never left.
        var anonymised = await store.AnonymiseDueHomesAsync(new DateOnly(2026, 1, 31), "dispatch");

        Assert.Equal(["home-1"], anonymised);
        var gone = (await store.FindHomeAsync("home-1"))!;
        Assert.Equal(("", "", "", "", 0, 0), (gone.Address, gone.KeySafe, gone.Contacts, gone.Notes, gone.KeyHolders.Count, gone.ContactPeople.Count));
        Assert.Equal(time.GetUtcNow(), gone.AnonymisedAt);
        Assert.Equal(new DateOnly(2026, 1, 30), gone.ClientLeftOn);
        Assert.Equal(30, gone.ResponseMinutes);
        var detail = (await store.GetAlertDetailAsync(Gateway, "fall-1", TimeSpan.FromMinutes(30)))!;
        Assert.Equal([ClientRecordRules.RemovedMarker], detail.Notes.Select(n => n.Text));
        Assert.Equal(ClientRecordRules.RemovedMarker, detail.View.Resolution!.Note);
        Assert.Equal(("anna", ClientRecordRules.RemovedMarker), (detail.View.Escalation!.By, detail.View.Escalation.Reason));
        // The figures stay: the alert's type, times, who acknowledged and resolved it and how it ended.
        Assert.Equal(before.Alert, detail.View.Alert);
        Assert.Equal((before.Resolution!.ResolvedAt, before.Resolution.ResolvedBy, before.Resolution.Outcome),
            (detail.View.Resolution.ResolvedAt, detail.View.Resolution.ResolvedBy, detail.View.Resolution.Outcome));
        Assert.Single(await store.ListResponseTimesAsync(Records.T0.AddDays(-1), Records.T0.AddDays(1)), r => r.HomeId == "home-1");

        // The other homes and their alerts are untouched.
        Assert.Equal("Kotikatu 1 A 2\n00100 Helsinki", (await store.FindHomeAsync("home-2"))!.Address);
        Assert.Equal(2, (await store.FindHomeAsync("home-3"))!.KeyHolders.Count);
        var other = (await store.GetAlertDetailAsync("gw-2", "fall-2", TimeSpan.FromMinutes(30)))!;
        Assert.Equal(["Liisa has the key"], other.Notes.Select(n => n.Text));
        Assert.Equal("helped Matti up", other.View.Resolution!.Note);
        Assert.Equal("Matti does not answer", other.View.Escalation!.Reason);

        // The trail stays whole (a typed escalation reason of the home's alerts loses its text), gains one row, and holds
        // no record text.
        var audit = (await store.ListAuditPageAsync(new AuditQuery(null, null, null, null, 1, 500))).Rows;
        var escalatedHere = auditBefore.Single(r => r is { Action: "escalated", HomeId: "home-1" });
        Assert.All(auditBefore.Where(r => r != escalatedHere), row => Assert.Contains(row, audit));
        Assert.Contains(escalatedHere with { Detail = ClientRecordRules.RemovedMarker }, audit);
        Assert.Contains(audit, r => r is { Action: "escalated", HomeId: "home-2", Detail: "Matti does not answer" });
        var row = Assert.Single(audit, r => r.Action == "client_record_anonymised");
        Assert.Equal(("dispatch", "home-1", "client left on 2026-01-30; retention over"), (row.Actor, row.HomeId, row.Detail));
        Assert.All(audit, r => Assert.DoesNotContain("Kotikatu", r.Detail, StringComparison.Ordinal));

        // A second pass (a restart, another node) finds nothing to do.
        Assert.Empty(await store.AnonymiseDueHomesAsync(new DateOnly(2026, 1, 31), "dispatch"));
        Assert.Single((await store.ListAuditPageAsync(new AuditQuery(null, null, null, null, 1, 500))).Rows, r => r.Action == "client_record_anonymised");
        // An undone mark is not swept.
        await store.UndoClientLeftAsync("home-2", "ada");
        Assert.Empty(await store.AnonymiseDueHomesAsync(new DateOnly(2026, 12, 31), "dispatch"));
    }

    [Fact]
    public async Task The_home_alert_history_is_newest_first_and_paged()
    {
        for (var i = 1; i <= 5; i++)
        {
            await store.StoreAsync(new IncomingRecord(Gateway, i, Records.T0.AddMinutes(i), Records.Alert($"a-{i}", minutes: i), null));
        }

        await store.AddGatewayAsync("gw-2", "home-2");
        await Raise("gw-2", 1, "elsewhere", "home-2");

        var first = await store.ListHomeAlertsAsync("home-1", 0, 2);
        var last = await store.ListHomeAlertsAsync("home-1", 4, 2);

        Assert.Equal(["a-5", "a-4"], first.Alerts.Select(a => a.Alert.AlertId));
        Assert.True(first.HasMore);
        Assert.Equal(["a-1"], last.Alerts.Select(a => a.Alert.AlertId));
        Assert.False(last.HasMore);
        Assert.Empty((await store.ListHomeAlertsAsync("home-9", 0, 2)).Alerts);
    }

    [Fact]
    public async Task Migration_13_keeps_the_old_key_safe_and_contacts_text_of_a_version_12_database()
    {
        using var data = new TempDirectory();
        using var old = (await TestStores.OptionsAsync(provider)).CreateStore(data.Path, time);
        await using (var connection = await old.Dialect.OpenAsync(default))
        {
            await StoreSchema.MigrateAsync(connection, old.Dialect, default, upTo: 12);
            await DispatchStore.Execute(connection,
                """
                INSERT INTO homes(home_id, response_minutes, key_safe, contacts, notes, created_at, updated_at) VALUES
                    ('home-a', 45, 'Key safe by the garage, 4321', 'Daughter Liisa 040 123 4567
                Son Matti 050 765 4321', 'Uses a walker', '2026-01-01T00:00:00.0000000Z', '2026-01-01T00:00:00.0000000Z'),
                    ('home-b', 60, '', '', '', '2026-01-01T00:00:00.0000000Z', '2026-01-01T00:00:00.0000000Z')
                """, default);
        }

        await old.MigrateAsync();

        var a = (await old.FindHomeAsync("home-a"))!;
        Assert.Equal(("Key safe by the garage, 4321", "Uses a walker", 45, ""), (a.AccessInstructions, a.Notes, a.ResponseMinutes, a.Address));
        var contact = Assert.Single(a.ContactPeople);
        Assert.Equal(new HomePerson("Daughter Liisa 040 123 4567\nSon Matti 050 765 4321", "", ""), contact);
        Assert.Equal(contact.Name, a.Contacts);
        Assert.Empty(a.KeyHolders);
        var b = (await old.FindHomeAsync("home-b"))!;
        Assert.Empty(b.ContactPeople);
        Assert.Equal("", b.Contacts);
        SqliteConnection.ClearAllPools();
    }

    private Task<StoreOutcome> Raise(string gateway, long seq, string alertId, string homeId) =>
        store.StoreAsync(new IncomingRecord(gateway, seq, Records.T0, Records.Alert(alertId, homeId: homeId), null));
}

/// <summary>Two nodes on one PostgreSQL sweep at once: each due home is anonymised and audited exactly once.</summary>
public sealed class PostgresClientRecordSweepTests : IAsyncLifetime
{
    private readonly TempDirectory data = new();
    private readonly FakeTimeProvider time = new(Records.T0);
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
    public async Task Two_nodes_sweeping_at_once_anonymise_and_audit_each_home_once()
    {
        var homes = Enumerable.Range(1, 12).Select(i => $"home-{i:00}").ToList();
        foreach (var home in homes)
        {
            await nodeA.RegisterHomeAsync(ClientRecordStoreTests.Record(home), "ada");
            await nodeA.MarkClientLeftAsync(home, new DateOnly(2026, 1, 1), "ada");
        }

        var cutoff = new DateOnly(2026, 2, 1);
        var swept = await Task.WhenAll(
            nodeA.AnonymiseDueHomesAsync(cutoff, "dispatch"), nodeB.AnonymiseDueHomesAsync(cutoff, "dispatch"),
            nodeA.AnonymiseDueHomesAsync(cutoff, "dispatch"), nodeB.AnonymiseDueHomesAsync(cutoff, "dispatch"));

        Assert.Equal(homes, swept.SelectMany(s => s).Order(StringComparer.Ordinal));
        var audit = (await nodeB.ListAuditPageAsync(new AuditQuery(null, null, null, "client_record_anonymised", 1, 100))).Rows;
        Assert.Equal(homes, audit.Select(r => r.HomeId!).Order(StringComparer.Ordinal));
        Assert.All(await nodeB.ListHomesAsync(), h => Assert.Equal(("", 0, 0), (h.Address, h.KeyHolders.Count, h.ContactPeople.Count)));
    }
}
