using System.Globalization;
using System.Text.RegularExpressions;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using HomeGateway.Dispatch.DispatcherConsole.Pages;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using ReportWords = HomeGateway.Dispatch.DispatcherConsole.Pages.ReportPage;

namespace HomeGateway.EndToEnd.Tests.Browser;

/// <summary>
/// Issue 17's whole night, in Finnish, from the fall to the care manager's figures: a fall is raised; the dispatcher (on a
/// desktop) starts the home's cascade, which asks the home-care night patrol; the patrol's responder sees it on her phone
/// (390×844) but does not accept in time, so the cascade asks the next team, the guard company; its guard accepts on his
/// phone, goes, and arrives 80 minutes after the alarm (the contract says 60); he reports the outcome and the dispatcher
/// confirms it. The care manager then finds the breach, with its timeline and the team that came, in the report, and the
/// arrival past the contract line in the chart. Dispatch runs on a fake clock, so the night's minutes pass at once; every
/// step reaches the dispatcher's open queue live.
/// </summary>
public sealed class NightShiftBrowserTests(ChromiumFixture chromium) : ConsoleBrowserTest(chromium)
{
    private const string Dispatcher = "aino";
    private const string Patrol = "ronja";
    private const string Guard = "gustav";
    private const string CareManager = "kaija";
    private const string Home = "kotka-0042";
    private const string PatrolTeam = "Kotihoidon yöpartio";
    private const string GuardTeam = "Vartiointiliike";
    private static readonly ConsoleLanguage Finnish = ConsoleLanguage.Finnish;
    private readonly FakeTimeProvider dispatchClock = new(DateTimeOffset.UtcNow);

    private protected override TimeProvider DispatchClock => dispatchClock;

    private static string Queue(string state, params object[] args) =>
        string.Format(CultureInfo.InvariantCulture, ConsoleWords.Of<ResponderRequests>("Queue_" + state, Finnish), args);

    private static string Phone(string key) => ConsoleWords.Of<ResponderPage>(key, Finnish);

