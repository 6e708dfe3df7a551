using HomeGateway.Dispatch.DispatcherConsole.Language;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace HomeGateway.EndToEnd.Tests.Browser;

/// <summary>
/// On a 390 px phone the fleet, report, audit and gateways pages fit the screen (nothing scrolls sideways) and their
/// tables become cards whose every value is labelled with its column's name; the report lists today's fall by the
/// home's date and the audit log says the report was viewed.
/// </summary>
public sealed class AdminPagesBrowserTests(ChromiumFixture chromium) : ConsoleBrowserTest(chromium)
{
    private const string Admin = "ilona";

    [Fact]
    public async Task On_a_phone_the_tables_are_labelled_cards_that_fit_the_screen()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await Stack.AddUserAsync(Admin, "admin");
        var fall = await Stack.FallAsync(timeout.Token);
        await InBrowserAsync(async session =>
        {
            var tab = await session.NewTabAsync(new() { ViewportSize = new() { Width = 390, Height = 844 }, IsMobile = true, HasTouch = true });
            var login = new LoginPage(tab);
            await login.OpenAsync();
            await login.SubmitAsync(Admin, Stack.PasswordOf(Admin));
            Assert.True(await login.HasSessionCookieAsync());

            var report = new ReportPage(tab);
            await report.OpenAsync();
            await Expect(report.AlertRow(fall)).ToBeVisibleAsync();
            await Expect(tab.Locator("#dates-note")).ToContainTextAsync(ConsoleWords.Of<HomeGateway.Dispatch.DispatcherConsole.Pages.ReportPage>("LocalDates", ConsoleLanguage.English)[..30]);
            await AssertCardsAsync(tab, "table#alerts");
            await AssertCardsAsync(tab, "table#homes");

            foreach (var (path, table) in new[] { ("/fleet", "#fleet-table"), ("/gateways", "table#gateways") })
            {
                await tab.GotoAsync(path);
                await AssertCardsAsync(tab, table);
            }

            await tab.GotoAsync(AuditPage.Path + "?action=report_viewed");
            await Expect(tab.Locator($"table#audit tr[data-action=\"report_viewed\"][data-actor=\"{Admin}\"]")).ToHaveCountAsync(1);
            await AssertCardsAsync(tab, "table#audit");
        });
    }

    /// <summary>The page does not scroll sideways, the table's header is out of sight, and each cell says its column.</summary>
    private static async Task AssertCardsAsync(IPage tab, string table)
    {
        await Expect(tab.Locator(table)).ToBeVisibleAsync();
        Assert.True(await tab.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), $"{table} scrolls sideways");
        var headers = await tab.Locator(table + " thead th").AllTextContentsAsync();
        var cells = tab.Locator(table + " tbody tr:first-child td");
        Assert.Equal(headers.Count, await cells.CountAsync());
        for (var i = 0; i < headers.Count; i++)
        {
            var label = await cells.Nth(i).EvaluateAsync<string>("td => getComputedStyle(td, '::before').content");
            Assert.Equal($"\"{headers[i]}: \"", label);
        }
    }
}
