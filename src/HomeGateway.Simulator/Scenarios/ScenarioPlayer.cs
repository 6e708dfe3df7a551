using MQTTnet;
using MQTTnet.Protocol;

namespace HomeGateway.Simulator.Scenarios;

/// <summary>Where the simulated home's devices connect: the gateway's MQTT broker and its simulated pin bank.</summary>
public sealed record SimulatedHomeLink(string MqttHost, int MqttPort, string MqttUser, string MqttPassword, string PinDirectory);

/// <summary>
/// Plays a scenario into a gateway as its devices would: MQTT publishes from a client with its own
/// credentials, GPIO levels through the simulated pin bank. Timing on <see cref="TimeProvider"/>.
/// </summary>
public sealed class ScenarioPlayer(SimulatedHomeLink link, TimeProvider time, Action<string> say) : IAsyncDisposable
{
    private readonly IMqttClient client = new MqttClientFactory().CreateMqttClient();

    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(link.MqttHost, link.MqttPort)
            .WithCredentials(link.MqttUser, link.MqttPassword)
            .WithClientId("homegateway-sim-" + Guid.NewGuid().ToString("N")[..8])
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build();
        var result = await client.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new InvalidOperationException($"the gateway's MQTT broker refused the simulator: {result.ResultCode}");
        }
    }

    /// <summary>Plays every step at its offset from now; returns when the last step is done.</summary>
    public async Task PlayAsync(Scenario scenario, CancellationToken cancellationToken)
    {
        var start = time.GetUtcNow();
        foreach (var step in scenario.Steps)
        {
            var wait = start + step.At - time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
            }

            switch (step)
            {
                case GpioStep gpio:
                    PinFiles.Write(link.PinDirectory, gpio.Pin, gpio.High);
                    break;
                case MqttStep mqtt:
                    await client.PublishAsync(
                        new MqttApplicationMessageBuilder()
                            .WithTopic(mqtt.Topic)
                            .WithPayload(mqtt.Payload)
                            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                            .Build(),
                        cancellationToken).ConfigureAwait(false);
                    break;
                case SayStep sayStep:
                    say(sayStep.Text);
                    break;
            }
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
