using System.Device.Gpio;
using HomeGateway.Gateway.Gpio;

namespace HomeGateway.Gateway.Tests.Gpio;

/// <summary>
/// A machine as <see cref="IGpioHardware"/> describes it: board model, GPIO chips (as <c>gpiodetect</c> lists them on
/// each board), loadable libraries and held lines. The boards' chip lists are facts from the boards themselves.
/// </summary>
internal sealed class FixtureGpioHardware(string? model, IReadOnlyList<GpioChipInfo> chips, params string[] libraries) : IGpioHardware
{
    public Dictionary<(int Chip, int Line), string> Consumers { get; } = [];

    public string? BoardModel => model;

    public IReadOnlyList<GpioChipInfo> ListChips() => chips;

    public bool CanLoadLibrary(string fileName) => libraries.Contains(fileName);

    public string? LineConsumer(GpioChipInfo chip, int line) => Consumers.GetValueOrDefault((chip.Id, line));
}

internal static class Boards
{
    public const string V1 = GpioSelection.LibGpiodV1Library;
    public const string V2 = GpioSelection.LibGpiodV2Library;

    private static GpioChipInfo Chip(int id, string label, int lines) => new(id, $"gpiochip{id}", label, lines);

    /// <summary>Pi 5 on kernels since mid-2024: RP1 is gpiochip0, the SoC's chips moved to 10–13.</summary>
    public static readonly GpioChipInfo[] Pi5 =
    [
        Chip(0, "pinctrl-rp1", 54), Chip(10, "gpio-brcmstb@107d508500", 32), Chip(11, "gpio-brcmstb@107d508520", 4),
        Chip(12, "gpio-brcmstb@107d517c00", 17), Chip(13, "gpio-brcmstb@107d517c20", 6),
    ];

    /// <summary>Pi 5 on its first kernels: RP1 was gpiochip4, after the SoC's four chips.</summary>
    public static readonly GpioChipInfo[] Pi5EarlyKernel =
    [
        Chip(0, "gpio-brcmstb@107d508500", 32), Chip(1, "gpio-brcmstb@107d508520", 4), Chip(2, "gpio-brcmstb@107d517c00", 17),
        Chip(3, "gpio-brcmstb@107d517c20", 6), Chip(4, "pinctrl-rp1", 54),
    ];

    public static readonly GpioChipInfo[] Pi4 = [Chip(0, "pinctrl-bcm2711", 58), Chip(1, "raspberrypi-exp-gpio", 8)];

    public static readonly GpioChipInfo[] Pi3 = [Chip(0, "pinctrl-bcm2835", 54), Chip(1, "raspberrypi-exp-gpio", 8)];

    public static readonly GpioChipInfo[] Zero2W = [Chip(0, "pinctrl-bcm2835", 54)];

    public static FixtureGpioHardware Machine(string? model, GpioChipInfo[] chips, params string[] libraries) => new(model, chips, libraries);
}
