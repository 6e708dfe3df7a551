using System.Net;
using HomeGateway.Dispatch.Cli;
using HomeGateway.Dispatch.DispatcherConsole;
using HomeGateway.Dispatch.Store;

namespace HomeGateway.Dispatch.Tests.DispatcherConsole;

public sealed class SqliteDisabledUserTests() : DisabledUserTests(StoreProvider.Sqlite);

public sealed class PostgresDisabledUserTests() : DisabledUserTests(StoreProvider.PostgreSql);

/// <summary>
/// Invariant: a disabled user has no way into the console: their open sessions end (also for a copy of the cookie), the
/// right password no longer logs in, and it is all audited; enabling them again restores only the login.
/// </summary>
public abstract class DisabledUserTests(StoreProvider provider) : IAsyncLifetime
{
    private DispatchServer server = null!;

    public async Task InitializeAsync() => server = await DispatchServer.StartAsync(provider);

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task Disabling_ends_the_users_sessions_and_refuses_their_password_until_enabled()
    {
        var password = await ConsoleSession.AddUserAsync(server, "bert", "dispatcher");
        using var desk = await ConsoleSession.LogInAsync(server, "bert", password);
        Assert.Equal(HttpStatusCode.OK, (await desk.Web.GetAsync("/api/alerts")).StatusCode);

        var stderr = new StringWriter();
        Assert.Equal(0, await DispatchCommandLine.InvokeAsync(["users", "disable", "bert"], server.Settings, new StringWriter(), stderr));
        Assert.Contains("1 open sessions ended", stderr.ToString(), StringComparison.Ordinal);

        // Another process disabled him: this node honours it within its session cache time.
        await Task.Delay(ConsoleSessions.CacheFor + TimeSpan.FromMilliseconds(200));
        Assert.Equal(HttpStatusCode.Unauthorized, (await desk.Web.GetAsync("/api/alerts")).StatusCode);
        using var again = ConsoleSession.Anonymous(server);
        var refused = await again.LogInAsync("bert", password);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("This account is disabled", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await again.LogInAsync("bert", "wrong")).StatusCode);
        var list = new StringWriter();
        Assert.Equal(0, await DispatchCommandLine.InvokeAsync(["users", "list"], server.Settings, list, new StringWriter()));
        Assert.Matches(@"(?m)^bert +dispatcher .* disabled \S+ \S+ by command line \(", list.ToString());

        Assert.Equal(0, await DispatchCommandLine.InvokeAsync(["users", "enable", "bert"], server.Settings, new StringWriter(), new StringWriter()));
        using var back = await ConsoleSession.LogInAsync(server, "bert", password);

        var audit = (await server.Store.ListAuditAsync(null, null)).Select(a => a.Action).ToList();
        Assert.Contains(UserAudit.Disabled, audit);
        Assert.Contains(UserAudit.Enabled, audit);
        Assert.Contains(UserAudit.LoginRefusedDisabled, audit);
        Assert.Contains(await server.Store.ListAuditAsync(null, null), a => a.Action == "session_ended" && a.Detail == "reason: user_disabled");
    }

    [Fact]
    public async Task A_disabled_user_cannot_be_given_an_alert()
    {
        await ConsoleSession.AddUserAsync(server, "dan", "dispatcher");
        var lifecycle = server.Service<Dispatch.Acknowledgements.AlertLifecycle>();
        Assert.Null(await lifecycle.AssigneeProblemAsync("dan", CancellationToken.None));

        Assert.NotNull(await server.Store.SetUserDisabledAsync("dan", disabled: true, "test"));

        Assert.Equal("The console user 'dan' is disabled and cannot take alerts.", await lifecycle.AssigneeProblemAsync("dan", CancellationToken.None));
    }

    [Fact]
    public async Task A_login_checked_before_the_user_was_disabled_gets_no_session()
    {
        await ConsoleSession.AddUserAsync(server, "carl", "dispatcher");
        Assert.NotNull(await server.Store.SetUserDisabledAsync("carl", disabled: true, "test"));

        Assert.False(await ((DispatchStore)server.Store).StartConsoleSessionAsync(Dispatch.Credentials.Secrets.Hash("session"), "carl"));
    }
}
