using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Mqtt;
using HomeGateway.Gateway.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Formatter;

namespace HomeGateway.Gateway.Tests.Mqtt;

/// <summary>A real embedded broker on 127.0.0.1 (a free port), wired with AddMqttInputs as the host would.</summary>
internal sealed class BrokerFixture : IAsyncDisposable
{
    public const string HomeId = "test-home";
    public const int MaxPayloadBytes = 2048;

    /// <summary>For tests about something else than permissions: publish and subscribe anywhere.</summary>
    public static MqttPermissions Everything { get; } = MqttRoles.Of(MqttRoles.Custom, [new MqttTopicRule(MqttAccess.ReadWrite, "#")]);

    private readonly ServiceProvider _services;
    private readonly List<IMqttClient> _clients = [];

    private BrokerFixture(ServiceProvider services, string directory)
    {
        _services = services;
        Directory = directory;
    }

    public string Directory { get; }
    public CapturingSink Sink => (CapturingSink)_services.GetRequiredService<ISensorEventSink>();
    public CapturingLoggerProvider Logs => _services.GetRequiredService<CapturingLoggerProvider>();
    public EmbeddedMqttBroker Broker => _services.GetRequiredService<EmbeddedMqttBroker>();
    public MqttCredentialStore Credentials => _services.GetRequiredService<MqttCredentialStore>();
    public SensorInputStats Stats => _services.GetRequiredService<SensorInputStats>();
    public IServiceProvider Services => _services;

    public static HomeConfig Home { get; } = new(HomeId, "Europe/Helsinki",
    [
        Z2m("front_door", SensorKind.Door),
        Z2m("hall_radar", SensorKind.Fall, Zigbee2MqttProfile.HeimanHs2fdEf1),
        Z2m("bedroom_radar", SensorKind.Fall, Zigbee2MqttProfile.TuyaMirHe200),
        Z2m("help", SensorKind.HelpButton),
        new SensorConfig("dispenser", SensorKind.Medication) { Mqtt = new MqttInputConfig($"homegateway/{HomeId}/dispenser", MqttProfiles.HomeGateway) },
    ], new RulesConfig());

    private static SensorConfig Z2m(string id, SensorKind kind, string? model = null) =>
        new(id, kind) { Mqtt = new MqttInputConfig($"zigbee2mqtt/{id}", MqttProfiles.Zigbee2Mqtt) { Model = model } };

    public static async Task<BrokerFixture> StartAsync(Action<MqttOptions>? configure = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "hg-mqtt-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var logs = new CapturingLoggerProvider();
        var services = new ServiceCollection();
        services.AddSingleton(logs);
        services.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        var mqtt = new MqttOptions { Port = 0, MaxPayloadBytes = MaxPayloadBytes, MaxConnections = 8 };
        configure?.Invoke(mqtt);
        services.AddSingleton(Options.Create(new GatewayOptions
        {
            HomeFile = "home.yaml",
            DataDirectory = directory,
            Mqtt = mqtt,
        }));
        services.AddSingleton(Home);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ISensorEventSink, CapturingSink>();
        services.AddMqttInputs();
        var provider = services.BuildServiceProvider();
        var fixture = new BrokerFixture(provider, directory);
        await fixture.Broker.StartAsync(CancellationToken.None);
        // The loop that sends the alert copies (MqttAlertRepublisher) on this broker, as the host starts it.
        await fixture.Services.GetRequiredService<LocalAlertCopies>().StartAsync(CancellationToken.None);
        return fixture;
    }

    /// <summary>Connects a client; returns it with the broker's answer (an exception from MQTTnet becomes its result code).</summary>
    public async Task<(IMqttClient Client, MqttClientConnectResultCode Result)> ConnectAsync(string? user, string? password, MqttProtocolVersion version = MqttProtocolVersion.V500)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        _clients.Add(client);
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", Broker.Port)
            .WithProtocolVersion(version)
            .WithTimeout(TimeSpan.FromSeconds(5));
        if (user is not null)
        {
            builder = builder.WithCredentials(user, password);
        }

        var result = await client.ConnectAsync(builder.Build());
        return (client, result.ResultCode);
    }

    /// <summary>A connected device client with a fresh user.</summary>
    public async Task<IMqttClient> DeviceAsync(string user = "zigbee2mqtt")
    {
        var (client, result) = await ConnectAsync(user, Credentials.AddUser(user, BrokerFixture.Everything));
        Assert.Equal(MqttClientConnectResultCode.Success, result);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            if (client.IsConnected)
            {
                await client.DisconnectAsync();
            }

            client.Dispose();
        }

        await _services.GetRequiredService<LocalAlertCopies>().StopAsync(CancellationToken.None);
        await Broker.StopAsync(CancellationToken.None);
        var logs = Logs;
        await _services.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);

        // As in MQTTnet's own tests: anything logged as an error is a failure, even when the assertions passed.
        Assert.True(!logs.Entries.Any(e => e.Level >= LogLevel.Error), string.Join(" | ", logs.Entries.Where(e => e.Level >= LogLevel.Error).Select(e => $"{e.EventId.Id} {e.Message}")));
    }
}
