using System.Runtime.ExceptionServices;
using Microsoft.Playwright;

namespace HomeGateway.EndToEnd.Tests.Browser;

/// <summary>
/// The browser side of one test: each <see cref="NewTabAsync"/> is a separate context (its own cookies — another
/// person at another desk). <see cref="RunAsync"/> runs the test's steps; when one fails, every open tab's screenshot
/// and HTML go to <c>artifacts/test/browser/</c> before the failure is rethrown.
/// </summary>
internal sealed class BrowserSession(IBrowser browser, string testName, Uri baseUri) : IAsyncDisposable
{
    private readonly List<IBrowserContext> contexts = [];

    public static string ArtifactDirectory => Path.Combine(Built.RepoRoot, "artifacts", "test", "browser");

    public Uri BaseUri => baseUri;

    /// <summary>A new browser context (no cookies yet) and its page, in English, at dispatch's web address.</summary>
    public async Task<IPage> NewTabAsync(BrowserNewContextOptions? options = null)
    {
        options ??= new BrowserNewContextOptions();
        options.BaseURL ??= baseUri.ToString();
        options.Locale ??= "en-GB";
        var context = await browser.NewContextAsync(options);
        context.SetDefaultTimeout((float)ChromiumFixture.Guard.TotalMilliseconds);
        context.SetDefaultNavigationTimeout((float)ChromiumFixture.Guard.TotalMilliseconds);
        contexts.Add(context);
        return await context.NewPageAsync();
    }

    public async Task RunAsync(Func<Task> steps)
    {
        try
        {
            await steps();
        }
        catch (Exception failure)
        {
            await CaptureAsync();
            ExceptionDispatchInfo.Capture(failure).Throw();
        }
    }

    private async Task CaptureAsync()
    {
        Directory.CreateDirectory(ArtifactDirectory);
        var tab = 0;
        foreach (var page in contexts.SelectMany(context => context.Pages))
        {
            var name = Path.Combine(ArtifactDirectory, $"{testName}-{++tab}");
            try
            {
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = name + ".png", FullPage = true, Timeout = 5000 });
                await File.WriteAllTextAsync(name + ".html", $"<!-- {page.Url} -->\n" + await page.ContentAsync());
            }
            catch (PlaywrightException)
            {
                // A crashed or closed page has nothing to show; the test's own failure is what matters.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var context in contexts)
        {
            await context.CloseAsync();
        }
    }
}
