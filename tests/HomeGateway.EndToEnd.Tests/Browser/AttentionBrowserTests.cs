using HomeGateway.Core.Alerts;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using QueueWords = HomeGateway.Dispatch.DispatcherConsole.Pages.QueuePage;

namespace HomeGateway.EndToEnd.Tests.Browser;

/// <summary>
/// A night-shift dispatcher must notice a critical alert without looking at the screen: the sound repeats until someone
/// takes it, the tab title counts what waits, a desktop notification comes if asked for, and a screen reader hears it;
/// live updates never take the keyboard focus away. Web Audio and notifications are recorded by a script the test
/// installs before the page's own, so what is asserted is what the page asked the browser to do.
/// </summary>
public sealed class AttentionBrowserTests(ChromiumFixture chromium) : ConsoleBrowserTest(chromium)
{
    /// <summary>Records every tone started (frequency, when) and every notification shown; runs before the page's script.</summary>
    private const string Recorder = """
        window.__tones = [];
        window.__notifications = [];
        const start = OscillatorNode.prototype.start;
        OscillatorNode.prototype.start = function (...args) {
          window.__tones.push({ frequency: this.frequency.value, at: performance.now() });
          return start.apply(this, args);
        };
        const Original = window.Notification;
        window.Notification = class extends Original {
          constructor(title, options) {
            super(title, options);
            window.__notifications.push({ title, tag: options && options.tag, requireInteraction: !!(options && options.requireInteraction) });
          }
        };
        """;

    private static async Task<IPage> AttentiveTabAsync(BrowserSession session, bool grantNotifications = false)
    {
        var page = await session.NewTabAsync(new BrowserNewContextOptions
        {
            Permissions = grantNotifications ? ["notifications"] : [],
        });
        await page.AddInitScriptAsync(Recorder);
        return page;
    }

    private static async Task<int> TonesAsync(IPage page) => await page.EvaluateAsync<int>("() => window.__tones.length");

