using System.Globalization;
using System.Text.RegularExpressions;

namespace HomeGateway.Gateway.Configuration;

/// <summary>Durations as a technician writes them: <c>500ms</c>, <c>90s</c>, <c>10m</c>, <c>4h</c>, <c>1h30m</c>.</summary>
public static partial class Durations
{
    [GeneratedRegex(@"^\s*(?:(?<h>\d+)h)?\s*(?:(?<m>\d+)m(?!s))?\s*(?:(?<s>\d+(?:\.\d+)?)s)?\s*(?:(?<ms>\d+)ms)?\s*$")]
    private static partial Regex Pattern();

    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var match = Pattern().Match(text);
        if (!match.Success || text.Trim().Length == 0)
        {
            return false;
        }

        double Part(string name) => match.Groups[name].Success
            ? double.Parse(match.Groups[name].Value, CultureInfo.InvariantCulture)
            : 0;

        duration = TimeSpan.FromHours(Part("h")) + TimeSpan.FromMinutes(Part("m"))
            + TimeSpan.FromSeconds(Part("s")) + TimeSpan.FromMilliseconds(Part("ms"));
        return true;
    }
}
