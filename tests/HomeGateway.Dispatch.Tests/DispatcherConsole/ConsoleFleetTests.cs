using System.Net;
using System.Text.Json;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Events;
using HomeGateway.Dispatch.Store;

namespace HomeGateway.Dispatch.Tests.DispatcherConsole;

/// <summary>
/// Invariant: the fleet page shows every registered gateway as online, offline (an open outage) or not yet connected,
/// with the sensors that are offline or low on battery by their latest report, problems first.
/// </summary>
public sealed class SqliteConsoleFleetTests() : ConsoleFleetTests(StoreProvider.Sqlite);

public sealed class PostgresConsoleFleetTests() : ConsoleFleetTests(StoreProvider.PostgreSql);

public abstract class ConsoleFleetTests(StoreProvider provider) : IAsyncLifetime
{
    private DispatchServer server = null!;
    private IDispatchStore store = null!;

    public async Task InitializeAsync()
    {
        server = await DispatchServer.StartAsync(provider);
        store = server.Store;
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task Sensors_are_judged_by_their_latest_report_and_the_gateways_own_alerts()
    {
        await store.AddGatewayAsync("gw-sensors", "home-2");
        await store.MarkSeenAsync("gw-sensors", "1.4.0");
        long seq = 0;
        // Went offline and came back: fine. Went offline and stayed: a problem.
        await StoreSensorAsync("gw-sensors", ++seq, Availability("hall_motion", SensorStates.Offline, minutes: 1));
        await StoreSensorAsync("gw-sensors", ++seq, Availability("hall_motion", SensorStates.Online, minutes: 2));
        await StoreSensorAsync("gw-sensors", ++seq, Availability("front_door", SensorStates.Offline, minutes: 3));
        // Battery 15 % then 80 % (changed): fine. 30 % then 12 %: low.
        await StoreSensorAsync("gw-sensors", ++seq, Battery("bed_sensor", 15, minutes: 4));
        await StoreSensorAsync("gw-sensors", ++seq, Battery("bed_sensor", 80, minutes: 5));
        await StoreSensorAsync("gw-sensors", ++seq, Battery("help_button", 30, minutes: 6));
        await StoreSensorAsync("gw-sensors", ++seq, Battery("help_button", 12, minutes: 7));
        // A device that sends only a low-battery flag: the gateway's own open alert says so.
        await store.StoreAsync(new IncomingRecord("gw-sensors", ++seq, Records.T0, Records.Alert("battery-smoke",
            type: AlertType.BatteryLow, priority: AlertPriority.Low, homeId: "home-2", minutes: 8) with { SensorId = "smoke" }, null));

        var gateway = Assert.Single(await store.ListFleetAsync(20));

        Assert.Equal(GatewayState.Online, gateway.State);
        Assert.Equal(
            [("front_door", SensorProblemKind.Offline, (int?)null), ("help_button", SensorProblemKind.LowBattery, 12), ("smoke", SensorProblemKind.LowBattery, null)],
            gateway.SensorProblems.Select(p => (p.SensorId, p.Kind, p.BatteryPercent)));
        Assert.Equal(Records.T0.AddMinutes(3), gateway.SensorProblems[0].ReportedAt);
        Assert.Equal(Records.T0.AddMinutes(7), gateway.SensorProblems[1].ReportedAt);
    }

    [Fact]
    public async Task Problems_come_first_on_the_page_and_in_the_json_for_every_role_that_works_the_console()
    {
        await store.AddGatewayAsync("gw-a-fine", "home-1");
        await store.MarkSeenAsync("gw-a-fine", "1.4.0");
        await store.AddGatewayAsync("gw-b-new", "home-2");
        await store.AddGatewayAsync("gw-c-sensor", "home-3");
        await store.MarkSeenAsync("gw-c-sensor", "1.4.0");
        await StoreSensorAsync("gw-c-sensor", 1, Availability("front_door", SensorStates.Offline, minutes: 1, homeId: "home-3"));
        await store.AddGatewayAsync("gw-d-offline", "home-4");
        await store.MarkSeenAsync("gw-d-offline", "1.3.9");
        await store.RaiseGatewayOfflineAsync("gw-d-offline", Records.T0, Records.T0.AddSeconds(90), 90);

        foreach (var role in new[] { "dispatcher", "technician", "admin" })
        {
            var password = await ConsoleSession.AddUserAsync(server, "user-" + role, role);
            using var browser = await ConsoleSession.LogInAsync(server, "user-" + role, password);

            var html = await browser.PageAsync("/fleet");

            var order = new[] { "gw-d-offline", "gw-c-sensor", "gw-b-new", "gw-a-fine" }.Select(id => html.IndexOf($"data-gateway=\"{id}\"", StringComparison.Ordinal)).ToList();
            Assert.All(order, index => Assert.True(index > 0));
            Assert.Equal(order.Order(), order);
            Assert.Contains("OFFLINE since", html, StringComparison.Ordinal);
            Assert.Contains("not yet connected", html, StringComparison.Ordinal);
            Assert.Contains("front_door: offline (reported", html, StringComparison.Ordinal);
            // Live through its script, not by reloading: no meta refresh (the CSP-friendly page has no inline anything).
            Assert.DoesNotContain("http-equiv=\"refresh\"", html, StringComparison.Ordinal);
            Assert.Contains("<script src=\"/fleet.js\"></script>", html, StringComparison.Ordinal);
            Assert.Matches("<tr class=\"g-offline\" data-gateway=\"gw-d-offline\">", html);
            Assert.Matches("<tr class=\"g-attention\" data-gateway=\"gw-c-sensor\">", html);
            Assert.Matches("<tr class=\"g-new\" data-gateway=\"gw-b-new\">", html);
            Assert.Matches("<li class=\"sensor-offline\">front_door: offline \\(reported <time datetime=", html);

            var json = JsonDocument.Parse(await browser.Web.GetStringAsync("/api/gateways")).RootElement;
            Assert.Equal(["gw-d-offline", "gw-c-sensor", "gw-b-new", "gw-a-fine"], json.EnumerateArray().Select(g => g.GetProperty("gatewayId").GetString()));
            Assert.Equal(["offline", "online", "not_yet_connected", "online"], json.EnumerateArray().Select(g => g.GetProperty("state").GetString()));
            Assert.Equal("1.3.9", json[0].GetProperty("softwareVersion").GetString());
            Assert.Equal("offline", json[1].GetProperty("sensorProblems")[0].GetProperty("problem").GetString());
            Assert.Equal(JsonValueKind.Null, json[0].GetProperty("timeZone").ValueKind);

            var script = await browser.Web.GetAsync("/fleet.js");
            Assert.Equal(HttpStatusCode.OK, script.StatusCode);
            Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
            Assert.Contains("/api/alerts/stream", await script.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_fleet_needs_a_login_or_a_token()
    {
        using var anonymous = server.WebClient();
        var token = await server.AddApiTokenAsync("fleet-monitor");
        using var integration = server.WebClient();
        integration.DefaultRequestHeaders.Authorization = new("Bearer", token);

        Assert.Equal(HttpStatusCode.Redirect, (await anonymous.GetAsync("/fleet")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/gateways")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await integration.GetAsync("/api/gateways")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await integration.GetAsync("/fleet")).StatusCode);
    }

    private Task<StoreOutcome> StoreSensorAsync(string gatewayId, long seq, SensorEvent e) =>
        store.StoreAsync(new IncomingRecord(gatewayId, seq, e.At, null, e));

    private static SensorEvent Availability(string sensorId, string state, int minutes, string homeId = "home-2") =>
        new(homeId, sensorId, SensorKind.Availability, state, Records.T0.AddMinutes(minutes), "mqtt:zigbee2mqtt/" + sensorId + "/availability");

    private static SensorEvent Battery(string sensorId, int percent, int minutes) =>
        new("home-2", sensorId, SensorKind.Motion, "idle", Records.T0.AddMinutes(minutes), "mqtt:zigbee2mqtt/" + sensorId) { BatteryPercent = percent };
}
