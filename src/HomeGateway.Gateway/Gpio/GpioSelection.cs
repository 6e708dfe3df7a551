using System.Device.Gpio;
using System.Device.Gpio.Drivers;
using System.Globalization;

namespace HomeGateway.Gateway.Gpio;

/// <summary>The GPIO driver the gateway uses.</summary>
public enum GpioDriverKind
{
    /// <summary>libgpiod v2 (<c>libgpiod.so.3</c>, Debian 13 based systems).</summary>
    LibGpiodV2,

    /// <summary>libgpiod v1 (<c>libgpiod.so.2</c>, Raspberry Pi OS / Debian 12 bookworm).</summary>
    LibGpiodV1,

    /// <summary>The kernel's deprecated <c>/sys/class/gpio</c> interface: no pull resistors, a last resort.</summary>
    SysFs,

    /// <summary>A virtual pin bank (<see cref="SimulatedGpioDriver"/>), for demos and tests.</summary>
    Simulated,
}

/// <summary>A GPIO set-up the technician has to fix (no GPIO on this machine, libgpiod missing, an unknown chip label).</summary>
public sealed class GpioSetupException(string message) : Exception(message);

/// <summary>What was chosen, and why, for the start-up log and <c>homegateway gpio watch</c>.</summary>
/// <param name="Driver">The driver.</param>
/// <param name="Chip">The header's GPIO chip; null with the simulated driver.</param>
/// <param name="BoardModel">The board as the device tree names it, when known.</param>
/// <param name="ChipReason">How the chip was found (by label, by line count, as configured).</param>
public sealed record GpioChoice(GpioDriverKind Driver, GpioChipInfo? Chip, string? BoardModel, string ChipReason)
{
    public string DriverName => GpioSelection.NameOf(Driver);

    public string ChipDescription => Chip is null ? "no chip (simulated pins)" : GpioSelection.Describe(Chip);
}

/// <summary>
/// Chooses the GPIO chip and driver from the settings and what the machine has. Pure: everything it knows of the
/// machine comes through <see cref="IGpioHardware"/>.
/// <para>The chip is never chosen by number: the Pi 5's header chip (RP1, label <c>pinctrl-rp1</c>, 54 lines) is
/// <c>gpiochip4</c> on kernels before mid-2024 and <c>gpiochip0</c> since; the Pi 4's is <c>pinctrl-bcm2711</c> (58 lines),
/// the Pi 3's and Zero 2 W's <c>pinctrl-bcm2835</c> (54 lines). It is found by label, else by its line count.</para>
/// </summary>
public static class GpioSelection
{
    public const string Auto = "auto";
    public const string LibGpiodV2Library = "libgpiod.so.3";
    public const string LibGpiodV1Library = "libgpiod.so.2";

    /// <summary>The values of <c>Gateway:Gpio:Driver</c>.</summary>
    public static readonly IReadOnlyList<string> DriverNames = [Auto, "libgpiod", "libgpiodv2", "sysfs", "simulated"];

    /// <summary>The GPIO chips that drive a Raspberry Pi's 40-pin header (BCM GPIO 0–27 are its lines 0–27).</summary>
    public static readonly IReadOnlyList<HeaderChip> HeaderChips =
    [
        new("pinctrl-rp1", 54, "Raspberry Pi 5, 500"),
        new("pinctrl-bcm2711", 58, "Raspberry Pi 4, 400, CM4"),
        new("pinctrl-bcm2835", 54, "Raspberry Pi 3, Zero 2 W"),
    ];

    /// <summary>Lines the header needs: BCM GPIO 0–27.</summary>
    public const int HeaderLines = 28;

    private const string InstallV1 = "sudo apt install libgpiod2";
    private const string InstallV2 = "sudo apt install libgpiod3";

    public static bool IsDriverName(string? name) => name is not null && DriverNames.Contains(name, StringComparer.Ordinal);

    public static string NameOf(GpioDriverKind kind) => kind switch
    {
        GpioDriverKind.LibGpiodV2 => "libgpiodv2",
        GpioDriverKind.LibGpiodV1 => "libgpiod",
        GpioDriverKind.SysFs => "sysfs",
        _ => "simulated",
    };

    public static string Describe(GpioChipInfo chip) =>
        string.Create(CultureInfo.InvariantCulture, $"{chip.Name} [{chip.Label}] ({chip.NumLines} lines)");

