using System.Diagnostics;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Events;
using HomeGateway.Dispatch.Store;
using Xunit.Abstractions;

namespace HomeGateway.Dispatch.Tests.Store;

public sealed class SqliteGatewayProfileStoreTests(ITestOutputHelper output) : GatewayProfileStoreTests(StoreProvider.Sqlite, output);

public sealed class PostgresGatewayProfileStoreTests(ITestOutputHelper output) : GatewayProfileStoreTests(StoreProvider.PostgreSql, output);

/// <summary>
/// Invariant: each alert row carries its own sensor's name and place and its home's time zone, a profile replaces the
/// gateway's whole list, and a home's time zone is its most recently seen gateway's; on both stores, at the size of a
/// county's busy night (5,000 open alerts) in one query.
/// </summary>
public abstract class GatewayProfileStoreTests(StoreProvider provider, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly StoreHarness harness = new(Records.T0.AddSeconds(5), provider);

    private DispatchStore Store => harness.Store;

    public Task InitializeAsync() => harness.StartAsync();

    public async Task DisposeAsync() => await harness.DisposeAsync();

    private static AlertEvent Alert(string id, string homeId, string sensorId, int minutes = 0) =>
        new(id, AlertEventKind.Raised, AlertType.DoorLeftOpen, AlertPriority.Normal, homeId, sensorId,
            Records.T0.AddMinutes(minutes), Records.T0.AddMinutes(minutes), 1, "Door open");

    [Fact]
    public async Task A_profile_replaces_the_whole_list_and_unknown_sensors_stay_unnamed()
    {
        await Store.AddGatewayAsync("gw-1", "home-1");
        await Store.StoreGatewayProfileAsync("gw-1", new GatewayProfile("Europe/Helsinki",
            [new GatewaySensor("front_door", SensorKind.Door, "Ulko-ovi", "Eteinen"), new GatewaySensor("bed", SensorKind.Bed, "Sänky", null)]));
        await Store.StoreGatewayProfileAsync("gw-1", new GatewayProfile("Europe/Helsinki", [new GatewaySensor("front_door", SensorKind.Door, "Eteisen ovi", "Eteinen")]));
        await Store.StoreAsync([
            new IncomingRecord("gw-1", 1, Records.T0, Alert("a-1", "home-1", "front_door"), null),
            new IncomingRecord("gw-1", 2, Records.T0, Alert("a-2", "home-1", "bed", 1), null)]);

        Assert.Equal([new GatewaySensor("front_door", SensorKind.Door, "Eteisen ovi", "Eteinen")], await Store.ListGatewaySensorsAsync("gw-1"));
        var rows = await Store.ListAlertsAsync(AlertStatus.Open);
        Assert.Equal(("Eteisen ovi", "Eteinen", "Europe/Helsinki"), (rows[0].SensorName, rows[0].SensorLocation, rows[0].TimeZone));
        Assert.Equal((null, null, "Europe/Helsinki"), (rows[1].SensorName, rows[1].SensorLocation, rows[1].TimeZone));
    }

    [Fact]
    public async Task A_home_with_two_gateways_takes_the_time_zone_of_the_one_seen_last()
    {
        await Store.AddGatewayAsync("gw-a", "home-1");
        await Store.AddGatewayAsync("gw-b", "home-1");
        await Store.MarkSeenAsync("gw-a", null);
        await Store.StoreGatewayProfileAsync("gw-a", new GatewayProfile("Europe/Helsinki", []));
        harness.Clock.Advance(TimeSpan.FromMinutes(1));
        await Store.MarkSeenAsync("gw-b", null);
        await Store.StoreGatewayProfileAsync("gw-b", new GatewayProfile("Europe/Stockholm", []));
        Assert.Equal("Europe/Stockholm", (await Store.FindHomeAsync("home-1"))!.TimeZone);

        harness.Clock.Advance(TimeSpan.FromMinutes(1));
        await Store.MarkSeenAsync("gw-a", null);
        Assert.Equal("Europe/Helsinki", Assert.Single(await Store.ListHomesAsync()).TimeZone);
    }

    [Fact]
    public async Task Five_thousand_open_alerts_are_listed_with_their_own_names_in_one_query()
    {
        const int Gateways = 500;
        const int PerGateway = 10;
        for (var g = 0; g < Gateways; g++)
        {
            var gatewayId = $"gw-{g:000}";
            var homeId = $"home-{g:000}";
            await Store.AddGatewayAsync(gatewayId, homeId);
            await Store.StoreGatewayProfileAsync(gatewayId, new GatewayProfile(g % 2 == 0 ? "Europe/Helsinki" : null,
                Enumerable.Range(0, PerGateway).Select(s => new GatewaySensor($"door-{s}", SensorKind.Door, $"Ovi {g}/{s}", $"Paikka {s}")).ToList()));
            await Store.StoreAsync(Enumerable.Range(0, PerGateway)
                .Select(s => new IncomingRecord(gatewayId, s + 1, Records.T0, Alert($"a-{s}", homeId, $"door-{s}", s), null)).ToList());
        }

        var clock = Stopwatch.StartNew();
        var views = await Store.ListAlertViewsAsync(AlertListFilter.Unresolved);
        output.WriteLine($"{provider}: {views.Count} alert views in {clock.ElapsedMilliseconds} ms");

        Assert.Equal(Gateways * PerGateway, views.Count);
        Assert.All(views, v =>
        {
            var g = int.Parse(v.Alert.GatewayId[3..], System.Globalization.CultureInfo.InvariantCulture);
            var s = v.Alert.SensorId[5..];
            Assert.Equal(($"Ovi {g}/{s}", $"Paikka {s}", g % 2 == 0 ? "Europe/Helsinki" : "UTC"), (v.Alert.SensorName, v.Alert.SensorLocation, v.Alert.TimeZone));
        });

        // A join, not a lookup per alert: far under what 5,000 round trips would take, with room for a busy machine.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"{clock.ElapsedMilliseconds} ms");
    }
}
