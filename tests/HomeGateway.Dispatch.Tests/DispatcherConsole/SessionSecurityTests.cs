using System.Net;
using HomeGateway.Dispatch.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace HomeGateway.Dispatch.Tests.DispatcherConsole;

/// <summary>
/// Invariant: a console session ends 12 h after its last use on the app's clock, and no state-changing console post is
/// done unless it comes from this session's own page (antiforgery token); behind a TLS proxy the cookies are Secure.
/// </summary>
public sealed class SessionSecurityTests
{
    [Fact]
    public async Task An_expired_session_is_sent_to_login_and_refused_by_the_api()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero));
        await using var server = await DispatchServer.StartAsync(clock);
        var password = await ConsoleSession.AddUserAsync(server, "anna", "dispatcher");
        using var browser = await ConsoleSession.LogInAsync(server, "anna", password);
        clock.Advance(TimeSpan.FromHours(11));
        Assert.Equal(HttpStatusCode.OK, (await browser.Web.GetAsync("/api/alerts")).StatusCode);

        clock.Advance(TimeSpan.FromHours(12) + TimeSpan.FromMinutes(1));

        var page = await browser.Web.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/login", page.Headers.Location?.AbsolutePath);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.Web.GetAsync("/fleet")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.Web.GetAsync("/api/alerts")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.Web.GetAsync("/api/gateways")).StatusCode);
    }

    [Fact]
    public async Task A_forged_post_to_any_console_form_is_refused_and_changes_nothing()
    {
        await using var server = await DispatchServer.StartAsync();
        await server.Store.AddGatewayAsync("gw-1", "home-1");
        await server.Store.StoreAsync(new IncomingRecord("gw-1", 1, Records.T0, Records.Alert("fall-1"), null));
        using var victim = await ConsoleSession.LogInAsync(server, "ada", await ConsoleSession.AddUserAsync(server, "ada", "admin"));
        using var attacker = await ConsoleSession.LogInAsync(server, "eve", await ConsoleSession.AddUserAsync(server, "eve", "dispatcher"));
        var before = await SnapshotAsync(server, victim);

        (string Path, (string, string)[] Fields)[] forms =
        [
            ("/acknowledge", [("gatewayId", "gw-1"), ("alertId", "fall-1")]),
            ("/gateways/enrol", [("gatewayId", "gw-new"), ("homeId", "home-9")]),
            ("/language", [("language", "fi"), ("returnTo", "/")]),
            ("/account", [("current", "unknown"), ("password", "a-new-password-1234"), ("repeat", "a-new-password-1234")]),
            ("/logout", []),
        ];
        foreach (var (path, fields) in forms)
        {
            (string, string)?[] forgeries =
            [
                null, // no token at all (a cross-site form)
                (victim.Antiforgery.Name, "CfDJ8-made-up"), // a made-up token
                attacker.Antiforgery, // a real token, but another session's
            ];
            foreach (var token in forgeries)
            {
                var response = await victim.PostWithTokenAsync(path, token, fields);

                Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path} with {token?.Item2 ?? "no token"}: {response.StatusCode}");
                Assert.Equal(before, await SnapshotAsync(server, victim));
            }
        }

        // The same posts from the victim's own page work, so the refusals above were the token's doing.
        Assert.Equal(HttpStatusCode.Redirect, (await victim.PostAsync("/acknowledge", forms[0].Fields)).StatusCode);
        Assert.NotNull((await server.Store.ListAlertsAsync(null)).Single().AcknowledgedAt);
    }

    [Fact]
    public async Task Behind_a_trusted_tls_proxy_the_cookies_are_secure()
    {
        await using var server = await DispatchServer.StartAsync(builder =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Dispatch:Console:TrustedProxy"] = "true" }));
        var password = await ConsoleSession.AddUserAsync(server, "anna", "dispatcher");

        var cookies = await LogInThroughProxyAsync(server, "anna", password);

        Assert.Contains("secure", cookies["hgd_antiforgery"], StringComparison.OrdinalIgnoreCase);
        Assert.Contains("secure", cookies["hgd_session"], StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Without_the_option_a_forwarded_proto_header_is_not_believed()
    {
        await using var server = await DispatchServer.StartAsync();
        var password = await ConsoleSession.AddUserAsync(server, "anna", "dispatcher");

        var cookies = await LogInThroughProxyAsync(server, "anna", password);

        Assert.DoesNotContain("secure", cookies["hgd_antiforgery"], StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", cookies["hgd_session"], StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>What a forged post could change: the audit trail, the alert, a new gateway, the victim's language and password, the victim's session.</summary>
    private static async Task<string> SnapshotAsync(DispatchServer server, ConsoleSession victim)
    {
        var alert = (await server.Store.ListAlertsAsync(null)).Single();
        var audit = (await server.Store.ListAuditAsync(null, null)).Count;
        var gateway = await server.Store.FindGatewayAsync("gw-new");
        var language = (await server.Store.FindUserAsync("ada"))!.Language;
        var passwordHash = (await server.Store.FindUserAsync("ada"))!.PasswordHash;
        var loggedIn = (await victim.Web.GetAsync("/")).StatusCode;
        return $"ack={alert.AcknowledgedAt} audit={audit} gw-new={gateway is not null} language={language} password={passwordHash} session={loggedIn}";
    }

    /// <summary>
    /// Logs in as a browser behind a TLS proxy would (X-Forwarded-Proto: https), carrying the cookies by hand since a
    /// cookie jar keeps Secure cookies off plain http; returns each cookie's Set-Cookie header by name.
    /// </summary>
    private static async Task<Dictionary<string, string>> LogInThroughProxyAsync(DispatchServer server, string name, string password)
    {
        using var web = server.WebClient();
        var setCookies = new Dictionary<string, string>(StringComparer.Ordinal);
        void Keep(HttpResponseMessage response)
        {
            foreach (var header in response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [])
            {
                setCookies[header[..header.IndexOf('=', StringComparison.Ordinal)]] = header;
            }
        }

        using var loginPage = new HttpRequestMessage(HttpMethod.Get, "/login");
        loginPage.Headers.Add("X-Forwarded-Proto", "https");
        var page = await web.SendAsync(loginPage);
        Keep(page);
        var field = ConsoleSession.AntiforgeryIn(await page.Content.ReadAsStringAsync());

        using var login = new HttpRequestMessage(HttpMethod.Post, "/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                [field.Name] = field.Value,
                ["name"] = name,
                ["password"] = password,
            }),
        };
        login.Headers.Add("X-Forwarded-Proto", "https");
        var antiforgeryCookie = setCookies["hgd_antiforgery"];
        login.Headers.Add("Cookie", antiforgeryCookie[..antiforgeryCookie.IndexOf(';', StringComparison.Ordinal)]);
        var response = await web.SendAsync(login);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Keep(response);
        return setCookies;
    }
}
