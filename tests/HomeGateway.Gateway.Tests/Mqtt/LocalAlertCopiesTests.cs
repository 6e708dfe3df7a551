using System.Collections.Concurrent;
using System.Text;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Core.Rules;
using HomeGateway.Gateway.Mqtt;
using HomeGateway.Gateway.Pipeline;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using CoreAlerts = HomeGateway.Core.Alerts;

namespace HomeGateway.Gateway.Tests.Mqtt;

/// <summary>
/// The copies of alert steps for the home's broker never hold back the alarm path: a broker that takes a message and never
/// acknowledges it (frozen, or its disk stalled) must not delay the next alert, and the copies it does take come in order.
/// </summary>
public sealed class LocalAlertCopiesTests : IAsyncDisposable
{
    private readonly TempDirectory dir = new();
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 7, 2, 0, 0, TimeSpan.Zero));
    private readonly CapturingLoggerProvider logs = new();
    private readonly FrozenBroker broker = new();
    private readonly LocalAlertCopies copies;

    public LocalAlertCopiesTests() => copies = new LocalAlertCopies(broker, logs.CreateLogger<LocalAlertCopies>());

    public async ValueTask DisposeAsync()
    {
        broker.Thaw();
        await copies.StopAsync(CancellationToken.None);
        copies.Dispose();
        dir.Dispose();
    }

    [Fact]
    public async Task A_broker_that_never_acknowledges_does_not_hold_back_the_next_alert()
    {
        var home = new HomeConfig("home", "Europe/Helsinki",
        [
            new SensorConfig("hall_button", SensorKind.HelpButton) { Gpio = new GpioInputConfig(27) },
            new SensorConfig("bed_button", SensorKind.HelpButton) { Gpio = new GpioInputConfig(22) },
        ],
        new RulesConfig { Help = new HelpRuleConfig() });
        using var journal = HomeGateway.Gateway.Journal.Journal.Open(dir.File("journal.db"), clock);
        var inbox = new SensorEventInbox();
        var republisher = new MqttAlertRepublisher(copies, home);
        var after = new ObserverAfter();
        using var pipeline = new AlertPipeline(inbox, journal, new RulesEngine(home, clock.GetUtcNow()), [republisher, after], clock, NullLogger<AlertPipeline>.Instance);
        await copies.StartAsync(CancellationToken.None);
        await pipeline.StartAsync(CancellationToken.None);

        await inbox.PublishAsync(Press("hall_button"), CancellationToken.None);
        Assert.Equal("hall_button", (await after.NextAsync()).SensorId);
        await broker.FirstArrived.WaitAsync(TimeSpan.FromSeconds(10));

        // The broker holds the first copy unanswered. The second press is still decided, journalled and observed.
        await inbox.PublishAsync(Press("bed_button"), CancellationToken.None);
        Assert.Equal("bed_button", (await after.NextAsync()).SensorId);
        Assert.Single(broker.Received);

        // Once the broker answers, the second copy follows the first.
        broker.Thaw();
        await WaitUntil(() => broker.Received.Count == 2);
        Assert.Contains("\"sensorId\":\"hall_button\"", broker.Received.ElementAt(0), StringComparison.Ordinal);
        Assert.Contains("\"sensorId\":\"bed_button\"", broker.Received.ElementAt(1), StringComparison.Ordinal);
        await pipeline.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Copies_go_out_in_order_and_a_stuck_broker_costs_the_oldest_waiting_with_a_warning()
    {
        await copies.StartAsync(CancellationToken.None);
        copies.Post(Message(0), "alert-0");
        await broker.FirstArrived.WaitAsync(TimeSpan.FromSeconds(10));

        // Copy 0 is in flight; 300 more wait for a queue of 256: the 44 oldest of them go.
        for (var i = 1; i <= 300; i++)
        {
            copies.Post(Message(i), "alert-" + i);
        }

        broker.Thaw();
        await WaitUntil(() => broker.Received.Count == 1 + LocalAlertCopies.Capacity);
        Assert.Equal(new[] { 0 }.Concat(Enumerable.Range(45, 256)).Select(i => "copy " + i), broker.Received);
        var warning = Assert.Single(logs.WithEventId(2132));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.StartsWith("44 alert step copies", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_copy_the_broker_refuses_or_fails_is_logged_and_the_next_still_goes()
    {
        broker.Thaw();
        broker.Refuse = 1;
        broker.Fail = 2;
        await copies.StartAsync(CancellationToken.None);
        copies.Post(Message(1), "alert-1");
        copies.Post(Message(2), "alert-2");
        copies.Post(Message(3), "alert-3");

        await WaitUntil(() => broker.Received.Count == 3);
        Assert.Contains("alert-1", Assert.Single(logs.WithEventId(2130)).Message, StringComparison.Ordinal);
        Assert.Contains("alert-2", Assert.Single(logs.WithEventId(2131)).Message, StringComparison.Ordinal);
    }

    private SensorEvent Press(string sensor) => new("home", sensor, SensorKind.HelpButton, SensorStates.Pressed, clock.GetUtcNow(), "test");

    private static MqttApplicationMessage Message(int n) =>
        new MqttApplicationMessageBuilder().WithTopic("homegateway/home/alerts").WithPayload("copy " + n).Build();

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 10 s");
            await Task.Delay(10);
        }
    }

    /// <summary>A broker that takes each message and answers only once thawed; its answers in order, 1-based: refused or failed ones.</summary>
    private sealed class FrozenBroker : ILocalMqttPublisher
    {
        private readonly TaskCompletionSource thawed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource firstArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ConcurrentQueue<string> Received { get; } = new();

        public Task FirstArrived => firstArrived.Task;

        public int Refuse { get; set; }

        public int Fail { get; set; }

        public void Thaw() => thawed.TrySetResult();

        public async Task<bool> PublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken)
        {
            Received.Enqueue(Encoding.UTF8.GetString(message.Payload));
            firstArrived.TrySetResult();
            await thawed.Task.WaitAsync(cancellationToken);
            var n = Received.Count;
            return n == Fail ? throw new IOException("connection reset") : n != Refuse;
        }
    }

    /// <summary>An observer after the republisher: it hears of a step only once the pipeline has come past the republish.</summary>
    private sealed class ObserverAfter : IAlertObserver
    {
        private readonly BlockingCollection<CoreAlerts.AlertEvent> seen = [];

        public ValueTask OnAlertCommittedAsync(long seq, CoreAlerts.AlertEvent alert, CancellationToken cancellationToken)
        {
            seen.Add(alert, cancellationToken);
            return ValueTask.CompletedTask;
        }

        public async Task<CoreAlerts.AlertEvent> NextAsync()
        {
            var alert = await Task.Run(() => seen.TryTake(out var x, TimeSpan.FromSeconds(10)) ? x : null);
            Assert.NotNull(alert);
            return alert;
        }
    }
}
