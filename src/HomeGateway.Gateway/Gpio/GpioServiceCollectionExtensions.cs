using System.Device.Gpio;
using HomeGateway.Core.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HomeGateway.Gateway.Gpio;

public static class GpioServiceCollectionExtensions
{
    /// <summary>
    /// The GPIO input and its controller, on the driver and chip <see cref="GpioSelection"/> chooses from
    /// <c>Gateway:Gpio:Driver</c> and <c>Gateway:Gpio:Chip</c> (logged at start: board, chip, driver). A problem the
    /// technician must fix (no GPIO, libgpiod missing, unknown chip label) fails the start with one plain message.
    /// A <see cref="GpioController"/> or <see cref="IGpioHardware"/> registered before this call wins (tests).
    /// Expects <c>IOptions&lt;GatewayOptions&gt;</c>, <c>HomeConfig</c>, <c>TimeProvider</c> and <c>ISensorEventSink</c>.
    /// </summary>
    public static IServiceCollection AddGpioInputs(this IServiceCollection services)
    {
        services.TryAddSingleton<IGpioHardware>(_ => new LinuxGpioHardware());
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<GatewayOptions>>().Value.Gpio;
            return new SimulatedGpioDriver(pinDirectory: options.SimulatedPinDirectory, timeProvider: sp.GetRequiredService<TimeProvider>());
        });
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<GatewayOptions>>().Value.Gpio;
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GpioSensorInput).FullName!);
            var settings = sp.GetRequiredService<IOptions<GatewayOptions>>().Value;
            if (options.Driver != "simulated" && !UsesGpio(sp.GetRequiredService<HomeConfig>(), settings))
            {
                // A home with only Zigbee/MQTT devices may run on a machine without GPIO (a mini PC): nothing opens a
                // pin, so an in-memory pin bank stands in and the board is never touched.
                GpioLog.NotUsed(logger);
                return new GpioController(new SimulatedGpioDriver(timeProvider: sp.GetRequiredService<TimeProvider>()));
            }

            var choice = StartupProblem(() => GpioSelection.Choose(options.Driver, options.Chip, sp.GetRequiredService<IGpioHardware>()));
            GpioLog.DriverChosen(logger, choice.BoardModel ?? "unknown", choice.ChipDescription, choice.ChipReason, choice.DriverName);
            // The container owns the simulated driver (tests and the simulator reach it as a service).
            return choice.Driver == GpioDriverKind.Simulated
                ? new GpioController(sp.GetRequiredService<SimulatedGpioDriver>())
                : StartupProblem(() => new GpioController(GpioSelection.CreateDriver(choice, null, sp.GetRequiredService<TimeProvider>())));
        });
        services.AddHostedService<GpioSensorInput>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GatewayOptions>, GpioOptionsValidator>());
        return services;
    }

    private static bool UsesGpio(HomeConfig home, GatewayOptions options) =>
        home.Sensors.Any(s => s.Gpio is not null) || options.Feedback.LedPin is not null || options.Feedback.BuzzerPin is not null;

    private static T StartupProblem<T>(Func<T> create)
    {
        try
        {
            return create();
        }
        catch (Exception ex) when (ex is GpioSetupException or IOException or UnauthorizedAccessException or PlatformNotSupportedException or DllNotFoundException)
        {
            throw new OptionsValidationException(nameof(GatewayOptions), typeof(GatewayOptions), [$"GPIO: {ex.Message}"]);
        }
    }
}

/// <summary>The GPIO settings' own checks (the machine is checked when the controller is built, at start).</summary>
internal sealed class GpioOptionsValidator : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var gpio = options.Gpio;
        var problems = new List<string>();
        if (!GpioSelection.IsDriverName(gpio.Driver))
        {
            problems.Add($"Gateway:Gpio:Driver '{gpio.Driver}' is not one of: {string.Join(", ", GpioSelection.DriverNames)}");
        }

        // A kernel chip label is at most 31 characters of printable text.
        if (string.IsNullOrWhiteSpace(gpio.Chip) || gpio.Chip.Length > 31 || gpio.Chip.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            problems.Add($"Gateway:Gpio:Chip '{gpio.Chip}' must be 'auto' or a GPIO chip label such as pinctrl-rp1 (see `gpiodetect`)");
        }

        if (gpio.Driver != "simulated" && !string.IsNullOrEmpty(gpio.SimulatedPinDirectory))
        {
            problems.Add("Gateway:Gpio:SimulatedPinDirectory is set but Gateway:Gpio:Driver is not 'simulated'");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
