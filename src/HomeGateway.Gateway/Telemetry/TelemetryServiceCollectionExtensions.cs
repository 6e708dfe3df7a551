using HomeGateway.Gateway.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HomeGateway.Gateway.Telemetry;

public static class TelemetryServiceCollectionExtensions
{
    /// <summary>Telemetry to InfluxDB (<c>Gateway:Telemetry</c>). Registered always; does nothing while it is off.</summary>
    public static IServiceCollection AddTelemetry(this IServiceCollection services)
    {
        services.AddSingleton<IValidateOptions<GatewayOptions>, TelemetryOptionsValidator>();
        services.AddSingleton<InfluxWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<InfluxWriter>());
        services.AddSingleton<SensorTelemetry>();
        services.AddSingleton<ISensorEventObserver>(sp => sp.GetRequiredService<SensorTelemetry>());
        services.AddSingleton<GatewayHealthTelemetry>();
        services.AddHostedService(sp => sp.GetRequiredService<GatewayHealthTelemetry>());
        return services;
    }
}
