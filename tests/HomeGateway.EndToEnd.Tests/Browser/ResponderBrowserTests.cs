using HomeGateway.Dispatch.DispatcherConsole.Language;
using HomeGateway.Dispatch.DispatcherConsole.Pages;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace HomeGateway.EndToEnd.Tests.Browser;

/// <summary>
/// Sending help, end to end: a dispatcher on a desktop asks the night patrol for a fall, a responder on a phone
/// (390×844) accepts, is on the way, arrives and reports done with an outcome, and the dispatcher's open queue shows
/// every step without a reload; the dispatcher confirms the proposed outcome by resolving. On a fake dispatch clock, a
/// team that does not accept in time hands over to the cascade's next step, and the queue shows it.
/// </summary>
public sealed class ResponderBrowserTests(ChromiumFixture chromium) : ConsoleBrowserTest(chromium)
{
    private const string Responder = "rita";
    private const string Guard = "gustav";
    private const string Home = "kotka-0042";
    private readonly FakeTimeProvider dispatchClock = new(DateTimeOffset.UtcNow);

    private protected override TimeProvider DispatchClock => dispatchClock;

    private static string Queue(string state, params object[] args) =>
        string.Format(System.Globalization.CultureInfo.InvariantCulture,
            ConsoleWords.Of<ResponderRequests>("Queue_" + state, ConsoleLanguage.English), args);

