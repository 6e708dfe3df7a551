using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace HomeGateway.EndToEnd.Tests.Browser;

/// <summary>
/// The client record gets from the admin who fills it to the dispatcher who sends help: an admin types the address,
/// access instructions and two key holders into the home's form in a real browser, and a dispatcher then sees them on
/// the alert page with phone links a phone can dial (<c>tel:</c> without spaces), on a desktop and at 390 px.
/// </summary>
public sealed class ClientRecordBrowserTests(ChromiumFixture chromium) : ConsoleBrowserTest(chromium)
{
    private const string Admin = "aino";
    private const string HomeId = "kotka-0042";

    [Fact]
    public async Task An_admin_fills_the_record_with_two_key_holders_and_a_dispatcher_sees_it_on_the_alert_page_with_working_tel_links()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await Stack.AddUserAsync(Admin, "admin");
        var fall = await Stack.FallAsync(timeout.Token);
        var gateway = await Stack.GatewayOfAsync(fall, timeout.Token);
        await InBrowserAsync(async session =>
        {
            var admin = await session.NewTabAsync();
            await new LoginPage(admin).LogInAsync(Admin, Stack.PasswordOf(Admin));
            await FillRecordAsync(admin);

            // The record as the admin saved it, above the form.
            var card = admin.Locator("#client-record");
            await Expect(card.Locator("dd.address")).ToHaveTextAsync("Kotikatu 1 A 2\n00100 Helsinki");
            await Expect(card.Locator("dd.key-holders a.phone")).ToHaveCountAsync(2);

            foreach (var width in new[] { 1366, 390 })
            {
                var dispatcher = await session.NewTabAsync(new BrowserNewContextOptions
                {
                    ViewportSize = new ViewportSize { Width = width, Height = width < 500 ? 844 : 768 },
                    IsMobile = width < 500,
                    HasTouch = width < 500,
                });
                await new LoginPage(dispatcher).LogInAsync(ConsoleStack.Dispatcher, Stack.PasswordOf(ConsoleStack.Dispatcher));
                Assert.Equal(200, (await dispatcher.GotoAsync(AlertDetailPage.PathOf(gateway, fall)))!.Status);

                var record = dispatcher.Locator("#home #client-record");
                await Expect(record.Locator("dd.access")).ToContainTextAsync("code 1234");
                var phones = record.Locator("dd.key-holders a.phone");
                await Expect(phones).ToHaveCountAsync(2);
                await Expect(phones.Nth(0)).ToHaveTextAsync("+358 40 123 4567");
                await Expect(phones.Nth(0)).ToHaveAttributeAsync("href", "tel:+358401234567");
                await Expect(phones.Nth(1)).ToHaveAttributeAsync("href", "tel:040-5551212");
                await Expect(record.Locator("dd.contacts a.phone")).ToHaveAttributeAsync("href", "tel:0507654321");
                // A link a finger can hit, all of it on the screen.
                var box = (await phones.Nth(0).BoundingBoxAsync())!;
                Assert.True(box.Height >= 44, $"the phone link is {box.Height} px tall at {width} px");
                Assert.True(box.X + box.Width <= width, $"the phone link leaves the {width} px screen");
                Assert.True(await dispatcher.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"),
                    $"the alert page scrolls sideways at {width} px");
                // The browser resolves the link as a phone link: following it would dial, not navigate.
                Assert.Equal("tel:", await phones.Nth(0).EvaluateAsync<string>("a => a.protocol"));
            }
        });
    }

    /// <summary>Fills the record of <see cref="HomeId"/> on its page (as the admin <paramref name="page"/>) and saves it.</summary>
    internal static async Task FillRecordAsync(IPage page)
    {
        Assert.Equal(200, (await page.GotoAsync("/homes/" + HomeId))!.Status);
        await page.Locator("#edit-address").FillAsync("Kotikatu 1 A 2\n00100 Helsinki");
        await page.Locator("#edit-keySafe").FillAsync("Key safe left of the door, code 1234. Small dog, friendly.");
        await page.Locator("#edit-keyHolders-0-name").FillAsync("Liisa Virtanen");
        await page.Locator("#edit-keyHolders-0-phone").FillAsync("+358 40 123 4567");
        await page.Locator("#edit-keyHolders-0-relation").FillAsync("daughter");
        await page.Locator("#edit-keyHolders-1-name").FillAsync("Pekka Naapuri");
        await page.Locator("#edit-keyHolders-1-phone").FillAsync("040-555 1212");
        await page.Locator("#edit-keyHolders-1-relation").FillAsync("neighbour");
        await page.Locator("#edit-contacts-0-name").FillAsync("Matti Virtanen");
        await page.Locator("#edit-contacts-0-phone").FillAsync("050 765 4321");
        await page.Locator("#edit-notes").FillAsync("Hard of hearing: knock loudly.");
        await page.SubmitAsync(() => page.Locator("form#edit button[type=submit]").ClickAsync());
        await Expect(page.Locator("#client-record dd.address")).ToBeVisibleAsync();
    }
}