    [Fact]
    public async Task A_critical_alert_sounds_again_and_again_until_taken_and_a_muted_console_says_so_loudly()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await InBrowserAsync(async session =>
        {
            var page = await AttentiveTabAsync(session);
            var queue = await new LoginPage(page).LogInAsync(ConsoleStack.Dispatcher, Stack.PasswordOf(ConsoleStack.Dispatcher));

            // Never switched on: the console is muted and says so where nobody can miss it.
            await Expect(page.Locator("#sound-muted")).ToBeVisibleAsync();
            await Expect(page.Locator("#sound-muted")).ToHaveTextAsync(ConsoleWords.Of<QueueWords>("SoundMuted", ConsoleLanguage.English));
            var sound = page.GetByRole(AriaRole.Button, new() { Name = ConsoleWords.Of<QueueWords>("Sound", ConsoleLanguage.English) });
            await Expect(sound).ToHaveAttributeAsync("aria-pressed", "false");
            await sound.ClickAsync();
            await Expect(page.Locator("#sound")).ToHaveAttributeAsync("aria-pressed", "true");
            await Expect(page.Locator("#sound-muted")).ToBeHiddenAsync();
            await Expect(page.Locator("html")).ToHaveAttributeAsync("data-sound", "on");
            Assert.Equal(0, await TonesAsync(page));

            var fall = await Stack.FallAsync(timeout.Token);
            await Expect(queue.Row(fall)).ToBeVisibleAsync();
            await Expect(page.Locator("html")).ToHaveAttributeAsync("data-alarm", "critical");
            // Critical: three high tones, again every 2.5 s; two rounds prove it repeats.
            await UntilAsync(page, "() => window.__tones.length >= 6", timeout.Token);
            var tones = await page.EvaluateAsync<double[]>("() => window.__tones.map(t => t.frequency)");
            Assert.All(tones, frequency => Assert.Equal(988, frequency));

            await queue.AcknowledgeAsync(fall);
            await queue.ExpectAcknowledgedByAsync(fall, ConsoleStack.Dispatcher);
            await Expect(page.Locator("html")).ToHaveAttributeAsync("data-alarm", "");
            var afterTaking = await TonesAsync(page);
            await Task.Delay(3500, timeout.Token);
            Assert.Equal(afterTaking, await TonesAsync(page));

            // The choice is remembered for this user: a reload keeps the sound on (the page asks for a touch if the
            // browser holds the sound back, never silently).
            await queue.OpenAsync();
            await Expect(page.Locator("#sound")).ToHaveAttributeAsync("aria-pressed", "true");
            await Expect(page.Locator("#sound-muted")).ToBeHiddenAsync();
        });
    }

    [Fact]
    public async Task A_high_alert_has_its_own_lower_sound_and_the_title_counts_what_waits()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await InBrowserAsync(async session =>
        {
            var page = await AttentiveTabAsync(session);
            var queue = await new LoginPage(page).LogInAsync(ConsoleStack.Dispatcher, Stack.PasswordOf(ConsoleStack.Dispatcher));
            await page.Locator("#sound").ClickAsync();
            await Expect(page).ToHaveTitleAsync(new System.Text.RegularExpressions.Regex("^Alert queue"));

            await Stack.RaiseOtherAsync("smoke-1", AlertType.Smoke, AlertPriority.High, "kitchen_smoke", ct: timeout.Token);
            await Stack.RaiseOtherAsync("battery-1", AlertType.BatteryLow, AlertPriority.Low, "hall_motion", ct: timeout.Token);
            await Expect(queue.Row("battery-1")).ToBeVisibleAsync();
            await Expect(page).ToHaveTitleAsync(new System.Text.RegularExpressions.Regex(@"^\(2\) Alert queue"));
            await Expect(page.Locator("html")).ToHaveAttributeAsync("data-alarm", "high");
            await UntilAsync(page, "() => window.__tones.length >= 2", timeout.Token);
            var tones = await page.EvaluateAsync<double[]>("() => window.__tones.map(t => t.frequency)");
            Assert.Equal([659d, 523d], tones.Take(2));
            // The new row stands out until it is taken.
            await Expect(queue.Row("smoke-1")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bis-new\b"));

            await queue.AcknowledgeAsync("smoke-1");
            await Expect(page).ToHaveTitleAsync(new System.Text.RegularExpressions.Regex(@"^\(1\) Alert queue"));
            await Expect(queue.Row("smoke-1")).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bis-new\b"));
            // Only a low alert waits: no alarm for it.
            await Expect(page.Locator("html")).ToHaveAttributeAsync("data-alarm", "");
        });
    }

    [Fact]
    public async Task Desktop_notifications_are_asked_for_once_and_then_show_each_new_urgent_alert_and_screen_readers_hear_it()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await InBrowserAsync(async session =>
        {
            var page = await AttentiveTabAsync(session, grantNotifications: true);
            var queue = await new LoginPage(page).LogInAsync(ConsoleStack.Dispatcher, Stack.PasswordOf(ConsoleStack.Dispatcher));
            var notify = page.Locator("#notify");
            await Expect(notify).ToHaveAttributeAsync("aria-pressed", "false");

            // Not asked for: nothing pops up.
            await Stack.RaiseOtherAsync("help-0", AlertType.Help, AlertPriority.Critical, ct: timeout.Token);
            await Expect(queue.Row("help-0")).ToBeVisibleAsync();
            Assert.Equal(0, await page.EvaluateAsync<int>("() => window.__notifications.length"));

            await notify.ClickAsync();
            await Expect(notify).ToHaveAttributeAsync("aria-pressed", "true");
            await Expect(page.Locator("#notify-status")).ToHaveTextAsync(ConsoleWords.Of<QueueWords>("NotificationsOn", ConsoleLanguage.English));

            await Stack.RaiseOtherAsync("help-1", AlertType.Help, AlertPriority.Critical, ct: timeout.Token);
            await Expect(queue.Row("help-1")).ToBeVisibleAsync();
            await UntilAsync(page, "() => window.__notifications.length === 1", timeout.Token);
            var shown = (await page.EvaluateAsync<System.Text.Json.JsonElement>("() => window.__notifications")).EnumerateArray().Single();
            Assert.Contains(ConsoleStack.OtherHome, shown.GetProperty("title").GetString(), StringComparison.Ordinal);
            Assert.True(shown.GetProperty("requireInteraction").GetBoolean(), "a critical notification stays until the dispatcher acts on it");

            // A normal alert is announced politely, not pushed to the desktop.
            await Stack.RaiseOtherAsync("door-1", AlertType.DoorLeftOpen, AlertPriority.Normal, "front_door", ct: timeout.Token);
            await Expect(page.Locator("#announcer")).ToContainTextAsync(ConsoleStack.OtherHome);
            await Expect(page.Locator("#announcer")).ToHaveAttributeAsync("aria-live", "polite");
            Assert.Equal(1, await page.EvaluateAsync<int>("() => window.__notifications.length"));

            // Switched off again: remembered, and nothing more is shown.
            await notify.ClickAsync();
            await Expect(notify).ToHaveAttributeAsync("aria-pressed", "false");
            await Stack.RaiseOtherAsync("help-2", AlertType.Help, AlertPriority.Critical, ct: timeout.Token);
            await Expect(queue.Row("help-2")).ToBeVisibleAsync();
            Assert.Equal(1, await page.EvaluateAsync<int>("() => window.__notifications.length"));
        });
    }

    [Fact]
    public async Task Keyboard_focus_stays_on_the_same_button_through_twenty_live_updates_and_shortcuts_take_and_open()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await InBrowserAsync(async session =>
        {
            var queue = await Stack.LogInAsync(session);
            var page = queue.Page;
            await queue.MarkDocumentAsync();
            await Stack.RaiseOtherAsync("door-0", AlertType.DoorLeftOpen, AlertPriority.Normal, "front_door", ct: timeout.Token);
            var acknowledge = queue.Row("door-0").GetByRole(AriaRole.Button, new() { Name = ConsoleWords.Of<QueueWords>("Acknowledge", ConsoleLanguage.English) });
            await acknowledge.FocusAsync();
            await page.EvaluateAsync("() => { window.__focused = document.activeElement; }");

            // Twenty updates around it: new alerts above and below (the row moves), repeats and clears of others.
            for (var i = 0; i < 20; i++)
            {
                var (type, priority) = (i % 3) switch
                {
                    0 => (AlertType.Fall, AlertPriority.Critical),
                    1 => (AlertType.BatteryLow, AlertPriority.Low),
                    _ => (AlertType.Inactivity, AlertPriority.High),
                };
                await Stack.RaiseOtherAsync("live-" + i, type, priority, "sensor_" + i, ct: timeout.Token);
                await Expect(queue.Row("live-" + i)).ToBeVisibleAsync();
            }

            Assert.True(await page.EvaluateAsync<bool>("() => document.activeElement === window.__focused"), "focus stayed on the same button");
            Assert.True(await queue.IsSameDocumentAsync());
            Assert.Equal(21, await queue.Rows.CountAsync());

            // "a" takes the selected alert (the focused row), without leaving the page.
            await page.Keyboard.PressAsync("a");
            await queue.ExpectAcknowledgedByAsync("door-0", ConsoleStack.Dispatcher);
            Assert.True(await queue.IsSameDocumentAsync());

            // "n" goes to the most urgent alert nobody took (the first fall), "o" opens it.
            await page.Locator("body").FocusAsync();
            await page.Keyboard.PressAsync("n");
            await Expect(queue.Row("live-0")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bselected\b"));
            await page.Keyboard.PressAsync("j");
            await Expect(queue.Row("live-3")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bselected\b"));
            await page.Keyboard.PressAsync("o");
            await new AlertDetailPage(page).ExpectOpenAsync("live-3");
        });
    }

    [Fact]
    public async Task Each_row_counts_its_age_and_the_time_left_to_the_homes_contracted_response_and_overdue_rows_say_so()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await InBrowserAsync(async session =>
        {
            var queue = await Stack.LogInAsync(session);
            // The other home's contract is 20 minutes: a help call raised 70 minutes ago there is 50 minutes overdue.
            await Stack.RegisterOtherHomeAsync(responseMinutes: 20);
            await Stack.RaiseOtherAsync("old-help", AlertType.Help, AlertPriority.Critical, at: DateTimeOffset.UtcNow.AddMinutes(-70), ct: timeout.Token);
            await Stack.RaiseOtherAsync("new-help", AlertType.Help, AlertPriority.Critical, ct: timeout.Token);
            // The gateway's own home is not registered: dispatch's default contract, 60 minutes.
            var unregistered = await Stack.FallAsync(timeout.Token);

            var old = queue.Row("old-help");
            await Expect(old.Locator("td.age")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^1 h (9|10) min$"));
            await Expect(old.Locator("td.due")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\boverdue\b"));
            await Expect(old.Locator("td.due")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^OVERDUE (49|50) min \d+ s$"));
            var fresh = queue.Row("new-help");
            await Expect(fresh.Locator("td.due")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^(19|20) min \d+ s left$"));
            await Expect(fresh.Locator("td.due")).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\boverdue\b"));
            await Expect(queue.Row(unregistered).Locator("td.due")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^(59|60) min \d+ s left$"));
            // It counts: the age moves on without a reload.
            var before = await fresh.Locator("td.age").TextContentAsync();
            await Expect(fresh.Locator("td.age")).Not.ToHaveTextAsync(before!);
        });
    }

    [Fact]
    public async Task An_alert_the_gateway_escalated_is_marked_so_live_and_after_a_reload()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await InBrowserAsync(async session =>
        {
            var queue = await Stack.LogInAsync(session);
            await Stack.RaiseOtherAsync("help-9", AlertType.Help, AlertPriority.High, ct: timeout.Token);
            var escalatedByGateway = ConsoleWords.Of<QueueWords>("EscalatedByGateway", ConsoleLanguage.English);
            await Expect(queue.Row("help-9")).Not.ToContainTextAsync(escalatedByGateway);

            // Nobody took it in time: the gateway's rules escalate it (its escalated step reaches dispatch).
            await Stack.RaiseOtherAsync("help-9", AlertType.Help, AlertPriority.Critical, kind: AlertEventKind.Escalated, ct: timeout.Token);
            await Expect(queue.Row("help-9").Locator("td.state")).ToContainTextAsync(escalatedByGateway);

            // The store says so too: a page loaded afresh shows it.
            await queue.OpenAsync();
            await Expect(queue.Row("help-9").Locator("td.state")).ToContainTextAsync(escalatedByGateway);
        });
    }

    private static async Task UntilAsync(IPage page, string condition, CancellationToken ct)
    {
        while (!await page.EvaluateAsync<bool>(condition))
        {
            await Task.Delay(50, ct);
        }
    }
}
