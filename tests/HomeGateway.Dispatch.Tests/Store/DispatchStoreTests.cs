using HomeGateway.Core.Alerts;
using HomeGateway.Dispatch.Credentials;
using HomeGateway.Dispatch.Store;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace HomeGateway.Dispatch.Tests.Store;

public sealed class SqliteDispatchStoreTests() : DispatchStoreTests(StoreProvider.Sqlite)
{
    [Fact]
    public async Task The_file_is_in_wal_mode()
    {
        Assert.Equal("wal", await ScalarAsync("PRAGMA journal_mode"));
    }
}

public sealed class PostgresDispatchStoreTests() : DispatchStoreTests(StoreProvider.PostgreSql);

/// <summary>
/// Invariant: exactly once in the dispatcher's queue. A (gateway, seq) is stored once however often it
/// arrives, each alert has one queue row, and the cumulative ack never claims a sequence that is missing.
/// The same contract on every database (one subclass per provider).
/// </summary>
public abstract class DispatchStoreTests(StoreProvider provider) : IAsyncLifetime
{
    private const string Gateway = "gw-1";
    private readonly TempDirectory data = new();
    private readonly FakeTimeProvider time = new(Records.T0.AddSeconds(5));
    private StoreOptions options = null!;
    private DispatchStore store = null!;

    public async Task InitializeAsync()
    {
        options = await TestStores.OptionsAsync(provider);
        store = options.CreateStore(data.Path, time);
        await store.MigrateAsync();
        await store.AddGatewayAsync(Gateway, "home-1");
    }

    public Task DisposeAsync()
    {
        store.Dispose();
        SqliteConnection.ClearAllPools();
        data.Dispose();
        return Task.CompletedTask;
    }

    private Task<StoreOutcome> Store(long seq, AlertEvent alert) =>
        store.StoreAsync(new IncomingRecord(Gateway, seq, alert.At, alert, null));

    private Task<StoreOutcome> StoreSensor(long seq) =>
        store.StoreAsync(new IncomingRecord(Gateway, seq, Records.T0, null, Records.Sensor()));

    private Task<StoreOutcome> StoreGap(long from, long through) =>
        store.StoreAsync(new IncomingRecord(Gateway, through, Records.T0, null, null,
            new TelemetryGapInfo(from, through, through - from + 1, Records.T0, Records.T0)));

    [Fact]
    public async Task Batched_contacts_move_each_last_contact_forward_and_never_back()
    {
        await store.AddGatewayAsync("gw-2", "home-2");
        await store.MarkSeenAsync(Gateway, "1.0");
        var hello = time.GetUtcNow();

        await store.MarkSeenAsync([new(Gateway, hello.AddSeconds(-20)), new("gw-2", hello.AddSeconds(20))]);

        var seen = (await store.ListSupervisedGatewaysAsync()).ToDictionary(g => g.GatewayId, g => g.LastContactAt);
        Assert.Equal(hello, seen[Gateway]);
        Assert.Equal(hello.AddSeconds(20), seen["gw-2"]);
    }

    [Fact]
    public async Task A_telemetry_gap_counts_as_storing_every_sequence_it_covers_even_when_some_were_stored_before()
    {
        await StoreSensor(1);
        await StoreSensor(2);

        // The gateway dropped 2..5 after dispatch had stored 2 (the ack was lost): the gap at 5 still moves the ack to 5.
        var gap = await StoreGap(2, 5);
        Assert.Equal((true, 5L), (gap.IsNew, gap.StoredThroughSeq));
        Assert.Equal(6, (await StoreSensor(6)).StoredThroughSeq);
        var again = await StoreGap(2, 5);
        Assert.Equal((false, 6L), (again.IsNew, again.StoredThroughSeq));
        Assert.Equal(1, await CountAsync("telemetry_gaps"));
    }

