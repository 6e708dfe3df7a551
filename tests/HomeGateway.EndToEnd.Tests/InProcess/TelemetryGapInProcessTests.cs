using HomeGateway.Contracts.V1;
using HomeGateway.Core.Rules;
using HomeGateway.Dispatch.Cli;
using HomeGateway.Dispatch.Hosting;
using HomeGateway.Gateway;
using HomeGateway.Gateway.Configuration;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using CoreAlerts = HomeGateway.Core.Alerts;
using CoreEvents = HomeGateway.Core.Events;

namespace HomeGateway.EndToEnd.Tests.InProcess;

/// <summary>
/// Guards the disk budget end to end: a gateway that was offline long enough to drop telemetry still delivers every alert
/// step, tells dispatch what it dropped (telemetry gap records), and dispatch's cumulative ack moves past the gaps to the
/// gateway's last sequence, so the outbox empties.
/// </summary>
public sealed class TelemetryGapInProcessTests : IAsyncLifetime
{
    private const string Home = """
        home: { id: kotka-0042, timezone: Europe/Helsinki }
        sensors:
          - { id: living_room_temperature, kind: temperature, mqtt: { topic: zigbee2mqtt/living_room_temperature, profile: zigbee2mqtt } }
        rules: {}
        """;

    private const long Budget = 1024 * 1024;
    private readonly string work = Built.NewWorkDirectory("gap");
    private RunningDispatch? dispatch;
    private IHost? gateway;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => InProcessDispatch.StopAsync(gateway, dispatch, work);

    [Fact]
    public async Task Dropped_telemetry_reaches_dispatch_as_gaps_every_alert_step_arrives_and_the_outbox_empties()
    {
        // Invariant: under the disk budget only telemetry is dropped, dispatch learns every dropped sequence as a gap, and every alert step arrives.
        var gatewayData = Path.Combine(work, "gateway");
        Directory.CreateDirectory(gatewayData);
        await File.WriteAllTextAsync(Path.Combine(work, "home.yaml"), Home);

        // A week offline, compressed: telemetry past the budget, with a help step in the middle of it.
        long lastSeq;
        using (var offline = HomeGateway.Gateway.Journal.Journal.Open(Path.Combine(gatewayData, "journal.db"), TimeProvider.System,
            new JournalOptions { MaxBytes = Budget }, "kotka-0042", null))
        {
            var state = new RulesEngine(HomeConfigLoader.Parse(Home, "home.yaml"), DateTimeOffset.UtcNow).SaveState();
            for (var batch = 0; batch < 60; batch++)
            {
                var seqs = offline.Append(Enumerable.Range(0, 100).Select(i => new CoreEvents.SensorEvent("kotka-0042", "living_room_temperature",
                    CoreEvents.SensorKind.Temperature, "measured", DateTimeOffset.UtcNow, "mqtt:zigbee2mqtt/living_room_temperature")
                { Value = 21.5, Detail = new string('t', 120) }).ToList());
                var alerts = batch == 5
                    ? [new CoreAlerts.AlertEvent("help-1", CoreAlerts.AlertEventKind.Raised, CoreAlerts.AlertType.Help, CoreAlerts.AlertPriority.Critical,
                        "kotka-0042", "living_room_temperature", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, 1, "Help button pressed")]
                    : Array.Empty<CoreAlerts.AlertEvent>();
                offline.Append(alerts, state, seqs[^1]);
            }

            Assert.True(offline.Outbox.Dropped > 0, "the budget dropped nothing; the test would prove nothing");
            lastSeq = offline.LastSeq;
        }

        var dispatchData = Path.Combine(work, "dispatch");
        dispatch = await InProcessDispatch.StartAsync(dispatchData);
        await InProcessDispatch.EnrolAsync(dispatch, dispatchData, gatewayData);

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:HomeFile"] = Path.Combine(work, "home.yaml"),
            ["Gateway:DataDirectory"] = gatewayData,
            ["Gateway:Dispatch:Url"] = dispatch.GrpcUri.ToString(),
            ["Gateway:Mqtt:Enabled"] = "false",
            ["Gateway:Journal:MaxBytes"] = Budget.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        builder.AddGateway();
        gateway = builder.Build();
        await gateway.StartAsync();

        var journal = gateway.Services.GetRequiredService<HomeGateway.Gateway.Journal.Journal>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (journal.OutboxDepth > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(0, journal.OutboxDepth);
        Assert.Equal(lastSeq, journal.AckedSeq);

        await using var store = new SqliteConnection($"Data Source={Path.Combine(dispatchData, "dispatch.db")};Mode=ReadOnly;Pooling=false");
        await store.OpenAsync();
        Assert.Equal(lastSeq, await ScalarAsync(store, "SELECT stored_through_seq FROM gateways WHERE gateway_id = 'kotka-0042'"));
        Assert.Equal(journal.Outbox.Dropped, await ScalarAsync(store, "SELECT SUM(count) FROM telemetry_gaps WHERE gateway_id = 'kotka-0042'"));
        Assert.Equal(1, await ScalarAsync(store, "SELECT COUNT(*) FROM alert_events WHERE alert_id = 'help-1'"));

        // Every sequence number is accounted for at dispatch: stored as a record, or inside a gap.
        var stored = await ScalarAsync(store, "SELECT (SELECT COUNT(*) FROM sensor_events) + (SELECT COUNT(*) FROM alert_events) + (SELECT SUM(count) FROM telemetry_gaps)");
        Assert.Equal(lastSeq, stored);
    }

    private static async Task<long> ScalarAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
