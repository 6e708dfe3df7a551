using HomeGateway.Gateway.Mqtt;
using HomeGateway.Gateway.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HomeGateway.Gateway.Tests.Mqtt;

/// <summary>
/// The gateway's MQTT pieces in external mode, wired with AddMqttInputs as the host does and started as hosted services,
/// pointed at a <see cref="MosquittoBroker"/>. Plain MQTT on loopback unless the test turns TLS on.
/// </summary>
internal sealed class ExternalGatewayFixture : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly List<IHostedService> _started = [];

    private ExternalGatewayFixture(ServiceProvider services) => _services = services;

    public CapturingSink Sink => (CapturingSink)_services.GetRequiredService<ISensorEventSink>();
    public CapturingLoggerProvider Logs => _services.GetRequiredService<CapturingLoggerProvider>();
    public MqttLinkHealth Health => _services.GetRequiredService<MqttLinkHealth>();
    public ExternalMqttBrokerClient Client => _services.GetRequiredService<ExternalMqttBrokerClient>();
    public IServiceProvider Services => _services;

    /// <summary>The gateway's password file for <paramref name="broker"/>, mode 0600, in <paramref name="dataDirectory"/>.</summary>
    public static string WritePasswordFile(string dataDirectory, string password)
    {
        var file = Path.Combine(dataDirectory, "mqtt-external-password");
        File.WriteAllText(file, password + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return file;
    }

    public static async Task<ExternalGatewayFixture> StartAsync(MosquittoBroker broker, string dataDirectory, Action<ExternalBrokerOptions>? configure = null,
        ISensorEventSink? sink = null)
    {
        if (!File.Exists(Path.Combine(dataDirectory, "mqtt-external-password")))
        {
            WritePasswordFile(dataDirectory, broker.GatewayPassword);
        }

        var external = new ExternalBrokerOptions { Host = "127.0.0.1", Port = broker.Port, UserName = MosquittoBroker.GatewayUser };
        configure?.Invoke(external);
        var options = new GatewayOptions
        {
            HomeFile = "home.yaml",
            DataDirectory = dataDirectory,
            Mqtt = new MqttOptions { Mode = MqttOptions.ExternalMode, External = external },
        };
        var validation = new GatewayOptionsValidator().Validate(null, options);
        Assert.True(validation.Succeeded, validation.FailureMessage);

        var logs = new CapturingLoggerProvider();
        var services = new ServiceCollection();
        services.AddSingleton(logs);
        services.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        services.AddSingleton(Options.Create(options));
        services.AddSingleton(BrokerFixture.Home);
        services.AddSingleton(TimeProvider.System);
        if (sink is null)
        {
            services.AddSingleton<ISensorEventSink, CapturingSink>();
        }
        else
        {
            services.AddSingleton(sink);
        }
        services.AddMqttInputs();
        var fixture = new ExternalGatewayFixture(services.BuildServiceProvider());
        foreach (var hosted in fixture._services.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
            fixture._started.Add(hosted);
        }

        return fixture;
    }

    /// <summary>Waits (generously: this is about correctness, not speed) until the health state satisfies the condition.</summary>
    public async Task<MqttLinkState> WaitForHealthAsync(Func<MqttLinkState, bool> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var state = Health.Current;
            if (condition(state))
            {
                return state;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"MQTT link health never showed {what}; last: {state}");
            }

            await Task.Delay(50);
        }
    }

    public Task<MqttLinkState> ConnectedAsync(long reconnects = 0) =>
        WaitForHealthAsync(s => s.IsConnected && s.Reconnects == reconnects, $"connected (reconnects {reconnects})");

    /// <summary>Stops like the service does (a normal MQTT disconnect that keeps the session).</summary>
    public async Task StopAsync()
    {
        foreach (var hosted in Enumerable.Reverse(_started))
        {
            await hosted.StopAsync(CancellationToken.None);
        }

        _started.Clear();
    }

    /// <summary>Fails when anything was logged as an error except the event ids the test expects.</summary>
    public void AssertNoErrorsExcept(params int[] expectedEventIds) =>
        Assert.DoesNotContain(Logs.Entries, e => e.Level >= LogLevel.Error && !expectedEventIds.Contains(e.EventId.Id));

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _services.DisposeAsync();
    }
}