    [Fact]
    public async Task The_same_record_twice_is_stored_once()
    {
        var first = await Store(1, Records.Alert("fall-1"));
        var second = await Store(1, Records.Alert("fall-1"));

        Assert.True(first.IsNew);
        Assert.NotNull(first.AlertStep);
        Assert.False(second.IsNew);
        Assert.Null(second.AlertStep);
        Assert.Equal(1, second.StoredThroughSeq);
        Assert.Equal(1, await CountAsync("alert_events"));
        var row = Assert.Single(await store.ListAlertsAsync(null));
        Assert.Equal(1, row.Count);
    }

    [Fact]
    public async Task Replaying_a_whole_stream_stores_nothing_new()
    {
        var stream = new Func<Task<StoreOutcome>>[]
        {
            () => StoreSensor(1),
            () => Store(2, Records.Alert("door-1", type: AlertType.DoorLeftOpen, priority: AlertPriority.Normal)),
            () => StoreSensor(3),
            () => Store(4, Records.Alert("door-1", AlertEventKind.Repeated, AlertType.DoorLeftOpen, AlertPriority.Normal, count: 2, minutes: 10)),
        };
        foreach (var step in stream)
        {
            Assert.True((await step()).IsNew);
        }

        var before = await store.ListAlertsAsync(null);
        time.Advance(TimeSpan.FromMinutes(1));
        foreach (var step in stream)
        {
            var replay = await step();
            Assert.False(replay.IsNew);
            Assert.Equal(4, replay.StoredThroughSeq);
        }

        Assert.Equal(2, await CountAsync("alert_events"));
        Assert.Equal(2, await CountAsync("sensor_events"));
        Assert.Equal(before, await store.ListAlertsAsync(null));
    }

    [Fact]
    public async Task A_batch_stores_like_one_record_at_a_time_with_one_outcome_each()
    {
        await StoreSensor(1);
        IncomingRecord Sensor(long seq) => new(Gateway, seq, Records.T0, null, Records.Sensor());
        var fall = Records.Alert("fall-1");

        // 1 again (already stored), 2, an alert at 3, 3 again within the batch, then 5 past a missing 4.
        var outcomes = await store.StoreAsync(
            [Sensor(1), Sensor(2), new IncomingRecord(Gateway, 3, fall.At, fall, null), new IncomingRecord(Gateway, 3, fall.At, fall, null), Sensor(5)]);

        Assert.Equal([false, true, true, false, true], outcomes.Select(o => o.IsNew));
        Assert.Equal([1L, 2, 3, 3, 3], outcomes.Select(o => o.StoredThroughSeq));
        Assert.Equal([false, false, true, false, false], outcomes.Select(o => o.AlertStep is not null));
        Assert.Equal(3, (await store.FindGatewayAsync(Gateway))!.StoredThroughSeq);
        Assert.Equal(1, await CountAsync("alert_events"));
        Assert.Equal(3, await CountAsync("sensor_events"));

        // The missing 4 arrives in the next batch: the ack walks over the 5 stored before.
        Assert.Equal(5, Assert.Single(await store.StoreAsync([Sensor(4)])).StoredThroughSeq);
    }

    [Fact]
    public async Task A_batch_is_one_gateways_records_and_all_or_nothing()
    {
        await store.AddGatewayAsync("gw-2", "home-2");
        await Assert.ThrowsAsync<ArgumentException>(() => store.StoreAsync(
            [new IncomingRecord(Gateway, 1, Records.T0, null, Records.Sensor()), new IncomingRecord("gw-2", 1, Records.T0, null, Records.Sensor())]));
        await Assert.ThrowsAsync<ArgumentException>(() => store.StoreAsync(
            [new IncomingRecord(Gateway, 1, Records.T0, null, Records.Sensor()), new IncomingRecord(Gateway, 2, Records.T0, null, null)]));

        Assert.Equal(0, await CountAsync("sensor_events"));
        Assert.Equal(0, (await store.FindGatewayAsync(Gateway))!.StoredThroughSeq);
        Assert.Empty(await store.StoreAsync([]));
    }

