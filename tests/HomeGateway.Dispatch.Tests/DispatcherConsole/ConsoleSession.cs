using System.Net;
using System.Text.RegularExpressions;
using HomeGateway.Dispatch.Cli;

namespace HomeGateway.Dispatch.Tests.DispatcherConsole;

/// <summary>One browser on the console: its own cookie jar, logged in through the real form, posting with its page's antiforgery token.</summary>
public sealed partial class ConsoleSession : IDisposable
{
    private ConsoleSession(DispatchServer server, string? acceptLanguage, IEnumerable<(string Name, string Value)> headers, IPAddress? source = null)
    {
        Web = source is null ? server.WebClient(Cookies) : server.WebClientFrom(source, Cookies);
        if (acceptLanguage is not null)
        {
            Web.DefaultRequestHeaders.AcceptLanguage.ParseAdd(acceptLanguage);
        }

        foreach (var (name, value) in headers)
        {
            Web.DefaultRequestHeaders.Add(name, value);
        }
    }

    public CookieContainer Cookies { get; } = new();

    public HttpClient Web { get; }

    /// <summary>The antiforgery field (name, value) of the last page read with <see cref="PageAsync"/>.</summary>
    public (string Name, string Value) Antiforgery { get; private set; }

    /// <summary>A browser that has not logged in (it may still read the login page).</summary>
    public static ConsoleSession Anonymous(DispatchServer server, string? acceptLanguage = null, params (string Name, string Value)[] headers) =>
        new(server, acceptLanguage, headers);

    /// <summary>A browser that has not logged in, at another place: its connections come from <paramref name="source"/> (e.g. 127.0.0.2).</summary>
    public static ConsoleSession From(DispatchServer server, IPAddress source) => new(server, null, [], source);

    public static async Task<ConsoleSession> LogInAsync(DispatchServer server, string name, string password, string? acceptLanguage = null)
    {
        var session = Anonymous(server, acceptLanguage);
        var response = await session.LogInAsync(name, password);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        // A role that takes no alerts starts where its work is ("/" sends it there).
        var start = await session.Web.GetAsync("/");
        await session.PageAsync(start.StatusCode == HttpStatusCode.Redirect ? start.Headers.Location!.OriginalString : "/");
        return session;
    }

    /// <summary>Creates a console user with the CLI; returns the password it printed.</summary>
    public static async Task<string> AddUserAsync(DispatchServer server, string name, string role, string? language = null)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        string[] args = ["users", "add", name, "--role", role, .. language is null ? Array.Empty<string>() : ["--language", language]];
        var exitCode = await DispatchCommandLine.InvokeAsync(args, server.Settings, stdout, stderr);
        Assert.True(exitCode == 0, $"`users add {name}` exited with {exitCode}: {stderr}");
        return stdout.ToString().Trim();
    }

    public async Task<HttpResponseMessage> LogInAsync(string name, string password)
    {
        await PageAsync("/login");
        return await PostAsync("/login", ("name", name), ("password", password));
    }

    /// <summary>GETs a page (expecting 200) and keeps its antiforgery token.</summary>
    public async Task<string> PageAsync(string path)
    {
        var response = await Web.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Antiforgery = AntiforgeryIn(html);
        return html;
    }

    /// <summary>The antiforgery field (name, value) of a console page.</summary>
    public static (string Name, string Value) AntiforgeryIn(string html)
    {
        var field = AntiforgeryField().Match(html);
        Assert.True(field.Success, "the page carries an antiforgery token");
        return (field.Groups[1].Value, WebUtility.HtmlDecode(field.Groups[2].Value));
    }

    /// <summary>A form post with this session's antiforgery token.</summary>
    public Task<HttpResponseMessage> PostAsync(string path, params (string Name, string Value)[] fields) =>
        PostWithTokenAsync(path, Antiforgery, fields);

    /// <summary>A form post carrying <paramref name="token"/> (null: none), as a forged request would.</summary>
    public Task<HttpResponseMessage> PostWithTokenAsync(string path, (string Name, string Value)? token, params (string Name, string Value)[] fields) =>
        Web.PostAsync(path, new FormUrlEncodedContent(
            (token is { } t ? fields.Prepend(t) : fields).Select(f => new KeyValuePair<string, string>(f.Name, f.Value))));

    public void Dispose() => Web.Dispose();

    [GeneratedRegex("""<input type="hidden" name="(__antiforgery)" value="([^"]+)"\s*/?>""")]
    private static partial Regex AntiforgeryField();
}
