using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace HomeGateway.EndToEnd.Tests.Browser;

/// <summary>
/// One alert's page (<c>/alerts/{gatewayId}/{alertId}</c>). Its forms are found by their ids (<c>form#note</c>,
/// <c>form#resolve</c>, …) and fields by name, its state by ids and <c>data-*</c>: none of it depends on the user's language.
/// </summary>
internal sealed class AlertDetailPage(IPage page)
{
    public IPage Page => page;

    /// <summary>Filled once resolved: <c>data-outcome</c> is the outcome's name (e.g. <c>visited_no_injury</c>).</summary>
    public ILocator Resolution => page.Locator("#resolution");

    public ILocator Notes => page.Locator("#notes");

    public ILocator ResolveForm => page.Locator("form#resolve");

    public static string PathOf(string gatewayId, string alertId) =>
        $"/alerts/{Uri.EscapeDataString(gatewayId)}/{Uri.EscapeDataString(alertId)}";

    public async Task ExpectOpenAsync(string alertId)
    {
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/alerts/[^/]+/" + System.Text.RegularExpressions.Regex.Escape(Uri.EscapeDataString(alertId)) + "$"));
        await Expect(Resolution).ToBeVisibleAsync();
    }

    public async Task AddNoteAsync(string text)
    {
        var form = page.Locator("form#note");
        await form.Locator("textarea[name=text]").FillAsync(text);
        await page.SubmitAsync(() => form.GetByRole(AriaRole.Button).ClickAsync());
    }

    /// <summary>Resolves with the outcome named <paramref name="outcome"/> (the option's value) and a note; back on this page.</summary>
    public async Task ResolveAsync(string outcome, string note)
    {
        await ResolveForm.Locator("select[name=outcome]").SelectOptionAsync(outcome);
        await ResolveForm.Locator("textarea[name=note]").FillAsync(note);
        await page.SubmitAsync(() => ResolveForm.GetByRole(AriaRole.Button).ClickAsync());
    }
}

/// <summary>The response-time report: per-alert rows (<c>table#alerts tr[data-alert-id]</c>), per-home rows, the CSV link.</summary>
internal sealed class ReportPage(IPage page)
{
    public const string Path = "/reports/response-times";

    public ILocator AlertRow(string alertId) => page.Locator($"table#alerts tr[data-alert-id=\"{alertId}\"]");

    public ILocator HomeRow(string homeId) => page.Locator($"table#homes tr[data-home-id=\"{homeId}\"]");

    public async Task OpenAsync()
    {
        await page.GotoAsync(Path);
        await Expect(page.Locator("table#alerts")).ToBeVisibleAsync();
    }

    /// <summary>Clicks the CSV link and returns the downloaded file's text.</summary>
    public async Task<string> DownloadCsvAsync()
    {
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("a#csv").ClickAsync());
        return await File.ReadAllTextAsync(await download.PathAsync());
    }
}

/// <summary>The audit log (admins): rows carry <c>data-action</c>, <c>data-alert-id</c> and <c>data-actor</c>.</summary>
internal sealed class AuditPage(IPage page)
{
    public const string Path = "/audit";

    public async Task OpenForAlertAsync(string alertId)
    {
        await page.GotoAsync(Path + "?alert=" + Uri.EscapeDataString(alertId));
        await Expect(page.Locator("table#audit")).ToBeVisibleAsync();
    }

    public ILocator Rows(string alertId, string action, string actor) =>
        page.Locator($"table#audit tr[data-alert-id=\"{alertId}\"][data-action=\"{action}\"][data-actor=\"{actor}\"]");
}
