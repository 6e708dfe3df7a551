using System.Text;
using System.Text.Json;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Mqtt;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Protocol;

namespace HomeGateway.Gateway.Tests.Mqtt;

// External mode against a real mosquitto: a door opening reaches the pipeline whether the broker blips, the gateway is
// away for a while (its persistent session), or the login/TLS is wrong (then the health says why and the loop retries).
public sealed class ExternalMqttBrokerClientTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private MosquittoBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await MosquittoBroker.StartAsync(_dir.Path);

    public async Task DisposeAsync()
    {
        await _broker.DisposeAsync();
        _dir.Dispose();
    }

    private static Task PublishAsync(IMqttClient client, string topic, string payload) =>
        client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

    [Fact]
    public async Task A_zigbee2mqtt_door_message_published_with_mosquitto_pub_reaches_the_pipeline()
    {
        await using var gateway = await ExternalGatewayFixture.StartAsync(_broker, _dir.Path);
        var state = await gateway.ConnectedAsync();
        Assert.Equal(("external", $"127.0.0.1:{_broker.Port}"), (state.Mode, state.Broker));
        Assert.Null(state.LastMessageAt);

        _broker.PublishWithMosquittoPub("zigbee2mqtt/front_door", """{"battery":91,"contact":false,"linkquality":132,"tamper":false}""");

        var open = await gateway.Sink.NextAsync();
        Assert.Equal(("front_door", SensorKind.Door, "open", 91), (open.SensorId, open.Kind, open.State, open.BatteryPercent));
        Assert.Equal("mqtt:zigbee2mqtt/front_door", open.Source);

        // Which login published it is the broker's knowledge: the event names the broker that vouched for it.
        Assert.Equal($"broker:127.0.0.1:{_broker.Port}", open.Publisher);
        Assert.NotNull(gateway.Health.Current.LastMessageAt);
        // External mode listens on nothing: the embedded broker never started.
        Assert.False(gateway.Services.GetRequiredService<EmbeddedMqttBroker>().IsRunning);
        Assert.Single(gateway.Logs.WithEventId(2160));
        gateway.AssertNoErrorsExcept();
    }

    [Fact]
    public async Task A_qos1_message_is_acknowledged_only_once_journalled_so_a_gateway_stopped_before_that_gets_it_again()
    {
        // Invariant: the broker is told a QoS 1 message was delivered only after the gateway journalled it.
        // An inbox no pipeline reads: the events are handed over but never journalled, so no PUBACK may go out.
        var inbox = new HomeGateway.Gateway.Pipeline.SensorEventInbox();
        await using (var first = await ExternalGatewayFixture.StartAsync(_broker, _dir.Path, sink: inbox))
        {
            await first.ConnectedAsync();
            var device = await _broker.DeviceAsync("door-sensor");
            await PublishAsync(device, "zigbee2mqtt/front_door", """{"contact":false}""");
            using var handedOver = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            Assert.True(await inbox.Reader.WaitToReadAsync(handedOver.Token));
        }

        // The same client id resumes the session: the broker still holds the message as unacknowledged and sends it again.
        await using var second = await ExternalGatewayFixture.StartAsync(_broker, _dir.Path);
        await second.ConnectedAsync();
        var open = await second.Sink.NextAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(("front_door", "open"), (open.SensorId, open.State));
    }

    [Fact]
    public async Task A_message_the_broker_sends_again_carries_the_same_packet_id_and_content_marked_as_a_redelivery()
    {
        // Invariant: what the pipeline needs to recognise a redelivery reaches it: the broker's packet id, the content's fingerprint and DUP.
        var inbox = new HomeGateway.Gateway.Pipeline.SensorEventInbox();
        HomeGateway.Gateway.Journal.MessageReceipt first;
        await using (var gateway = await ExternalGatewayFixture.StartAsync(_broker, _dir.Path, sink: inbox))
        {
            await gateway.ConnectedAsync();
            var device = await _broker.DeviceAsync("help-button");
            await PublishAsync(device, "zigbee2mqtt/help", """{"action":"single"}""");
            using var handedOver = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            Assert.True(await inbox.Reader.WaitToReadAsync(handedOver.Token));
            Assert.True(inbox.Reader.TryRead(out var item));
            first = Assert.IsType<HomeGateway.Gateway.Journal.MessageReceipt>(item.Receipt);
            Assert.False(first.Redelivered);
        }

        await using var again = await ExternalGatewayFixture.StartAsync(_broker, _dir.Path);
        await again.ConnectedAsync();
        Assert.Equal(SensorStates.Pressed, (await again.Sink.NextAsync(TimeSpan.FromSeconds(30))).State);
        var redelivered = Assert.Single(again.Sink.Receipts);
        Assert.NotNull(redelivered);
        Assert.True(redelivered.Redelivered);
        Assert.True(redelivered.SameMessageAs(first));
        Assert.Equal($"external/homegateway-{BrokerFixture.HomeId}@127.0.0.1:{_broker.Port}", redelivered.Publisher);
    }

    [Fact]
    public async Task Broker_killed_and_restarted_the_gateway_reconnects_resubscribes_and_the_health_shows_the_outage()
    {
        await using var gateway = await ExternalGatewayFixture.StartAsync(_broker, _dir.Path);
        var before = await gateway.ConnectedAsync();

        await _broker.KillAsync();
        var down = await gateway.WaitForHealthAsync(s => !s.IsConnected, "the outage");
        Assert.NotNull(down.LastError);
        Assert.True(down.Since > before.Since);
        Assert.False(await gateway.Client.PublishAsync(
            new MqttApplicationMessageBuilder().WithTopic("homegateway/test-home/alerts").WithPayload("{}").Build(), CancellationToken.None));

        // While the broker is away, attempts fail ("connection refused") and are retried with backoff.
        await gateway.WaitForHealthAsync(s => s.FailedAttempts >= 1, "a failed reconnect attempt");
        await _broker.RestartAsync();
        var after = await gateway.ConnectedAsync(reconnects: 1);
        Assert.True(after.Since > down.Since);

        // mosquitto runs without persistence here, so the session died with it: only a fresh subscription lets this through.
        var device = await _broker.DeviceAsync("door-sensor");
        await PublishAsync(device, "zigbee2mqtt/front_door", """{"contact":false}""");
        var open = await gateway.Sink.NextAsync();
        Assert.Equal(("front_door", "open"), (open.SensorId, open.State));

        Assert.Contains(gateway.Logs.WithEventId(2161), e => e.Message.Contains("lost", StringComparison.Ordinal));
        Assert.Single(gateway.Logs.WithEventId(2162));
        gateway.AssertNoErrorsExcept();
    }

    [Fact]
    public async Task A_half_open_link_is_found_by_the_ping_and_the_gateway_reconnects_when_the_broker_answers_again()
    {
        await using var gateway = await ExternalGatewayFixture.StartAsync(_broker, _dir.Path, external => external.KeepAliveSeconds = 5);
        await gateway.ConnectedAsync();

        // No FIN, no RST: only the missing answer to a ping can tell.
        _broker.Freeze();
        var down = await gateway.WaitForHealthAsync(s => !s.IsConnected, "the half-open link found", seconds: 60);
        Assert.NotNull(down.LastError);
        _broker.Resume();

        await gateway.ConnectedAsync(reconnects: 1);
        var device = await _broker.DeviceAsync("door-sensor");
        await PublishAsync(device, "zigbee2mqtt/front_door", """{"contact":true}""");
        Assert.Equal("closed", (await gateway.Sink.NextAsync()).State);
        gateway.AssertNoErrorsExcept();
    }

    [Fact]
    public async Task Qos1_messages_published_while_the_gateway_was_away_arrive_when_it_is_back()
    {
        // Invariant: QoS 1 sensor messages sent while the gateway is away are delivered when it returns.
        var first = await ExternalGatewayFixture.StartAsync(_broker, _dir.Path);
        var firstState = await first.ConnectedAsync();
        Assert.True(firstState.IsConnected);
        await first.DisposeAsync();

        // The gateway is stopped (an update, a restart): the door opens and closes meanwhile.
        var device = await _broker.DeviceAsync("door-sensor");
        await PublishAsync(device, "zigbee2mqtt/front_door", """{"contact":false}""");
        await PublishAsync(device, "zigbee2mqtt/front_door", """{"contact":true}""");

        await using var second = await ExternalGatewayFixture.StartAsync(_broker, _dir.Path);
        var open = await second.Sink.NextAsync();
        var closed = await second.Sink.NextAsync();
        Assert.Equal(("front_door", "open"), (open.SensorId, open.State));
        Assert.Equal(("front_door", "closed"), (closed.SensorId, closed.State));
        // The queued messages can arrive before the connection is logged: wait for the link to say it is up.
        await second.ConnectedAsync();
        Assert.Contains(second.Logs.WithEventId(2160), e => e.Message.Contains("session resumed: True", StringComparison.Ordinal));
        second.AssertNoErrorsExcept();
    }

    [Fact]
    public async Task Wrong_password_the_health_says_not_authorized_and_the_loop_keeps_retrying_until_it_is_fixed()
    {
        var passwordFile = ExternalGatewayFixture.WritePasswordFile(_dir.Path, "not-the-password");
        await using var gateway = await ExternalGatewayFixture.StartAsync(_broker, _dir.Path);

        var refused = await gateway.WaitForHealthAsync(s => s.FailedAttempts >= 2, "two refused attempts");
        Assert.False(refused.IsConnected);
        Assert.StartsWith("not authorized", refused.LastError, StringComparison.Ordinal);
        // Logged clearly, once a minute however often it is retried.
        var logged = Assert.Single(gateway.Logs.WithEventId(2164));
        Assert.Contains("Gateway:Mqtt:External:UserName", logged.Message, StringComparison.Ordinal);

        // The technician fixes the file; the next attempt gets in without a restart.
        ExternalGatewayFixture.WritePasswordFile(_dir.Path, _broker.GatewayPassword);
        Assert.True(File.Exists(passwordFile));
        var fixedState = await gateway.ConnectedAsync();
        Assert.StartsWith("not authorized", fixedState.LastError, StringComparison.Ordinal);
        gateway.AssertNoErrorsExcept(2164);
    }

    [Fact]
    public async Task Tls_with_the_brokers_ca_file_connects_and_messages_arrive()
    {
        await using var gateway = await ExternalGatewayFixture.StartAsync(_broker, _dir.Path, external =>
        {
            external.Port = _broker.TlsPort;
            external.Tls.Enabled = true;
            external.Tls.CaFile = _broker.CaFile;
        });
        await gateway.ConnectedAsync();

        var device = await _broker.DeviceAsync("help-button");
        await PublishAsync(device, "zigbee2mqtt/help", """{"action":"single"}""");
        var press = await gateway.Sink.NextAsync();
        Assert.Equal(("help", "pressed"), (press.SensorId, press.State));
        gateway.AssertNoErrorsExcept();
    }

    [Fact]
    public async Task Tls_with_a_ca_that_did_not_sign_the_brokers_certificate_is_refused_with_a_clear_error()
    {
        var otherCa = Path.Combine(_dir.Path, "other-ca.pem");
        await File.WriteAllTextAsync(otherCa, TestCertificates.CreateAuthority("Someone else's CA").Certificate.ExportCertificatePem());
        await using var gateway = await ExternalGatewayFixture.StartAsync(_broker, _dir.Path, external =>
        {
            external.Port = _broker.TlsPort;
            external.Tls.Enabled = true;
            external.Tls.CaFile = otherCa;
        });

        var refused = await gateway.WaitForHealthAsync(s => s.FailedAttempts >= 1, "a refused TLS handshake");
        Assert.False(refused.IsConnected);
        Assert.StartsWith("TLS: certificate not trusted", refused.LastError, StringComparison.Ordinal);
        Assert.Contains(gateway.Logs.WithEventId(2163), e => e.Message.Contains("certificate not trusted", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Mutual_tls_with_a_client_certificate_from_the_ca_connects()
    {
        var (certificate, key) = _broker.Authority.IssueClient("homegateway-test-home").WritePem(_dir.Path, "gateway-client");
        await using var gateway = await ExternalGatewayFixture.StartAsync(_broker, _dir.Path, external =>
        {
            external.Port = _broker.MutualTlsPort;
            external.Tls.Enabled = true;
            external.Tls.CaFile = _broker.CaFile;
            external.Tls.ClientCertificateFile = certificate;
            external.Tls.ClientKeyFile = key;
        });
        await gateway.ConnectedAsync();
        gateway.AssertNoErrorsExcept();
    }

    [Fact]
    public async Task Mutual_tls_listener_refuses_a_gateway_without_a_client_certificate()
    {
        await using var gateway = await ExternalGatewayFixture.StartAsync(_broker, _dir.Path, external =>
        {
            external.Port = _broker.MutualTlsPort;
            external.Tls.Enabled = true;
            external.Tls.CaFile = _broker.CaFile;
        });

        var refused = await gateway.WaitForHealthAsync(s => s.FailedAttempts >= 1, "a refused handshake");
        Assert.False(refused.IsConnected);
        Assert.NotNull(refused.LastError);
    }

    [Fact]
    public async Task Alert_steps_are_republished_to_subscribers_on_the_external_broker()
    {
        var display = await _broker.DeviceAsync("hallway-display");
        var received = new TaskCompletionSource<MqttApplicationMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        display.ApplicationMessageReceivedAsync += args =>
        {
            received.TrySetResult(args.ApplicationMessage);
            return Task.CompletedTask;
        };
        await display.SubscribeAsync(AlertTopics.For(BrokerFixture.HomeId), MqttQualityOfServiceLevel.AtLeastOnce);

        await using var gateway = await ExternalGatewayFixture.StartAsync(_broker, _dir.Path);
        await gateway.ConnectedAsync();
        Assert.Same(gateway.Client, gateway.Services.GetRequiredService<ILocalMqttPublisher>());

        var at = new DateTimeOffset(2026, 1, 15, 3, 12, 0, TimeSpan.FromHours(2));
        var alert = new AlertEvent("fall-hall_radar-20260115T011200000Z", AlertEventKind.Raised, AlertType.Fall, AlertPriority.Critical,
            BrokerFixture.HomeId, "hall_radar", at, at.AddSeconds(-1), 1, "Fall reported by hall_radar");
        await gateway.Services.GetRequiredService<MqttAlertRepublisher>().OnAlertCommittedAsync(7, alert, CancellationToken.None);

        var message = await received.Task.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal("homegateway/test-home/alerts", message.Topic);
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, message.QualityOfServiceLevel);
        using var json = JsonDocument.Parse(Encoding.UTF8.GetString(message.Payload));
        Assert.Equal("fall-hall_radar-20260115T011200000Z", json.RootElement.GetProperty("alertId").GetString());
        Assert.Equal(7, json.RootElement.GetProperty("seq").GetInt64());
        Assert.Empty(gateway.Logs.WithEventId(2130));
        gateway.AssertNoErrorsExcept();
    }
}
