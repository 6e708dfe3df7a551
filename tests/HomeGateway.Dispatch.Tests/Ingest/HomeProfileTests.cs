using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json;
using HomeGateway.Contracts.V1;
using HomeGateway.Dispatch.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using CoreSensorKind = HomeGateway.Core.Events.SensorKind;

namespace HomeGateway.Dispatch.Tests.Ingest;

public sealed class SqliteHomeProfileTests() : HomeProfileTests(StoreProvider.Sqlite);

public sealed class PostgresHomeProfileTests() : HomeProfileTests(StoreProvider.PostgreSql);

/// <summary>
/// Invariant: a gateway's home profile (Hello, then HomeProfile) reaches every alert the console and the API show as
/// sensorName, sensorLocation and timeZone, replaced whole by the next one, and whatever a gateway puts in it is bounded
/// where it enters and never ends its stream or touches another gateway's. Real Kestrel, real mutual TLS, both stores.
/// </summary>
public abstract class HomeProfileTests(StoreProvider provider) : IAsyncLifetime
{
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private readonly ConcurrentQueue<(EventId Id, string Message)> logs = new();
    private DispatchServer server = null!;

    public async Task InitializeAsync() => server = await DispatchServer.StartAsync(provider, builder =>
    {
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Logging.AddProvider(new CapturingProvider(logs));
    });

    public async Task DisposeAsync() => await server.DisposeAsync();

    public static HomeProfile Profile(string timeZone, params (string Id, SensorKind Kind, string Name, string Location)[] sensors)
    {
        var profile = new HomeProfile { TimeZone = timeZone };
        profile.Sensors.Add(sensors.Select(s => new SensorProfile { SensorId = s.Id, Kind = s.Kind, Name = s.Name, Location = s.Location }));
        return profile;
    }

    private static GatewayMessage Hello(string gatewayId, HomeProfile? profile, string homeId = "home-1")
    {
        var hello = Records.Hello(gatewayId, homeId);
        hello.Hello.Profile = profile;
        return hello;
    }

