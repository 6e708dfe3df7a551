using System.Buffers;
using System.Text;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Mqtt;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace HomeGateway.Gateway.Tests.Mqtt;

/// <summary>The real <see cref="MqttSensorInput"/> for a given home, fed directly through its broker-independent entry point.</summary>
internal sealed class InputHarness
{
    public const string HomeId = "harness-home";
    public const int MaxPayloadBytes = 4096;

    public InputHarness(params SensorConfig[] sensors)
    {
        Home = new HomeConfig(HomeId, "Europe/Helsinki", sensors, new RulesConfig());
        Input = new MqttSensorInput(Home, Options.Create(new GatewayOptions
        {
            HomeFile = "home.yaml",
            DataDirectory = "unused",
            Mqtt = new MqttOptions { MaxPayloadBytes = MaxPayloadBytes },
        }), Sink, Stats, Clock, NullLogger<MqttSensorInput>.Instance);
    }

    public HomeConfig Home { get; }
    public MqttSensorInput Input { get; }
    public CapturingSink Sink { get; } = new();
    public SensorInputStats Stats { get; } = new();
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));

    public static SensorConfig Sensor(string id, SensorKind kind, string topic, string profile, string? model = null, string? key = null) =>
        new(id, kind) { Mqtt = new MqttInputConfig(topic, profile) { Model = model, Key = key } };

    /// <summary>Publishes through HandleAsync and returns every event it handed to the pipeline.</summary>
    public async Task<List<SensorEvent>> SendAsync(string topic, string payload) => await SendAsync(topic, Encoding.UTF8.GetBytes(payload));

    public async Task<List<SensorEvent>> SendAsync(string topic, byte[] payload)
    {
        await Input.HandleAsync(topic, new ReadOnlySequence<byte>(payload), "device", CancellationToken.None);
        var events = new List<SensorEvent>();
        while (Sink.TryTake(out var e))
        {
            events.Add(e!);
        }

        return events;
    }
}
