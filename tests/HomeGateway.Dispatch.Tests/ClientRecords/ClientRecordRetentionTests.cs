using HomeGateway.Dispatch.Cli;
using HomeGateway.Dispatch.ClientRecords;
using HomeGateway.Dispatch.Hosting;
using HomeGateway.Dispatch.Store;
using HomeGateway.Dispatch.Tests.Store;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace HomeGateway.Dispatch.Tests.ClientRecords;

/// <summary>
/// Invariant: a client record is kept exactly <c>Dispatch:ClientRecords:RetentionDays</c> days after the day the client
/// left, on the service's clock, and then anonymised by the sweep as actor <c>dispatch</c>; the option is checked at start;
/// the command line marks and anonymises as the console does.
/// </summary>
public sealed class ClientRecordRetentionTests : IAsyncLifetime
{
    private readonly StoreHarness harness = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    public Task InitializeAsync() => harness.StartAsync();

    public Task DisposeAsync() => harness.DisposeAsync().AsTask();

    [Fact]
    public async Task The_sweep_anonymises_a_record_on_the_day_its_retention_ends_not_before()
    {
        var store = harness.Store;
        await store.RegisterHomeAsync(ClientRecordStoreTests.Record("home-1"), "ada");
        await store.MarkClientLeftAsync("home-1", new DateOnly(2026, 3, 1), "ada");
        var options = Options.Create(new DispatchOptions { ClientRecords = { RetentionDays = 10 } });
        var retention = new ClientRecordRetention(store, options, harness.Clock, NullLogger<ClientRecordRetention>.Instance);

        harness.Clock.SetUtcNow(new DateTimeOffset(2026, 3, 10, 23, 59, 0, TimeSpan.Zero));
        Assert.Empty(await retention.SweepAsync(default));
        Assert.Equal("Kotikatu 1 A 2\n00100 Helsinki", (await store.FindHomeAsync("home-1"))!.Address);

        harness.Clock.SetUtcNow(new DateTimeOffset(2026, 3, 11, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal(["home-1"], await retention.SweepAsync(default));
        Assert.Equal(new DateOnly(2026, 3, 11), ClientRecordRetention.DeletionDay(new DateOnly(2026, 3, 1), 10));
        var row = Assert.Single((await store.ListAuditPageAsync(new AuditQuery(null, "home-1", null, "client_record_anonymised", 1, 10))).Rows);
        Assert.Equal("dispatch", row.Actor);
        Assert.Empty(await retention.SweepAsync(default));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3651)]
    public async Task A_retention_time_out_of_range_is_refused_at_start(int days)
    {
        using var data = new TempDirectory();

        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => DispatchApp.StartAsync(new DispatchOptions
        {
            DataDirectory = data.Path, WebUrl = "http://127.0.0.1:0", GrpcUrl = "https://127.0.0.1:0", ClientRecords = { RetentionDays = days },
        }));

        Assert.Contains(refused.Failures, f => f.StartsWith("Dispatch:ClientRecords:RetentionDays must be between 1 and 3650", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_command_line_marks_a_client_as_left_and_anonymises_only_with_confirm()
    {
        using var data = new TempDirectory();
        using (var store = new StoreOptions().CreateStore(data.Path, TimeProvider.System))
        {
            await store.RegisterHomeAsync(ClientRecordStoreTests.Record("home-1"), "ada");
        }

        var left = await RunAsync("homes", "client-left", "home-1", "--on", "2026-03-01", "--data", data.Path);
        var badDay = await RunAsync("homes", "client-left", "home-1", "--on", "1.3.2026", "--data", data.Path);
        var unknown = await RunAsync("homes", "client-left", "home-9", "--data", data.Path);
        var unconfirmed = await RunAsync("homes", "anonymise", "home-1", "--data", data.Path);
        var anonymised = await RunAsync("homes", "anonymise", "home-1", "--confirm", "--data", data.Path);
        var again = await RunAsync("homes", "anonymise", "home-1", "--confirm", "--data", data.Path);

        Assert.Equal(0, left.Code);
        Assert.Contains("the client record is anonymised on 2026-03-31 (after 30 days)", left.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, badDay.Code);
        Assert.Equal(1, unknown.Code);
        Assert.Equal(2, unconfirmed.Code);
        Assert.Equal(0, anonymised.Code);
        Assert.Equal(1, again.Code);
        using (var store = new StoreOptions().CreateStore(data.Path, TimeProvider.System))
        {
            var home = (await store.FindHomeAsync("home-1"))!;
            Assert.Equal((new DateOnly(2026, 3, 1), ""), (home.ClientLeftOn, home.Address));
            Assert.NotNull(home.AnonymisedAt);
            var audit = (await store.ListAuditPageAsync(new AuditQuery(null, "home-1", null, null, 1, 10))).Rows;
            Assert.Equal(["client_record_anonymised", "client_left", "home_registered"], audit.Select(r => r.Action));
            Assert.StartsWith("command line (", audit[0].Actor, StringComparison.Ordinal);
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await DispatchCommandLine.InvokeAsync(args, stdout, stderr);
        return (code, stdout.ToString().Trim(), stderr.ToString());
    }
}
