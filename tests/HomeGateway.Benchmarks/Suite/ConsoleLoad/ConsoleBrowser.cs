using System.Diagnostics;
using HomeGateway.Tests.Shared;
using Microsoft.Playwright;

namespace HomeGateway.Benchmarks.Suite.ConsoleLoad;

/// <summary>
/// A dispatcher's browser: real headless Chromium (the system's, as the browser tests launch it) driven by Playwright.
/// It logs in through the login form as a person does (its session cookie then also serves the raw console streams) and
/// times the queue page from navigation until the page says the queue is live with its rows.
/// </summary>
internal sealed class ConsoleBrowser : IAsyncDisposable
{
    private const string SessionCookie = "hgd_session";

    // True once console.js has applied its first load: the status line reads "N open, M cleared. Live." (the user's
    // language is English) with N at least the open alerts expected, and rows (or the outage incident row) are in the table.
    private const string QueueIsLive =
        """
        expected => {
          const status = document.getElementById('status');
          const match = status && /^(\d+) open, \d+ cleared\. Live\.$/.exec(status.textContent);
          return !!match && Number(match[1]) >= expected && document.querySelector('#queue tr[data-alert-id], #queue tr#outage') !== null;
        }
        """;

    // The status line with exactly the expected number of open alerts, and live (not reconnecting or failed).
    private const string QueueShows =
        """
        expected => {
          const status = document.getElementById('status');
          const match = status && /^(\d+) open, \d+ cleared\. Live\.$/.exec(status.textContent);
          return !!match && Number(match[1]) === expected;
        }
        """;

    private readonly IPlaywright playwright;
    private readonly IBrowser browser;
    private readonly IBrowserContext context;

    private ConsoleBrowser(IPlaywright playwright, IBrowser browser, IBrowserContext context)
    {
        this.playwright = playwright;
        this.browser = browser;
        this.context = context;
    }

    public static async Task<ConsoleBrowser> LaunchAsync(Uri web)
    {
        var playwright = await Playwright.CreateAsync().ConfigureAwait(false);
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumExecutable.Find(),
                Headless = true,
            }).ConfigureAwait(false);
            var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = web.ToString() }).ConfigureAwait(false);
            return new ConsoleBrowser(playwright, browser, context);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>Logs in with the form; returns the session as a Cookie header value.</summary>
    public async Task<string> LogInAsync(string name, string password)
    {
        var page = await context.NewPageAsync().ConfigureAwait(false);
        try
        {
            await page.GotoAsync("/login").ConfigureAwait(false);
            await page.GetByLabel("Name").FillAsync(name).ConfigureAwait(false);
            await page.GetByLabel("Password").FillAsync(password).ConfigureAwait(false);
            await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync().ConfigureAwait(false);
            // The form posts and the answer redirects to the queue: logged in once the page has left /login.
            await page.WaitForURLAsync(url => !url.Contains("/login", StringComparison.Ordinal)).ConfigureAwait(false);
            var cookie = (await context.CookiesAsync().ConfigureAwait(false)).FirstOrDefault(c => c.Name == SessionCookie)
                ?? throw new InvalidOperationException($"logging in as {name} set no {SessionCookie} cookie (page: {page.Url})");
            return $"{cookie.Name}={cookie.Value}";
        }
        finally
        {
            await page.CloseAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Milliseconds from navigating to <c>/</c> until the queue says it is live with at least <paramref name="openAlerts"/> open.</summary>
    public async Task<double> TimeQueuePageAsync(int openAlerts, TimeSpan timeout)
    {
        var page = await context.NewPageAsync().ConfigureAwait(false);
        try
        {
            var clock = Stopwatch.StartNew();
            await page.GotoAsync("/").ConfigureAwait(false);
            await page.WaitForFunctionAsync(QueueIsLive, openAlerts, new() { Timeout = (float)timeout.TotalMilliseconds }).ConfigureAwait(false);
            return clock.Elapsed.TotalMilliseconds;
        }
        finally
        {
            await page.CloseAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Opens the queue page and keeps it open (a dispatcher watching through the outage); live with <paramref name="openAlerts"/> open.</summary>
    public async Task<WatchingConsole> WatchAsync(int openAlerts, TimeSpan timeout)
    {
        var page = await context.NewPageAsync().ConfigureAwait(false);
        var watching = new WatchingConsole(page);
        await page.GotoAsync("/").ConfigureAwait(false);
        await watching.WaitForOpenAsync(openAlerts, timeout).ConfigureAwait(false);
        return watching;
    }

    /// <summary>
    /// A queue page left open. It counts the page's loads of <c>/api/alerts</c> after its first (a reload: its stream was
    /// ended, or a step it could not place) and of the stream after its first (a reconnect).
    /// </summary>
    internal sealed class WatchingConsole
    {
        private readonly IPage page;
        private int loads;
        private int streams;

        public WatchingConsole(IPage page)
        {
            this.page = page;
            page.Request += (_, request) =>
            {
                var path = new Uri(request.Url).AbsolutePath;
                if (path == "/api/alerts")
                {
                    Interlocked.Increment(ref loads);
                }
                else if (path == "/api/alerts/stream")
                {
                    Interlocked.Increment(ref streams);
                }
            };
        }

        public int Reloads => Math.Max(0, Volatile.Read(ref loads) - 1);

        public int Reconnects => Math.Max(0, Volatile.Read(ref streams) - 1);

        /// <summary>Waits until the page says exactly <paramref name="openAlerts"/> open and live; false when it did not within the time.</summary>
        public async Task<bool> WaitForOpenAsync(int openAlerts, TimeSpan timeout)
        {
            try
            {
                // Also bounded here: a renderer busy for minutes was seen to outlast Playwright's own timeout.
                await page.WaitForFunctionAsync(QueueShows, openAlerts, new() { Timeout = (float)timeout.TotalMilliseconds, PollingInterval = 100 })
                    .WaitAsync(timeout + TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                return true;
            }
            catch (TimeoutException)
            {
                return false;
            }
        }

        public Task CloseAsync() => page.CloseAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await context.DisposeAsync().ConfigureAwait(false);
        await browser.CloseAsync().ConfigureAwait(false);
        playwright.Dispose();
    }
}
