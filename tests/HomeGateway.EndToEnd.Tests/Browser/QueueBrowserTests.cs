using HomeGateway.Dispatch.DispatcherConsole.Language;
using HomeGateway.Gateway.Feedback;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace HomeGateway.EndToEnd.Tests.Browser;

/// <summary>
/// A dispatcher's shift in a real headless Chromium: log in, see a fall arrive live above less urgent alerts, take it,
/// and the client's gateway hears that help is coming; a colleague's screen shows who took it without a reload.
/// </summary>
public sealed class QueueBrowserTests(ChromiumFixture chromium) : ConsoleBrowserTest(chromium)
{
    [Fact]
    public async Task The_right_password_opens_the_queue_and_a_wrong_one_gives_the_generic_error_and_no_session()
    {
        await InBrowserAsync(async session =>
        {
            var wrong = await session.NewTabAsync();
            var login = new LoginPage(wrong);
            await login.OpenAsync();
            await login.SubmitAsync(ConsoleStack.Dispatcher, Stack.PasswordOf(ConsoleStack.Dispatcher) + "x");
            await Expect(login.Error).ToHaveTextAsync(ConsoleWords.Of<HomeGateway.Dispatch.DispatcherConsole.Pages.LoginPage>("WrongNameOrPassword", ConsoleLanguage.English));
            await Expect(wrong).ToHaveURLAsync(new Uri(Stack.WebUri, "/login").ToString());
            Assert.False(await login.HasSessionCookieAsync());
            // The same words for a name that does not exist: the form does not tell which names are real.
            await login.SubmitAsync("nobody", "whatever");
            await Expect(login.Error).ToHaveTextAsync(ConsoleWords.Of<HomeGateway.Dispatch.DispatcherConsole.Pages.LoginPage>("WrongNameOrPassword", ConsoleLanguage.English));
            Assert.False(await login.HasSessionCookieAsync());
            Assert.Equal(401, (await wrong.APIRequest.GetAsync("/api/alerts")).Status);

            var queue = await Stack.LogInAsync(session);
            var right = queue.Page;
            await Expect(right.GetByRole(AriaRole.Heading, new() { Name = "Alert queue" })).ToBeVisibleAsync();
            Assert.True(await new LoginPage(right).HasSessionCookieAsync());
            await Expect(queue.Rows).ToHaveCountAsync(0);
        });
    }

    [Fact]
    public async Task A_fall_at_the_gateway_appears_live_above_an_earlier_door_alert()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await InBrowserAsync(async session =>
        {
            var queue = await Stack.LogInAsync(session);
            await queue.MarkDocumentAsync();

            var door = await Stack.OpenDoorAsync(timeout.Token);
            await Expect(queue.Row(door)).ToBeVisibleAsync();
            var fall = await Stack.FallAsync(timeout.Token);
            await Expect(queue.Row(fall)).ToBeVisibleAsync();

            // Raised later but critical: the fall is the first row; the normal door alert waits below it.
            Assert.Equal([fall, door], await queue.AlertIdsInOrderAsync());
            await Expect(queue.Row(fall)).ToContainTextAsync("critical");
            await Expect(queue.Row(door)).ToContainTextAsync("normal");
            Assert.True(await queue.IsSameDocumentAsync(), "the rows arrived by the live stream, without a reload");
        });
    }

    [Fact]
    public async Task Acknowledging_a_fall_shows_who_took_it_here_and_on_a_colleagues_screen_and_tells_the_client_help_is_coming()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await InBrowserAsync(async session =>
        {
            var mine = await Stack.LogInAsync(session);
            var colleague = await Stack.LogInAsync(session, ConsoleStack.SecondDispatcher);
            await colleague.MarkDocumentAsync();

            var fall = await Stack.FallAsync(timeout.Token);
            await Expect(mine.Row(fall)).ToBeVisibleAsync();
            await Expect(colleague.Row(fall)).ToBeVisibleAsync();
            Assert.True(Stack.GatewayEscalates(fall), "before anyone takes it, the gateway follows the fall for escalation");
            Assert.Equal(0, Stack.GatewayAppliedAckSeq);

            await mine.AcknowledgeAsync(fall);

            await mine.ExpectAcknowledgedByAsync(fall, ConsoleStack.Dispatcher);
            // The colleague's open page learns it from the stream: no reload, no second click possible.
            await colleague.ExpectAcknowledgedByAsync(fall, ConsoleStack.Dispatcher);
            Assert.True(await colleague.IsSameDocumentAsync(), "the colleague's page was updated live, not reloaded");

            // The gateway at home: the acknowledgement applied (saved), escalation stopped, the LED says help is coming.
            await UntilAsync(() => Stack.GatewayAppliedAckSeq == 1, timeout.Token);
            await UntilAsync(() => Stack.ClientLed == BlinkPattern.Steady, timeout.Token);
            Assert.False(Stack.GatewayEscalates(fall));
            var stored = await Stack.StoredAlertAsync(fall, timeout.Token);
            Assert.Equal(ConsoleStack.Dispatcher, stored!.Value.GetProperty("acknowledgedBy").GetString());
        });
    }

    internal static async Task UntilAsync(Func<bool> condition, CancellationToken ct)
    {
        while (!condition())
        {
            await Task.Delay(20, ct);
        }
    }
}
