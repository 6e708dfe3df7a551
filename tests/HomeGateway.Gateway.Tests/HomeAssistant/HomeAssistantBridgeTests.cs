using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using HomeGateway.Gateway.HomeAssistant;
using HomeGateway.Gateway.Mqtt;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MQTTnet;

namespace HomeGateway.Gateway.Tests.HomeAssistant;

/// <summary>
/// Home Assistant on the embedded broker: it finds the gateway's entities by discovery (retained, so it may connect
/// later), sees alert steps as events, and gets everything again when it restarts. Forging the gateway's topics is refused.
/// </summary>
public sealed class HomeAssistantBridgeTests : IAsyncLifetime
{
    private readonly TempDirectory dir = new();
    private IHost host = null!;
    private int port;

    public async Task InitializeAsync()
    {
        File.WriteAllText(dir.File("home.yaml"), """
            home: { id: ha-home, timezone: Europe/Helsinki }
            sensors:
              - { id: button, kind: help_button, gpio: { pin: 27, activeLow: true, pull: up } }
            rules: { help: {} }
            """);
        Directory.CreateDirectory(dir.File("pins"));
        File.WriteAllText(dir.File("pins/27"), "1");
        port = FreePort();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = Environments.Production });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:HomeFile"] = dir.File("home.yaml"),
            ["Gateway:DataDirectory"] = dir.Path,
            ["Gateway:Mqtt:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Gateway:Gpio:Driver"] = "simulated",
            ["Gateway:Gpio:SimulatedPinDirectory"] = dir.File("pins"),
            ["Gateway:HomeAssistant:Enabled"] = "true",
        });
        builder.AddGateway();
        host = builder.Build();
        await host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
        dir.Dispose();
    }

    [Fact]
    public async Task Home_assistant_discovers_the_entities_sees_alerts_and_gets_discovery_again_after_its_restart()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var password = new MqttCredentialStore(dir.File("mqtt-users")).AddUser("homeassistant", MqttRoles.Of(MqttRoles.HomeAssistant));
        var received = new ConcurrentQueue<(string Topic, string Payload, bool Retained)>();
        using var ha = new MqttClientFactory().CreateMqttClient();
        ha.ApplicationMessageReceivedAsync += e =>
        {
            received.Enqueue((e.ApplicationMessage.Topic, e.ApplicationMessage.ConvertPayloadToString(), e.ApplicationMessage.Retain));
            return Task.CompletedTask;
        };
        await ha.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithCredentials("homeassistant", password).WithClientId("ha").Build(), timeout.Token);

        // Subscribed after the gateway published (the broker holds the four configs): discovery arrives as retained messages.
        var broker = host.Services.GetRequiredService<EmbeddedMqttBroker>();
        while ((await broker.Server!.GetRetainedMessagesAsync()).Count(m => m.Topic.EndsWith("/config", StringComparison.Ordinal)) < 4)
        {
            await Task.Delay(20, timeout.Token);
        }

        await ha.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("homeassistant/#").WithTopicFilter("homegateway/ha-home/gateway/#").Build(), timeout.Token);
        var configs = await WaitFor(received, m => m.Topic.EndsWith("/config", StringComparison.Ordinal), 4, timeout.Token);
        Assert.Equal(
            ["homeassistant/binary_sensor/homegateway_ha-home/dispatch_link/config", "homeassistant/event/homegateway_ha-home/alert/config",
             "homeassistant/sensor/homegateway_ha-home/last_alert/config", "homeassistant/sensor/homegateway_ha-home/outbox/config"],
            configs.Select(c => c.Topic).Order(StringComparer.Ordinal));
        Assert.All(configs, c => Assert.True(c.Retained));
        var alertConfig = JsonDocument.Parse(configs.Single(c => c.Topic.Contains("/event/", StringComparison.Ordinal)).Payload).RootElement;
        Assert.Equal("homegateway_ha-home_alert", alertConfig.GetProperty("unique_id").GetString());
        Assert.Equal("homegateway/ha-home/gateway/alert", alertConfig.GetProperty("state_topic").GetString());
        Assert.Contains("fall", alertConfig.GetProperty("event_types").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("homegateway_ha-home", alertConfig.GetProperty("device").GetProperty("identifiers")[0].GetString());
        await WaitFor(received, m => m.Topic == "homegateway/ha-home/gateway/availability" && m.Payload == "online", 1, timeout.Token);
        await WaitFor(received, m => m.Topic == "homegateway/ha-home/gateway/dispatch_link" && m.Payload == "OFF", 1, timeout.Token);

        // The help button is pressed: Home Assistant gets an event of type help.
        File.WriteAllText(dir.File("pins/27"), "0");
        var alert = (await WaitFor(received, m => m.Topic == "homegateway/ha-home/gateway/alert", 1, timeout.Token))[0];
        var step = JsonDocument.Parse(alert.Payload).RootElement;
        Assert.Equal(("help", "raised", "critical"), (step.GetProperty("event_type").GetString(), step.GetProperty("kind").GetString(), step.GetProperty("priority").GetString()));
        Assert.False(alert.Retained);

        // Home Assistant restarts and announces itself: discovery is published again.
        received.Clear();
        await ha.PublishStringAsync("homeassistant/status", "online", cancellationToken: timeout.Token);
        var again = await WaitFor(received, m => m.Topic.EndsWith("/config", StringComparison.Ordinal), 4, timeout.Token);
        Assert.Equal(4, again.Count);

        // Nobody but the gateway may publish on its status topics.
        received.Clear();
        await ha.PublishStringAsync("homegateway/ha-home/gateway/dispatch_link", "ON", cancellationToken: timeout.Token);
        await ha.PublishStringAsync("homegateway/ha-home/gateway/probe-done", "x", cancellationToken: timeout.Token);
        await Task.Delay(300, timeout.Token);
        Assert.DoesNotContain(received, m => m.Topic.StartsWith("homegateway/ha-home/gateway/", StringComparison.Ordinal));
    }

    private static async Task<List<(string Topic, string Payload, bool Retained)>> WaitFor(
        ConcurrentQueue<(string Topic, string Payload, bool Retained)> received, Func<(string Topic, string Payload, bool Retained), bool> match, int count, CancellationToken cancellationToken)
    {
        while (true)
        {
            var found = received.Where(match).ToList();
            if (found.Count >= count)
            {
                return found;
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
