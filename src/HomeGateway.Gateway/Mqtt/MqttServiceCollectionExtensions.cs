using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace HomeGateway.Gateway.Mqtt;

public static class MqttServiceCollectionExtensions
{
    /// <summary>
    /// The embedded broker, the MQTT sensor input and the local alert republish. Expects <c>IOptions&lt;GatewayOptions&gt;</c>,
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
        services.TryAddSingleton<EmbeddedMqttBroker>();
        services.AddHostedService(sp => sp.GetRequiredService<EmbeddedMqttBroker>());
        services.TryAddSingleton<ILocalMqttPublisher>(sp => sp.GetRequiredService<EmbeddedMqttBroker>());
        services.TryAddSingleton<MqttAlertRepublisher>();
        services.AddSingleton<Pipeline.IAlertObserver>(sp => sp.GetRequiredService<MqttAlertRepublisher>());
        return services;
    }
}
