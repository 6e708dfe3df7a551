using System.Collections;
using System.Globalization;
using System.Resources;
using System.Text.RegularExpressions;
using HomeGateway.Core.Alerts;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using QueueWords = HomeGateway.Dispatch.DispatcherConsole.Pages.QueuePage;

namespace HomeGateway.EndToEnd.Tests.Browser;

/// <summary>
/// The queue speaks the dispatcher's language and the home's time, and a mass outage does not drown care alarms: many
/// gateways offline become one incident below every alarm about a person, and shrink as they come back.
/// </summary>
public sealed partial class QueueClarityBrowserTests(ChromiumFixture chromium) : ConsoleBrowserTest(chromium)
{
    [Fact]
    public async Task Many_gateways_offline_are_one_incident_below_the_care_alarms_and_say_when_they_come_back()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await InBrowserAsync(async session =>
        {
            var queue = await Stack.LogInAsync(session);
            var page = queue.Page;
            await queue.MarkDocumentAsync();
            await Stack.RaiseOtherAsync("battery-1", AlertType.BatteryLow, AlertPriority.Low, "hall_motion", ct: timeout.Token);
            var gateways = await Stack.MassOutageAsync(12);
            var fall = await Stack.FallAsync(timeout.Token);

            var incident = page.Locator("#queue tr#outage");
            await Expect(incident).ToHaveAttributeAsync("data-count", "12");
            await Expect(incident).ToContainTextAsync(ConsoleWords.Format<QueueWords>("Outage", ConsoleLanguage.English, 12));
            // Not twelve rows: the gateways are listed inside the incident.
            await Expect(queue.Rows).ToHaveCountAsync(2);
            await Expect(incident.Locator("li[data-gateway-id]")).ToHaveCountAsync(12);
            // The fall (a person) first, then the incident, then the battery: technical rows below it.
            var order = await page.Locator("#queue > tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.id || r.dataset.alertId)");
            Assert.Equal([fall, "outage", "battery-1"], order);

            await Stack.RestoreAsync(gateways.Take(5));
            await Expect(incident).ToHaveAttributeAsync("data-count", "7");
            await Expect(incident).ToContainTextAsync(ConsoleWords.Format<QueueWords>("OutageBack", ConsoleLanguage.English, 5));

            // One button takes them all.
            await incident.Locator("summary").ClickAsync();
            await incident.GetByRole(AriaRole.Button, new() { Name = ConsoleWords.Format<QueueWords>("AcknowledgeAll", ConsoleLanguage.English, 12) }).ClickAsync();
            await Expect(incident.GetByRole(AriaRole.Button)).ToBeHiddenAsync();
            var stored = await Stack.StoredAlertsAsync(timeout.Token);
            Assert.All(stored.Where(a => a.GetProperty("type").GetString() == "gateway_health"),
                alert => Assert.Equal(ConsoleStack.Dispatcher, alert.GetProperty("acknowledgedBy").GetString()));
            Assert.True(await queue.IsSameDocumentAsync());
        });
    }

    [Fact]
    public async Task Times_are_the_homes_local_time_on_both_sides_of_the_autumn_clock_change()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await Stack.SetOtherHomeZoneAsync("Europe/Helsinki");
        // 25 October 2026, Helsinki: 04:00 summer time (UTC+3) becomes 03:00 winter time (UTC+2); 03:30 happens twice.
        await Stack.RaiseOtherAsync("before", AlertType.Help, AlertPriority.Critical, at: new DateTimeOffset(2026, 10, 25, 0, 30, 0, TimeSpan.Zero), ct: timeout.Token);
        await Stack.RaiseOtherAsync("after", AlertType.Help, AlertPriority.Critical, at: new DateTimeOffset(2026, 10, 25, 1, 30, 0, TimeSpan.Zero), ct: timeout.Token);
        await Stack.RaiseOtherAsync("evening", AlertType.Help, AlertPriority.Critical, at: new DateTimeOffset(2026, 10, 24, 21, 15, 5, TimeSpan.Zero), ct: timeout.Token);
        await Stack.RaiseOtherAsync("noon", AlertType.Help, AlertPriority.Critical, at: new DateTimeOffset(2026, 10, 25, 10, 0, 0, TimeSpan.Zero), ct: timeout.Token);
        await Stack.AddUserAsync("maija", "dispatcher", "fi");
        await InBrowserAsync(async session =>
        {
            var page = await session.NewTabAsync();
            var queue = await new LoginPage(page).LogInAsync("maija", Stack.PasswordOf("maija"), ConsoleLanguage.Finnish);

            // The queue: the raised time, in the home's zone with its offset, beside each age.
            await Expect(queue.Row("before").Locator("td.age")).ToHaveAttributeAsync("title", new Regex(@"25\.10\.2026.*3\.30\.00.*\+3"));
            await Expect(queue.Row("after").Locator("td.age")).ToHaveAttributeAsync("title", new Regex(@"25\.10\.2026.*3\.30\.00.*\+2"));
            await Expect(queue.Row("evening").Locator("td.age")).ToHaveAttributeAsync("title", new Regex(@"25\.10\.2026.*0\.15\.05"));

            // The alert's page: one format, with seconds; the repeated hour says its offset, other hours need none.
            async Task<string> RaisedAsync(string alertId)
            {
                await page.GotoAsync(AlertDetailPage.PathOf(ConsoleStack.OtherGateway, alertId));
                return (await page.Locator("#alert time").First.TextContentAsync())!;
            }

            Assert.Equal("25.10.2026 3.30.00 (UTC+03:00)", await RaisedAsync("before"));
            Assert.Equal("25.10.2026 3.30.00 (UTC+02:00)", await RaisedAsync("after"));
            Assert.Equal("25.10.2026 0.15.05", await RaisedAsync("evening"));
            Assert.Equal("25.10.2026 12.00.00", await RaisedAsync("noon"));
        });
    }

    [Theory]
    [InlineData("fi")]
    [InlineData("sv")]
    public async Task A_finnish_or_swedish_queue_has_no_english_words_from_the_alert_path(string code)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var fall = await Stack.FallAsync(timeout.Token);
        await Stack.RaiseOtherAsync("smoke-1", AlertType.Smoke, AlertPriority.High, "kitchen_smoke", at: DateTimeOffset.UtcNow.AddHours(-2), ct: timeout.Token);
        await Stack.RaiseOtherAsync("door-1", AlertType.DoorLeftOpen, AlertPriority.Normal, "front_door", kind: AlertEventKind.Raised, ct: timeout.Token);
        await Stack.RaiseOtherAsync("door-1", AlertType.DoorLeftOpen, AlertPriority.Normal, "front_door", kind: AlertEventKind.Cleared, ct: timeout.Token);
        await Stack.AddUserAsync("kaisa", "dispatcher", code);
        Assert.True(ConsoleLanguages.TryParse(code, out var language));
        await InBrowserAsync(async session =>
        {
            var page = await session.NewTabAsync();
            var queue = await new LoginPage(page).LogInAsync("kaisa", Stack.PasswordOf("kaisa"), language);
            await Expect(queue.Row("door-1")).ToBeVisibleAsync();
            await queue.AcknowledgeAsync(fall);
            await queue.ExpectAcknowledgedByAsync(fall, "kaisa");

            var english = EnglishWords(ConsoleLanguages.Culture(language));
            await ExpectNoEnglishAsync(page, english, $"the {code} queue");

            // The fall's own page, once taken: the alert, the home, the timeline, the history.
            await queue.OpenDetailAsync(fall);
            await Expect(page.Locator("#what")).ToContainTextAsync(ConsoleStack.FallSensorName);
            await ExpectNoEnglishAsync(page, english, $"the {code} alert page");
        });
    }

    /// <summary>The page's main text, less what is marked as the device's own English (<c>lang="en"</c>) and raw states (<c>code</c>).</summary>
    private static async Task ExpectNoEnglishAsync(IPage page, HashSet<string> english, string what)
    {
        var text = await page.Locator("main").EvaluateAsync<string>("""
            main => {
              const copy = main.cloneNode(true);
              copy.querySelectorAll('[lang="en"], code, script').forEach((e) => e.remove());
              return copy.textContent;
            }
            """);
        var found = Words().Matches(text).Select(m => m.Value).Where(english.Contains).Distinct().ToList();
        Assert.True(found.Count == 0, $"English on {what}: {string.Join(", ", found)}\n{text}");
    }

    /// <summary>
    /// The words the console would show in English on the alert path (queue, alert texts, the alert's page, shared
    /// frame), less the few
    /// the language writes the same way (a translator who left a word English is caught: the list is not the resource).
    /// </summary>
    private static HashSet<string> EnglishWords(CultureInfo culture)
    {
        Type[] files =
        [
            typeof(QueueWords), typeof(AlertWording), typeof(ConsoleText), typeof(Dispatch.DispatcherConsole.Pages.AlertDetailPage),
            typeof(Dispatch.DispatcherConsole.Pages.AlertWords), typeof(Dispatch.DispatcherConsole.Pages.AuditActions),
        ];
        var english = files
            .SelectMany(file => new ResourceManager(file).GetResourceSet(CultureInfo.InvariantCulture, true, false)!.Cast<DictionaryEntry>())
            .SelectMany(e => Words().Matches((string)e.Value!).Select(m => m.Value))
            .Where(w => w.Length >= 3)
            .ToHashSet(StringComparer.Ordinal);
        english.ExceptWith(culture.TwoLetterISOLanguageName == "sv" ? SharedWithSwedish : SharedWithFinnish);
        return english;
    }

    private static readonly string[] SharedWithFinnish = ["min", "HomeGateway"];

    private static readonly string[] SharedWithSwedish =
        ["min", "HomeGateway", "gateway", "gatewayn", "sensor", "Sensor", "Status", "normal", "fall", "gas", "Gas", "Fall", "sabotage", "team", "Team"];

    // Words of letters only: ids (bedroom_fall, kotka-0042) and numbers are data, not words.
    [GeneratedRegex(@"(?<![\p{L}\d_-])\p{L}+(?![\p{L}\d_-])")]
    private static partial Regex Words();
}
