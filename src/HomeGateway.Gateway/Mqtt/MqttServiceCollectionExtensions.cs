using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace HomeGateway.Gateway.Mqtt;

public static class MqttServiceCollectionExtensions
{
    /// <summary>
    /// The MQTT sensor input, the link to the home's broker — the embedded broker (<c>Gateway:Mqtt:Mode</c> <c>embedded</c>)
    /// or a client of an external one (<c>external</c>); both are registered and the one not chosen stays idle — its
    /// health (<see cref="MqttLinkHealth"/>) and the local alert republish (queued by <see cref="LocalAlertCopies"/>). Expects <c>IOptions&lt;GatewayOptions&gt;</c>,
    /// <c>HomeConfig</c>, <c>TimeProvider</c> and <c>ISensorEventSink</c> to be registered by the host.
    /// </summary>
    public static IServiceCollection AddMqttInputs(this IServiceCollection services)
    {
        services.TryAddSingleton<SensorInputStats>();
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<GatewayOptions>>().Value;
            var path = options.Mqtt.CredentialsFile is { Length: > 0 } file
                ? file
                : Path.Combine(options.DataDirectory, MqttCommands.DefaultCredentialsFileName);
            return new MqttCredentialStore(path);
        });
        services.TryAddSingleton<MqttSensorInput>();
        services.TryAddSingleton<MqttLinkHealth>();
        services.TryAddSingleton<EmbeddedMqttBroker>();
        services.AddHostedService(sp => sp.GetRequiredService<EmbeddedMqttBroker>());
        services.TryAddSingleton<ExternalMqttBrokerClient>();
        services.AddHostedService(sp => sp.GetRequiredService<ExternalMqttBrokerClient>());
        services.TryAddSingleton<ILocalMqttPublisher>(sp =>
            sp.GetRequiredService<IOptions<GatewayOptions>>().Value.Mqtt.IsExternal
                ? sp.GetRequiredService<ExternalMqttBrokerClient>()
                : sp.GetRequiredService<EmbeddedMqttBroker>());
        // After the brokers: hosted services stop in reverse order, so the copies stop before the link they go out on.
        services.TryAddSingleton<LocalAlertCopies>();
        services.AddHostedService(sp => sp.GetRequiredService<LocalAlertCopies>());
        services.TryAddSingleton<MqttAlertRepublisher>();
        services.AddSingleton<Pipeline.IAlertObserver>(sp => sp.GetRequiredService<MqttAlertRepublisher>());
        return services;
    }
}