    [Fact]
    public async Task The_profile_in_hello_names_the_alerts_in_the_store_and_in_the_api()
    {
        var token = await server.AddGatewayAsync("gw-1");
        using var stream = await server.ConnectAsync(token);
        await stream.SendAsync(Hello("gw-1", Profile("Europe/Helsinki",
            ("bedroom_radar", SensorKind.Fall, "Makuuhuoneen tutka", "Makuuhuone"),
            ("front_door", SensorKind.Door, "Ulko-ovi", ""))));
        var welcome = (await stream.ReadAsync()).Welcome;
        Assert.True(welcome.AcceptsHomeProfile);
        await stream.SendRecordAsync(Records.Wire(1, Records.Alert("fall-1")));

        Assert.Equal(
            [new GatewaySensor("bedroom_radar", CoreSensorKind.Fall, "Makuuhuoneen tutka", "Makuuhuone"), new GatewaySensor("front_door", CoreSensorKind.Door, "Ulko-ovi", null)],
            await server.Store.ListGatewaySensorsAsync("gw-1"));
        var view = Assert.Single(await server.Store.ListAlertViewsAsync(AlertListFilter.All)).Alert;
        Assert.Equal(("Makuuhuoneen tutka", "Makuuhuone", "Europe/Helsinki"), (view.SensorName, view.SensorLocation, view.TimeZone));
        Assert.Equal("Europe/Helsinki", (await server.Store.FindHomeAsync("home-1"))!.TimeZone);
        Assert.Equal("Europe/Helsinki", Assert.Single(await server.Store.ListResponseTimesAsync(Records.T0.AddDays(-1), Records.T0.AddDays(1))).TimeZone);

        using var web = server.WebClient();
        web.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await server.AddApiTokenAsync("integration"));
        var row = JsonDocument.Parse(await web.GetStringAsync("/api/alerts")).RootElement[0];
        Assert.Equal("Makuuhuoneen tutka", row.GetProperty("sensorName").GetString());
        Assert.Equal("Makuuhuone", row.GetProperty("sensorLocation").GetString());
        Assert.Equal("Europe/Helsinki", row.GetProperty("timeZone").GetString());
        var detail = JsonDocument.Parse(await web.GetStringAsync("/api/alerts/fall-1?gateway=gw-1")).RootElement;
        Assert.Equal("Makuuhuoneen tutka", detail.GetProperty("alert").GetProperty("sensorName").GetString());
        Assert.Equal("Europe/Helsinki", detail.GetProperty("home").GetProperty("timeZone").GetString());
    }

    [Fact]
    public async Task Without_a_profile_the_api_shows_nulls_and_utc_and_an_older_gateway_keeps_what_dispatch_had()
    {
        var token = await server.AddGatewayAsync("gw-old");
        using (var stream = await server.ConnectAsync(token))
        {
            await stream.HelloAsync("gw-old");
            await stream.SendRecordAsync(Records.Wire(1, Records.Alert("fall-1")));
        }

        using var web = server.WebClient();
        web.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await server.AddApiTokenAsync("integration"));
        var row = JsonDocument.Parse(await web.GetStringAsync("/api/alerts")).RootElement[0];
        Assert.Equal(JsonValueKind.Null, row.GetProperty("sensorName").ValueKind);
        Assert.Equal(JsonValueKind.Null, row.GetProperty("sensorLocation").ValueKind);
        Assert.Equal("UTC", row.GetProperty("timeZone").GetString());

        using (var upgraded = await server.ConnectAsync(token))
        {
            await upgraded.SendAsync(Hello("gw-old", Profile("Europe/Stockholm", ("bedroom_radar", SensorKind.Fall, "Fallsensorn", "Sovrummet"))));
            await upgraded.ReadAsync();
        }

        // Downgraded again: a Hello without a profile changes nothing.
        using (var downgraded = await server.ConnectAsync(token))
        {
            await downgraded.HelloAsync("gw-old");
            await downgraded.SendRecordAsync(Records.Wire(2, Records.Sensor()));
        }

        var view = Assert.Single(await server.Store.ListAlertViewsAsync(AlertListFilter.All)).Alert;
        Assert.Equal(("Fallsensorn", "Sovrummet", "Europe/Stockholm"), (view.SensorName, view.SensorLocation, view.TimeZone));
    }

    [Fact]
    public async Task A_profile_on_the_open_stream_replaces_the_whole_list_and_the_next_alert_step_carries_it()
    {
        var token = await server.AddGatewayAsync("gw-2");
        using var stream = await server.ConnectAsync(token);
        await stream.SendAsync(Hello("gw-2", Profile("Europe/Helsinki",
            ("bedroom_radar", SensorKind.Fall, "Tutka", "Makuuhuone"), ("hall_motion", SensorKind.Motion, "Liike", "Eteinen"))));
        await stream.ReadAsync();

        // The technician renames the radar and removes the motion sensor; the gateway re-reads its home file.
        await stream.SendAsync(new GatewayMessage { HomeProfile = Profile("Europe/Helsinki", ("bedroom_radar", SensorKind.Fall, "Makuuhuoneen tutka", "Makuuhuone, ikkunan alla")) });
        await stream.SendRecordAsync(Records.Wire(1, Records.Alert("fall-1")));

        Assert.Equal([new GatewaySensor("bedroom_radar", CoreSensorKind.Fall, "Makuuhuoneen tutka", "Makuuhuone, ikkunan alla")],
            await server.Store.ListGatewaySensorsAsync("gw-2"));
        var view = Assert.Single(await server.Store.ListAlertViewsAsync(AlertListFilter.All)).Alert;
        Assert.Equal("Makuuhuoneen tutka", view.SensorName);
    }

    [Fact]
    public async Task A_gateway_sending_profile_after_profile_is_paced_and_the_newest_is_stored_in_the_end()
    {
        var token = await server.AddGatewayAsync("gw-busy");
        using var stream = await server.ConnectAsync(token);
        await stream.HelloAsync("gw-busy");
        for (var i = 0; i < 50; i++)
        {
            await stream.SendAsync(new GatewayMessage { HomeProfile = Profile("Europe/Helsinki", ("bedroom_radar", SensorKind.Fall, $"Tutka {i}", "Makuuhuone")) });
        }

        await stream.SendRecordAsync(Records.Wire(1, Records.Sensor()));
        Assert.Equal("Tutka 4", Assert.Single(await server.Store.ListGatewaySensorsAsync("gw-busy")).Name);

        // A heartbeat after the pause stores the newest; the stream was never refused.
        clock.Advance(HomeGateway.Dispatch.Ingest.HomeProfileIntake.Refill);
        await stream.SendAsync(new GatewayMessage { Heartbeat = new Heartbeat { LastSeq = 1 } });
        await stream.SendRecordAsync(Records.Wire(2, Records.Sensor()));
        Assert.Equal("Tutka 49", Assert.Single(await server.Store.ListGatewaySensorsAsync("gw-busy")).Name);
    }

    [Fact]
    public async Task A_live_alert_step_carries_the_sensor_name_and_time_zone()
    {
        var token = await server.AddGatewayAsync("gw-3");
        using var stream = await server.ConnectAsync(token);
        await stream.SendAsync(Hello("gw-3", Profile("Europe/Helsinki", ("bedroom_radar", SensorKind.Fall, "Tutka", "Makuuhuone"))));
        await stream.ReadAsync();

        using var subscription = server.Service<HomeGateway.Dispatch.LiveFeed.IAlertFeed>().Subscribe();
        await stream.SendRecordAsync(Records.Wire(1, Records.Alert("fall-1")));

        using var timeout = new CancellationTokenSource(UplinkStream.Patience);
        var step = Assert.IsType<StoredAlertStep>(await subscription.Reader.ReadAsync(timeout.Token));
        Assert.Equal(("Tutka", "Makuuhuone", "Europe/Helsinki"), (step.SensorName, step.SensorLocation, step.TimeZone));
        var json = HomeGateway.Dispatch.Web.AlertStepJsonMapping.From(step);
        Assert.Equal(("Tutka", "Makuuhuone", "Europe/Helsinki"), (json.SensorName, json.SensorLocation, json.TimeZone));
    }

    [Fact]
    public async Task A_hostile_profile_is_bounded_keeps_its_stream_and_leaves_other_gateways_alone()
    {
        var hostileToken = await server.AddGatewayAsync("gw-bad", homeId: "home-bad");
        var goodToken = await server.AddGatewayAsync("gw-good");
        var hostile = new HomeProfile { TimeZone = "Mars/Olympus\n\u001b[2J" };
        hostile.Sensors.Add(Enumerable.Range(0, 300).Select(i => new SensorProfile
        {
            SensorId = $"s{i:000}",
            Kind = (SensorKind)99,
            // 10 kB names on the first 60 (the rest short): the frame stays under gRPC's 1 MB message limit, which
            // refuses a larger one before it is read.
            Name = "Eteisen\r\novi\u001b[31m " + new string('x', i < 60 ? 10_000 : 70),
            Location = "\u202EEteinen\t",
        }));
        hostile.Sensors.Add(new SensorProfile { SensorId = "bad\nid", Name = "x" });

        using var bad = await server.ConnectAsync(hostileToken);
        await bad.SendAsync(Hello("gw-bad", hostile, "home-bad"));
        Assert.Equal(DispatchMessage.BodyOneofCase.Welcome, (await bad.ReadAsync()).BodyCase);
        var again = hostile.Clone();
        again.TimeZone = "../../../etc/passwd";
        await bad.SendAsync(new GatewayMessage { HomeProfile = again });
        Assert.Equal(1UL, await bad.SendRecordAsync(Records.Wire(1, Records.Sensor("home-bad"))));

        using var good = await server.ConnectAsync(goodToken);
        await good.SendAsync(Hello("gw-good", Profile("Europe/Helsinki", ("s000", SensorKind.Door, "Ulko-ovi", "Eteinen"))));
        await good.ReadAsync();
        Assert.Equal(1UL, await good.SendRecordAsync(Records.Wire(1, Records.Sensor())));

        var stored = await server.Store.ListGatewaySensorsAsync("gw-bad");
        Assert.Equal(256, stored.Count);
        Assert.All(stored, s =>
        {
            Assert.Equal(CoreSensorKind.Unknown, s.Kind);
            Assert.StartsWith("Eteisen  ovi [31m xxx", s.Name, StringComparison.Ordinal);
            Assert.True(s.Name!.Length <= 64, s.Name);
            Assert.Equal("Eteinen", s.Location);
        });
        Assert.Equal("UTC", (await server.Store.FindHomeAsync("home-bad"))!.TimeZone);
        Assert.Equal("Europe/Helsinki", (await server.Store.FindHomeAsync("home-1"))!.TimeZone);
        Assert.Equal([new GatewaySensor("s000", CoreSensorKind.Door, "Ulko-ovi", "Eteinen")], await server.Store.ListGatewaySensorsAsync("gw-good"));

        // Logged once for the stream, escaped: no newline or terminal escape reaches the log line.
        var refused = Assert.Single(logs, l => l.Id.Id == 1181);
        Assert.Contains("Mars/Olympus\\u000A\\u001B[2J", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', refused.Message);
        Assert.DoesNotContain('\u001b', refused.Message);
        Assert.Single(logs, l => l.Id.Id == 1182);
    }

    [Fact]
    public async Task An_unknown_time_zone_is_shown_as_utc()
    {
        var token = await server.AddGatewayAsync("gw-tz", homeId: "home-tz");
        using var stream = await server.ConnectAsync(token);
        await stream.SendAsync(new GatewayMessage
        {
            Hello = new Hello { GatewayId = "gw-tz", HomeId = "home-tz", SoftwareVersion = "test", Profile = new HomeProfile { TimeZone = "FLE Standard Time" } },
        });
        await stream.ReadAsync();
        await stream.SendRecordAsync(Records.Wire(1, Records.Alert("fall-1", homeId: "home-tz")));

        Assert.Equal("UTC", Assert.Single(await server.Store.ListAlertViewsAsync(AlertListFilter.All)).Alert.TimeZone);
        Assert.Equal("UTC", (await server.Store.FindHomeAsync("home-tz"))!.TimeZone);
    }

    private sealed class CapturingProvider(ConcurrentQueue<(EventId Id, string Message)> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(lines);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<(EventId Id, string Message)> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue((eventId, formatter(state, exception)));
        }
    }
}
