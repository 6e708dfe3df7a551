using System.Net;
using HomeGateway.Dispatch.Cli;

namespace HomeGateway.Dispatch.Tests.DispatcherConsole.Language;

/// <summary>Invariant: each user sees the console in their own language, kept with the user; before login the browser's.</summary>
public sealed class ConsoleLanguageTests : IAsyncLifetime
{
    private DispatchServer server = null!;

    public async Task InitializeAsync() => server = await DispatchServer.StartAsync();

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Theory]
    [InlineData("fi-FI,fi;q=0.9", "fi", "Kirjaudu sisään")]
    [InlineData("sv-FI,sv;q=0.9,en;q=0.5", "sv", "Logga in")]
    [InlineData("de-DE", "en", "Log in")]
    public async Task The_login_page_follows_the_browser_with_English_as_the_fallback(string acceptLanguage, string code, string button)
    {
        using var browser = ConsoleSession.Anonymous(server, acceptLanguage);

        var html = await browser.PageAsync("/login");

        Assert.Contains($"<html lang=\"{code}\">", html, StringComparison.Ordinal);
        Assert.Contains($">{button}</button>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_login_says_so_in_the_browser_language()
    {
        using var browser = ConsoleSession.Anonymous(server, "sv");

        var response = await browser.LogInAsync("nobody", "wrong");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Fel användarnamn eller lösenord.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_user_added_with_a_language_gets_every_page_in_it_whatever_the_browser_says()
    {
        var password = await ConsoleSession.AddUserAsync(server, "maija", "admin", language: "fi");
        using var browser = await ConsoleSession.LogInAsync(server, "maija", password, acceptLanguage: "en-GB");

        var queue = await browser.PageAsync("/");
        var fleet = await browser.PageAsync("/fleet");
        var gateways = await browser.PageAsync("/gateways");

        Assert.Contains("<html lang=\"fi\">", queue, StringComparison.Ordinal);
        Assert.Contains("<h1>Hälytysjono</h1>", queue, StringComparison.Ordinal);
        // The script's words come in a data attribute (JSON, attribute-encoded), in the user's culture.
        Assert.Contains("&quot;culture&quot;:&quot;fi-FI&quot;", queue, StringComparison.Ordinal);
        Assert.Contains("id=\"queue-data\"", queue, StringComparison.Ordinal);
        Assert.Contains("<h1>Laitekanta</h1>", fleet, StringComparison.Ordinal);
        Assert.Contains("<h1>Yhdyskäytävät</h1>", gateways, StringComparison.Ordinal);
        Assert.Contains(">Kirjaudu ulos</button>", gateways, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_language_switch_changes_the_session_and_the_stored_user_and_returns_to_the_page()
    {
        var password = await ConsoleSession.AddUserAsync(server, "anna", "dispatcher");
        using var browser = await ConsoleSession.LogInAsync(server, "anna", password);
        Assert.Contains("<html lang=\"en\">", await browser.PageAsync("/fleet"), StringComparison.Ordinal);

        var response = await browser.PostAsync("/language", ("language", "sv"), ("returnTo", "/fleet"));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/fleet", response.Headers.Location?.OriginalString);
        Assert.Contains("<h1>Enhetsöversikt</h1>", await browser.PageAsync("/fleet"), StringComparison.Ordinal);
        Assert.Equal("sv", (await server.Store.FindUserAsync("anna"))!.Language);

        // Kept with the user: a new login elsewhere is in Swedish too.
        using var elsewhere = await ConsoleSession.LogInAsync(server, "anna", password, acceptLanguage: "fi");
        Assert.Contains("<h1>Larmkö</h1>", await elsewhere.PageAsync("/"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("//evil.example/", "/")]
    [InlineData("https://evil.example/", "/")]
    [InlineData("/\\evil.example", "/")]
    [InlineData("/gateways", "/gateways")]
    public async Task The_switch_returns_only_to_a_page_of_this_console(string returnTo, string expected)
    {
        var password = await ConsoleSession.AddUserAsync(server, "tech", "technician");
        using var browser = await ConsoleSession.LogInAsync(server, "tech", password);

        var response = await browser.PostAsync("/language", ("language", "fi"), ("returnTo", returnTo));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(expected, response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task An_unknown_language_is_refused_and_changes_nothing()
    {
        var password = await ConsoleSession.AddUserAsync(server, "anna", "dispatcher", language: "sv");
        using var browser = await ConsoleSession.LogInAsync(server, "anna", password);

        var response = await browser.PostAsync("/language", ("language", "de"), ("returnTo", "/"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Välj engelska, finska eller svenska.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("sv", (await server.Store.FindUserAsync("anna"))!.Language);
    }

    [Fact]
    public async Task Users_add_refuses_a_language_the_console_does_not_speak()
    {
        var stderr = new StringWriter();

        var exit = await DispatchCommandLine.InvokeAsync(
            ["users", "add", "erik", "--role", "dispatcher", "--language", "de", "--data", server.DataDirectory], new StringWriter(), stderr);

        Assert.Equal(DispatchCommandLine.UsageError, exit);
        Assert.Null(await server.Store.FindUserAsync("erik"));
    }
}
