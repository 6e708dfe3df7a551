using System.Net;
using System.Net.Sockets;
using HomeGateway.Gateway.Gpio;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HomeGateway.Gateway.Tests.Gpio;

// A wrong GPIO set-up fails the service at start with one plain message naming the setting; a good one is logged
// (board, chip, driver) so the technician can see what was chosen.
public sealed class GpioStartupTests : IDisposable
{
    private readonly TempDirectory dir = new();
    private readonly CapturingLoggerProvider logs = new();

    public void Dispose() => dir.Dispose();

    private const string UpsOnGpio = """
        home: { id: test-home, timezone: Europe/Helsinki }
        sensors:
          - { id: ups, kind: power, gpio: { pin: 4, activeLow: true, pull: up } }
        rules: { }
        """;

    private IHost Build(IGpioHardware hardware, params (string Key, string Value)[] gpio) => Build(UpsOnGpio, hardware, gpio);

    private IHost Build(string homeFile, IGpioHardware hardware, params (string Key, string Value)[] gpio)
    {
        File.WriteAllText(dir.File("home.yaml"), homeFile);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = Environments.Production });
        var settings = new Dictionary<string, string?>
        {
            ["Gateway:HomeFile"] = dir.File("home.yaml"),
            ["Gateway:DataDirectory"] = dir.Path,
            ["Gateway:Mqtt:Port"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in gpio)
        {
            settings[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.AddProvider(logs);
        builder.Services.AddSingleton(hardware);
        builder.AddGateway();
        return builder.Build();
    }

    [Fact]
    public async Task The_default_driver_on_a_machine_without_gpio_fails_the_start_with_what_to_do()
    {
        using var host = Build(Boards.Machine(null, []));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(CancellationToken.None));

        var failure = Assert.Single(error.Failures);
        Assert.StartsWith("GPIO: This machine has no GPIO chip", failure, StringComparison.Ordinal);
        Assert.Contains("'simulated'", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_home_without_wired_sensors_or_outputs_runs_on_a_machine_without_gpio()
    {
        const string zigbeeOnly = """
            home: { id: test-home, timezone: Europe/Helsinki }
            sensors:
              - { id: front_door, kind: door, mqtt: { topic: zigbee2mqtt/front_door, profile: zigbee2mqtt } }
            rules: { }
            """;
        using var host = Build(zigbeeOnly, Boards.Machine(null, []));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        await host.StartAsync(timeout.Token);
        await host.StopAsync(timeout.Token);

        Assert.Single(logs.WithEventId(2206));
        Assert.Empty(logs.WithEventId(2205));

        // An LED pin is a GPIO use: then the missing GPIO is a start-up problem again.
        using var withLed = Build(zigbeeOnly, Boards.Machine(null, []), ("Gateway:Feedback:LedPin", "23"));
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => withLed.StartAsync(CancellationToken.None));
        Assert.StartsWith("GPIO: This machine has no GPIO chip", Assert.Single(error.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pi_without_libgpiod_fails_the_start_naming_the_package()
    {
        using var host = Build(Boards.Machine("Raspberry Pi 4 Model B Rev 1.5", Boards.Pi4), ("Gateway:Gpio:Driver", "libgpiod"));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(CancellationToken.None));

        Assert.Contains("sudo apt install libgpiod2", Assert.Single(error.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_choice_is_logged_at_start()
    {
        using var host = Build(Boards.Machine(null, []), ("Gateway:Gpio:Driver", "simulated"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        await host.StartAsync(timeout.Token);
        await host.StopAsync(timeout.Token);

        var chosen = Assert.Single(logs.WithEventId(2205));
        Assert.Equal("GPIO: board unknown; chip no chip (simulated pins), chosen simulated pins; driver simulated", chosen.Message);
        Assert.Contains(logs.WithEventId(2200), e => e.Message.Contains("sensor 'ups' on pin 4", StringComparison.Ordinal) && e.Message.EndsWith("starts mains_restored", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Gateway:Gpio:Driver", "gpiozero", "Gateway:Gpio:Driver 'gpiozero' is not one of: auto, libgpiod, libgpiodv2, sysfs, simulated")]
    [InlineData("Gateway:Gpio:Chip", "", "Gateway:Gpio:Chip '' must be 'auto' or a GPIO chip label")]
    [InlineData("Gateway:Gpio:Chip", "pinctrl rp1", "Gateway:Gpio:Chip 'pinctrl rp1' must be 'auto' or a GPIO chip label")]
    [InlineData("Gateway:Gpio:SimulatedPinDirectory", "/run/pins", "Gateway:Gpio:SimulatedPinDirectory is set but Gateway:Gpio:Driver is not 'simulated'")]
    public void Bad_gpio_settings_are_refused_naming_the_setting(string key, string value, string problem)
    {
        var options = new GatewayOptions { HomeFile = "h.yaml", DataDirectory = "/var/lib/homegateway" };
        switch (key)
        {
            case "Gateway:Gpio:Driver": options.Gpio.Driver = value; break;
            case "Gateway:Gpio:Chip": options.Gpio.Chip = value; break;
            default: options.Gpio.SimulatedPinDirectory = value; break;
        }

        var result = new GpioOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith(problem, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("auto", "auto")]
    [InlineData("libgpiodv2", "pinctrl-rp1")]
    [InlineData("sysfs", "pinctrl-bcm2711")]
    public void Good_gpio_settings_pass(string driver, string chip)
    {
        var options = new GatewayOptions { HomeFile = "h.yaml", DataDirectory = "/var/lib/homegateway" };
        options.Gpio.Driver = driver;
        options.Gpio.Chip = chip;
        Assert.True(new GpioOptionsValidator().Validate(null, options).Succeeded);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
