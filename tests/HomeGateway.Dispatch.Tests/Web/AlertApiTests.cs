using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using HomeGateway.Core.Alerts;

namespace HomeGateway.Dispatch.Tests.Web;

/// <summary>Invariant: the queue and its live stream answer only with a valid API token (or console session).</summary>
public sealed class AlertApiTests : IAsyncLifetime
{
    private DispatchServer server = null!;

    public async Task InitializeAsync() => server = await DispatchServer.StartAsync();

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task Healthz_answers_without_authentication()
    {
        using var web = server.WebClient();
        var response = await web.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/api/alerts", null)]
    [InlineData("/api/alerts", "hgd_wrong")]
    [InlineData("/api/alerts/stream", null)]
    [InlineData("/api/alerts/stream", "hgd_wrong")]
    public async Task The_api_refuses_a_missing_or_wrong_token(string path, string? token)
    {
        await server.AddApiTokenAsync("integration");
        using var web = server.WebClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        var response = await web.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task The_queue_is_json_in_priority_order_with_wire_names()
    {
        var gatewayToken = await server.AddGatewayAsync("gw-1");
        using (var uplink = await server.ConnectAsync(gatewayToken))
        {
            await uplink.HelloAsync("gw-1");
            await uplink.SendRecordAsync(Records.Wire(1, Records.Alert("door-1", type: AlertType.DoorLeftOpen, priority: AlertPriority.Normal, summary: "Door open")));
            await uplink.SendRecordAsync(Records.Wire(2, Records.Alert("help-1", type: AlertType.Help, priority: AlertPriority.Critical, minutes: 3)));
            await uplink.SendRecordAsync(Records.Wire(3, Records.Alert("door-1", AlertEventKind.Cleared, AlertType.DoorLeftOpen, AlertPriority.Normal, summary: "Door closed", minutes: 4)));
        }

        using var web = server.WebClient();
        web.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await server.AddApiTokenAsync("integration"));

        var all = await GetJsonAsync(web, "/api/alerts");
        Assert.Equal(2, all.GetArrayLength());
        var help = all[0];
        Assert.Equal("help-1", help.GetProperty("alertId").GetString());
        Assert.Equal("gw-1", help.GetProperty("gatewayId").GetString());
        Assert.Equal("home-1", help.GetProperty("homeId").GetString());
        Assert.Equal("help", help.GetProperty("type").GetString());
        Assert.Equal("critical", help.GetProperty("priority").GetString());
        Assert.Equal("open", help.GetProperty("status").GetString());
        Assert.Equal("bedroom_radar", help.GetProperty("sensorId").GetString());
        Assert.Equal(1, help.GetProperty("count").GetInt32());
        Assert.Equal(Records.T0.AddMinutes(3), help.GetProperty("raisedAt").GetDateTimeOffset());
        foreach (var field in new[] { "summary", "evidenceAt", "firstReceivedAt", "lastEventAt" })
        {
            Assert.True(help.TryGetProperty(field, out _), field);
        }

        var door = all[1];
        Assert.Equal(("door_left_open", "normal", "cleared", "Door closed"),
            (door.GetProperty("type").GetString(), door.GetProperty("priority").GetString(),
             door.GetProperty("status").GetString(), door.GetProperty("summary").GetString()));

        var open = await GetJsonAsync(web, "/api/alerts?status=open");
        Assert.Equal("help-1", Assert.Single(open.EnumerateArray()).GetProperty("alertId").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await web.GetAsync("/api/alerts?status=whatever")).StatusCode);
    }

    [Fact]
    public async Task The_stream_delivers_a_newly_stored_alert_step_once()
    {
        using var web = server.WebClient();
        web.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await server.AddApiTokenAsync("integration"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var response = await web.GetAsync("/api/alerts/stream", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var events = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));

        var gatewayToken = await server.AddGatewayAsync("gw-live");
        using var uplink = await server.ConnectAsync(gatewayToken);
        await uplink.HelloAsync("gw-live");
        await uplink.SendRecordAsync(Records.Wire(1, Records.Alert("fall-live")));
        await uplink.SendRecordAsync(Records.Wire(1, Records.Alert("fall-live"))); // a duplicate: not published
        await uplink.SendRecordAsync(Records.Wire(2, Records.Alert("fall-live", AlertEventKind.Repeated, count: 2, minutes: 1)));

        var first = await NextAlertAsync(events, timeout.Token);
        Assert.Equal(("fall-live", "gw-live", 1L, "raised", "fall", "critical"),
            (first.GetProperty("alertId").GetString(), first.GetProperty("gatewayId").GetString(), first.GetProperty("seq").GetInt64(),
             first.GetProperty("kind").GetString(), first.GetProperty("type").GetString(), first.GetProperty("priority").GetString()));
        foreach (var field in new[] { "homeId", "sensorId", "summary", "count", "at", "evidenceAt", "receivedAt" })
        {
            Assert.True(first.TryGetProperty(field, out _), field);
        }

        var second = await NextAlertAsync(events, timeout.Token);
        Assert.Equal((2L, "repeated", 2), (second.GetProperty("seq").GetInt64(), second.GetProperty("kind").GetString(), second.GetProperty("count").GetInt32()));
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient web, string path)
    {
        var response = await web.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    private static async Task<JsonElement> NextAlertAsync(StreamReader events, CancellationToken ct)
    {
        string? eventName = null;
        while (await events.ReadLineAsync(ct) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                eventName = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && eventName == "alert")
            {
                return JsonDocument.Parse(line["data: ".Length..]).RootElement;
            }
        }

        throw new InvalidOperationException("The event stream ended.");
    }
}

/// <summary>Invariant: an idle stream still says something every 15 s (of dispatch's clock), so proxies keep it open.</summary>
public sealed class AlertStreamKeepAliveTests
{
    [Fact]
    public async Task An_idle_stream_gets_a_keep_alive_comment()
    {
        using var data = new TempDirectory();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Records.T0);
        await using var running = await HomeGateway.Dispatch.Hosting.DispatchApp.StartAsync(
            new HomeGateway.Dispatch.Hosting.DispatchOptions { DataDirectory = data.Path, WebUrl = "http://127.0.0.1:0", GrpcUrl = "https://127.0.0.1:0" },
            builder => Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton<TimeProvider>(builder.Services, time));
        var token = HomeGateway.Dispatch.Credentials.Secrets.NewApiToken();
        var store = (HomeGateway.Dispatch.Store.IDispatchStore)running.Services.GetService(typeof(HomeGateway.Dispatch.Store.IDispatchStore))!;
        await store.AddApiTokenAsync("t", HomeGateway.Dispatch.Credentials.Secrets.Hash(token));

        using var web = new HttpClient { BaseAddress = running.WebUri };
        web.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var response = await web.GetAsync("/api/alerts/stream", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var events = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        Assert.Equal(": connected", await events.ReadLineAsync(timeout.Token));

        // The server's timer may not be armed yet when the clock first moves, so keep moving it.
        string? line;
        do
        {
            var reading = events.ReadLineAsync(timeout.Token).AsTask();
            while (!reading.IsCompleted)
            {
                time.Advance(TimeSpan.FromSeconds(15));
                await Task.WhenAny(reading, Task.Delay(50, timeout.Token));
            }

            line = await reading;
        }
        while (line == "");

        Assert.Equal(": keep-alive", line);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }
}
