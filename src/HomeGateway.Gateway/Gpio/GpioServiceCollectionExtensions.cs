using System.Device.Gpio;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace HomeGateway.Gateway.Gpio;

public static class GpioServiceCollectionExtensions
{
    /// <summary>
    /// The GPIO input and its controller: the board's driver (<c>Gateway:Gpio:Driver=auto</c>) or a
    /// <see cref="SimulatedGpioDriver"/> (<c>simulated</c>). A <see cref="GpioController"/> registered before this call
    /// wins (tests). Expects <c>IOptions&lt;GatewayOptions&gt;</c>, <c>HomeConfig</c>, <c>TimeProvider</c> and
    /// <c>ISensorEventSink</c> from the host.
    /// </summary>
    public static IServiceCollection AddGpioInputs(this IServiceCollection services)
    {
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<GatewayOptions>>().Value.Gpio;
            return new SimulatedGpioDriver(pinDirectory: options.SimulatedPinDirectory, timeProvider: sp.GetRequiredService<TimeProvider>());
        });
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<GatewayOptions>>().Value.Gpio;
            // shouldDispose false: the container owns the simulated driver.
            return options.Driver == "simulated"
                ? new GpioController(sp.GetRequiredService<SimulatedGpioDriver>())
                : new GpioController();
        });
        services.AddHostedService<GpioSensorInput>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GatewayOptions>, GpioOptionsValidator>());
        return services;
    }
}

/// <summary>Pin-directory checks that annotations cannot make.</summary>
internal sealed class GpioOptionsValidator : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options) =>
        options.Gpio.Driver != "simulated" && !string.IsNullOrEmpty(options.Gpio.SimulatedPinDirectory)
            ? ValidateOptionsResult.Fail("Gateway:Gpio:SimulatedPinDirectory is set but Gateway:Gpio:Driver is not 'simulated'")
            : ValidateOptionsResult.Success;
}
