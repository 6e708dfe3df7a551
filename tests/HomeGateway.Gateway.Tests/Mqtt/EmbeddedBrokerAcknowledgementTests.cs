using HomeGateway.Core.Events;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace HomeGateway.Gateway.Tests.Mqtt;

/// <summary>
/// Guards PUBACK ⇒ durable on the embedded broker: a device is told "received" (PUBACK, or PUBREC for QoS 2) only once the
/// events of its message are in the journal, and a burst from one device still shares one commit (the acknowledgements are
/// held, not the device's next messages). Real broker, real MQTTnet clients; the commit is the test's to give.
/// </summary>
public sealed class EmbeddedBrokerAcknowledgementTests : IAsyncLifetime
{
    private BrokerFixture _f = null!;

    public async Task InitializeAsync()
    {
        _f = await BrokerFixture.StartAsync();
        _f.Sink.HoldCommits = true;
    }

    public async Task DisposeAsync() => await _f.DisposeAsync();

    private static MqttApplicationMessage Press(int n, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce) =>
        new MqttApplicationMessageBuilder().WithTopic("zigbee2mqtt/help").WithPayload($$"""{"action":"single","linkquality":{{n}}}""")
            .WithQualityOfServiceLevel(qos).Build();

    [Theory]
    [InlineData(MqttProtocolVersion.V500, MqttQualityOfServiceLevel.AtLeastOnce)]
    [InlineData(MqttProtocolVersion.V311, MqttQualityOfServiceLevel.AtLeastOnce)]
    [InlineData(MqttProtocolVersion.V500, MqttQualityOfServiceLevel.ExactlyOnce)]
    public async Task A_press_is_acknowledged_only_after_its_event_is_journalled(MqttProtocolVersion version, MqttQualityOfServiceLevel qos)
    {
        var (device, result) = await _f.ConnectAsync("zigbee2mqtt", _f.Credentials.AddUser("zigbee2mqtt", BrokerFixture.Everything), version);
        Assert.Equal(MqttClientConnectResultCode.Success, result);

        var publish = device.PublishAsync(Press(1, qos));
        Assert.Equal(SensorStates.Pressed, (await _f.Sink.NextAsync()).State);

        // Handed to the pipeline, not yet committed: the device must not have been told "received".
        await Task.Delay(300);
        Assert.False(publish.IsCompleted, "the broker acknowledged a press that was not yet in the journal");

        _f.Sink.CommitHeld();
        var acknowledged = await publish.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(acknowledged.IsSuccess, acknowledged.ReasonCode.ToString());
    }

    [Fact]
    public async Task A_burst_from_one_device_is_handed_over_whole_before_any_commit_and_acknowledged_in_order()
    {
        var device = await _f.DeviceAsync();
        var completed = new System.Collections.Concurrent.ConcurrentQueue<int>();
        var publishes = Enumerable.Range(1, 20).Select(async n =>
        {
            await device.PublishAsync(Press(n));
            completed.Enqueue(n);
        }).ToList();

        // All 20 reach the pipeline while none is durable: the device's receive loop is not held per message (group commit).
        for (var i = 0; i < 20; i++)
        {
            await _f.Sink.NextAsync();
        }

        Assert.Empty(completed);
        _f.Sink.CommitHeld();
        await Task.WhenAll(publishes).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(20, completed.Count);
    }

    [Fact]
    public async Task A_press_the_journal_could_not_take_is_never_acknowledged_and_the_device_is_disconnected_to_send_it_again()
    {
        var device = await _f.DeviceAsync();
        var publish = device.PublishAsync(Press(1));
        await _f.Sink.NextAsync();

        _f.Sink.FailHeld();
        await Assert.ThrowsAnyAsync<Exception>(() => publish.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(device.IsConnected);
        Assert.Single(_f.Logs.WithEventId(2170));
    }

    [Fact]
    public async Task Each_QoS1_message_carries_its_device_packet_identifier_and_redelivery_flag_to_the_journal()
    {
        var device = await _f.DeviceAsync();
        _f.Sink.HoldCommits = false;
        await device.PublishAsync(Press(1));
        await device.PublishAsync(Press(2, MqttQualityOfServiceLevel.AtMostOnce));
        await _f.Sink.NextAsync();
        await _f.Sink.NextAsync();

        // QoS 0 carries no promise and is handed over without a receipt (not queued durably at all).
        var receipt = Assert.Single(_f.Sink.Receipts);
        Assert.NotNull(receipt);
        Assert.StartsWith("embedded/", receipt.Publisher, StringComparison.Ordinal);
        Assert.NotEqual(0, receipt.PacketId);
        Assert.False(receipt.Redelivered);
    }
}