    [Fact]
    public async Task A_fall_at_night_goes_through_the_cascade_to_a_late_arrival_and_the_care_manager_sees_the_breach_in_Finnish()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(240));
        await Stack.AddUserAsync(Dispatcher, "dispatcher", "fi");
        await Stack.AddUserAsync(Patrol, "responder", "fi");
        await Stack.AddUserAsync(Guard, "responder", "fi");
        await Stack.AddUserAsync(CareManager, "care_manager", "fi");
        await Stack.CliAsync("teams", "add", "yopartio", PatrolTeam);
        await Stack.CliAsync("teams", "members", "add", "yopartio", Patrol);
        await Stack.CliAsync("teams", "add", "vartijat", GuardTeam);
        await Stack.CliAsync("teams", "members", "add", "vartijat", Guard);
        await Stack.CliAsync("homes", "cascade", "set", Home, "--step", "team:yopartio:10", "--step", "team:vartijat:10");

        await InBrowserAsync(async session =>
        {
            var queue = await new LoginPage(await session.NewTabAsync()).LogInAsync(Dispatcher, Stack.PasswordOf(Dispatcher), Finnish);
            await queue.MarkDocumentAsync();
            var patrolPhone = await PhoneAsync(session, Patrol);
            var guardPhone = await PhoneAsync(session, Guard);

            // 1. The fall.
            var fall = await Stack.FallAsync(timeout.Token);
            var gateway = await Stack.GatewayOfAsync(fall, timeout.Token);
            await Expect(queue.Row(fall)).ToBeVisibleAsync();

            // 2. The dispatcher starts the home's cascade from the alert's page: the night patrol is asked.
            var desk = await queue.Page.Context.NewPageAsync();
            await desk.GotoAsync(AlertDetailPage.PathOf(gateway, fall));
            await desk.SubmitAsync(() => desk.Locator("form#start-cascade button[type=submit]").ClickAsync());
            await Expect(desk.Locator("#responder-sent")).ToBeVisibleAsync();
            await Expect(queue.Row(fall)).ToContainTextAsync(Queue("asked", PatrolTeam));

            // 3. The patrol's phone shows the request with the home to go to; nobody accepts it within the 10 minutes.
            var patrolRequest = patrolPhone.Locator("li.responder-request");
            await Expect(patrolRequest).ToBeVisibleAsync(new() { Timeout = 30_000 });
            await Expect(patrolRequest.GetByRole(AriaRole.Button, new() { Name = Phone("Accept") })).ToBeVisibleAsync();
            dispatchClock.Advance(TimeSpan.FromMinutes(10));

            // 4. The cascade asks the guard company; the dispatcher sees it live, the patrol's phone lets the request go.
            await Expect(queue.Row(fall)).ToContainTextAsync(Queue("asked", GuardTeam));
            await Expect(patrolPhone.Locator("#no-requests")).ToBeVisibleAsync(new() { Timeout = 30_000 });

            // 5. The guard accepts on his phone and sets off.
            var guardRequest = guardPhone.Locator("li.responder-request");
            await Expect(guardRequest).ToBeVisibleAsync(new() { Timeout = 30_000 });
            await guardPhone.SubmitAsync(() => guardRequest.GetByRole(AriaRole.Button, new() { Name = Phone("Accept") }).ClickAsync());
            await Expect(queue.Row(fall)).ToContainTextAsync(Queue("accepted", Guard));
            await guardPhone.SubmitAsync(() => guardRequest.GetByRole(AriaRole.Button, new() { Name = Phone("OnTheWay") }).ClickAsync());
            await Expect(queue.Row(fall)).ToContainTextAsync(Queue("on_the_way", Guard));

            // 6. He arrives 80 minutes after the alarm: 20 minutes past the contract.
            dispatchClock.Advance(TimeSpan.FromMinutes(70));
            await guardPhone.SubmitAsync(() => guardRequest.GetByRole(AriaRole.Button, new() { Name = Phone("Arrived") }).ClickAsync());
            await Expect(queue.Row(fall).Locator(".responder-status")).ToHaveAttributeAsync("data-state", "arrived");
            await guardRequest.Locator("select[name=outcome]").SelectOptionAsync("visited_no_injury");
            await guardRequest.Locator("textarea[name=note]").FillAsync("Autettu ylös, ei kipuja.");
            await guardPhone.SubmitAsync(() => guardRequest.GetByRole(AriaRole.Button, new() { Name = Phone("Done") }).ClickAsync());
            await Expect(queue.Row(fall).Locator(".responder-status")).ToHaveAttributeAsync("data-state", "done");
            Assert.True(await queue.IsSameDocumentAsync(), "every step of the night reached the open queue live, without a reload");

            // 7. The dispatcher confirms the reported outcome by resolving with it (preselected).
            await desk.ReloadAsync();
            var detail = new AlertDetailPage(desk);
            await Expect(desk.Locator("#responder-timeline > li")).ToHaveCountAsync(2);
            await Expect(detail.ResolveForm.Locator("select[name=outcome]")).ToHaveValueAsync("visited_no_injury");
            await desk.SubmitAsync(() => detail.ResolveForm.GetByRole(AriaRole.Button).ClickAsync());
            await Expect(detail.Resolution).ToHaveAttributeAsync("data-outcome", "visited_no_injury");
            await Expect(queue.Row(fall)).ToHaveCountAsync(0);

            // 8. The care manager, in Finnish, finds the breach with its timeline and the team that came ...
            var report = await session.NewTabAsync();
            var login = new LoginPage(report);
            await login.OpenAsync();
            await login.SubmitAsync(CareManager, Stack.PasswordOf(CareManager));
            await report.GotoAsync(ReportPage.Path);
            await Expect(report.Locator("#breaches-heading")).ToHaveTextAsync(ConsoleWords.Of<ReportWords>("BreachesHeading", Finnish));
            var breach = report.Locator($"table#breaches tr[data-alert-id=\"{fall}\"]");
            await Expect(breach).ToHaveAttributeAsync("data-verdict", "late");
            await Expect(breach).ToContainTextAsync(GuardTeam);
            await Expect(report.Locator("#care-summary")).ToHaveAttributeAsync("data-breaches", "1");

            // ... and in the chart: the one arrival is a bar past the contract line (80 min of 60 = 133 %).
            var chart = report.Locator("svg#arrival-chart");
            await Expect(chart).ToBeVisibleAsync();
            var contractX = double.Parse((await chart.GetAttributeAsync("data-contract-x"))!, CultureInfo.InvariantCulture);
            var bars = chart.Locator("rect.bar:not([data-count=\"0\"])");
            await Expect(bars).ToHaveCountAsync(1);
            Assert.True(double.Parse((await bars.GetAttributeAsync("x"))!, CultureInfo.InvariantCulture) > contractX,
                "the late arrival's bar lies past the contract line");
            await Expect(report.Locator("svg#arrival-chart title")).ToHaveTextAsync(ConsoleWords.Of<ReportWords>("ArrivalChartTitle", Finnish));
        });
    }

    /// <summary>A responder's phone: a touch screen of 390×844, logged in, on the phone page with nothing asked yet.</summary>
    private async Task<IPage> PhoneAsync(BrowserSession session, string responder)
    {
        var phone = await session.NewTabAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 390, Height = 844 },
            IsMobile = true,
            HasTouch = true,
        });
        var login = new LoginPage(phone);
        await login.OpenAsync();
        await login.SubmitAsync(responder, Stack.PasswordOf(responder));
        await Expect(phone).ToHaveURLAsync(new Regex("/responder$"));
        await Expect(phone.Locator("#no-requests")).ToBeVisibleAsync();
        return phone;
    }
}
