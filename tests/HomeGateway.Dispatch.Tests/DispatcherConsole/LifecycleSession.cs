using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using HomeGateway.Dispatch.Store;
using CoreAlerts = HomeGateway.Core.Alerts;

namespace HomeGateway.Dispatch.Tests.DispatcherConsole;

/// <summary>
/// A logged-in console user for the lifecycle tests: <see cref="ConsoleSession"/> (login, antiforgery, form posts)
/// plus JSON posts from the page and the JSON API's helpers.
/// </summary>
public sealed class LifecycleSession : IDisposable
{
    private readonly ConsoleSession console;

    private LifecycleSession(ConsoleSession console)
    {
        this.console = console;
    }

    public HttpClient Web => console.Web;

    /// <summary>The antiforgery form field (name, value) of the session's pages.</summary>
    public (string Name, string Value) Antiforgery => console.Antiforgery;

    /// <summary>Creates the user with <c>users add</c> and logs in through the form.</summary>
    public static async Task<LifecycleSession> LogInAsync(DispatchServer server, string name, string role) =>
        new(await ConsoleSession.LogInAsync(server, name, await ConsoleSession.AddUserAsync(server, name, role)));

    /// <summary>A form post from our page (with the antiforgery field).</summary>
    public Task<HttpResponseMessage> PostFormAsync(string path, params (string Name, string Value)[] fields) =>
        console.PostAsync(path, fields);

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

    /// <summary>A page (expecting 200), its entities decoded so tests compare plain text.</summary>
    public async Task<string> PageAsync(string path) => WebUtility.HtmlDecode(await console.PageAsync(path));

    /// <summary>A form body without an antiforgery field, as a forged post sends it.</summary>
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

    /// <summary>
    /// The alert pages' scene: a high-priority fall (<c>gw-1</c>/<c>fall-1</c>) in <c>home-1</c>, 30 minutes contracted,
    /// with its key safe and contacts, and a carer checked in five minutes before it.
    /// </summary>
    public static async Task StoreFallAtHomeAsync(IDispatchStore store)
    {
        await StoreAlertAsync(store, "gw-1", 1, Records.Alert("fall-1", priority: CoreAlerts.AlertPriority.High));
        await store.UpdateHomeAsync(new HomeDetails("home-1", 30, "left of the front door", "daughter 040 123 4567", "hard of hearing"), "setup");
        await store.StoreAsync(new IncomingRecord("gw-1", 2, Records.T0, null, new HomeGateway.Core.Events.SensorEvent(
            "home-1", "keyswitch", HomeGateway.Core.Events.SensorKind.Visit, HomeGateway.Core.Events.SensorStates.CheckIn, Records.T0.AddMinutes(-5), "gpio:5")));
    }

    public void Dispose() => console.Dispose();
}
