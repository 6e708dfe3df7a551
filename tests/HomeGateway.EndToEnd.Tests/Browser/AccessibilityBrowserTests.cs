using System.Globalization;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using HomeGateway.Core.Alerts;
using HomeGateway.Dispatch.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace HomeGateway.EndToEnd.Tests.Browser;

/// <summary>
/// Every console page is usable by everyone on any screen: axe-core finds no violation on any page at desktop, tablet
/// and phone size, in the light and the dark theme; nothing is wider than the screen, and on a tablet or a 390×844 phone
/// every control a finger must hit is at least 44 px tall. The pages are the real ones, filled with real alerts, homes and audit rows.
/// </summary>
public sealed class AccessibilityBrowserTests(ChromiumFixture chromium) : ConsoleBrowserTest(chromium)
{
    private const string Admin = "aino";

    private const string CareManager = "kaisa";

    public static readonly TheoryData<int, int, string> Screens = new()
    {
        { 1366, 768, "light" },
        { 768, 1024, "light" },
        { 390, 844, "light" },
        { 1366, 768, "dark" },
        { 390, 844, "dark" },
    };

    [Theory]
    [MemberData(nameof(Screens))]
    public async Task Every_page_has_no_axe_violation_and_fits_the_screen(int width, int height, string theme)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        await Stack.AddUserAsync(Admin, "admin");
        await Stack.AddUserAsync(CareManager, "care_manager");
        var fall = await Stack.FallAsync(timeout.Token);
        var gateway = await Stack.GatewayOfAsync(fall, timeout.Token);
        await Stack.RaiseOtherAsync("smoke-1", AlertType.Smoke, AlertPriority.High, "kitchen_smoke", ct: timeout.Token);
        await Stack.RaiseOtherAsync("battery-1", AlertType.BatteryLow, AlertPriority.Low, "hall_motion", ct: timeout.Token);
        var phone = width < 500;
        var touch = width < 1000;
        await InBrowserAsync(async session =>
        {
            var page = await session.NewTabAsync(new BrowserNewContextOptions
            {
                ViewportSize = new ViewportSize { Width = width, Height = height },
                IsMobile = phone,
                HasTouch = touch,
                ColorScheme = theme == "dark" ? ColorScheme.Dark : ColorScheme.Light,
            });
            // The pages need nothing the Content-Security-Policy forbids (no inline style or script): the browser says so if they do.
            var refused = new List<string>();
            page.Console += (_, message) =>
            {
                if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
                {
                    refused.Add(message.Text);
                }
            };

            var login = new LoginPage(page);
            await login.OpenAsync();
            await ExpectUsableAsync(page, "login");
            await login.SubmitAsync(Admin, Stack.PasswordOf(Admin));

            var queue = new QueuePage(page);
            await queue.ExpectOpenAsync();
            await Expect(queue.Row("battery-1")).ToBeVisibleAsync();
            await ExpectUsableAsync(page, "queue");
            if (phone || !touch)
            {
                await Screenshots.TakeAsync(page, $"queue-{(phone ? "phone" : "desktop")}-{theme}");
            }

            var paths = new[]
            {
                AlertDetailPage.PathOf(gateway, fall), "/fleet", "/gateways", "/homes", "/reports/response-times", "/audit", "/users", "/tokens", "/account",
            };
            foreach (var path in paths)
            {
                Assert.Equal(200, (await page.GotoAsync(path))!.Status);
                await ExpectUsableAsync(page, path);
            }

            Assert.Equal(200, (await page.GotoAsync("/homes"))!.Status);
            var firstHome = page.Locator("table#homes tr[data-home-id] a").First;
            if (await firstHome.CountAsync() > 0)
            {
                await page.SubmitAsync(() => firstHome.ClickAsync());
                await ExpectUsableAsync(page, "home");
            }

            // The users page's add form with its problems beside the fields, then the page that shows a password once.
            Assert.Equal(200, (await page.GotoAsync("/users"))!.Status);
            await page.Locator("#new-name").FillAsync("two words");
            await page.SubmitAsync(() => page.Locator("#add-user button[type=submit]").ClickAsync());
            await Expect(page.Locator("#new-name-error")).ToBeVisibleAsync();
            await ExpectUsableAsync(page, "users, add form refused");
            await page.Locator("#new-name").FillAsync($"new-{width}-{theme}");
            await page.SubmitAsync(() => page.Locator("#add-user button[type=submit]").ClickAsync());
            await Expect(page.Locator("code#password")).ToBeVisibleAsync();
            await ExpectUsableAsync(page, "a new user's password");

            // The care manager's read-only pages: the report, the homes without the register form, a home without its edit form.
            var careManager = await session.NewTabAsync(new BrowserNewContextOptions
            {
                ViewportSize = new ViewportSize { Width = width, Height = height },
                IsMobile = phone,
                HasTouch = touch,
                ColorScheme = theme == "dark" ? ColorScheme.Dark : ColorScheme.Light,
            });
            var careLogin = new LoginPage(careManager);
            await careLogin.OpenAsync();
            await careLogin.SubmitAsync(CareManager, Stack.PasswordOf(CareManager));
            foreach (var path in new[] { "/reports/response-times", "/homes", "/homes/" + Uri.EscapeDataString(await FirstHomeIdAsync(careManager)) })
            {
                Assert.Equal(200, (await careManager.GotoAsync(path))!.Status);
                await ExpectUsableAsync(careManager, "care manager: " + path);
            }

            Assert.Empty(refused);
        });
    }

    public static readonly TheoryData<int, int, string> ReportScreens = new()
    {
        { 1366, 768, "light" },
        { 390, 844, "light" },
        { 390, 844, "dark" },
    };

    /// <summary>
    /// The response-time report with real figures in it — arrivals within and past the contract, a team, a false alarm,
    /// a technical alert, a trend over weeks — has no axe violation and fits a desktop and a 390 px phone, charts included.
    /// </summary>
    [Theory]
    [MemberData(nameof(ReportScreens))]
    public async Task The_report_with_its_charts_has_no_axe_violation_and_fits_the_screen(int width, int height, string theme)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await Stack.AddUserAsync(CareManager, "care_manager");
        await Stack.RegisterOtherHomeAsync(30);
        await Stack.SetOtherHomeZoneAsync("Europe/Helsinki");
        var store = (DispatchStore)Stack.DispatchServices.GetRequiredService<IDispatchStore>();
        var now = DateTimeOffset.UtcNow;
        await using (var connection = await store.Dialect.OpenAsync(timeout.Token))
        {
            await DispatchStore.Execute(connection, "INSERT INTO teams(team_id, name, created_at, updated_at) VALUES ('night', 'Yöpartio', @at, @at)",
                timeout.Token, ("@at", DispatchStore.Text(now)));
        }

        // (alert, type, hours ago, minutes to arrival or none, outcome)
        (string Id, AlertType Type, int HoursAgo, int? Arrival, ResolutionOutcome Outcome)[] alerts =
        [
            ("fig-fall-1", AlertType.Fall, 5, 12, ResolutionOutcome.VisitedNoInjury),
            ("fig-fall-2", AlertType.Fall, 4, 50, ResolutionOutcome.VisitedInjury),
            ("fig-help-1", AlertType.Help, 3, 25, ResolutionOutcome.VisitedNoInjury),
            ("fig-help-2", AlertType.Help, 2, null, ResolutionOutcome.FalseAlarm),
            ("fig-fall-3", AlertType.Fall, 30, 70, ResolutionOutcome.AmbulanceCalled),
            ("fig-fall-4", AlertType.Fall, 24 * 9, 20, ResolutionOutcome.VisitedNoInjury),
            ("fig-battery", AlertType.BatteryLow, 6, null, ResolutionOutcome.TechnicalFault),
        ];
        foreach (var (id, type, hoursAgo, arrival, outcome) in alerts)
        {
            var raised = now.AddHours(-hoursAgo);
            await Stack.RaiseOtherAsync(id, type, type == AlertType.BatteryLow ? AlertPriority.Low : AlertPriority.Critical, at: raised, ct: timeout.Token);
            if (arrival is { } minutes)
            {
                await using var connection = await store.Dialect.OpenAsync(timeout.Token);
                await DispatchStore.Execute(connection,
                    """
                    INSERT INTO alert_dispatches(gateway_id, alert_id, team_id, asked_at, asked_by, accept_deadline, accepted_at, accepted_by, arrived_at)
                    VALUES (@g, @a, 'night', @asked, 'anna', @deadline, @accepted, 'olli', @arrived)
                    """,
                    timeout.Token, ("@g", ConsoleStack.OtherGateway), ("@a", id), ("@asked", DispatchStore.Text(raised.AddMinutes(2))),
                    ("@deadline", DispatchStore.Text(raised.AddMinutes(7))), ("@accepted", DispatchStore.Text(raised.AddMinutes(3))),
                    ("@arrived", DispatchStore.Text(raised.AddMinutes(minutes))));
            }

            await store.AcknowledgeAsync(ConsoleStack.OtherGateway, id, ConsoleStack.Dispatcher, "dispatcher", timeout.Token);
            await store.ResolveAsync(ConsoleStack.OtherGateway, id, outcome, null, ConsoleStack.Dispatcher, timeout.Token);
        }

        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var path = string.Create(CultureInfo.InvariantCulture, $"/reports/response-times?period=dates&from={today.AddDays(-13):yyyy-MM-dd}&to={today.AddDays(1):yyyy-MM-dd}&weeks=6");
        await InBrowserAsync(async session =>
        {
            var page = await session.NewTabAsync(new BrowserNewContextOptions
            {
                ViewportSize = new ViewportSize { Width = width, Height = height },
                IsMobile = width < 500,
                HasTouch = width < 1000,
                ColorScheme = theme == "dark" ? ColorScheme.Dark : ColorScheme.Light,
            });
            var refused = new List<string>();
            page.Console += (_, message) =>
            {
                if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
                {
                    refused.Add(message.Text);
                }
            };
            var login = new LoginPage(page);
            await login.OpenAsync();
            await login.SubmitAsync(CareManager, Stack.PasswordOf(CareManager));

            Assert.Equal(200, (await page.GotoAsync(path))!.Status);
            await Expect(page.Locator("svg#arrival-chart rect.bar[data-count=\"1\"]").First).ToBeVisibleAsync();
            await Expect(page.Locator("svg#trend-chart circle.median-point").First).ToBeVisibleAsync();
            await Expect(page.Locator("table#breaches tr[data-alert-id=\"fig-fall-2\"]")).ToBeVisibleAsync();
            await Expect(page.Locator("table#care-teams tr[data-key=\"night\"]")).ToContainTextAsync("Yöpartio");
            // The chart scales to the screen: never wider than the page's main column.
            var chartWidth = await page.Locator("svg#arrival-chart").EvaluateAsync<double>("(e) => e.getBoundingClientRect().width");
            Assert.InRange(chartWidth, 200, width);
            await Screenshots.TakeAsync(page, $"report-{(width < 500 ? "phone" : "desktop")}-{theme}");
            await ExpectUsableAsync(page, "report with charts");
            await page.Locator("#how-counted summary").ClickAsync();
            await ExpectUsableAsync(page, "report with charts, how counted open");
            Assert.Empty(refused);
        });
    }

    [Theory]
    [MemberData(nameof(Screens))]
    public async Task The_responder_pages_have_no_axe_violation_and_fit_the_screen(int width, int height, string theme)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        await Stack.AddUserAsync(Admin, "admin");
        await Stack.AddUserAsync("rita", "responder");
        await Stack.CliAsync("teams", "add", "night", "Night patrol");
        await Stack.CliAsync("teams", "members", "add", "night", "rita");
        await Stack.CliAsync("homes", "cascade", "set", "kotka-0042", "--step", "team:night:5");
        var fall = await Stack.FallAsync(timeout.Token);
        var gateway = await Stack.GatewayOfAsync(fall, timeout.Token);
        var phone = width < 500;
        var touch = width < 1000;
        var screen = new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            IsMobile = phone,
            HasTouch = touch,
            ColorScheme = theme == "dark" ? ColorScheme.Dark : ColorScheme.Light,
        };
        await InBrowserAsync(async session =>
        {
            var page = await session.NewTabAsync(screen);
            var refused = new List<string>();
            page.Console += (_, message) =>
            {
                if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
                {
                    refused.Add(message.Text);
                }
            };

            var login = new LoginPage(page);
            await login.OpenAsync();
            await login.SubmitAsync(Admin, Stack.PasswordOf(Admin));
            foreach (var path in new[] { "/teams", "/homes/kotka-0042/cascade" })
            {
                Assert.Equal(200, (await page.GotoAsync(path))!.Status);
                await ExpectUsableAsync(page, path);
            }

            // The alert page with a request open: the responders' timeline and the withdraw form.
            Assert.Equal(200, (await page.GotoAsync(AlertDetailPage.PathOf(gateway, fall)))!.Status);
            await page.SubmitAsync(() => page.Locator("form#start-cascade button[type=submit]").ClickAsync());
            await Expect(page.Locator("#responder-timeline")).ToBeVisibleAsync();
            await ExpectUsableAsync(page, "alert page with a responder request");

            var responder = await session.NewTabAsync(screen);
            var responderLogin = new LoginPage(responder);
            await responderLogin.OpenAsync();
            await responderLogin.SubmitAsync("rita", Stack.PasswordOf("rita"));
            await Expect(responder.Locator("li.responder-request")).ToBeVisibleAsync();
            await ExpectUsableAsync(responder, "responder page, asked");
            await responder.SubmitAsync(() => responder.Locator("li.responder-request form[action$='/accept'] button").ClickAsync());
            await responder.SubmitAsync(() => responder.Locator("li.responder-request form[action$='/on-the-way'] button").ClickAsync());
            await responder.SubmitAsync(() => responder.Locator("li.responder-request form[action$='/arrived'] button").ClickAsync());
            await ExpectUsableAsync(responder, "responder page, the report form");
            if (phone)
            {
                await Screenshots.TakeAsync(responder, $"responder-phone-{theme}");
            }

            Assert.Empty(refused);
        });
    }

    [Theory]
    [InlineData(1366, 768)]
    [InlineData(390, 844)]
    public async Task A_home_with_a_filled_client_record_and_its_alert_page_have_no_axe_violation_and_fit_the_screen(int width, int height)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await Stack.AddUserAsync(Admin, "admin");
        var fall = await Stack.FallAsync(timeout.Token);
        var gateway = await Stack.GatewayOfAsync(fall, timeout.Token);
        await InBrowserAsync(async session =>
        {
            var page = await session.NewTabAsync(new BrowserNewContextOptions
            {
                ViewportSize = new ViewportSize { Width = width, Height = height },
                IsMobile = width < 500,
                HasTouch = width < 1000,
            });
            await new LoginPage(page).LogInAsync(Admin, Stack.PasswordOf(Admin));
            await ClientRecordBrowserTests.FillRecordAsync(page);
            await ExpectUsableAsync(page, "a home with its client record and edit form");

            // The form refused, its problems beside the fields.
            await page.Locator("#edit-keyHolders-0-phone").FillAsync("call me");
            await page.SubmitAsync(() => page.Locator("form#edit button[type=submit]").ClickAsync());
            await Expect(page.Locator("#edit-keyHolders-0-phone-error")).ToBeVisibleAsync();
            await ExpectUsableAsync(page, "a home's record form refused");

            Assert.Equal(200, (await page.GotoAsync(AlertDetailPage.PathOf(gateway, fall)))!.Status);
            await Expect(page.Locator("#client-record a.phone").First).ToBeVisibleAsync();
            await ExpectUsableAsync(page, "an alert page with the client record");
        });
    }

    private static async Task<string> FirstHomeIdAsync(IPage page)
    {
        await page.GotoAsync("/homes");
        return await page.Locator("table#homes tr[data-home-id]").First.GetAttributeAsync("data-home-id") ?? "";
    }

    /// <summary>axe-core's WCAG 2.x A/AA rules and best practices: zero violations; nothing wider than the screen; on a touch screen (phone, tablet) big targets.</summary>
    private static async Task ExpectUsableAsync(IPage page, string what)
    {
        var result = await page.RunAxe(new AxeRunOptions
        {
            RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] },
        });
        var violations = result.Violations.Select(v =>
            $"{v.Id} ({v.Impact}): {v.Help} — {string.Join(" | ", v.Nodes.Take(3).Select(n => n.Html))}").ToList();
        Assert.True(violations.Count == 0, $"axe on {what} ({page.ViewportSize?.Width} px):\n" + string.Join("\n", violations));

        var width = page.ViewportSize!.Width;
        var wide = await page.EvaluateAsync<string[]>("""
            (width) => [...document.querySelectorAll("body *")]
              .filter((e) => !e.closest(".visually-hidden, [hidden], .skip") && e.getClientRects().length > 0)
              .filter((e) => e.getBoundingClientRect().right > width + 1)
              .slice(0, 5)
              .map((e) => e.outerHTML.slice(0, 120))
            """, width);
        Assert.True(wide.Length == 0, $"wider than the {width} px screen on {what}:\n" + string.Join("\n", wide));
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"),
            $"{what} scrolls sideways on a {width} px screen");
        if (width >= 1000)
        {
            return;
        }

        var small = await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll("button, select, input:not([type=hidden]), nav a, summary")]
              .filter((e) => !e.closest("[hidden]") && e.getClientRects().length > 0)
              .filter((e) => e.getBoundingClientRect().height < 44)
              .slice(0, 5)
              .map((e) => e.outerHTML.slice(0, 120) + " " + Math.round(e.getBoundingClientRect().height) + " px")
            """);
        Assert.True(small.Length == 0, $"touch targets under 44 px on {what}:\n" + string.Join("\n", small));
    }
}

/// <summary>
/// Screenshots for the dispatch README, taken by the browser tests when <c>HOMEGATEWAY_SCREENSHOTS</c> names a folder
/// (nothing is written otherwise): the pictures show the real console the tests just checked.
/// </summary>
internal static class Screenshots
{
    public static async Task TakeAsync(IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable("HOMEGATEWAY_SCREENSHOTS") is not { Length: > 0 } folder)
        {
            return;
        }

        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = false });
    }
}
