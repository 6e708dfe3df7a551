using HomeGateway.Gateway.Mqtt;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HomeGateway.Gateway.Tests.Mqtt;

// The real gateway host (AddGateway) in external mode: a Zigbee2MQTT door message on the home's mosquitto ends up in the journal.
public sealed class ExternalModeHostTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private MosquittoBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await MosquittoBroker.StartAsync(_dir.Path);

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_door_opening_published_on_the_external_broker_is_journalled()
    {
        File.WriteAllText(_dir.File("home.yaml"), """
            home: { id: test-home, timezone: Europe/Helsinki }
            sensors:
              - { id: front_door, kind: door, mqtt: { topic: zigbee2mqtt/front_door, profile: zigbee2mqtt } }
            rules: { doorLeftOpen: { after: 1m } }
            """);
        var passwordFile = ExternalGatewayFixture.WritePasswordFile(_dir.Path, _broker.GatewayPassword);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = Environments.Production });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:HomeFile"] = _dir.File("home.yaml"),
            ["Gateway:DataDirectory"] = _dir.Path,
            ["Gateway:Gpio:Driver"] = "simulated",
            ["Gateway:Mqtt:Mode"] = "external",
            ["Gateway:Mqtt:External:Host"] = "127.0.0.1",
            ["Gateway:Mqtt:External:Port"] = _broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Gateway:Mqtt:External:UserName"] = MosquittoBroker.GatewayUser,
            ["Gateway:Mqtt:External:PasswordFile"] = passwordFile,
        });
        builder.AddGateway();
        using var host = builder.Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await host.StartAsync(timeout.Token);

        var health = host.Services.GetRequiredService<MqttLinkHealth>();
        while (!health.Current.IsConnected)
        {
            await Task.Delay(50, timeout.Token);
        }

        Assert.False(host.Services.GetRequiredService<EmbeddedMqttBroker>().IsRunning);
        var journal = host.Services.GetRequiredService<HomeGateway.Gateway.Journal.Journal>();
        var before = journal.LastSeq;
        _broker.PublishWithMosquittoPub("zigbee2mqtt/front_door", """{"contact":false,"battery":88,"linkquality":120}""");

        await journal.WaitForRecordsAfterAsync(before, timeout.Token);
        var record = Assert.Single(journal.ReadAfter(before, 10));
        Assert.Equal("front_door", record.SensorEvent.SensorId);
        Assert.Equal("open", record.SensorEvent.State);
        Assert.Equal("mqtt:zigbee2mqtt/front_door", record.SensorEvent.Source);
        await host.StopAsync(timeout.Token);
    }
}
