using Microsoft.Playwright;

namespace HomeGateway.EndToEnd.Tests.Browser;

/// <summary>
/// One real headless Chromium (Debian's <c>chromium</c>, driven by Playwright) per test class. Playwright never downloads a
/// browser here: it is launched from the executable the system has, and a missing one fails the test with what to install.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    /// <summary>A guard against a hung page, never a measure: a loaded 2-core CI machine still finishes far inside it.</summary>
    internal static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);

    private IPlaywright? playwright;
    private IBrowser? browser;

    internal IBrowser Browser => browser ?? throw new InvalidOperationException("The browser is not started.");

    public async Task InitializeAsync()
    {
        var executable = HomeGateway.Tests.Shared.ChromiumExecutable.Find();
        Assertions.SetDefaultExpectTimeout((float)Guard.TotalMilliseconds);
        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            Timeout = (float)Guard.TotalMilliseconds,
        });
    }

    public async Task DisposeAsync()
    {
        if (browser is not null)
        {
            await browser.CloseAsync();
        }

        playwright?.Dispose();
    }

    /// <summary>A fresh browser session for one test: its own contexts (cookie jars), captured to artifacts if the test fails.</summary>
    internal BrowserSession NewSession(Uri baseUri, string testName) => new(Browser, testName, baseUri);
}