    [Fact]
    public async Task The_dispatcher_asks_a_team_the_responder_answers_on_a_phone_and_the_queue_shows_each_step_live()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        await Stack.AddUserAsync(Responder, "responder");
        await Stack.CliAsync("teams", "add", "night", "Night patrol");
        await Stack.CliAsync("teams", "members", "add", "night", Responder);
        await InBrowserAsync(async session =>
        {
            var queue = await Stack.LogInAsync(session);
            await queue.MarkDocumentAsync();
            var fall = await Stack.FallAsync(timeout.Token);
            var gateway = await Stack.GatewayOfAsync(fall, timeout.Token);
            await Expect(queue.Row(fall)).ToBeVisibleAsync();

            var phone = await session.NewTabAsync(new BrowserNewContextOptions
            {
                ViewportSize = new ViewportSize { Width = 390, Height = 844 },
                IsMobile = true,
                HasTouch = true,
            });
            var phoneLogin = new LoginPage(phone);
            await phoneLogin.OpenAsync();
            await phoneLogin.SubmitAsync(Responder, Stack.PasswordOf(Responder));
            await Expect(phone).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/responder$"));
            await Expect(phone.Locator("#no-requests")).ToBeVisibleAsync();

            // The dispatcher asks the night patrol from the alert's page (a second tab of the same desk).
            var desk = await queue.Page.Context.NewPageAsync();
            await desk.GotoAsync(AlertDetailPage.PathOf(gateway, fall));
            await desk.Locator("#ask-whom").SelectOptionAsync("team:night");
            await desk.Locator("#ask-minutes").FillAsync("10");
            await desk.SubmitAsync(() => desk.Locator("form#ask-responder button[type=submit]").ClickAsync());
            await Expect(desk.Locator("#responder-sent")).ToBeVisibleAsync();
            await Expect(queue.Row(fall)).ToContainTextAsync(Queue("asked", "Night patrol"));

            // The phone finds it by itself (it polls), with the home to go to.
            var request = phone.Locator("li.responder-request");
            await Expect(request).ToBeVisibleAsync(new() { Timeout = 30_000 });
            await Expect(request).ToContainTextAsync(AlertWords.Type(HomeGateway.Core.Alerts.AlertType.Fall, System.Globalization.CultureInfo.GetCultureInfo("en")));

            var words = (string key) => ConsoleWords.Of<ResponderPage>(key, ConsoleLanguage.English);
            await phone.SubmitAsync(() => request.GetByRole(AriaRole.Button, new() { Name = words("Accept") }).ClickAsync());
            await Expect(queue.Row(fall)).ToContainTextAsync(Queue("accepted", Responder));
            await phone.SubmitAsync(() => request.GetByRole(AriaRole.Button, new() { Name = words("OnTheWay") }).ClickAsync());
            await Expect(queue.Row(fall)).ToContainTextAsync(Queue("on_the_way", Responder));
            await phone.SubmitAsync(() => request.GetByRole(AriaRole.Button, new() { Name = words("Arrived") }).ClickAsync());
            await Expect(queue.Row(fall).Locator(".responder-status")).ToHaveAttributeAsync("data-state", "arrived");
            await request.Locator("select[name=outcome]").SelectOptionAsync("visited_no_injury");
            await request.Locator("textarea[name=note]").FillAsync("Helped up, no pain.");
            await phone.SubmitAsync(() => request.GetByRole(AriaRole.Button, new() { Name = words("Done") }).ClickAsync());
            await Expect(phone.Locator("#no-requests")).ToBeVisibleAsync();
            await Expect(queue.Row(fall).Locator(".responder-status")).ToHaveAttributeAsync("data-state", "done");
            Assert.True(await queue.IsSameDocumentAsync(), "every step reached the open queue live, without a reload");

            // Resolving with the proposed outcome (preselected) is the dispatcher's confirmation.
            await desk.ReloadAsync();
            var detail = new AlertDetailPage(desk);
            await Expect(detail.ResolveForm.Locator("select[name=outcome]")).ToHaveValueAsync("visited_no_injury");
            await desk.SubmitAsync(() => detail.ResolveForm.GetByRole(AriaRole.Button).ClickAsync());
            await Expect(detail.Resolution).ToHaveAttributeAsync("data-outcome", "visited_no_injury");
            await Expect(queue.Row(fall)).ToHaveCountAsync(0);
        });
    }

    [Fact]
    public async Task A_team_that_does_not_accept_in_time_hands_over_to_the_next_step_and_the_queue_shows_it()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        await Stack.AddUserAsync(Responder, "responder");
        await Stack.AddUserAsync(Guard, "responder");
        await Stack.CliAsync("teams", "add", "night", "Night patrol");
        await Stack.CliAsync("teams", "members", "add", "night", Responder);
        await Stack.CliAsync("teams", "add", "guards", "Guard company");
        await Stack.CliAsync("teams", "members", "add", "guards", Guard);
        await Stack.CliAsync("homes", "cascade", "set", Home, "--step", "team:night:5", "--step", "team:guards:5");
        await InBrowserAsync(async session =>
        {
            var queue = await Stack.LogInAsync(session);
            await queue.MarkDocumentAsync();
            var fall = await Stack.FallAsync(timeout.Token);
            var gateway = await Stack.GatewayOfAsync(fall, timeout.Token);
            var desk = await queue.Page.Context.NewPageAsync();
            await desk.GotoAsync(AlertDetailPage.PathOf(gateway, fall));
            await desk.SubmitAsync(() => desk.Locator("form#start-cascade button[type=submit]").ClickAsync());
            await Expect(queue.Row(fall)).ToContainTextAsync(Queue("asked", "Night patrol"));

            dispatchClock.Advance(TimeSpan.FromMinutes(5));
            await Expect(queue.Row(fall)).ToContainTextAsync(Queue("asked", "Guard company"));

            dispatchClock.Advance(TimeSpan.FromMinutes(5));
            await Expect(queue.Row(fall)).ToContainTextAsync(Queue("not_accepted"));
            await Expect(queue.Row(fall)).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("nobody-accepted"));
            Assert.True(await queue.IsSameDocumentAsync(), "the cascade's steps reached the open queue live");

            await desk.ReloadAsync();
            await Expect(desk.Locator("#nobody-accepted")).ToBeVisibleAsync();
            await Expect(desk.Locator("#responder-timeline > li")).ToHaveCountAsync(2);
        });
    }
}
