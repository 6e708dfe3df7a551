using HomeGateway.Dispatch.DispatcherConsole.Language;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace HomeGateway.EndToEnd.Tests.Browser;

/// <summary>
/// Each role gets its pages and no others: a technician looks after the fleet and the homes but neither reads the audit
/// log nor works alerts; a dispatcher works alerts but does not read the audit log.
/// </summary>
public sealed class RoleBrowserTests(ChromiumFixture chromium) : ConsoleBrowserTest(chromium)
{
    private const string Technician = "teemu";

    [Fact]
    public async Task A_technician_sees_the_fleet_and_the_homes_but_gets_403_for_the_audit_log_and_cannot_resolve()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await Stack.AddUserAsync(Technician, "technician");
        var fall = await Stack.FallAsync(timeout.Token);
        var gateway = await Stack.GatewayOfAsync(fall, timeout.Token);
        await InBrowserAsync(async session =>
        {
            var tab = await session.NewTabAsync();
            var login = new LoginPage(tab);
            await login.OpenAsync();
            await login.SubmitAsync(Technician, Stack.PasswordOf(Technician));
            Assert.True(await login.HasSessionCookieAsync());

            Assert.Equal(200, (await tab.GotoAsync("/fleet"))!.Status);
            await Expect(tab.GetByRole(AriaRole.Heading, new() { Name = ConsoleWords.Of<ConsoleText>("Fleet", ConsoleLanguage.English) })).ToBeVisibleAsync();
            await Expect(tab.Locator("body")).ToContainTextAsync(gateway);
            Assert.Equal(200, (await tab.GotoAsync("/homes"))!.Status);

            Assert.Equal(403, (await tab.GotoAsync(AuditPage.Path))!.Status);
            var alertPath = AlertDetailPage.PathOf(gateway, fall);
            Assert.Equal(403, (await tab.GotoAsync(alertPath))!.Status);

            // Even a well-formed resolve post with her own valid antiforgery token (from a page she may see) is refused:
            // the role is checked on the post, not only by hiding the form.
            await tab.GotoAsync("/homes");
            var posted = await tab.RunAndWaitForResponseAsync(
                () => tab.EvaluateAsync(PostFormScript, new object[] { alertPath + "/resolve", "false_alarm" }),
                response => response.Request.Method == "POST" && response.Url.EndsWith("/resolve", StringComparison.Ordinal));
            Assert.Equal(403, posted.Status);
            Assert.NotNull(await Stack.StoredAlertAsync(fall, timeout.Token));
        });
    }

    [Fact]
    public async Task A_dispatcher_gets_403_for_the_audit_log()
    {
        await InBrowserAsync(async session =>
        {
            var queue = await Stack.LogInAsync(session);
            Assert.Equal(403, (await queue.Page.GotoAsync(AuditPage.Path))!.Status);
        });
    }

    /// <summary>Posts a resolve form from the current page, with the antiforgery field the page's logout form carries.</summary>
    private const string PostFormScript = """
        ([action, outcome]) => {
          const token = document.querySelector("#logout input[type=hidden]");
          const form = document.createElement("form");
          form.method = "post";
          form.action = action;
          for (const [name, value] of [[token.name, token.value], ["outcome", outcome], ["note", ""]]) {
            const input = document.createElement("input");
            input.type = "hidden";
            input.name = name;
            input.value = value;
            form.appendChild(input);
          }
          document.body.appendChild(form);
          form.submit();
        }
        """;
}
