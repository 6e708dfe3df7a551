using System.Net;
using System.Text.RegularExpressions;
using HomeGateway.Dispatch.Cli;

namespace HomeGateway.Dispatch.Tests.DispatcherConsole;

public sealed class SqliteConsoleLoginTests() : ConsoleLoginTests(StoreProvider.Sqlite);

public sealed class PostgresConsoleLoginTests() : ConsoleLoginTests(StoreProvider.PostgreSql);

/// <summary>Invariant: the console shows the queue only after a login with the right password, from our own form.</summary>
public abstract partial class ConsoleLoginTests(StoreProvider provider) : IAsyncLifetime
{
    private DispatchServer server = null!;
    private string password = "";

    public async Task InitializeAsync()
    {
        server = await DispatchServer.StartAsync(provider);
        var stdout = new StringWriter();
        Assert.Equal(0, await DispatchCommandLine.InvokeAsync(
            ["users", "add", "alice", "--role", "dispatcher"], server.Settings, stdout, new StringWriter()));
        password = stdout.ToString().Trim();
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task The_page_redirects_to_login_without_a_session()
    {
        using var web = server.WebClient();

        var response = await web.GetAsync("/");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/login", response.Headers.Location?.AbsolutePath);
        Assert.Equal(HttpStatusCode.Redirect, (await web.GetAsync("/console.js")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await web.GetAsync("/api/alerts")).StatusCode);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_with_a_generic_message()
    {
        var cookies = new CookieContainer();
        using var web = server.WebClient(cookies);

        var response = await PostLoginAsync(web, "alice", "not-the-password");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Wrong name or password.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(cookies.GetAllCookies(), c => c.Name == "hgd_session");
        var unknownUser = await PostLoginAsync(web, "nobody", password);
        Assert.Equal(HttpStatusCode.Unauthorized, unknownUser.StatusCode);
        Assert.Contains("Wrong name or password.", await unknownUser.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_right_password_gets_a_strict_http_only_cookie_and_the_queue_page()
    {
        var cookies = new CookieContainer();
        using var web = server.WebClient(cookies);

        var response = await PostLoginAsync(web, "alice", password);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var setCookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), h => h.StartsWith("hgd_session=", StringComparison.Ordinal));
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);

        var page = await web.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("Alert queue", html, StringComparison.Ordinal);
        Assert.Contains("/console.js", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await web.GetAsync("/console.js")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await web.GetAsync("/api/alerts")).StatusCode);
    }

    [Fact]
    public async Task A_login_post_without_the_antiforgery_token_is_refused()
    {
        var cookies = new CookieContainer();
        using var web = server.WebClient(cookies);
        await web.GetAsync("/login"); // has the antiforgery cookie, but the form field is missing

        var response = await web.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["name"] = "alice",
            ["password"] = password,
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain(cookies.GetAllCookies(), c => c.Name == "hgd_session");
    }

    [Fact]
    public async Task Repeated_failures_from_one_place_make_it_wait_even_with_the_right_password()
    {
        using var web = server.WebClient(new CookieContainer());
        for (var i = 0; i < Dispatch.DispatcherConsole.LoginThrottle.FreePairFailures; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await PostLoginAsync(web, "alice", "guess" + i)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await PostLoginAsync(web, "alice", password)).StatusCode);
    }

    private static async Task<HttpResponseMessage> PostLoginAsync(HttpClient web, string name, string password)
    {
        var form = await (await web.GetAsync("/login")).Content.ReadAsStringAsync();
        var token = AntiforgeryField().Match(form);
        Assert.True(token.Success, "the login form carries an antiforgery token");
        return await web.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            [token.Groups[1].Value] = WebUtility.HtmlDecode(token.Groups[2].Value),
            ["name"] = name,
            ["password"] = password,
        }));
    }

    [GeneratedRegex("""<input type="hidden" name="(__antiforgery)" value="([^"]+)"\s*/?>""")]
    private static partial Regex AntiforgeryField();
}
