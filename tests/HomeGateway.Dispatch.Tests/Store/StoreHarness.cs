using HomeGateway.Dispatch.Store;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace HomeGateway.Dispatch.Tests.Store;

/// <summary>A migrated store (SQLite in a temporary data directory, or a fresh PostgreSQL database) on a fake clock, removed afterwards.</summary>
public sealed class StoreHarness(DateTimeOffset start, StoreProvider provider = StoreProvider.Sqlite) : IAsyncDisposable
{
    private readonly TempDirectory data = new();

    public FakeTimeProvider Clock { get; } = new(start);

    public DispatchStore Store { get; private set; } = null!;

    public async Task StartAsync()
    {
        Store = (await TestStores.OptionsAsync(provider)).CreateStore(data.Path, Clock);
        await Store.MigrateAsync();
    }

    public ValueTask DisposeAsync()
    {
        Store.Dispose();
        SqliteConnection.ClearAllPools();
        data.Dispose();
        return ValueTask.CompletedTask;
    }
}
