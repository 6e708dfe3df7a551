using System.Net;
using System.Net.Sockets;
using HomeGateway.Gateway.Mqtt;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace HomeGateway.Gateway.Tests;

/// <summary>Guards the composition: the real service graph builds (no cycles), starts, listens and stops.</summary>
public sealed class GatewayHostTests : IDisposable
{
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    private IHost Build(params (string Key, string Value)[] extra)
    {
        File.WriteAllText(dir.File("home.yaml"), """
            home: { id: test-home, timezone: Europe/Helsinki }
            sensors:
              - { id: button, kind: help_button, gpio: { pin: 27, activeLow: true, pull: up } }
              - { id: front_door, kind: door, mqtt: { topic: zigbee2mqtt/front_door, profile: zigbee2mqtt } }
            rules: { help: {}, doorLeftOpen: { after: 1m } }
            """);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            EnvironmentName = Environments.Production,
        });
        var settings = new Dictionary<string, string?>
        {
            ["Gateway:HomeFile"] = dir.File("home.yaml"),
            ["Gateway:DataDirectory"] = dir.Path,
            ["Gateway:Mqtt:Port"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Gateway:Gpio:Driver"] = "simulated",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddGateway();
        return builder.Build();
    }

    [Fact]
    public async Task The_service_graph_builds_starts_and_stops()
    {
        using var host = Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await host.StartAsync(timeout.Token);
        var port = host.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.Mqtt.Port;
        using (var probe = new TcpClient())
        {
            await probe.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
        }

        Assert.True(File.Exists(dir.File("journal.db")));
        Assert.NotNull(host.Services.GetRequiredService<EmbeddedMqttBroker>());
        await host.StopAsync(timeout.Token);
    }

    [Fact]
    public async Task Wrong_settings_fail_at_start_with_every_problem_named()
    {
        using var host = Build(("Gateway:Dispatch:Url", "http://dispatch.example:8081"), ("Gateway:Gpio:Driver", "magic"), ("Gateway:Mqtt:ListenAddress", "everywhere"));
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(CancellationToken.None));
        Assert.Contains(error.Failures, f => f.Contains("plain http to another machine", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("Gateway:Gpio:Driver 'magic'", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("dispatch credential", StringComparison.Ordinal));
        Assert.Single(error.Failures, f => f.Contains("ListenAddress 'everywhere'", StringComparison.Ordinal));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
