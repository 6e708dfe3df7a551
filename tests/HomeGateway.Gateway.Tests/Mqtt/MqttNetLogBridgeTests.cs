using HomeGateway.Gateway.Mqtt;
using Microsoft.Extensions.Time.Testing;
using MQTTnet.Diagnostics.Logger;

namespace HomeGateway.Gateway.Tests.Mqtt;

/// <summary>MQTTnet's own error lines cannot be used to flood the log (one per failed TLS handshake from anyone on the LAN).</summary>
public sealed class MqttNetLogBridgeTests : IDisposable
{
    private readonly CapturingLoggerProvider logs = new();

    public void Dispose() => logs.Dispose();

    [Fact]
    public void The_brokers_errors_pass_once_a_minute_per_kind_and_say_how_many_were_held_back()
    {
        var time = new FakeTimeProvider();
        var bridge = new MqttNetLogBridge(logs.CreateLogger("mqtt"), time: time);

        for (var i = 0; i < 100; i++)
        {
            bridge.Publish(MqttNetLogLevel.Error, "MqttTcpServerListener", "Error while handling TCP client connection", [], new InvalidOperationException("handshake " + i));
        }

        bridge.Publish(MqttNetLogLevel.Warning, "MqttServer", "Client '{0}' sent an invalid packet", ["x"], null!);
        Assert.Single(logs.WithEventId(2153));
        Assert.Single(logs.WithEventId(2152));

        time.Advance(TimeSpan.FromMinutes(1));
        bridge.Publish(MqttNetLogLevel.Error, "MqttTcpServerListener", "Error while handling TCP client connection", [], new InvalidOperationException("again"));
        var errors = logs.WithEventId(2153).ToList();
        Assert.Equal(2, errors.Count);
        Assert.EndsWith("(99 more like this in the last minute were not logged)", errors[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_clients_protocol_violation_or_dropped_connection_is_a_warning_not_an_error()
    {
        var bridge = new MqttNetLogBridge(logs.CreateLogger("mqtt"), time: new FakeTimeProvider());
        bridge.Publish(MqttNetLogLevel.Error, "MqttConnectedClient", "Client 'a': Error while receiving packets", [], new MQTTnet.Exceptions.MqttProtocolViolationException("bad"));
        bridge.Publish(MqttNetLogLevel.Error, "MqttConnectedClient", "Client 'b': Error while sending", [], new MQTTnet.Exceptions.MqttCommunicationException(new IOException("reset")));
        Assert.Empty(logs.WithEventId(2153));
        Assert.Equal(2, logs.WithEventId(2152).Count());
    }

    [Fact]
    public void Without_a_clock_every_line_passes_as_before()
    {
        var bridge = new MqttNetLogBridge(logs.CreateLogger("mqtt"));
        for (var i = 0; i < 3; i++)
        {
            bridge.Publish(MqttNetLogLevel.Error, "s", "m", [], null!);
        }

        Assert.Equal(3, logs.WithEventId(2153).Count());
    }
}
