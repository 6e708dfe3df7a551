using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using HomeGateway.Dispatch.Cli;
using HomeGateway.Dispatch.Hosting;
using HomeGateway.Gateway;
using HomeGateway.Gateway.Mqtt;
using HomeGateway.Simulator.Scenarios;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MQTTnet;

namespace HomeGateway.EndToEnd.Tests.InProcess;

/// <summary>
/// The whole slice in one process: the simulated home's devices → the gateway's broker and GPIO → journal → rules →
/// uplink over a real mutual-TLS gRPC channel → dispatch's store → the API, and the local MQTT republish. Guards that each alert
/// arrives once, with its evidence, and that the gateway's outbox is fully acknowledged afterwards.
/// </summary>
public sealed class AlertPathInProcessTests : IAsyncLifetime
{
    private const string Home = """
        home: { id: kotka-0042, timezone: Europe/Helsinki }
        sensors:
          - { id: help_button, kind: help_button, gpio: { pin: 27, activeLow: true, pull: up, debounceMs: 20 } }
          - { id: bedroom_radar, kind: fall, mqtt: { topic: zigbee2mqtt/bedroom_radar, profile: zigbee2mqtt, model: tuya-mir-he200 } }
          - { id: front_door, kind: door, mqtt: { topic: zigbee2mqtt/front_door, profile: zigbee2mqtt } }
        rules:
          fall: {}
          help: {}
          doorLeftOpen: { after: 2s, repeatEvery: 1m }
        """;

    private readonly string work = Built.NewWorkDirectory("inproc");
    private RunningDispatch? dispatch;
    private IHost? gateway;
    private string apiToken = "";
    private string mqttPassword = "";
    private int mqttPort;
    private string dispatchData = "";
    private readonly ConcurrentQueue<string> gatewayLog = new();

