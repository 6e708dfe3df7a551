using HomeGateway.Dispatch.DispatcherConsole.Language;
using QueueWords = HomeGateway.Dispatch.DispatcherConsole.Pages.QueuePage;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace HomeGateway.EndToEnd.Tests.Browser;

/// <summary>
/// A console session ends and stays ended, and only the console's own pages can act with it: after logout or expiry the
/// pages lead to the login and the API answers 401, also to a copy of the cookie taken before, and a tab's live stream
/// stops; a form posted from another origin or site is refused and the alert
/// stays untaken.
/// </summary>
public sealed class SessionBrowserTests(ChromiumFixture chromium) : ConsoleBrowserTest(chromium)
{
    // Dispatch's own clock, so a session can be made to expire without waiting 12 hours.
    private readonly FakeTimeProvider dispatchClock = new(DateTimeOffset.UtcNow);

    private protected override TimeProvider DispatchClock => dispatchClock;

    [Fact]
    public async Task After_logout_the_back_button_and_a_direct_visit_lead_to_the_login_and_the_API_answers_401()
    {
        await InBrowserAsync(async session =>
        {
            var queue = await Stack.LogInAsync(session);
            var tab = queue.Page;
            Assert.Equal(200, (await tab.APIRequest.GetAsync("/api/alerts")).Status);

            await queue.LogOutAsync();
            await ExpectLoginPageAsync(tab);
            Assert.False(await new LoginPage(tab).HasSessionCookieAsync());

            // Back to the queue: the browser asks again (nothing cached shows the queue) and is sent to the login.
            await tab.GoBackAsync();
            await ExpectLoginPageAsync(tab);
            await tab.GotoAsync("/");
            await ExpectLoginPageAsync(tab);
            Assert.Equal(401, (await tab.APIRequest.GetAsync("/api/alerts")).Status);
            Assert.Equal(401, (await tab.APIRequest.GetAsync("/api/alerts/stream")).Status);
        });
    }

