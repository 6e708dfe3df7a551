using System.Text.RegularExpressions;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using HomeGateway.Dispatch.DispatcherConsole.Pages;
using HomeGateway.Dispatch.Hosting;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace HomeGateway.EndToEnd.Tests.Browser;

/// <summary>
/// The fleet page is live: when a home's gateway goes silent, dispatch flags it offline and the open page shows it in
/// its row, in place (no reload: the page's own state and the reader's focus survive), and shows it back when it returns.
/// </summary>
public sealed partial class FleetBrowserTests(ChromiumFixture chromium) : ConsoleBrowserTest(chromium)
{
    private const string GatewayId = "kotka-0042";

    /// <summary>The shortest reporting time dispatch accepts, so "offline" comes within the test's patience.</summary>
    private protected override int? ReportingSeconds => SupervisionOptions.MinReportingSeconds;

    [Fact]
    public async Task A_gateway_going_offline_and_back_changes_its_row_in_place_without_a_reload()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        while (await Stack.GatewayStateAsync(GatewayId, timeout.Token) != "online")
        {
            await Task.Delay(100, timeout.Token);
        }

        await InBrowserAsync(async session =>
        {
            // Logged in through the form only: the page under test is the fleet, not the queue the login lands on.
            var tab = await session.NewTabAsync();
            var login = new LoginPage(tab);
            await login.OpenAsync();
            await login.SubmitAsync(ConsoleStack.Dispatcher, Stack.PasswordOf(ConsoleStack.Dispatcher));
            Assert.True(await login.HasSessionCookieAsync());
            await tab.GotoAsync("/fleet");
            var row = tab.Locator($"tbody#fleet tr[data-gateway=\"{GatewayId}\"]");
            await Expect(row).ToHaveClassAsync("g-online");
            // Marks only this very document has: a reload would lose both.
            await tab.EvaluateAsync("() => { window.fleetMark = 'this page'; }");
            await tab.Locator("#language-choice").FocusAsync();

            await Stack.StopGatewayAsync();

            await Expect(row).ToHaveClassAsync("g-offline", new() { Timeout = 60_000 });
            var offlineWords = ConsoleWords.Of<FleetPage>("OfflineSince", ConsoleLanguage.English).Split('{')[0].Trim();
            await Expect(row.Locator("td.state")).ToContainTextAsync(offlineWords);
            await Expect(row.Locator("td.state time")).ToHaveCountAsync(1);
            await Expect(tab.Locator("#summary")).ToHaveTextAsync(OneOffline());
            Assert.Equal("this page", await tab.EvaluateAsync<string?>("() => window.fleetMark"));
            Assert.Equal("language-choice", await tab.EvaluateAsync<string>("() => document.activeElement.id"));

            await Stack.StartGatewayAsync();

            await Expect(row).ToHaveClassAsync("g-online", new() { Timeout = 60_000 });
            await Expect(row.Locator("td.state")).ToHaveTextAsync(ConsoleWords.Of<FleetPage>("Online", ConsoleLanguage.English));
            Assert.Equal("this page", await tab.EvaluateAsync<string?>("() => window.fleetMark"));
            Assert.Equal(1, await tab.Locator("tbody#fleet tr[data-gateway]").CountAsync());
        });
    }

    [GeneratedRegex(@"^1 gateways: 1 offline, ")]
    private static partial Regex OneOffline();
}