    public async Task InitializeAsync()
    {
        dispatchData = Path.Combine(work, "dispatch");
        var gatewayData = Path.Combine(work, "gateway");
        Directory.CreateDirectory(gatewayData);
        dispatch = await InProcessDispatch.StartAsync(dispatchData);

        apiToken = await InProcessDispatch.CliAsync("tokens", "add", "e2e", "--data", dispatchData);
        // Enrolled as a technician does it: a one-time code from dispatch, then the gateway's enrolment over TLS.
        await InProcessDispatch.EnrolAsync(dispatch, dispatchData, gatewayData);
        mqttPassword = new MqttCredentialStore(Path.Combine(gatewayData, "mqtt-users")).AddUser("simulator", MqttRoles.Of(MqttRoles.Sensors));
        await File.WriteAllTextAsync(Path.Combine(work, "home.yaml"), Home);
        PinFiles.Write(Path.Combine(work, "pins"), 27, high: true);

        mqttPort = FreePort();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:HomeFile"] = Path.Combine(work, "home.yaml"),
            ["Gateway:DataDirectory"] = gatewayData,
            ["Gateway:Dispatch:Url"] = dispatch.GrpcUri.ToString(),
            ["Gateway:Mqtt:Port"] = mqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Gateway:Gpio:Driver"] = "simulated",
            ["Gateway:Gpio:SimulatedPinDirectory"] = Path.Combine(work, "pins"),
        });
        builder.AddGateway();
        builder.Logging.AddProvider(new QueueLoggerProvider(gatewayLog));
        gateway = builder.Build();
        await gateway.StartAsync();
    }

    public Task DisposeAsync() => InProcessDispatch.StopAsync(gateway, dispatch, work);

    [Fact]
    public async Task The_gateway_is_online_at_dispatch_within_seconds_of_its_stream_working_not_a_heartbeat_later()
    {
        // Dispatch counts contact from the first frame after Welcome, not from Hello; the gateway sends a heartbeat at
        // once after Welcome, so it is online long before its first 20 s heartbeat interval ends.
        using var api = new HttpClient { BaseAddress = dispatch!.WebUri };
        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiToken);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        string? state = null;
        while (DateTime.UtcNow < deadline)
        {
            var gateways = JsonDocument.Parse(await api.GetStringAsync("/api/gateways")).RootElement;
            state = gateways.EnumerateArray().Single().GetProperty("state").GetString();
            if (state == "online")
            {
                break;
            }

            await Task.Delay(200);
        }

        Assert.Equal("online", state);
    }

    [Fact]
    public async Task Help_fall_and_door_alerts_reach_dispatch_once_and_are_republished_locally()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var local = await SubscribeToLocalAlertsAsync(timeout.Token);

        await using (var player = new ScenarioPlayer(
            new SimulatedHomeLink("127.0.0.1", mqttPort, "simulator", mqttPassword, Path.Combine(work, "pins")), TimeProvider.System, _ => { }))
        {
            await player.ConnectAsync(timeout.Token);
            await player.PlayAsync(Scenario.Parse("""
                0s     gpio 27 0
                800ms  gpio 27 1
                900ms  mqtt zigbee2mqtt/bedroom_radar {"fall_down_status":"fall","linkquality":140}
                950ms  mqtt zigbee2mqtt/bedroom_radar {"fall_down_status":
                1s     mqtt zigbee2mqtt/front_door {"contact":false}
                """, "e2e"), timeout.Token);
        }

        using var api = new HttpClient { BaseAddress = dispatch!.WebUri };
        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiToken);
        var alerts = await PollAsync(api, 3, timeout.Token);

        Assert.Equal(["door_left_open", "fall", "help"], alerts.Select(a => a.GetProperty("type").GetString()).Order());
        var help = alerts.Single(a => a.GetProperty("type").GetString() == "help");
        Assert.Equal("critical", help.GetProperty("priority").GetString());
        Assert.Equal("help_button", help.GetProperty("sensorId").GetString());
        Assert.Equal("kotka-0042", help.GetProperty("homeId").GetString());
        Assert.Equal("normal", alerts.Single(a => a.GetProperty("type").GetString() == "door_left_open").GetProperty("priority").GetString());

        // The same steps went out on the local MQTT topic, as JSON, once each.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (local.Count < 3 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, timeout.Token);
        }

        Assert.Equal(["door_left_open", "fall", "help"], local.Select(j => JsonDocument.Parse(j).RootElement.GetProperty("type").GetString()).Order());

        // Every journalled record is acknowledged by dispatch: nothing waits in the outbox.
        var journal = gateway!.Services.GetRequiredService<HomeGateway.Gateway.Journal.Journal>();
        deadline = DateTime.UtcNow.AddSeconds(10);
        while (journal.OutboxDepth > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, timeout.Token);
        }

        Assert.Equal(0, journal.OutboxDepth);
        Assert.Equal(3, (await PollAsync(api, 3, timeout.Token)).Count);
    }

    [Fact]
    public async Task A_revoked_gateway_is_cut_off_and_logs_why_then_a_new_enrolment_brings_it_back()
    {
        var uplink = gateway!.Services.GetRequiredService<HomeGateway.Gateway.Uplink.DispatchUplink>();
        await WaitForAsync(() => uplink.State == HomeGateway.Gateway.Uplink.UplinkState.Connected, "the uplink to connect");

        await InProcessDispatch.CliAsync("gateways", "revoke", "kotka-0042", "--data", dispatchData);

        await WaitForAsync(() => gatewayLog.Any(l => l.Contains("Dispatch refused this gateway's credential", StringComparison.Ordinal)
            && l.Contains("revoked", StringComparison.Ordinal)), "the gateway to log the revocation");
        Assert.NotEqual(HomeGateway.Gateway.Uplink.UplinkState.Connected, uplink.State);

        // The technician enrols it again; the running service picks the new certificate up by itself.
        var code = await InProcessDispatch.CliAsync("gateways", "enroll", "kotka-0042", "--data", dispatchData);
        await HomeGateway.Gateway.Uplink.DispatchEnrolment.EnrolAsync(dispatch!.GrpcUri, code, Path.Combine(work, "gateway"), CancellationToken.None);
        await WaitForAsync(() => uplink.State == HomeGateway.Gateway.Uplink.UplinkState.Connected, "the uplink to reconnect with the new certificate");
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        // Reconnect backoff is at most 30 s with jitter; allow for two rounds.
        var deadline = DateTime.UtcNow.AddSeconds(70);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(100);
        }
    }

    private async Task<ConcurrentQueue<string>> SubscribeToLocalAlertsAsync(CancellationToken ct)
    {
        var received = new ConcurrentQueue<string>();
        var listenerPassword = new MqttCredentialStore(Path.Combine(work, "gateway", "mqtt-users")).AddUser("listener", MqttRoles.Of(MqttRoles.Reader));
        var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e =>
        {
            received.Enqueue(Encoding.UTF8.GetString(e.ApplicationMessage.Payload));
            return Task.CompletedTask;
        };
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", mqttPort).WithCredentials("listener", listenerPassword).Build(), ct);
                break;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                // The broker re-reads the credentials file when it changes; give it a moment.
                await Task.Delay(100, ct);
            }
        }

        await client.SubscribeAsync("homegateway/kotka-0042/alerts", cancellationToken: ct);
        return received;
    }

    private static async Task<List<JsonElement>> PollAsync(HttpClient api, int expected, CancellationToken ct)
    {
        while (true)
        {
            using var document = JsonDocument.Parse(await api.GetStringAsync(new Uri("api/alerts", UriKind.Relative), ct));
            var alerts = document.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
            if (alerts.Count >= expected)
            {
                return alerts;
            }

            await Task.Delay(100, ct);
        }
    }


    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Keeps the gateway's log lines, so a test can check what a technician would read.</summary>
internal sealed class QueueLoggerProvider(ConcurrentQueue<string> lines, bool stamped = false) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new QueueLogger(lines, stamped);

    public void Dispose()
    {
    }

    private sealed class QueueLogger(ConcurrentQueue<string> lines, bool stamped) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            // Stamped (wall clock, ms) where a test reports how long things took between the lines.
            lines.Enqueue(stamped ? $"{DateTime.UtcNow:HH:mm:ss.fff} {formatter(state, exception)}" : formatter(state, exception));
    }
}
