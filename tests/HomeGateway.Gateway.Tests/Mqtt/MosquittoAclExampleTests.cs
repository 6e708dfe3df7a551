using System.Collections.Concurrent;
using MQTTnet;
using MQTTnet.Protocol;

namespace HomeGateway.Gateway.Tests.Mqtt;

// Guards the example mosquitto acl_file the guides point to (deploy/examples/mosquitto-acl): with it, a real mosquitto
// lets the gateway read the sensors and write its own topics, and refuses a device both the gateway's topics and
// reading them.
public sealed class MosquittoAclExampleTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hg-acl-" + Guid.NewGuid().ToString("N"));
    private MosquittoBroker _broker = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        var example = FindUp(Path.Combine("deploy", "examples", "mosquitto-acl"));
        var acl = Path.Combine(_dir, "mosquitto-acl");
        File.Copy(example, acl);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(acl, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        _broker = await MosquittoBroker.StartAsync(_dir, $"acl_file {acl}");
    }

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task The_gateway_reads_sensors_and_writes_its_topics_and_a_device_can_do_neither_with_the_gateways_topics()
    {
        var gatewaySeen = new ConcurrentQueue<string>();
        using var gateway = new MqttClientFactory().CreateMqttClient();
        gateway.ApplicationMessageReceivedAsync += e =>
        {
            gatewaySeen.Enqueue(e.ApplicationMessage.Topic);
            return Task.CompletedTask;
        };
        await gateway.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", _broker.Port).WithClientId("homegateway-kotka")
            .WithCredentials(MosquittoBroker.GatewayUser, _broker.GatewayPassword).Build());
        var subscribed = await gateway.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter("zigbee2mqtt/#", MqttQualityOfServiceLevel.AtLeastOnce).WithTopicFilter("homegateway/#", MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.All(subscribed.Items, i => Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, i.ResultCode));

        var deviceSeen = new ConcurrentQueue<string>();
        var device = await _broker.DeviceAsync("z2m");
        device.ApplicationMessageReceivedAsync += e =>
        {
            deviceSeen.Enqueue(e.ApplicationMessage.Topic);
            return Task.CompletedTask;
        };
        await device.SubscribeAsync("#");

        // The device forges an alert, then reports a door; the gateway publishes a real alert.
        await device.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("homegateway/kotka/alerts").WithPayload("forged")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await device.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("zigbee2mqtt/front_door").WithPayload("""{"contact":false}""")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        var alert = await gateway.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("homegateway/kotka/alerts").WithPayload("{}")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (gatewaySeen.Count < 2 || deviceSeen.IsEmpty)
        {
            await Task.Delay(50, timeout.Token);
        }

        await Task.Delay(300);
        Assert.True(alert.IsSuccess, _broker.Output);
        Assert.Equal(["zigbee2mqtt/front_door", "homegateway/kotka/alerts"], gatewaySeen.ToArray()); // the forged alert never arrived
        Assert.DoesNotContain("homegateway/kotka/alerts", deviceSeen); // and the device cannot read the real one
        Assert.Contains("zigbee2mqtt/front_door", deviceSeen);
    }

    private static string FindUp(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, relative)))
            {
                return Path.Combine(dir.FullName, relative);
            }
        }

        throw new FileNotFoundException(relative);
    }
}
