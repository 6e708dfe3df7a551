using HomeGateway.Dispatch.DispatcherConsole.Language;
using QueueWords = HomeGateway.Dispatch.DispatcherConsole.Pages.QueuePage;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace HomeGateway.EndToEnd.Tests.Browser;

/// <summary>The console speaks each user's language: chosen in the header, stored with the user, kept across logins.</summary>
public sealed class LanguageBrowserTests(ChromiumFixture chromium) : ConsoleBrowserTest(chromium)
{
    private const ConsoleLanguage Finnish = ConsoleLanguage.Finnish;

    [Fact]
    public async Task A_dispatcher_who_chooses_Finnish_gets_the_queue_and_its_live_rows_in_Finnish_and_keeps_it_after_logging_in_again()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await InBrowserAsync(async session =>
        {
            var queue = await (await Stack.LogInAsync(session)).SwitchLanguageAsync(Finnish);
            await ExpectFinnishQueueAsync(queue);

            await queue.MarkDocumentAsync();
            var fall = await Stack.FallAsync(timeout.Token);
            await ExpectFinnishRowAsync(queue, fall);
            Assert.True(await queue.IsSameDocumentAsync(), "the row arrived live, in Finnish, without a reload");

            // The choice is the user's, not the session's: a new login is in Finnish too (the login page itself follows
            // the browser, here English).
            await queue.LogOutAsync();
            var again = await new LoginPage(queue.Page).LogInAsync(ConsoleStack.Dispatcher, Stack.PasswordOf(ConsoleStack.Dispatcher), Finnish);
            await ExpectFinnishQueueAsync(again);
            await ExpectFinnishRowAsync(again, fall);
        });
    }

    private static async Task ExpectFinnishQueueAsync(QueuePage queue)
    {
        var page = queue.Page;
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "fi");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = ConsoleWords.Of<ConsoleText>("AlertQueue", Finnish) })).ToBeVisibleAsync();
        foreach (var header in new[] { "Priority", "Alert", "Home", "Age", "ResponseDue", "Acknowledged" })
        {
            await Expect(page.GetByRole(AriaRole.Columnheader, new() { Name = ConsoleWords.Of<QueueWords>(header, Finnish), Exact = true })).ToBeVisibleAsync();
        }
    }

    private static async Task ExpectFinnishRowAsync(QueuePage queue, string alertId)
    {
        var row = queue.Row(alertId);
        await Expect(row).ToContainTextAsync(ConsoleWords.Of<QueueWords>("Critical", Finnish));
        // Composed at dispatch in Finnish from the type and the sensor's name and place; the raw ids stay as detail.
        await Expect(row).ToContainTextAsync(AlertWording.Sentence("fall", ConsoleStack.FallSensorName, ConsoleStack.FallSensorLocation, "bedroom_fall",
            ConsoleLanguages.Culture(Finnish)));
        await Expect(row).ToContainTextAsync("bedroom_fall");
        await Expect(row).ToContainTextAsync(ConsoleWords.Of<QueueWords>("Open", Finnish));
        await Expect(row.GetByRole(AriaRole.Button, new() { Name = ConsoleWords.Of<QueueWords>("Acknowledge", Finnish) })).ToBeVisibleAsync();
    }
}
