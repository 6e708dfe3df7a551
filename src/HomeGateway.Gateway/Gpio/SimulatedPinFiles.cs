using System.Device.Gpio;
using System.Globalization;

namespace HomeGateway.Gateway.Gpio;

/// <summary>
/// The pin-file format shared with a simulator process (which does not reference this assembly, so the format is
/// the contract — see Gpio/README.md): in one directory, a file named by the BCM pin number (<c>17</c>) holding
/// <c>0</c> or <c>1</c>, optionally followed by a newline. Writers replace the file atomically (a temp file whose
/// name starts with '.', then rename). Readers ignore files whose name is not a number and content that is not 0/1.
/// </summary>
public static class SimulatedPinFiles
{
    public static string PathOf(string directory, int pin) => Path.Combine(directory, pin.ToString(CultureInfo.InvariantCulture));

    /// <summary>Sets <paramref name="pin"/> to <paramref name="value"/> atomically: a reader sees the old or the new level, never half a file.</summary>
    public static void Write(string directory, int pin, PinValue value, bool overwrite = true)
    {
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{pin}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(temp, value == PinValue.High ? "1\n" : "0\n");
        try
        {
            File.Move(temp, PathOf(directory, pin), overwrite);
        }
        catch (IOException) when (!overwrite)
        {
            // Someone (the simulator) wrote the pin first: theirs wins.
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>The level in the pin's file; null when there is no file or its content is not 0 or 1.</summary>
    public static PinValue? TryRead(string directory, int pin)
    {
        try
        {
            var text = File.ReadAllText(PathOf(directory, pin)).Trim();
            return text switch
            {
                "1" => PinValue.High,
                "0" => PinValue.Low,
                _ => null,
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Holds <paramref name="pin"/> for this process (an exclusive lock on <c>.held/PIN</c>, released when disposed or
    /// when the process ends); null when another process holds it.
    /// </summary>
    public static IDisposable? TryHold(string directory, int pin)
    {
        var held = Path.Combine(directory, ".held");
        Directory.CreateDirectory(held);
        try
        {
            // FileShare.None is an exclusive flock on Linux: held across processes, gone with the process.
            return new FileStream(Path.Combine(held, pin.ToString(CultureInfo.InvariantCulture)), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
