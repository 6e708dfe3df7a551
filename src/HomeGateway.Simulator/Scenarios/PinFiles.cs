using System.Globalization;

namespace HomeGateway.Simulator.Scenarios;

/// <summary>
/// The simulated GPIO bank's files, as the gateway's simulated driver reads them: one file per BCM pin,
/// named by its number, holding <c>0</c> or <c>1</c> — the shape of a sysfs value file. Written by
/// rename so the gateway never reads half a file.
/// </summary>
public static class PinFiles
{
    public static void Write(string directory, int pin, bool high)
    {
        Directory.CreateDirectory(directory);
        var target = Path.Combine(directory, pin.ToString(CultureInfo.InvariantCulture));
        // A dot-name: the gateway ignores it until the rename makes it the pin file.
        var temporary = Path.Combine(directory, $".{pin}.tmp-{Environment.ProcessId}");
        File.WriteAllText(temporary, high ? "1" : "0");
        File.Move(temporary, target, overwrite: true);
    }
}
