using System.Device.Gpio;
using HomeGateway.Gateway.Gpio;

namespace HomeGateway.Gateway.Tests.Gpio;

// The header's chip is found by label or line count on every supported board and kernel, never by number; the driver
// follows the libgpiod the system has; anything the technician must fix gets a message that says what to do.
public sealed class GpioSelectionTests
{
    public static TheoryData<string, string, int, string> EveryBoard => new()
    {
        { "Raspberry Pi 5 Model B Rev 1.0", nameof(Boards.Pi5), 0, "pinctrl-rp1" },
        { "Raspberry Pi 5 Model B Rev 1.0", nameof(Boards.Pi5EarlyKernel), 4, "pinctrl-rp1" },
        { "Raspberry Pi 4 Model B Rev 1.5", nameof(Boards.Pi4), 0, "pinctrl-bcm2711" },
        { "Raspberry Pi 3 Model B Plus Rev 1.3", nameof(Boards.Pi3), 0, "pinctrl-bcm2835" },
        { "Raspberry Pi Zero 2 W Rev 1.0", nameof(Boards.Zero2W), 0, "pinctrl-bcm2835" },
    };

    private static GpioChipInfo[] ChipsOf(string board) => (GpioChipInfo[])typeof(Boards).GetField(board)!.GetValue(null)!;

    [Theory]
    [MemberData(nameof(EveryBoard))]
    public void The_header_chip_is_found_by_label_on_every_board(string model, string board, int expectedNumber, string expectedLabel)
    {
        var choice = GpioSelection.Choose("auto", "auto", Boards.Machine(model, ChipsOf(board), Boards.V1));

        Assert.Equal((expectedNumber, expectedLabel), (choice.Chip!.Id, choice.Chip.Label));
        Assert.Equal(model, choice.BoardModel);
        Assert.Contains(expectedLabel, choice.ChipReason, StringComparison.Ordinal);
        Assert.Equal($"gpiochip{expectedNumber} [{expectedLabel}] ({choice.Chip.NumLines} lines)", choice.ChipDescription);
    }

    [Fact]
    public void A_configured_label_picks_that_chip_whatever_its_number()
    {
        var early = GpioSelection.Choose("libgpiod", "pinctrl-rp1", Boards.Machine("Raspberry Pi 5 Model B Rev 1.0", Boards.Pi5EarlyKernel, Boards.V1));
        var late = GpioSelection.Choose("libgpiod", "pinctrl-rp1", Boards.Machine("Raspberry Pi 5 Model B Rev 1.0", Boards.Pi5, Boards.V1));

        Assert.Equal((4, 0), (early.Chip!.Id, late.Chip!.Id));
        Assert.Equal("as configured in Gateway:Gpio:Chip", early.ChipReason);
    }

