using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using HomeGateway.Dispatch.Cli;
using HomeGateway.Dispatch.Store;
using CoreAlerts = HomeGateway.Core.Alerts;

namespace HomeGateway.Dispatch.Tests.DispatcherConsole;

/// <summary>A logged-in console user (cookies kept) and the helpers the console and lifecycle tests share.</summary>
public sealed partial class LifecycleSession : IDisposable
{
    private LifecycleSession(HttpClient web, (string Name, string Value) antiforgery)
    {
        Web = web;
        Antiforgery = antiforgery;
    }

    public HttpClient Web { get; }

    /// <summary>The antiforgery form field (name, value) of the session's pages.</summary>
    public (string Name, string Value) Antiforgery { get; }

    /// <summary>Creates the user with <c>users add</c> and logs in through the form.</summary>
    public static async Task<LifecycleSession> LogInAsync(DispatchServer server, string name, string role)
    {
        var stdout = new StringWriter();
        Assert.Equal(0, await DispatchCommandLine.InvokeAsync(
            ["users", "add", name, "--role", role], server.Settings, stdout, new StringWriter()));
        var web = server.WebClient(new CookieContainer());
        var login = Field(await (await web.GetAsync("/login")).Content.ReadAsStringAsync());
        var response = await web.PostAsync("/login", Form([login, ("name", name), ("password", stdout.ToString().Trim())]));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return new LifecycleSession(web, Field(await (await web.GetAsync("/")).Content.ReadAsStringAsync()));
    }

    /// <summary>A form post from our page (with the antiforgery field).</summary>
    public Task<HttpResponseMessage> PostFormAsync(string path, params (string Name, string Value)[] fields) =>
        Web.PostAsync(path, Form([Antiforgery, .. fields]));

    /// <summary>A JSON post from our page (the antiforgery token in its header, as console.js would send it).</summary>
    public Task<HttpResponseMessage> PostJsonAsync(string path, object body, bool withAntiforgery = true)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json"),
        };
        if (withAntiforgery)
        {
            request.Headers.Add("RequestVerificationToken", Antiforgery.Value);
        }

        return Web.SendAsync(request);
    }

    public async Task<string> PageAsync(string path)
    {
        var response = await Web.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
    }

    public static (string Name, string Value) Field(string html)
    {
        var match = AntiforgeryField().Match(html);
        Assert.True(match.Success, "the page carries an antiforgery token");
        return (match.Groups[1].Value, WebUtility.HtmlDecode(match.Groups[2].Value));
    }

    public static FormUrlEncodedContent Form((string Name, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));

    /// <summary>A JSON API client with a bearer token (none when null).</summary>
    public static HttpClient Api(DispatchServer server, string? token)
    {
        var web = server.WebClient();
        if (token is not null)
        {
            web.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return web;
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    /// <summary>Registers the gateway in the store (no certificate needed) and stores an alert step from it.</summary>
    public static async Task StoreAlertAsync(IDispatchStore store, string gatewayId, long seq, CoreAlerts.AlertEvent alert)
    {
        await store.AddGatewayAsync(gatewayId, alert.HomeId);
        var outcome = await store.StoreAsync(new IncomingRecord(gatewayId, seq, alert.At, alert, null));
        Assert.True(outcome.IsNew);
    }

    public void Dispose() => Web.Dispose();

    [GeneratedRegex("""<input type="hidden" name="([^"]+)" value="([^"]+)">""")]
    private static partial Regex AntiforgeryField();
}
