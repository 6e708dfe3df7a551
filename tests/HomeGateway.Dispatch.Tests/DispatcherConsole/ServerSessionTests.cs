using System.Net;
using HomeGateway.Dispatch.DispatcherConsole;
using HomeGateway.Dispatch.Store;
using Microsoft.Extensions.Time.Testing;

namespace HomeGateway.Dispatch.Tests.DispatcherConsole;

public sealed class SqliteServerSessionTests() : ServerSessionTests(StoreProvider.Sqlite);

public sealed class PostgresServerSessionTests() : ServerSessionTests(StoreProvider.PostgreSql);

/// <summary>
/// Invariant: a console session lives on the server. Logout, a password change (for the user's other sessions) and
/// idleness end it for every copy of its cookie, and an alert stream opened under it ends with it.
/// </summary>
public abstract class ServerSessionTests(StoreProvider provider) : IAsyncLifetime
{
    private readonly FakeTimeProvider clock = new(Records.T0);
    private DispatchServer server = null!;
    private string password = null!;

    public async Task InitializeAsync()
    {
        server = await DispatchServer.StartAsync(provider, clock);
        password = await ConsoleSession.AddUserAsync(server, "anna", "dispatcher");
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task A_cookie_copied_before_logout_is_refused_afterwards()
    {
        using var browser = await ConsoleSession.LogInAsync(server, "anna", password);
        using var copy = SessionStreams.CopyOf(browser, server);
        Assert.Equal(HttpStatusCode.OK, (await copy.Web.GetAsync("/api/alerts")).StatusCode);

        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostAsync("/logout")).StatusCode);

        var page = await copy.Web.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/login", page.Headers.Location?.AbsolutePath);
        Assert.Equal(HttpStatusCode.Unauthorized, (await copy.Web.GetAsync("/api/alerts")).StatusCode);
        var audit = await server.Store.ListAuditAsync(null, null);
        Assert.Equal(["logged_in", "logged_out"], audit.Where(a => a.Actor == "anna").Select(a => a.Action).Order(StringComparer.Ordinal));
        Assert.All(audit.Where(a => a.Action.StartsWith("logged_", StringComparison.Ordinal)), a => Assert.Equal("console", a.Detail));
    }

    [Fact]
    public async Task An_alert_stream_open_before_logout_ends()
    {
        using var browser = await ConsoleSession.LogInAsync(server, "anna", password);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var events = await SessionStreams.OpenAsync(browser.Web, timeout.Token);

        Assert.Equal(HttpStatusCode.Redirect, (await browser.PostAsync("/logout")).StatusCode);

        await SessionStreams.ReadToEndAsync(events, null, TimeSpan.Zero, timeout.Token);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.Web.GetAsync("/api/alerts/stream")).StatusCode);
    }

    [Fact]
    public async Task A_password_change_ends_the_users_other_sessions_but_not_the_current_one()
    {
        using var desk = await ConsoleSession.LogInAsync(server, "anna", password);
        using var elsewhere = await ConsoleSession.LogInAsync(server, "anna", password);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var elsewhereEvents = await SessionStreams.OpenAsync(elsewhere.Web, timeout.Token);
        await desk.PageAsync("/account");

        const string newPassword = "kotihoito-iltavuoro-2026";
        Assert.Equal(HttpStatusCode.OK, (await desk.PostAsync("/account", ("current", password), ("password", newPassword), ("repeat", newPassword))).StatusCode);

        await SessionStreams.ReadToEndAsync(elsewhereEvents, null, TimeSpan.Zero, timeout.Token);
        Assert.Equal(HttpStatusCode.Redirect, (await elsewhere.Web.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await elsewhere.Web.GetAsync("/api/alerts")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await desk.Web.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await desk.Web.GetAsync("/api/alerts")).StatusCode);
        var ended = Assert.Single(await server.Store.ListAuditAsync(null, null), a => a.Action == "session_ended");
        Assert.Equal(("anna", "reason: password_changed"), (ended.Actor, ended.Detail));
    }

    [Fact]
    public async Task An_open_stream_ends_when_its_session_expires_on_the_clock()
    {
        using var browser = await ConsoleSession.LogInAsync(server, "anna", password);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var events = await SessionStreams.OpenAsync(browser.Web, timeout.Token);

        // An open stream is not a use of the session: with no requests, it has expired after 12 h.
        await SessionStreams.ReadToEndAsync(events, clock, TimeSpan.FromHours(1), timeout.Token);

        Assert.True(clock.GetUtcNow() - Records.T0 > ConsoleSessions.IdleLimit, $"ended at {clock.GetUtcNow()}");
        var ended = Assert.Single(await server.Store.ListAuditAsync(null, null), a => a.Action == "session_ended");
        Assert.Equal(("anna", "reason: expired"), (ended.Actor, ended.Detail));
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.Web.GetAsync("/api/alerts")).StatusCode);
    }

    [Fact]
    public async Task A_session_in_use_stays_open_past_the_idle_limit()
    {
        using var browser = await ConsoleSession.LogInAsync(server, "anna", password);

        for (var hour = 0; hour < 15; hour++)
        {
            clock.Advance(TimeSpan.FromHours(1));
            Assert.Equal(HttpStatusCode.OK, (await browser.Web.GetAsync("/api/alerts")).StatusCode);
        }

        Assert.DoesNotContain(await server.Store.ListAuditAsync(null, null), a => a.Action == "session_ended");
    }
}