    /// <summary>The driver and chip for <paramref name="driver"/> and <paramref name="chip"/> (settings' values).</summary>
    /// <exception cref="GpioSetupException">The machine cannot give what the settings ask for; the message says what to do.</exception>
    public static GpioChoice Choose(string driver, string chip, IGpioHardware hardware)
    {
        if (!IsDriverName(driver))
        {
            throw new GpioSetupException($"Gateway:Gpio:Driver '{driver}' is not one of: {string.Join(", ", DriverNames)}");
        }

        if (driver == "simulated")
        {
            return new GpioChoice(GpioDriverKind.Simulated, null, null, "simulated pins");
        }

        var board = hardware.BoardModel;
        var (headerChip, reason) = ChooseChip(chip, hardware.ListChips());
        var kind = driver switch
        {
            "libgpiodv2" => Require(hardware, LibGpiodV2Library, GpioDriverKind.LibGpiodV2,
                $"Gateway:Gpio:Driver is 'libgpiodv2' but {LibGpiodV2Library} (libgpiod v2) cannot be loaded: install it ({InstallV2}, Debian 13 based systems) or use 'libgpiod' with {LibGpiodV1Library}"),
            "libgpiod" => Require(hardware, LibGpiodV1Library, GpioDriverKind.LibGpiodV1,
                $"Gateway:Gpio:Driver is 'libgpiod' but {LibGpiodV1Library} (libgpiod v1) cannot be loaded: install it ({InstallV1}, Raspberry Pi OS / Debian 12 bookworm)"),
            "sysfs" => GpioDriverKind.SysFs,
            _ => hardware.CanLoadLibrary(LibGpiodV2Library) ? GpioDriverKind.LibGpiodV2
                : hardware.CanLoadLibrary(LibGpiodV1Library) ? GpioDriverKind.LibGpiodV1
                : throw new GpioSetupException(
                    $"libgpiod is not installed: neither {LibGpiodV2Library} (v2) nor {LibGpiodV1Library} (v1) can be loaded. "
                    + $"Install it: {InstallV1} (Raspberry Pi OS / Debian 12 bookworm) or {InstallV2} (Debian 13 trixie)"),
        };
        return new GpioChoice(kind, headerChip, board, reason);
    }

    /// <summary>Creates the driver for a choice. Only <see cref="GpioDriverKind.Simulated"/> works without GPIO hardware.</summary>
    public static GpioDriver CreateDriver(GpioChoice choice, string? simulatedPinDirectory, TimeProvider time) => choice.Driver switch
    {
        GpioDriverKind.LibGpiodV2 => new LibGpiodV2Driver(choice.Chip!),
        GpioDriverKind.LibGpiodV1 => new LibGpiodDriver(choice.Chip!),
        GpioDriverKind.SysFs => new SysFsDriver(choice.Chip!),
        _ => new SimulatedGpioDriver(pinDirectory: simulatedPinDirectory, timeProvider: time),
    };

    private static (GpioChipInfo Chip, string Reason) ChooseChip(string setting, IReadOnlyList<GpioChipInfo> chips)
    {
        if (chips.Count == 0)
        {
            throw new GpioSetupException(
                "This machine has no GPIO chip (no /dev/gpiochip*): the gateway reads its wired sensors on a Raspberry Pi 3, 4, Zero 2 W or 5. "
                + "On a machine without GPIO set Gateway:Gpio:Driver to 'simulated'");
        }

        if (setting != Auto)
        {
            var named = chips.Where(c => c.Label == setting).OrderBy(c => c.Id).FirstOrDefault()
                ?? throw new GpioSetupException($"Gateway:Gpio:Chip '{setting}': no GPIO chip has that label. Chips here: {List(chips)}");
            return named.NumLines < HeaderLines
                ? throw new GpioSetupException($"Gateway:Gpio:Chip '{setting}' is {Describe(named)}: too few lines for BCM GPIO 0–27")
                : (named, "as configured in Gateway:Gpio:Chip");
        }

        // Each Pi has exactly one of these chips; the board model is only reported, the label decides.
        foreach (var header in HeaderChips)
        {
            if (chips.Where(c => c.Label == header.Label && c.NumLines >= HeaderLines).OrderBy(c => c.Id).FirstOrDefault() is { } found)
            {
                return (found, $"by its label {header.Label} ({header.Board} header)");
            }
        }

        // An unknown label (a renamed driver): the one chip with a header chip's line count.
        var byLines = chips.Where(c => HeaderChips.Any(h => h.Lines == c.NumLines)).ToList();
        if (byLines.Count == 1)
        {
            return (byLines[0], $"by its line count ({byLines[0].NumLines}); its label is not one we know, set Gateway:Gpio:Chip: {byLines[0].Label} to be sure");
        }

        throw new GpioSetupException(
            $"No GPIO chip here looks like a Raspberry Pi's 40-pin header (labels {string.Join(", ", HeaderChips.Select(h => h.Label))}). "
            + $"Chips here: {List(chips)}. Set Gateway:Gpio:Chip to the label of the header's chip");
    }

    private static GpioDriverKind Require(IGpioHardware hardware, string library, GpioDriverKind kind, string problem) =>
        hardware.CanLoadLibrary(library) ? kind : throw new GpioSetupException(problem);

    private static string List(IReadOnlyList<GpioChipInfo> chips) => string.Join("; ", chips.Select(Describe));
}

/// <summary>A GPIO chip that drives the 40-pin header of a Raspberry Pi model.</summary>
public sealed record HeaderChip(string Label, int Lines, string Board);
