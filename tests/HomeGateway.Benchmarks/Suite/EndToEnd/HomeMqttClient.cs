using HomeGateway.Simulator.Demo;
using MQTTnet;
using MQTTnet.Protocol;

namespace HomeGateway.Benchmarks.Suite.EndToEnd;

/// <summary>The home's devices as the gateway's embedded broker sees them: one MQTT client logged in as the simulator user.</summary>
internal sealed class HomeMqttClient : IAsyncDisposable
{
    private readonly IMqttClient client = new MqttClientFactory().CreateMqttClient();

    public static async Task<HomeMqttClient> ConnectAsync(LocalDeployment deployment, CancellationToken cancellationToken)
    {
        var home = new HomeMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", deployment.MqttPort)
            .WithCredentials(deployment.SimulatorMqttUser, deployment.SimulatorMqttPassword)
            .WithClientId("bench-home-" + Environment.ProcessId)
            .Build();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var result = await home.client.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
                if (result.ResultCode == MqttClientConnectResultCode.Success)
                {
                    return home;
                }

                throw new InvalidOperationException($"the gateway's broker refused the simulator login: {result.ResultCode}");
            }
            catch (MQTTnet.Exceptions.MqttCommunicationException) when (attempt < 20)
            {
                await Task.Delay(250, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>QoS 1, as Zigbee2MQTT publishes by default; returns when the broker has acknowledged it.</summary>
    public async Task PublishAsync(string topic, byte[] payload, CancellationToken cancellationToken)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        var result = await client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
        if (!result.IsSuccess)
        {
            throw new InvalidOperationException($"publish to {topic} refused: {result.ReasonCode}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (client.IsConnected)
        {
            await client.DisconnectAsync().ConfigureAwait(false);
        }

        client.Dispose();
    }
}