    [Fact]
    public void An_unknown_label_is_refused_with_the_chips_that_are_there()
    {
        var e = Assert.Throws<GpioSetupException>(() => GpioSelection.Choose("auto", "pinctrl-bcm2712", Boards.Machine("Raspberry Pi 4 Model B", Boards.Pi4, Boards.V1)));

        Assert.Contains("Gateway:Gpio:Chip 'pinctrl-bcm2712'", e.Message, StringComparison.Ordinal);
        Assert.Contains("gpiochip0 [pinctrl-bcm2711] (58 lines); gpiochip1 [raspberrypi-exp-gpio] (8 lines)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_configured_chip_too_small_for_the_header_is_refused()
    {
        var e = Assert.Throws<GpioSetupException>(() => GpioSelection.Choose("auto", "raspberrypi-exp-gpio", Boards.Machine(null, Boards.Pi4, Boards.V1)));
        Assert.Contains("too few lines", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_renamed_header_chip_is_found_by_its_line_count()
    {
        GpioChipInfo[] chips = [new(0, "gpiochip0", "gpio-soc", 32), new(2, "gpiochip2", "pinctrl-rp1-renamed", 54)];

        var choice = GpioSelection.Choose("auto", "auto", Boards.Machine("Raspberry Pi 5 Model B", chips, Boards.V2));

        Assert.Equal(2, choice.Chip!.Id);
        Assert.Contains("line count", choice.ChipReason, StringComparison.Ordinal);
        Assert.Contains("Gateway:Gpio:Chip: pinctrl-rp1-renamed", choice.ChipReason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_machine_whose_chips_are_not_a_header_is_told_to_name_the_chip()
    {
        GpioChipInfo[] chips = [new(0, "gpiochip0", "gpio-mockup-A", 8), new(1, "gpiochip1", "gpio-mockup-B", 16)];

        var e = Assert.Throws<GpioSetupException>(() => GpioSelection.Choose("auto", "auto", Boards.Machine(null, chips, Boards.V1)));

        Assert.Contains("Set Gateway:Gpio:Chip", e.Message, StringComparison.Ordinal);
        Assert.Contains("gpiochip1 [gpio-mockup-B] (16 lines)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_machine_without_gpio_gets_a_clear_error_that_names_the_simulated_driver()
    {
        var e = Assert.Throws<GpioSetupException>(() => GpioSelection.Choose("auto", "auto", Boards.Machine(null, [], Boards.V1, Boards.V2)));

        Assert.Contains("no GPIO chip", e.Message, StringComparison.Ordinal);
        Assert.Contains("Gateway:Gpio:Driver to 'simulated'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { Boards.V1, Boards.V2 }, GpioDriverKind.LibGpiodV2)]
    [InlineData(new[] { Boards.V2 }, GpioDriverKind.LibGpiodV2)]
    [InlineData(new[] { Boards.V1 }, GpioDriverKind.LibGpiodV1)]
    public void Auto_prefers_libgpiod_v2_then_v1(string[] libraries, GpioDriverKind expected)
    {
        var choice = GpioSelection.Choose("auto", "auto", Boards.Machine("Raspberry Pi 5 Model B Rev 1.0", Boards.Pi5, libraries));
        Assert.Equal(expected, choice.Driver);
    }

    [Fact]
    public void Auto_without_libgpiod_says_what_to_install()
    {
        var e = Assert.Throws<GpioSetupException>(() => GpioSelection.Choose("auto", "auto", Boards.Machine("Raspberry Pi 4 Model B", Boards.Pi4)));

        Assert.Contains("sudo apt install libgpiod2", e.Message, StringComparison.Ordinal);
        Assert.Contains("sudo apt install libgpiod3", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("libgpiod", Boards.V2, "libgpiod.so.2", "libgpiod2")]
    [InlineData("libgpiodv2", Boards.V1, "libgpiod.so.3", "libgpiod3")]
    public void An_explicit_libgpiod_version_that_is_missing_is_refused(string driver, string installed, string missing, string package)
    {
        var e = Assert.Throws<GpioSetupException>(() => GpioSelection.Choose(driver, "auto", Boards.Machine(null, Boards.Pi3, installed)));

        Assert.Contains($"Gateway:Gpio:Driver is '{driver}'", e.Message, StringComparison.Ordinal);
        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
        Assert.Contains($"sudo apt install {package}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Explicit_drivers_are_taken_as_asked()
    {
        var pi = Boards.Machine("Raspberry Pi 3 Model B", Boards.Pi3, Boards.V1, Boards.V2);

        Assert.Equal(GpioDriverKind.LibGpiodV1, GpioSelection.Choose("libgpiod", "auto", pi).Driver);
        Assert.Equal(GpioDriverKind.LibGpiodV2, GpioSelection.Choose("libgpiodv2", "auto", pi).Driver);
        Assert.Equal(GpioDriverKind.SysFs, GpioSelection.Choose("sysfs", "auto", pi).Driver);
    }

    [Fact]
    public void The_simulated_driver_needs_no_gpio_hardware()
    {
        var choice = GpioSelection.Choose("simulated", "auto", Boards.Machine(null, []));

        Assert.Equal((GpioDriverKind.Simulated, null), (choice.Driver, choice.Chip));
        using var driver = GpioSelection.CreateDriver(choice, null, TimeProvider.System);
        Assert.IsType<SimulatedGpioDriver>(driver);
    }

    [Fact]
    public void An_unknown_driver_name_lists_the_allowed_values()
    {
        var e = Assert.Throws<GpioSetupException>(() => GpioSelection.Choose("wiringpi", "auto", Boards.Machine(null, Boards.Pi4, Boards.V1)));
        Assert.Equal("Gateway:Gpio:Driver 'wiringpi' is not one of: auto, libgpiod, libgpiodv2, sysfs, simulated", e.Message);
    }
}