/// <summary>Invariant: two nodes on one PostgreSQL share their sessions: a logout on one is honoured by the other within its cache time.</summary>
public sealed class TwoNodeSessionTests : IAsyncLifetime
{
    private readonly FakeTimeProvider clock = new(Records.T0);
    private DispatchServer nodeA = null!;
    private DispatchServer nodeB = null!;

    public async Task InitializeAsync()
    {
        nodeA = await DispatchServer.StartAsync(StoreProvider.PostgreSql, clock);
        nodeB = await nodeA.StartAnotherNodeAsync();
    }

    public async Task DisposeAsync()
    {
        await nodeB.DisposeAsync();
        await nodeA.DisposeAsync();
    }

    [Fact]
    public async Task A_logout_on_one_node_ends_the_session_and_its_stream_on_the_other()
    {
        var password = await ConsoleSession.AddUserAsync(nodeA, "anna", "dispatcher");
        using var onA = await ConsoleSession.LogInAsync(nodeA, "anna", password);
        using var onB = SessionStreams.CopyOf(onA, nodeB);
        Assert.Equal(HttpStatusCode.OK, (await onB.Web.GetAsync("/api/alerts")).StatusCode);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var events = await SessionStreams.OpenAsync(onB.Web, timeout.Token);

        Assert.Equal(HttpStatusCode.Redirect, (await onA.PostAsync("/logout")).StatusCode);

        clock.Advance(ConsoleSessions.CacheFor);
        Assert.Equal(HttpStatusCode.Unauthorized, (await onB.Web.GetAsync("/api/alerts")).StatusCode);
        await SessionStreams.ReadToEndAsync(events, clock, TimeSpan.FromSeconds(15), timeout.Token);
    }
}

/// <summary>Helpers for the session tests: a copy of a browser's cookies, and the alert stream read to its end.</summary>
internal static class SessionStreams
{
    /// <summary>Another client holding a copy of <paramref name="browser"/>'s cookies, on <paramref name="server"/>.</summary>
    public static ConsoleSession CopyOf(ConsoleSession browser, DispatchServer server)
    {
        var copy = ConsoleSession.Anonymous(server);
        copy.Cookies.Add(browser.Cookies.GetAllCookies());
        return copy;
    }

    public static async Task<StreamReader> OpenAsync(HttpClient web, CancellationToken ct)
    {
        var response = await web.GetAsync("/api/alerts/stream", HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        Assert.Equal(": connected", await events.ReadLineAsync(ct));
        return events;
    }

    /// <summary>
    /// Reads until the server ends the stream, moving <paramref name="clock"/> on by <paramref name="step"/> while
    /// nothing comes (the server's timer may not be armed yet when the clock first moves, so keep moving it).
    /// </summary>
    public static async Task ReadToEndAsync(StreamReader events, FakeTimeProvider? clock, TimeSpan step, CancellationToken ct)
    {
        while (true)
        {
            var reading = events.ReadLineAsync(ct).AsTask();
            while (!reading.IsCompleted)
            {
                clock?.Advance(step);
                await Task.WhenAny(reading, Task.Delay(50, ct));
            }

            if (await reading is null)
            {
                return;
            }
        }
    }
}
