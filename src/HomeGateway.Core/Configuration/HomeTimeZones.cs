using System.Text.RegularExpressions;
using HomeGateway.Core.Text;

namespace HomeGateway.Core.Configuration;

/// <summary>
/// The home's time zone: an IANA id of a zone (<c>Europe/Helsinki</c>, <c>UTC</c>). The id is checked by its shape
/// before the system is asked: on Linux the lookup opens a file under /usr/share/zoneinfo by that name, so
/// <c>Europe</c> (a folder) or <c>../../etc/passwd</c> (a path) would reach the file system and fail with an error
/// the lookup does not promise to catch.
/// </summary>
public static partial class HomeTimeZones
{
    /// <summary>The longest IANA id is 32 characters (America/Argentina/ComodRivadavia); this leaves room.</summary>
    public const int MaxLength = 64;

    // Area/Location[/Sub], each part a name of letters, digits and _ + - as the tz database writes them; no dots, so no
    // "..", no leading slash, no empty part.
    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9][A-Za-z0-9_+-]*){0,2}$")]
    private static partial Regex IanaShape();

    /// <summary>Why <paramref name="id"/> cannot be the home's time zone, or null when it is a zone this system knows.</summary>
    public static string? Problem(string? id)
    {
        const string example = "write an IANA time zone such as Europe/Helsinki";
        if (string.IsNullOrWhiteSpace(id))
        {
            return $"is empty; {example}";
        }

        if (id.Length > MaxLength)
        {
            return $"is {id.Length} characters long; an IANA time zone has at most {MaxLength}; {example}";
        }

        if (!IanaShape().IsMatch(id))
        {
            return $"'{PeerText.Escape(id)}' is not an IANA time zone id (Area/Location, letters, digits, _ + -); {example}";
        }

        TimeZoneInfo zone;
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException or System.Security.SecurityException
            or UnauthorizedAccessException or IOException or ArgumentException)
        {
            // A folder of zones (Europe, America/Argentina) is found on disk but is no zone; the system says so in
            // different ways on different versions, so every one of them is "not a zone".
            return $"'{id}' is not a time zone this system knows (a region such as Europe is a folder of zones, not a zone); {example}";
        }

        return zone.HasIanaId || zone.Id == id ? null : $"'{id}' is not an IANA time zone; {example}";
    }
}
