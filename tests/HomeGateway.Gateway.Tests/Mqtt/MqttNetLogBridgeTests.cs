using HomeGateway.Gateway.Mqtt;
using Microsoft.Extensions.Logging;
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

    [Fact]
    public void A_line_for_a_level_that_is_off_is_not_formatted_and_one_that_is_on_is()
    {
        using var factory = LoggerFactory.Create(builder => builder.AddProvider(logs).SetMinimumLevel(LogLevel.Information));
        var bridge = new MqttNetLogBridge(factory.CreateLogger("mqtt"));
        var packet = new CountedFormatting();

        // MQTTnet's per-packet lines (verbose, info) go to debug, which is off here.
        bridge.Publish(MqttNetLogLevel.Verbose, "MqttChannelAdapter", "TX >>> {0}", [packet], null!);
        bridge.Publish(MqttNetLogLevel.Info, "MqttClient", "Connected {0}", [packet], null!);
        Assert.Equal(0, packet.Formatted);
        Assert.Empty(logs.WithEventId(2150));

        bridge.Publish(MqttNetLogLevel.Warning, "MqttClient", "Odd packet {0}", [packet], null!);
        Assert.Equal(1, packet.Formatted);
        Assert.Equal("MQTTnet [MqttClient] Odd packet packet", Assert.Single(logs.WithEventId(2152)).Message);
    }

    private sealed class CountedFormatting
    {
        public int Formatted { get; private set; }

        public override string ToString()
        {
            Formatted++;
            return "packet";
        }
    }
}
