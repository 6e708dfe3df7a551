using System.Net;
using System.Text.RegularExpressions;
using HomeGateway.Dispatch.Store;

namespace HomeGateway.Dispatch.Tests.DispatcherConsole;

/// <summary>
/// Invariant: only an admin manages accounts from the console, through our own forms: a token's secret is shown once and
/// never kept by a cache, revoking and rotating act at once, a disabled user's session ends, and each change is audited
/// with the admin's name.
/// </summary>
public sealed partial class ConsoleAdministrationTests : IAsyncLifetime
{
    private DispatchServer server = null!;
    private ConsoleSession admin = null!;

    public async Task InitializeAsync()
    {
        server = await DispatchServer.StartAsync();
        admin = await ConsoleSession.LogInAsync(server, "ada", await ConsoleSession.AddUserAsync(server, "ada", "admin"));
    }

    public async Task DisposeAsync()
    {
        admin.Dispose();
        await server.DisposeAsync();
    }

    [Fact]
    public async Task An_admin_creates_a_token_sees_its_secret_once_then_revokes_it_and_it_stops_working()
    {
        await admin.PageAsync("/tokens");
        var created = await admin.PostAsync("/tokens", ("name", "wallboard"), ("days", "30"));

        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.True(created.Headers.CacheControl?.NoStore, "the secret's page is never cached");
        var secret = SecretOf(await created.Content.ReadAsStringAsync());
        using var api = server.WebClient();
        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secret);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/alerts")).StatusCode);
        var list = await admin.PageAsync("/tokens");
        Assert.Contains("data-token=\"wallboard\" data-state=\"active\"", list, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, list, StringComparison.Ordinal);

        var revoked = await admin.PostAsync("/tokens/wallboard/revoke");

        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.Contains("data-token=\"wallboard\" data-state=\"revoked\"", await revoked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/alerts")).StatusCode);
        var audit = await server.Store.ListAuditAsync(null, null);
        Assert.Contains(audit, a => a.Action == ApiTokenAudit.Created && a.Actor == "ada" && a.Detail.StartsWith("token 'wallboard'", StringComparison.Ordinal));
        Assert.Contains(audit, a => a.Action == ApiTokenAudit.Revoked && a.Actor == "ada");
    }

    [Fact]
    public async Task A_new_secret_from_the_page_replaces_the_old_one_at_once()
    {
        var old = await server.AddApiTokenAsync("ops");
        await admin.PageAsync("/tokens");

        var rotated = await admin.PostAsync("/tokens/ops/rotate");

        var secret = SecretOf(await rotated.Content.ReadAsStringAsync());
        Assert.Null(await server.Store.FindApiTokenByHashAsync(Dispatch.Credentials.Secrets.Hash(old)));
        Assert.Equal("ops", await server.Store.FindApiTokenByHashAsync(Dispatch.Credentials.Secrets.Hash(secret)));
        Assert.Contains(await server.Store.ListAuditAsync(null, null), a => a.Action == ApiTokenAudit.Rotated && a.Actor == "ada");
    }

    [Fact]
    public async Task Disabling_a_user_from_the_page_ends_their_session_at_once_and_an_admin_cannot_disable_themselves()
    {
        var password = await ConsoleSession.AddUserAsync(server, "bert", "dispatcher");
        using var bert = await ConsoleSession.LogInAsync(server, "bert", password);
        await admin.PageAsync("/users");

        Assert.Equal(HttpStatusCode.Redirect, (await admin.PostAsync("/users/bert/disable")).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await bert.Web.GetAsync("/api/alerts")).StatusCode);
        var users = await admin.PageAsync("/users");
        Assert.Contains("data-user=\"bert\" data-state=\"disabled\"", users, StringComparison.Ordinal);
        Assert.Contains(await server.Store.ListAuditAsync(null, null), a => a.Action == UserAudit.Disabled && a.Actor == "ada" && a.Detail == "user 'bert'");

        var self = await admin.PostAsync("/users/ada/disable");
        Assert.Equal(HttpStatusCode.Conflict, self.StatusCode);
        Assert.Null((await server.Store.FindUserAsync("ada"))!.DisabledAt);

        await admin.PageAsync("/users");
        Assert.Equal(HttpStatusCode.Redirect, (await admin.PostAsync("/users/bert/enable")).StatusCode);
        using var back = await ConsoleSession.LogInAsync(server, "bert", password);
    }

    [Fact]
    public async Task Only_an_admin_may_open_or_post_to_the_account_pages_and_never_without_our_form()
    {
        var password = await ConsoleSession.AddUserAsync(server, "dora", "dispatcher");
        using var dispatcher = await ConsoleSession.LogInAsync(server, "dora", password);
        var ownToken = dispatcher.Antiforgery;

        Assert.Equal(HttpStatusCode.Forbidden, (await dispatcher.Web.GetAsync("/tokens")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await dispatcher.Web.GetAsync("/users")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await dispatcher.PostWithTokenAsync("/tokens", ownToken, ("name", "mine"), ("days", "30"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await dispatcher.PostWithTokenAsync("/users/ada/disable", ownToken)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostWithTokenAsync("/tokens", null, ("name", "forged"), ("days", "30"))).StatusCode);
        Assert.Empty(await server.Store.ListApiTokensAsync());
        Assert.Null((await server.Store.FindUserAsync("ada"))!.DisabledAt);
    }

    private static string SecretOf(string html)
    {
        var secret = SecretCode().Match(html);
        Assert.True(secret.Success, "the page shows the secret");
        return secret.Groups[1].Value;
    }

    [GeneratedRegex("""<code id="secret">(hgd_[^<]+)</code>""")]
    private static partial Regex SecretCode();
}
