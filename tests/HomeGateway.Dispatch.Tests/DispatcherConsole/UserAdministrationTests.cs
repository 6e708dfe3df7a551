using System.Net;
using System.Text.RegularExpressions;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using HomeGateway.Dispatch.DispatcherConsole.Pages;
using HomeGateway.Dispatch.Store;

namespace HomeGateway.Dispatch.Tests.DispatcherConsole;

/// <summary>
/// Invariant: an admin adds users, resets their passwords and changes their roles from <c>/users</c> through our own
/// forms only; a password is shown once and never cached; a reset or a new role ends every session of the user; nobody
/// is left without an enabled admin; each change is audited with the admin as actor and never the password.
/// </summary>
public sealed partial class UserAdministrationTests : IAsyncLifetime
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
    public async Task An_admin_adds_a_user_whose_password_is_shown_once_and_works()
    {
        await admin.PageAsync("/users");

        var added = await admin.PostAsync("/users", ("name", "cecilia"), ("role", "care_manager"), ("language", "sv"));

        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        Assert.True(added.Headers.CacheControl?.NoStore, "the password's page is never cached");
        var password = PasswordOf(await added.Content.ReadAsStringAsync());
        var user = await server.Store.FindUserAsync("cecilia");
        Assert.Equal(("care_manager", "sv"), (user!.Role, user.Language));
        using var cecilia = await ConsoleSession.LogInAsync(server, "cecilia", password);
        var list = await admin.PageAsync("/users");
        Assert.Contains("data-user=\"cecilia\" data-state=\"enabled\"", list, StringComparison.Ordinal);
        Assert.DoesNotContain(password, list, StringComparison.Ordinal);
        var audit = await server.Store.ListAuditAsync(null, null);
        var row = Assert.Single(audit, a => a.Action == UserAudit.Added && a.Actor == "ada");
        Assert.Equal(("ada", "user 'cecilia', role care_manager, language sv"), (row.Actor, row.Detail));
        Assert.DoesNotContain(audit, a => a.Detail.Contains(password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_add_form_says_what_is_wrong_beside_each_field_in_the_admins_language_and_adds_nobody()
    {
        await admin.PostAsync("/language", ("language", "fi"), ("returnTo", "/users"));
        await admin.PageAsync("/users");

        var refused = await admin.PostAsync("/users", ("name", "two words"), ("role", "root"), ("language", "de"));

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var page = WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync());
        Assert.Contains("id=\"new-name-error\"", page, StringComparison.Ordinal);
        Assert.Contains(ConsoleWords.Format<UsersPage>("BadUserName", ConsoleLanguage.Finnish, 64), page, StringComparison.Ordinal);
        Assert.Contains(ConsoleWords.Of<UsersPage>("ChooseRole", ConsoleLanguage.Finnish), page, StringComparison.Ordinal);
        Assert.Contains(ConsoleWords.Of<UsersPage>("ChooseLanguage", ConsoleLanguage.Finnish), page, StringComparison.Ordinal);
        Assert.Contains("value=\"two words\"", page, StringComparison.Ordinal);
        Assert.Null(await server.Store.FindUserAsync("two words"));

        await admin.PageAsync("/users");
        var taken = await admin.PostAsync("/users", ("name", "ada"), ("role", "dispatcher"), ("language", "en"));
        Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
        Assert.Equal("admin", (await server.Store.FindUserAsync("ada"))!.Role);
        Assert.DoesNotContain(await server.Store.ListAuditAsync(null, null), a => a.Action == UserAudit.Added && a.Actor == "ada");
    }

    [Fact]
    public async Task Resetting_a_password_shows_the_new_one_once_ends_every_session_and_the_old_one_stops_working()
    {
        var old = await ConsoleSession.AddUserAsync(server, "bert", "dispatcher");
        using var bert = await ConsoleSession.LogInAsync(server, "bert", old);
        using var bertElsewhere = await ConsoleSession.LogInAsync(server, "bert", old);
        await admin.PageAsync("/users");

        var reset = await admin.PostAsync("/users/bert/reset-password");

        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        Assert.True(reset.Headers.CacheControl?.NoStore, "the password's page is never cached");
        var password = PasswordOf(await reset.Content.ReadAsStringAsync());
        Assert.NotEqual(old, password);
        Assert.Equal(HttpStatusCode.Unauthorized, (await bert.Web.GetAsync("/api/alerts")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await bertElsewhere.Web.GetAsync("/api/alerts")).StatusCode);
        using var again = await ConsoleSession.LogInAsync(server, "bert", password);
        using var wrong = ConsoleSession.Anonymous(server);
        Assert.NotEqual(HttpStatusCode.Redirect, (await wrong.LogInAsync("bert", old)).StatusCode);
        var audit = await server.Store.ListAuditAsync(null, null);
        Assert.Contains(audit, a => a.Action == UserAudit.PasswordReset && a.Actor == "ada" && a.Detail == "user 'bert'");
        Assert.Equal(2, audit.Count(a => a.Action == "session_ended" && a.Actor == "bert" && a.Detail == "reason: " + ConsoleSessionEnd.PasswordReset));
        Assert.DoesNotContain(audit, a => a.Detail.Contains(password, StringComparison.Ordinal) || a.Detail.Contains(old, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_admin_cannot_reset_their_own_password_here_nor_demote_themselves_nor_the_last_admin()
    {
        await admin.PageAsync("/users");
        var before = (await server.Store.FindUserAsync("ada"))!.PasswordHash;

        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsync("/users/ada/reset-password")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsync("/users/ada/role", ("role", "dispatcher"), ("language", "en"))).StatusCode);

        Assert.Equal(before, (await server.Store.FindUserAsync("ada"))!.PasswordHash);
        Assert.Equal("admin", (await server.Store.FindUserAsync("ada"))!.Role);
        Assert.Equal(HttpStatusCode.OK, (await admin.Web.GetAsync("/users")).StatusCode);

        // The store refuses to demote the last enabled admin whoever asks (the CLI, or an admin on another node).
        var last = await server.Store.SetUserRoleAsync("ada", "dispatcher", "en", "someone");
        Assert.Equal(RoleChangeResult.LastAdmin, last.Result);
        Assert.Equal("admin", (await server.Store.FindUserAsync("ada"))!.Role);
        Assert.DoesNotContain(await server.Store.ListAuditAsync(null, null), a => a.Action is UserAudit.PasswordReset or UserAudit.RoleChanged);
    }

    [Fact]
    public async Task A_new_role_ends_the_users_sessions_and_they_log_in_again_with_the_new_rights()
    {
        var password = await ConsoleSession.AddUserAsync(server, "dora", "dispatcher");
        using var dora = await ConsoleSession.LogInAsync(server, "dora", password);
        Assert.Equal(HttpStatusCode.OK, (await dora.Web.GetAsync("/")).StatusCode);
        await admin.PageAsync("/users");

        var changed = await admin.PostAsync("/users/dora/role", ("role", "care_manager"), ("language", "fi"));

        Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);
        Assert.Equal("/users", changed.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.Unauthorized, (await dora.Web.GetAsync("/api/alerts")).StatusCode);
        var user = await server.Store.FindUserAsync("dora");
        Assert.Equal(("care_manager", "fi"), (user!.Role, user.Language));
        Assert.Contains("data-role=\"care_manager\" data-language=\"fi\"", await admin.PageAsync("/users"), StringComparison.Ordinal);
        using var back = await ConsoleSession.LogInAsync(server, "dora", password);
        var start = await back.Web.GetAsync("/");
        Assert.Equal("/reports/response-times", start.Headers.Location?.OriginalString);
        var audit = await server.Store.ListAuditAsync(null, null);
        Assert.Contains(audit, a => a.Action == UserAudit.RoleChanged && a.Actor == "ada" && a.Detail == "user 'dora': dispatcher → care_manager, language en → fi");
        Assert.Contains(audit, a => a.Action == "session_ended" && a.Actor == "dora" && a.Detail == "reason: " + ConsoleSessionEnd.RoleChanged);

        // A new language alone changes no rights: her session stays.
        await admin.PageAsync("/users");
        Assert.Equal(HttpStatusCode.Redirect, (await admin.PostAsync("/users/dora/role", ("role", "care_manager"), ("language", "sv"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await back.Web.GetAsync("/reports/response-times")).StatusCode);
        Assert.Contains(await server.Store.ListAuditAsync(null, null), a => a.Action == UserAudit.LanguageChanged && a.Detail == "user 'dora': fi → sv");
    }

    [Fact]
    public async Task Only_an_admin_with_our_form_adds_resets_or_changes_roles()
    {
        var password = await ConsoleSession.AddUserAsync(server, "eve", "dispatcher");
        using var eve = await ConsoleSession.LogInAsync(server, "eve", password);
        var token = eve.Antiforgery;

        Assert.Equal(HttpStatusCode.Forbidden, (await eve.Web.GetAsync("/users")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await eve.PostWithTokenAsync("/users", token, ("name", "mallory"), ("role", "admin"), ("language", "en"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await eve.PostWithTokenAsync("/users/ada/reset-password", token)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await eve.PostWithTokenAsync("/users/eve/role", token, ("role", "admin"), ("language", "en"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostWithTokenAsync("/users", null, ("name", "forged"), ("role", "admin"), ("language", "en"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostWithTokenAsync("/users/eve/reset-password", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostWithTokenAsync("/users/eve/role", null, ("role", "admin"), ("language", "en"))).StatusCode);

        Assert.Null(await server.Store.FindUserAsync("mallory"));
        Assert.Null(await server.Store.FindUserAsync("forged"));
        Assert.Equal("dispatcher", (await server.Store.FindUserAsync("eve"))!.Role);
        Assert.Equal(HttpStatusCode.OK, (await eve.Web.GetAsync("/")).StatusCode);
    }

    private static string PasswordOf(string html)
    {
        var password = PasswordCode().Match(html);
        Assert.True(password.Success, "the page shows the password");
        return WebUtility.HtmlDecode(password.Groups[1].Value);
    }

    [GeneratedRegex("""<code id="password">([^<]+)</code>""")]
    private static partial Regex PasswordCode();
}
