using HomeGateway.Dispatch.Ingest;
using HomeGateway.Dispatch.Store;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace HomeGateway.Dispatch.Tests.Ingest;

/// <summary>
/// Invariant: every heartbeat's contact reaches the store with the next batch, at the time it was heard, and a batch
/// that could not be stored is kept for the next one (a later contact of the same gateway wins).
/// </summary>
public sealed class HeartbeatContactsTests : IAsyncLifetime
{
    private readonly TempDirectory data = new();
    private readonly FakeTimeProvider time = new(Records.T0);
    private DispatchStore store = null!;

    public async Task InitializeAsync()
    {
        store = new StoreOptions().CreateStore(data.Path, time);
        await store.MigrateAsync();
        await store.AddGatewayAsync("gw-1", "home-1");
        await store.AddGatewayAsync("gw-2", "home-2");
    }

    public Task DisposeAsync()
    {
        store.Dispose();
        SqliteConnection.ClearAllPools();
        data.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_flush_stores_each_gateways_latest_heartbeat_in_one_batch()
    {
        var contacts = new HeartbeatContacts(store, time, NullLogger<HeartbeatContacts>.Instance);
        contacts.Seen("gw-1");
        time.Advance(TimeSpan.FromSeconds(5));
        contacts.Seen("gw-2");
        time.Advance(TimeSpan.FromSeconds(15));
        contacts.Seen("gw-1");

        await contacts.FlushAsync(CancellationToken.None);

        var seen = await LastContactsAsync();
        Assert.Equal(Records.T0.AddSeconds(20), seen["gw-1"]);
        Assert.Equal(Records.T0.AddSeconds(5), seen["gw-2"]);
    }

    [Fact]
    public async Task A_batch_that_was_not_stored_goes_with_the_next_flush_unless_a_later_contact_came()
    {
        var contacts = new HeartbeatContacts(store, time, NullLogger<HeartbeatContacts>.Instance);
        contacts.Seen("gw-1");
        contacts.Seen("gw-2");
        using (var stopping = new CancellationTokenSource())
        {
            await stopping.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => contacts.FlushAsync(stopping.Token));
        }

        Assert.All((await LastContactsAsync()).Values, Assert.Null);
        time.Advance(TimeSpan.FromSeconds(20));
        contacts.Seen("gw-2");

        await contacts.FlushAsync(CancellationToken.None);

        var seen = await LastContactsAsync();
        Assert.Equal(Records.T0, seen["gw-1"]);
        Assert.Equal(Records.T0.AddSeconds(20), seen["gw-2"]);
    }

    private async Task<Dictionary<string, DateTimeOffset?>> LastContactsAsync() =>
        (await store.ListSupervisedGatewaysAsync()).ToDictionary(g => g.GatewayId, g => g.LastContactAt);
}