    [Fact]
    public async Task The_cumulative_ack_stops_at_a_gap_and_moves_on_when_the_gap_is_filled()
    {
        Assert.Equal(1, (await StoreSensor(1)).StoredThroughSeq);
        Assert.Equal(2, (await StoreSensor(2)).StoredThroughSeq);

        // 3 is missing: 4 and 5 are kept, but the ack must not claim 3.
        var four = await StoreSensor(4);
        Assert.True(four.IsNew);
        Assert.Equal(2, four.StoredThroughSeq);
        Assert.Equal(2, (await StoreSensor(5)).StoredThroughSeq);

        // The gateway resends from 3: the ack jumps over what was already stored.
        Assert.Equal(5, (await StoreSensor(3)).StoredThroughSeq);
        Assert.Equal(5, (await StoreSensor(4)).StoredThroughSeq);
        Assert.Equal(5, (await store.FindGatewayAsync(Gateway))!.StoredThroughSeq);
    }

    [Fact]
    public async Task Repeats_escalation_and_clear_update_the_single_queue_row()
    {
        await Store(1, Records.Alert("door-1", type: AlertType.DoorLeftOpen, priority: AlertPriority.Normal, summary: "Door open 10 min"));
        time.Advance(TimeSpan.FromSeconds(30));
        await Store(2, Records.Alert("door-1", AlertEventKind.Repeated, AlertType.DoorLeftOpen, AlertPriority.Normal, count: 2, summary: "Door open 20 min", minutes: 10));
        await Store(3, Records.Alert("door-1", AlertEventKind.Escalated, AlertType.DoorLeftOpen, AlertPriority.High, count: 2, summary: "Door open 20 min, not acknowledged", minutes: 15));
        var open = Assert.Single(await store.ListAlertsAsync(AlertStatus.Open));
        Assert.Equal((AlertPriority.High, 2, AlertStatus.Open), (open.Priority, open.Count, open.Status));
        Assert.Equal(Records.T0, open.RaisedAt);
        Assert.Equal(Records.T0.AddSeconds(5), open.FirstReceivedAt);

        await Store(4, Records.Alert("door-1", AlertEventKind.Cleared, AlertType.DoorLeftOpen, AlertPriority.Normal, count: 2, summary: "Door closed", minutes: 25));

        Assert.Empty(await store.ListAlertsAsync(AlertStatus.Open));
        var row = Assert.Single(await store.ListAlertsAsync(null));
        Assert.Equal(AlertStatus.Cleared, row.Status);
        Assert.Equal(AlertPriority.High, row.Priority); // a clear does not hide how serious it became
        Assert.Equal("Door closed", row.Summary);
        Assert.Equal(Records.T0.AddMinutes(25), row.LastEventAt);
        Assert.Equal(4, row.LastSeq);
        Assert.Equal(4, await CountAsync("alert_events"));
    }

    [Fact]
    public async Task The_queue_is_sorted_by_priority_then_age()
    {
        await Store(1, Records.Alert("door-1", type: AlertType.DoorLeftOpen, priority: AlertPriority.Normal, minutes: 0));
        await Store(2, Records.Alert("help-2", type: AlertType.Help, priority: AlertPriority.Critical, minutes: 5));
        await Store(3, Records.Alert("fall-1", type: AlertType.Fall, priority: AlertPriority.Critical, minutes: 2));

        var ids = (await store.ListAlertsAsync(null)).Select(a => a.AlertId);

        Assert.Equal(["fall-1", "help-2", "door-1"], ids);
    }

    [Fact]
    public async Task Migration_is_recorded_and_can_run_again()
    {
        using var again = options.CreateStore(data.Path, time);
        await again.MigrateAsync();

        Assert.Equal(Enumerable.Range(1, StoreSchema.LatestVersion), await ReadVersionsAsync());
    }