    [Fact]
    public async Task Logout_ends_the_session_on_the_server_a_copied_cookie_is_refused_and_another_tabs_live_stream_stops()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await InBrowserAsync(async session =>
        {
            var queue = await Stack.LogInAsync(session);
            var tab = queue.Page;
            // A second tab of the same browser, its queue live on the event stream.
            var other = await tab.Context.NewPageAsync();
            await other.GotoAsync("/");
            var otherQueue = new QueuePage(other);
            await otherQueue.ExpectOpenAsync();
            // A copy of the session cookie, taken before logout (as from a shared desk or a stolen profile).
            var copied = (await tab.Context.CookiesAsync()).Single(cookie => cookie.Name == LoginPage.SessionCookie);
            using var copy = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = Stack.WebUri };
            copy.DefaultRequestHeaders.Add("Cookie", $"{copied.Name}={copied.Value}");
            Assert.Equal(System.Net.HttpStatusCode.OK, (await copy.GetAsync("/api/alerts", timeout.Token)).StatusCode);

            await queue.LogOutAsync();
            await ExpectLoginPageAsync(tab);

            // The server ended the other tab's stream, and its reconnection is refused: the stream is closed for good.
            await other.WaitForFunctionAsync("() => stream.readyState === EventSource.CLOSED");
            await Expect(other.Locator("#status")).ToHaveTextAsync(
                ConsoleWords.Of<QueueWords>("Reconnecting", ConsoleLanguage.English));
            var fall = await Stack.FallAsync(timeout.Token);
            Assert.NotNull(await Stack.StoredAlertAsync(fall, timeout.Token));
            await Expect(otherQueue.Row(fall)).ToHaveCountAsync(0);

            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await copy.GetAsync("/api/alerts", timeout.Token)).StatusCode);
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await copy.GetAsync("/api/alerts/stream", timeout.Token)).StatusCode);
            var page = await copy.GetAsync("/", timeout.Token);
            Assert.Equal(System.Net.HttpStatusCode.Redirect, page.StatusCode);
            Assert.Equal("/login", page.Headers.Location?.AbsolutePath);
        });
    }

    [Fact]
    public async Task An_expired_session_leads_to_the_login_and_the_API_answers_401()
    {
        await InBrowserAsync(async session =>
        {
            var tab = (await Stack.LogInAsync(session)).Page;
            Assert.Equal(200, (await tab.APIRequest.GetAsync("/api/alerts")).Status);

            // A session lasts 12 hours from its last renewal; this one was not used since the login.
            dispatchClock.Advance(TimeSpan.FromHours(12) + TimeSpan.FromMinutes(1));

            Assert.Equal(401, (await tab.APIRequest.GetAsync("/api/alerts")).Status);
            await tab.GotoAsync("/");
            await ExpectLoginPageAsync(tab);
        });
    }

    [Fact]
    public async Task Repeated_wrong_passwords_from_one_place_make_it_wait_and_the_right_password_works_after_the_wait()
    {
        await InBrowserAsync(async session =>
        {
            var tab = await session.NewTabAsync();
            var login = new LoginPage(tab);
            await login.OpenAsync();
            for (var attempt = 0; attempt < HomeGateway.Dispatch.DispatcherConsole.LoginThrottle.FreePairFailures; attempt++)
            {
                await login.SubmitAsync(ConsoleStack.Dispatcher, "guess-" + attempt);
                await Expect(login.Error).ToHaveTextAsync(ConsoleWords.Of<HomeGateway.Dispatch.DispatcherConsole.Pages.LoginPage>("WrongNameOrPassword", ConsoleLanguage.English));
            }

            await login.SubmitAsync(ConsoleStack.Dispatcher, Stack.PasswordOf(ConsoleStack.Dispatcher));
            await Expect(login.Error).ToContainTextAsync("Too many failed attempts");
            Assert.False(await login.HasSessionCookieAsync());

            dispatchClock.Advance(HomeGateway.Dispatch.DispatcherConsole.LoginThrottle.FirstDelay);
            await login.SubmitAsync(ConsoleStack.Dispatcher, Stack.PasswordOf(ConsoleStack.Dispatcher));
            await new QueuePage(tab).ExpectOpenAsync();
        });
    }

    [Fact]
    public Task A_form_posted_from_another_origin_of_the_same_site_is_refused_by_antiforgery_and_the_alert_stays_untaken() =>
        // 127.0.0.1 on another port: another origin but the same site, so the session cookie does go along.
        ForgedAcknowledgeIsRefusedAsync(_ => "/acknowledge", site => site.SameSiteOrigin, async forged =>
        {
            Assert.Equal(400, forged.Status);
            Assert.Contains("not sent by this site", await forged.TextAsync(), StringComparison.Ordinal);
        });

    [Fact]
    public Task A_form_posted_from_another_site_carries_no_session_and_the_alert_stays_untaken() =>
        // localhost is another site than 127.0.0.1: SameSite=Strict keeps the session cookie back, so the post is
        // anonymous and is sent to the login.
        ForgedAcknowledgeIsRefusedAsync(_ => "/acknowledge", site => site.CrossSiteOrigin, async forged =>
        {
            Assert.Equal(302, forged.Status);
            await ExpectLoginPageAsync(forged.Frame.Page);
        });

    [Fact]
    public Task A_form_posted_to_the_JSON_API_from_another_origin_with_the_session_is_refused_by_antiforgery() =>
        // The API takes tokens without antiforgery, but a post that authenticates with the console's cookie must carry it.
        ForgedAcknowledgeIsRefusedAsync(alertId => $"/api/alerts/{Uri.EscapeDataString(alertId)}/acknowledge", site => site.SameSiteOrigin, async forged =>
        {
            Assert.Equal(400, forged.Status);
            Assert.Contains("antiforgery", await forged.TextAsync(), StringComparison.Ordinal);
        });

    /// <summary>
    /// A logged-in dispatcher with a fall in the queue opens, in another tab, a foreign page that posts "acknowledge" for
    /// it to <paramref name="target"/>; dispatch's answer to that post must be <paramref name="expectRefusal"/>, and the
    /// fall stays untaken.
    /// </summary>
    private async Task ForgedAcknowledgeIsRefusedAsync(
        Func<string, string> target, Func<ForeignSite, Uri> foreignPage, Func<IResponse, Task> expectRefusal,
        [CallerMemberName] string testName = "")
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await InBrowserAsync(async session =>
        {
            var (queue, fall, site) = await VictimWithAnAlertAsync(session, target, timeout.Token);
            await using (site)
            {
                await expectRefusal(await ForeignSite.VisitAsync(queue.Page, foreignPage(site), "/acknowledge"));
            }

            await ExpectUntakenAsync(queue, fall, timeout.Token);
        }, testName);
    }

    /// <summary>A dispatcher logged in with a fall in the queue, and a foreign site whose page posts "acknowledge" for it.</summary>
    private async Task<(QueuePage Queue, string Fall, ForeignSite Site)> VictimWithAnAlertAsync(
        BrowserSession session, Func<string, string> target, CancellationToken ct)
    {
        var queue = await Stack.LogInAsync(session);
        var fall = await Stack.FallAsync(ct);
        await Expect(queue.Row(fall)).ToBeVisibleAsync();
        var gatewayId = await Stack.GatewayOfAsync(fall, ct);
        var site = await ForeignSite.StartAsync(new Uri(Stack.WebUri, target(fall)), new Dictionary<string, string>
        {
            ["gatewayId"] = gatewayId,
            ["alertId"] = fall,
        });
        return (queue, fall, site);
    }

    /// <summary>Nobody took the alert: the store says so, and the dispatcher's queue still offers the button, which works.</summary>
    private async Task ExpectUntakenAsync(QueuePage queue, string alertId, CancellationToken ct)
    {
        var stored = (await Stack.StoredAlertAsync(alertId, ct))!.Value;
        Assert.Equal(System.Text.Json.JsonValueKind.Null, stored.GetProperty("acknowledgedBy").ValueKind);
        await queue.OpenAsync();
        await Expect(queue.Row(alertId).GetByRole(AriaRole.Button, new() { Name = "Acknowledge" })).ToBeVisibleAsync();
        Assert.Equal(0, Stack.GatewayAppliedAckSeq);

        // The refusal was the defence, not a broken set-up: the console's own button takes it.
        await queue.AcknowledgeAsync(alertId);
        await queue.ExpectAcknowledgedByAsync(alertId, ConsoleStack.Dispatcher);
    }

    private static async Task ExpectLoginPageAsync(IPage page)
    {
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/login(\\?|$)"));
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Log in" })).ToBeVisibleAsync();
    }
}
