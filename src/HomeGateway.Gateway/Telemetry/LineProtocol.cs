using System.Globalization;
using System.Text;

namespace HomeGateway.Gateway.Telemetry;

/// <summary>One field value of a point: InfluxDB stores its type with the first write, so the type is explicit.</summary>
public readonly record struct FieldValue
{
    private FieldValue(FieldType type, long integer, double number, bool flag, string? text)
    {
        Type = type;
        Integer = integer;
        Number = number;
        Flag = flag;
        Text = text;
    }

    public FieldType Type { get; }
    public long Integer { get; }
    public double Number { get; }
    public bool Flag { get; }
    public string? Text { get; }

    public static FieldValue Of(long value) => new(FieldType.Integer, value, 0, false, null);
    public static FieldValue Of(double value) => new(FieldType.Float, 0, value, false, null);
    public static FieldValue Of(bool value) => new(FieldType.Boolean, 0, 0, value, null);
    public static FieldValue Of(string value) => new(FieldType.String, 0, 0, false, value);
}

public enum FieldType
{
    Float,
    Integer,
    Boolean,
    String,
}

/// <summary>A point to write: measurement, tags (indexed, for grouping), fields (the values) and the time it describes.</summary>
public sealed record TelemetryPoint(
    string Measurement,
    IReadOnlyList<KeyValuePair<string, string>> Tags,
    IReadOnlyList<KeyValuePair<string, FieldValue>> Fields,
    DateTimeOffset At);

/// <summary>
/// Formats points as InfluxDB line protocol with millisecond timestamps (writes always say <c>precision=ms</c>).
/// Escaping per the spec: measurement — comma and space; tag keys, tag values and field keys — comma, <c>=</c> and space;
/// string field values — <c>"</c> and <c>\</c>. Line protocol cannot carry a newline in any part, nor a backslash in a
/// name unambiguously (a name ending in one would escape the separator after it), so newlines become spaces and
/// backslashes in names become <c>/</c>. Empty tag values are not allowed: such tags are left out. Non-finite floats
/// cannot be written: such fields are left out, and a point left without fields is not written at all.
/// </summary>
public static class LineProtocol
{
    /// <summary>Appends the point and a newline; returns false (appending nothing) when it has nothing writable.</summary>
    public static bool Append(StringBuilder line, TelemetryPoint point)
    {
        var start = line.Length;
        AppendName(line, point.Measurement, measurement: true);
        foreach (var (key, value) in point.Tags.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            if (value.Length == 0 || key.Length == 0)
            {
                continue;
            }

            line.Append(',');
            AppendName(line, key, measurement: false);
            line.Append('=');
            AppendName(line, value, measurement: false);
        }

        var separator = ' ';
        foreach (var (key, value) in point.Fields)
        {
            if (key.Length == 0 || (value.Type == FieldType.Float && !double.IsFinite(value.Number)))
            {
                continue;
            }

            line.Append(separator);
            separator = ',';
            AppendName(line, key, measurement: false);
            line.Append('=');
            AppendValue(line, value);
        }

        if (separator == ' ' || point.Measurement.Length == 0)
        {
            line.Length = start;
            return false;
        }

        line.Append(' ').Append(point.At.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)).Append('\n');
        return true;
    }

    /// <summary>One point as a line (without the newline), or null when it has nothing writable.</summary>
    public static string? Format(TelemetryPoint point)
    {
        var line = new StringBuilder();
        return Append(line, point) ? line.ToString(0, line.Length - 1) : null;
    }

    private static void AppendName(StringBuilder line, string name, bool measurement)
    {
        foreach (var raw in name)
        {
            var c = raw is '\n' or '\r' ? ' ' : raw == '\\' ? '/' : raw;
            if (c is ',' or ' ' || (c == '=' && !measurement))
            {
                line.Append('\\');
            }

            line.Append(c);
        }
    }

    private static void AppendValue(StringBuilder line, FieldValue value)
    {
        switch (value.Type)
        {
            case FieldType.Integer:
                line.Append(value.Integer.ToString(CultureInfo.InvariantCulture)).Append('i');
                break;
            case FieldType.Boolean:
                line.Append(value.Flag ? "true" : "false");
                break;
            case FieldType.String:
                line.Append('"');
                foreach (var c in value.Text ?? "")
                {
                    if (c is '"' or '\\')
                    {
                        line.Append('\\');
                    }

                    line.Append(c is '\n' or '\r' ? ' ' : c);
                }

                line.Append('"');
                break;
            default:
                // "R" round-trips; InfluxDB reads exponents (1E+20) as floats.
                line.Append(value.Number.ToString("R", CultureInfo.InvariantCulture));
                break;
        }
    }
}
