using System.Text;
using System.Text.RegularExpressions;
using HomeGateway.Contracts.V1;
using HomeGateway.Core.Configuration;
using HomeGateway.Dispatch.Store;
using CoreSensorKind = HomeGateway.Core.Events.SensorKind;

namespace HomeGateway.Dispatch.Ingest;

/// <summary>
/// A gateway's home profile, bounded where it enters: whatever a peer sends, dispatch stores at most
/// <see cref="MaxSensors"/> sensors, strings of at most <see cref="MaxText"/> characters without control characters,
/// and a time zone only when it is an IANA id this machine knows (else null: UTC is shown). A profile is never a reason
/// to end a stream: the gateway's alerts matter more than its labels. What was cut is reported, for one log line.
/// </summary>
internal static partial class HomeProfileLimits
{
    public const int MaxSensors = HomeConfigValidator.MaxSensors;
    public const int MaxText = SensorLabels.MaxLength;

    // The shape of an IANA id (Europe/Helsinki, America/Argentina/Buenos_Aires, Etc/GMT+2): checked before the
    // lookup so no peer string reaches the time zone files' paths.
    [GeneratedRegex("^[A-Za-z0-9_+-]{1,32}(/[A-Za-z0-9_+-]{1,32}){0,3}$")]
    private static partial Regex TimeZoneShape();

    public static BoundedProfile Bound(HomeProfile wire)
    {
        var timeZone = wire.TimeZone.Length == 0 ? null : KnownTimeZone(wire.TimeZone);
        var sensors = new List<GatewaySensor>(Math.Min(wire.Sensors.Count, MaxSensors));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var dropped = 0;
        var cleaned = 0;
        for (var i = 0; i < wire.Sensors.Count; i++)
        {
            if (sensors.Count == MaxSensors)
            {
                dropped += wire.Sensors.Count - i;
                break;
            }

            var sensor = wire.Sensors[i];

            // An id is matched against the alerts' sensor_id: it is taken as it is, or not at all.
            if (sensor.SensorId.Length is 0 or > MaxText || HasRefused(sensor.SensorId) || !seen.Add(sensor.SensorId))
            {
                dropped++;
                continue;
            }

            var name = Clean(sensor.Name, ref cleaned);
            var location = Clean(sensor.Location, ref cleaned);
            var kind = Enum.IsDefined((CoreSensorKind)(int)sensor.Kind) ? (CoreSensorKind)(int)sensor.Kind : CoreSensorKind.Unknown;
            sensors.Add(new GatewaySensor(sensor.SensorId, kind, name, location));
        }

        return new BoundedProfile(
            new GatewayProfile(timeZone, sensors),
            RefusedTimeZone: wire.TimeZone.Length > 0 && timeZone is null ? wire.TimeZone : null,
            DroppedSensors: dropped,
            CleanedTexts: cleaned);
    }

    /// <summary>The text for a log line: at most <see cref="MaxText"/> characters, every control or non-ASCII character escaped.</summary>
    public static string ForLog(string value)
    {
        var builder = new StringBuilder(MaxText + 16);
        foreach (var c in value.Length > MaxText ? value.AsSpan(0, MaxText) : value.AsSpan())
        {
            if (c is >= ' ' and <= '~' && c != '\\')
            {
                builder.Append(c);
            }
            else
            {
                builder.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
        }

        return value.Length > MaxText ? builder.Append(System.Globalization.CultureInfo.InvariantCulture, $"… ({value.Length} characters)").ToString() : builder.ToString();
    }

    private static string? KnownTimeZone(string id)
    {
        if (id.Length > MaxText || !TimeZoneShape().IsMatch(id) || id.Contains("..", StringComparison.Ordinal))
        {
            return null;
        }

        // A Windows id ("FLE Standard Time") would be found on Linux too; the contract and the pages say IANA.
        return TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) && zone.HasIanaId ? id : null;
    }

    /// <summary>Refused characters become spaces (a newline inside a name was meant as one), then trimmed and cut to length.</summary>
    private static string? Clean(string text, ref int cleaned)
    {
        if (text.Length == 0)
        {
            return null;
        }

        var limit = Math.Min(text.Length, MaxText * 4);
        var builder = new StringBuilder(Math.Min(limit, MaxText + 1));
        for (var i = 0; i < limit && builder.Length <= MaxText; i++)
        {
            var c = text[i];
            builder.Append(SensorLabels.IsRefused(c) ? ' ' : c);
        }

        var result = builder.ToString().Trim();
        if (result.Length > MaxText)
        {
            // Never cut between the two halves of a surrogate pair: a lone half is not text.
            var cut = char.IsHighSurrogate(result[MaxText - 1]) ? MaxText - 1 : MaxText;
            result = result[..cut].TrimEnd();
        }

        if (!string.Equals(result, text, StringComparison.Ordinal))
        {
            cleaned++;
        }

        return result.Length == 0 ? null : result;
    }

    private static bool HasRefused(string text)
    {
        foreach (var c in text)
        {
            if (SensorLabels.IsRefused(c))
            {
                return true;
            }
        }

        return false;
    }
}

/// <param name="RefusedTimeZone">The time zone the gateway sent when dispatch did not take it (null otherwise).</param>
/// <param name="DroppedSensors">Sensors left out: past the limit, or with an empty, too long, duplicate or unprintable id.</param>
/// <param name="CleanedTexts">Names and locations that had to be cut or had characters replaced.</param>
internal sealed record BoundedProfile(GatewayProfile Profile, string? RefusedTimeZone, int DroppedSensors, int CleanedTexts);
