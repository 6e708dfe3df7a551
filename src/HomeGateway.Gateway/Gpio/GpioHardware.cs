using System.Device.Gpio;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace HomeGateway.Gateway.Gpio;

/// <summary>
/// The machine's GPIO as the kernel shows it: the board model, the GPIO chips and who holds a line. Behind an
/// interface so the choice of chip and driver (<see cref="GpioSelection"/>) is tested with fixtures of each board.
/// </summary>
public interface IGpioHardware
{
    /// <summary>The board as the device tree names it (<c>Raspberry Pi 5 Model B Rev 1.0</c>); null when unknown.</summary>
    string? BoardModel { get; }

    /// <summary>Every GPIO chip, once each (a compatibility alias such as the Pi 5's <c>gpiochip4</c> link is not a second chip).</summary>
    IReadOnlyList<GpioChipInfo> ListChips();

    /// <summary>Whether the shared library with this file name (<c>libgpiod.so.3</c>) can be loaded.</summary>
    bool CanLoadLibrary(string fileName);

    /// <summary>Who holds a line: null when it is free or unknown, else the consumer's name ("" when it gave none).</summary>
    string? LineConsumer(GpioChipInfo chip, int line);
}

/// <summary>
/// <see cref="IGpioHardware"/> on Linux: the chip list from the GPIO character devices (<c>/dev/gpiochipN</c>,
/// <c>GPIO_GET_CHIPINFO_IOCTL</c>), the board from <c>/proc/device-tree/model</c>. It asks the kernel directly, not
/// libgpiod, so "no GPIO here" and "libgpiod missing" are told apart before any library is loaded.
/// </summary>
public sealed class LinuxGpioHardware(string deviceDirectory = "/dev", string modelFile = "/proc/device-tree/model") : IGpioHardware
{
    // include/uapi/linux/gpio.h: _IOR(0xB4, 0x01, struct gpiochip_info { char name[32]; char label[32]; __u32 lines; })
    private const uint ChipInfoIoctl = 0x8044B401;
    private const int ChipInfoSize = 68;

    // _IOWR(0xB4, 0x05, struct gpio_v2_line_info): name[32], consumer[32], offset, num_attrs, u64 flags, 10 attrs of 16 bytes, 4 u32 padding.
    private const uint LineInfoV2Ioctl = 0xC100B405;
    private const int LineInfoV2Size = 256;
    private const ulong LineFlagUsed = 1;

    private const int OpenReadOnly = 0;
    private const int OpenCloseOnExec = 0x80000;
    private const int PermissionDenied = 13;

    public string? BoardModel
    {
        get
        {
            try
            {
                // The device tree string ends in a NUL.
                var model = File.ReadAllText(modelFile).TrimEnd('\0', '\n', ' ');
                return model.Length == 0 ? null : model;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }
    }

    public IReadOnlyList<GpioChipInfo> ListChips()
    {
        if (!Directory.Exists(deviceDirectory))
        {
            return [];
        }

        var chips = new List<GpioChipInfo>();
        foreach (var path in Directory.EnumerateFileSystemEntries(deviceDirectory, "gpiochip*"))
        {
            var file = new FileInfo(path);
            if (file.LinkTarget is not null || !TryChipNumber(file.Name, out var number))
            {
                continue;
            }

            var buffer = new byte[ChipInfoSize];
            Query(path, ChipInfoIoctl, buffer);
            chips.Add(new GpioChipInfo(number, CString(buffer, 0), CString(buffer, 32), BitConverter.ToInt32(buffer, 64)));
        }

        chips.Sort((a, b) => a.Id.CompareTo(b.Id));
        return chips;
    }

    public bool CanLoadLibrary(string fileName)
    {
        if (!NativeLibrary.TryLoad(fileName, out var handle))
        {
            return false;
        }

        NativeLibrary.Free(handle);
        return true;
    }

    public string? LineConsumer(GpioChipInfo chip, int line)
    {
        var buffer = new byte[LineInfoV2Size];
        BitConverter.TryWriteBytes(buffer.AsSpan(64, 4), (uint)line);
        try
        {
            Query(Path.Combine(deviceDirectory, "gpiochip" + chip.Id.ToString(CultureInfo.InvariantCulture)), LineInfoV2Ioctl, buffer);
        }
        catch (IOException)
        {
            // Unknown (an old kernel without the v2 interface): opening the pin will tell.
            return null;
        }

        var flags = BitConverter.ToUInt64(buffer, 72);
        return (flags & LineFlagUsed) != 0 ? CString(buffer, 32) : null;
    }

    private static void Query(string path, uint request, byte[] buffer)
    {
        var fd = Native.Open(Encoding.UTF8.GetBytes(path + "\0"), OpenReadOnly | OpenCloseOnExec);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw errno == PermissionDenied
                ? new UnauthorizedAccessException($"{path}: permission denied; the user needs to be in the 'gpio' group (sudo usermod -aG gpio USER)")
                : new IOException($"{path} cannot be opened (errno {errno})");
        }

        try
        {
            if (Native.Ioctl(fd, request, buffer) < 0)
            {
                throw new IOException($"{path}: the kernel refused the GPIO query (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Native.Close(fd);
        }
    }

    private static bool TryChipNumber(string name, out int number)
    {
        number = 0;
        return name.StartsWith("gpiochip", StringComparison.Ordinal)
            && int.TryParse(name.AsSpan("gpiochip".Length), NumberStyles.None, CultureInfo.InvariantCulture, out number);
    }

    private static string CString(byte[] buffer, int offset)
    {
        var span = buffer.AsSpan(offset, 32);
        var end = span.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? span : span[..end]);
    }

    private static class Native
    {
        [DllImport("libc", EntryPoint = "open", SetLastError = true)]
        public static extern int Open(byte[] path, int flags);

        [DllImport("libc", EntryPoint = "ioctl", SetLastError = true)]
        public static extern int Ioctl(int fd, nuint request, [In, Out] byte[] argument);

        [DllImport("libc", EntryPoint = "close", SetLastError = true)]
        public static extern int Close(int fd);
    }
}
