using System.Text.RegularExpressions;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using QueueWords = HomeGateway.Dispatch.DispatcherConsole.Pages.QueuePage;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace HomeGateway.EndToEnd.Tests.Browser;

/// <summary>The console's login form, as a person uses it: by its labels and its button.</summary>
internal sealed class LoginPage(IPage page)
{
    public const string SessionCookie = "hgd_session";

    public ILocator Error => page.Locator("p.error");

    public async Task OpenAsync() => await page.GotoAsync("/login");

    /// <summary>Fills and submits the form and waits for the page it leads to; the caller states which page that must be.</summary>
    public async Task SubmitAsync(string name, string password)
    {
        await page.GetByLabel("Name").FillAsync(name);
        await page.GetByLabel("Password").FillAsync(password);
        await page.SubmitAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync());
    }

    /// <summary>Logs in and waits for the queue page, in the user's stored <paramref name="language"/>; returns it.</summary>
    public async Task<QueuePage> LogInAsync(string name, string password, ConsoleLanguage language = ConsoleLanguage.English)
    {
        await OpenAsync();
        await SubmitAsync(name, password);
        var queue = new QueuePage(page, language);
        await queue.ExpectOpenAsync();
        return queue;
    }

    public async Task<bool> HasSessionCookieAsync() =>
        (await page.Context.CookiesAsync()).Any(cookie => cookie.Name == SessionCookie);
}

/// <summary>
/// The live queue at <c>/</c>. Rows are found by their alert id (<c>tr[data-alert-id]</c>, set by console.js), actions by
/// the button's name inside that row, so new columns and buttons (assign, resolve, …) need no new selectors. Its words are
/// the phrases of the user's <paramref name="language"/>.
/// </summary>
internal sealed class QueuePage(IPage page, ConsoleLanguage language = ConsoleLanguage.English)
{
    public IPage Page => page;

    public ConsoleLanguage Language => language;

    public ILocator Rows => page.Locator("#queue tr[data-alert-id]");

    public ILocator Row(string alertId) => page.Locator($"#queue tr[data-alert-id=\"{alertId}\"]");

    public async Task OpenAsync()
    {
        await page.GotoAsync("/");
        await ExpectOpenAsync();
    }

    /// <summary>The queue page, with its first load from the API done (the status line says "… open, … cleared. Live.").</summary>
    public async Task ExpectOpenAsync()
    {
        await Expect(page).ToHaveURLAsync(new Uri(new Uri(page.Url), "/").ToString());
        var live = Regex.Escape(ConsoleWords.Of<QueueWords>("Live", language)).Replace("\\{0}", "\\d+", StringComparison.Ordinal).Replace("\\{1}", "\\d+", StringComparison.Ordinal);
        await Expect(page.Locator("#status")).ToHaveTextAsync(new Regex("^" + live + "$"));
    }

    /// <summary>Opens the alert's detail page by its summary, the link in its row.</summary>
    public async Task<AlertDetailPage> OpenDetailAsync(string alertId)
    {
        await page.SubmitAsync(() => Row(alertId).GetByRole(AriaRole.Link).ClickAsync());
        var detail = new AlertDetailPage(page);
        await detail.ExpectOpenAsync(alertId);
        return detail;
    }

    public async Task<IReadOnlyList<string>> AlertIdsInOrderAsync() =>
        await Rows.EvaluateAllAsync<string[]>("rows => rows.map(row => row.dataset.alertId)");

    /// <summary>Clicks the button named <paramref name="action"/> in the alert's row (e.g. "Acknowledge").</summary>
    public async Task ClickOnRowAsync(string alertId, string action) =>
        await Row(alertId).GetByRole(AriaRole.Button, new() { Name = action }).ClickAsync();

    /// <summary>
    /// Clicks "Acknowledge" in the alert's row and waits for dispatch to accept it. The queue's script posts the form
    /// itself and stays on the page (its sound and focus with it); the row changes when the stream says so.
    /// </summary>
    public async Task AcknowledgeAsync(string alertId)
    {
        var posted = await page.RunAndWaitForResponseAsync(
            () => ClickOnRowAsync(alertId, ConsoleWords.Of<QueueWords>("Acknowledge", language)),
            response => response.Request.Method == "POST" && response.Url.EndsWith("/acknowledge", StringComparison.Ordinal));
        if (posted.Status >= 400)
        {
            Assert.Fail($"dispatch refused the acknowledgement: {posted.Status} {await posted.TextAsync()}");
        }
    }

    public async Task ExpectAcknowledgedByAsync(string alertId, string userName)
    {
        await Expect(Row(alertId)).ToHaveAttributeAsync("data-acknowledged-by", userName);
        await Expect(Row(alertId)).ToContainTextAsync(userName + ",");
        await Expect(Row(alertId).GetByRole(AriaRole.Button, new() { Name = ConsoleWords.Of<QueueWords>("Acknowledge", language) })).ToHaveCountAsync(0);
    }

    public async Task LogOutAsync() => await page.SubmitAsync(() => page.GetByRole(AriaRole.Button, new() { Name = ConsoleWords.Of<ConsoleText>("LogOut", language) }).ClickAsync());

    /// <summary>Chooses <paramref name="chosen"/> in the header's language switch; back on the queue, in that language.</summary>
    public async Task<QueuePage> SwitchLanguageAsync(ConsoleLanguage chosen)
    {
        var form = page.Locator("form#language");
        await form.Locator("select[name=language]").SelectOptionAsync(ConsoleLanguages.Code(chosen));
        await page.SubmitAsync(() => form.GetByRole(AriaRole.Button).ClickAsync());
        var queue = new QueuePage(page, chosen);
        await queue.ExpectOpenAsync();
        return queue;
    }

    /// <summary>Marks this document so that a test can tell a live update from a reload (a reload loses the mark).</summary>
    public async Task MarkDocumentAsync() => await page.EvaluateAsync("() => { window.hgNotReloaded = true; }");

    public async Task<bool> IsSameDocumentAsync() => await page.EvaluateAsync<bool>("() => window.hgNotReloaded === true");
}

internal static class FormSubmission
{
    /// <summary>
    /// Runs <paramref name="submit"/> (a click that posts a form) and waits until the page it leads to has loaded. The
    /// next step then acts on that new page, never on the old one still showing while the post is on its way.
    /// </summary>
    public static async Task SubmitAsync(this IPage page, Func<Task> submit)
    {
        var loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLoad(object? sender, IPage loadedPage) => loaded.TrySetResult();
        page.Load += OnLoad;
        try
        {
            await submit();
            await loaded.Task.WaitAsync(ChromiumFixture.Guard);
        }
        finally
        {
            page.Load -= OnLoad;
        }
    }
}