    [Fact]
    public async Task An_admins_reset_and_a_new_role_end_every_session_of_the_user_and_the_last_admin_stays_one()
    {
        Assert.True(await store.AddUserAsync("ada", "hash-a", "admin", "en", "setup"));
        Assert.True(await store.AddUserAsync("cleo", "hash-c", "care_manager", "fi", "ada"));
        Assert.False(await store.AddUserAsync("cleo", "hash-x", "admin", "en", "ada"));
        byte[] first = [1, 2, 3], second = [4, 5, 6];
        Assert.True(await store.StartConsoleSessionAsync(first, "cleo"));
        Assert.True(await store.StartConsoleSessionAsync(second, "cleo"));

        var ended = await store.ResetUserPasswordAsync("cleo", "hash-new", "ada");

        Assert.Equal(2, ended!.Count);
        Assert.Equal("hash-new", (await store.FindUserAsync("cleo"))!.PasswordHash);
        Assert.Equal(ConsoleSessionEnd.PasswordReset, (await store.FindConsoleSessionAsync(first))!.EndedReason);
        Assert.Null(await store.ResetUserPasswordAsync("nobody", "hash", "ada"));

        byte[] third = [7, 8, 9];
        Assert.True(await store.StartConsoleSessionAsync(third, "cleo"));
        var changed = await store.SetUserRoleAsync("cleo", "dispatcher", "fi", "ada");
        Assert.Equal((RoleChangeResult.Changed, "care_manager", 1), (changed.Result, changed.FromRole, changed.EndedSessions.Count));
        Assert.Equal(ConsoleSessionEnd.RoleChanged, (await store.FindConsoleSessionAsync(third))!.EndedReason);
        Assert.Equal(RoleChangeResult.Unchanged, (await store.SetUserRoleAsync("cleo", "dispatcher", "fi", "ada")).Result);
        Assert.Equal(RoleChangeResult.NoSuchUser, (await store.SetUserRoleAsync("nobody", "dispatcher", "fi", "ada")).Result);
        Assert.Equal(RoleChangeResult.LastAdmin, (await store.SetUserRoleAsync("ada", "care_manager", "en", "ada")).Result);
        Assert.Equal("admin", (await store.FindUserAsync("ada"))!.Role);

        var audit = await store.ListAuditAsync(null, null);
        Assert.Contains(audit, a => a.Action == UserAudit.Added && a.Actor == "ada" && a.Detail == "user 'cleo', role care_manager, language fi");
        Assert.Single(audit, a => a.Action == UserAudit.PasswordReset && a.Actor == "ada" && a.Detail == "user 'cleo'");
        Assert.Single(audit, a => a.Action == UserAudit.RoleChanged && a.Detail == "user 'cleo': care_manager → dispatcher");
        Assert.DoesNotContain(audit, a => a.Detail.Contains("hash-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Two_stores_migrating_at_once_record_each_version_once()
    {
        var fresh = await TestStores.OptionsAsync(provider);
        using var freshData = new TempDirectory();
        using var first = fresh.CreateStore(freshData.Path, time);
        using var second = fresh.CreateStore(freshData.Path, time);

        await Task.WhenAll(first.MigrateAsync(), second.MigrateAsync());

        await using var connection = await first.Dialect.OpenAsync(default);
        await using var cmd = DispatchStore.Command(connection, "SELECT COUNT(*) FROM schema_version");
        Assert.Equal(StoreSchema.LatestVersion, Convert.ToInt32(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_database_newer_than_the_program_is_refused_in_words()
    {
        await ScalarAsync($"INSERT INTO schema_version(version) VALUES ({StoreSchema.LatestVersion + 1})");
        using var again = options.CreateStore(data.Path, time);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => again.MigrateAsync());

        Assert.Contains("newer than this program knows", refused.Message);
    }

    [Fact]
    public async Task Re_enrolling_uses_each_token_once_supersedes_the_old_certificate_and_keeps_progress()
    {
        await StoreSensor(1);
        Assert.False(await store.AddGatewayAsync(Gateway, "home-other"));
        await store.AddEnrolmentTokenAsync(Gateway, Secrets.Hash("first"), time.GetUtcNow().AddHours(24));
        await store.AddEnrolmentTokenAsync(Gateway, Secrets.Hash("second"), time.GetUtcNow().AddHours(24));

        Assert.True(await store.CompleteEnrolmentAsync(Secrets.Hash("first"), Certificate("AA01")));
        Assert.False(await store.CompleteEnrolmentAsync(Secrets.Hash("first"), Certificate("AA02")));
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.True(await store.CompleteEnrolmentAsync(Secrets.Hash("second"), Certificate("AA03")));

        Assert.NotNull((await store.FindCertificateAsync("AA01"))!.RevokedAt);
        Assert.Null(await store.FindCertificateAsync("AA02"));
        Assert.Null((await store.FindCertificateAsync("AA03"))!.RevokedAt);
        Assert.Equal(Records.T0.AddSeconds(5), (await store.FindEnrolmentTokenAsync(Secrets.Hash("first")))!.UsedAt);
        var gateway = await store.FindGatewayAsync(Gateway);
        Assert.Equal(("home-1", 1L), (gateway!.HomeId, gateway.StoredThroughSeq));
        Assert.Equal(["AA01"], (await store.ListRevocationsAsync(0)).Select(r => r.Serial));
    }

    [Fact]
    public async Task An_expired_token_completes_nothing()
    {
        await store.AddEnrolmentTokenAsync(Gateway, Secrets.Hash("late"), time.GetUtcNow().AddHours(24));
        time.Advance(TimeSpan.FromHours(24));

        Assert.False(await store.CompleteEnrolmentAsync(Secrets.Hash("late"), Certificate("BB01")));
        Assert.Null(await store.FindCertificateAsync("BB01"));
    }

    [Fact]
    public async Task Revoking_a_gateway_revokes_its_certificate_at_a_new_position_and_voids_its_unused_tokens()
    {
        await store.AddEnrolmentTokenAsync(Gateway, Secrets.Hash("used"), time.GetUtcNow().AddHours(24));
        await store.CompleteEnrolmentAsync(Secrets.Hash("used"), Certificate("CC01"));
        await store.AddEnrolmentTokenAsync(Gateway, Secrets.Hash("pending"), time.GetUtcNow().AddHours(24));

        Assert.Equal(["CC01"], await store.RevokeGatewayAsync(Gateway));
        Assert.Empty(await store.RevokeGatewayAsync(Gateway));

        var revocation = Assert.Single(await store.ListRevocationsAsync(0));
        Assert.Equal(("CC01", Gateway), (revocation.Serial, revocation.GatewayId));
        Assert.Empty(await store.ListRevocationsAsync(revocation.Position));
        Assert.False(await store.CompleteEnrolmentAsync(Secrets.Hash("pending"), Certificate("CC02")));
    }

    private GatewayCertificateRecord Certificate(string serial) =>
        new(serial, Gateway, time.GetUtcNow(), time.GetUtcNow().AddYears(2), null);

    private async Task<long> CountAsync(string table) => Convert.ToInt64(await ScalarAsync($"SELECT COUNT(*) FROM {table}"), System.Globalization.CultureInfo.InvariantCulture);

    private protected async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = await store.Dialect.OpenAsync(default);
        await using var cmd = DispatchStore.Command(connection, sql);
        return await cmd.ExecuteScalarAsync();
    }

    private async Task<List<int>> ReadVersionsAsync()
    {
        await using var connection = await store.Dialect.OpenAsync(default);
        await using var cmd = DispatchStore.Command(connection, "SELECT version FROM schema_version ORDER BY version");
        await using var reader = await cmd.ExecuteReaderAsync();
        var versions = new List<int>();
        while (await reader.ReadAsync())
        {
            versions.Add(Convert.ToInt32(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture));
        }

        return versions;
    }
}
