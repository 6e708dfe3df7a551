using HomeGateway.Gateway.Gpio;

namespace HomeGateway.Gateway.Tests.Gpio;

// The real catalogue reads what the kernel offers and nothing else: the board model as the device tree writes it,
// every /dev/gpiochip once (links are aliases), and which shared libraries load. Chips themselves are covered on the rig.
public sealed class LinuxGpioHardwareTests : IDisposable
{
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public void The_board_model_is_read_without_the_device_trees_trailing_nul()
    {
        File.WriteAllText(dir.File("model"), "Raspberry Pi 5 Model B Rev 1.0\0");

        Assert.Equal("Raspberry Pi 5 Model B Rev 1.0", new LinuxGpioHardware(dir.Path, dir.File("model")).BoardModel);
        Assert.Null(new LinuxGpioHardware(dir.Path, dir.File("no-such-model")).BoardModel);
    }

    [Fact]
    public void A_machine_without_gpio_devices_lists_no_chips()
    {
        var devices = Path.Combine(dir.Path, "dev");
        Directory.CreateDirectory(devices);
        File.WriteAllText(Path.Combine(devices, "gpiochip-notes"), "not a chip");

        Assert.Empty(new LinuxGpioHardware(devices).ListChips());
        Assert.Empty(new LinuxGpioHardware(Path.Combine(dir.Path, "missing")).ListChips());
    }

    [Fact]
    public void An_alias_link_is_not_a_second_chip_and_a_file_that_is_no_chip_is_refused()
    {
        var devices = Path.Combine(dir.Path, "dev");
        Directory.CreateDirectory(devices);
        File.WriteAllText(Path.Combine(devices, "gpiochip0"), "");
        File.CreateSymbolicLink(Path.Combine(devices, "gpiochip4"), "gpiochip0");
        var hardware = new LinuxGpioHardware(devices);

        // The link is skipped; the regular file is asked like a chip and the kernel refuses the ioctl.
        var e = Assert.Throws<IOException>(hardware.ListChips);
        Assert.Contains("gpiochip0", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("gpiochip4", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Libraries_are_probed_by_loading_them()
    {
        var hardware = new LinuxGpioHardware();

        Assert.True(hardware.CanLoadLibrary("libc.so.6"));
        Assert.False(hardware.CanLoadLibrary("libhomegateway-no-such-library.so.9"));
    }

    [Fact]
    public void The_chips_listed_are_the_machines_gpio_character_devices()
    {
        // On a build machine this is none; on the rig it is every chip. Either way the list matches /dev.
        var devices = Directory.Exists("/dev")
            ? Directory.EnumerateFileSystemEntries("/dev", "gpiochip*").Where(p => new FileInfo(p).LinkTarget is null).Count()
            : 0;

        Assert.Equal(devices, new LinuxGpioHardware().ListChips().Count);
    }
}
