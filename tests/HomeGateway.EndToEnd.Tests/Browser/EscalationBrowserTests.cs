using HomeGateway.Dispatch.Acknowledgements;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using QueueWords = HomeGateway.Dispatch.DispatcherConsole.Pages.QueuePage;
using HomeGateway.Dispatch.Hosting;
using Microsoft.Extensions.Time.Testing;
using static Microsoft.Playwright.Assertions;

namespace HomeGateway.EndToEnd.Tests.Browser;

/// <summary>
/// A critical alert nobody takes within <c>Dispatch:Escalation:CriticalUnacknowledgedMinutes</c> is marked escalated by
/// dispatch, and an open queue shows it without a reload. Dispatch runs on a fake clock, so the minutes pass at once.
/// </summary>
public sealed class EscalationBrowserTests(ChromiumFixture chromium) : ConsoleBrowserTest(chromium)
{
    private readonly FakeTimeProvider dispatchClock = new(DateTimeOffset.UtcNow);

    private protected override TimeProvider DispatchClock => dispatchClock;

    [Fact]
    public async Task A_critical_alert_unacknowledged_past_the_limit_is_shown_escalated_live_in_an_open_queue()
    {
        // The browser tests' dispatch keeps the default limit.
        var limit = TimeSpan.FromMinutes(new DispatchOptions().Escalation.CriticalUnacknowledgedMinutes);
        var escalated = ConsoleWords.Of<QueueWords>("Escalated", ConsoleLanguage.English);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await InBrowserAsync(async session =>
        {
            var queue = await Stack.LogInAsync(session);
            await queue.MarkDocumentAsync();
            var fall = await Stack.FallAsync(timeout.Token);
            await Expect(queue.Row(fall)).ToBeVisibleAsync();
            await Expect(queue.Row(fall)).Not.ToContainTextAsync(escalated);

            // Stored, so its deadline is known to the escalation (which wakes on its timer or, if it has not set one yet,
            // finds the deadline already past on its next pass).
            dispatchClock.Advance(limit);

            await Expect(queue.Row(fall)).ToContainTextAsync(escalated);
            Assert.True(await queue.IsSameDocumentAsync(), "the escalation reached the open queue live, without a reload");
            // Still waiting for someone to take it.
            await Expect(queue.Row(fall).GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = ConsoleWords.Of<QueueWords>("Acknowledge", ConsoleLanguage.English) })).ToBeVisibleAsync();

            var detail = await queue.OpenDetailAsync(fall);
            await Expect(detail.Page.Locator("#escalated")).ToContainTextAsync(CriticalEscalation.Actor);
        });
    }
}
