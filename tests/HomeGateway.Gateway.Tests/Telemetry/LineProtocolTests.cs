using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using HomeGateway.Gateway.Telemetry;

namespace HomeGateway.Gateway.Tests.Telemetry;

/// <summary>
/// Invariant: every point the formatter writes is one line that a line-protocol reader takes back to the same measurement,
/// tags, typed fields and millisecond timestamp (after the documented substitutions for what line protocol cannot carry).
/// </summary>
public sealed class LineProtocolTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123);

    private static TelemetryPoint Point(string measurement, (string, string)[] tags, params (string, FieldValue)[] fields) =>
        new(measurement, tags.Select(t => KeyValuePair.Create(t.Item1, t.Item2)).ToList(), fields.Select(f => KeyValuePair.Create(f.Item1, f.Item2)).ToList(), At);

    [Fact]
    public void A_plain_point_has_sorted_tags_typed_fields_and_a_millisecond_timestamp()
    {
        var line = LineProtocol.Format(Point("sensor", [("sensor", "front_door"), ("home", "h1")],
            ("state", FieldValue.Of("open")), ("battery_percent", FieldValue.Of(87L)), ("value", FieldValue.Of(21.5)), ("battery_low", FieldValue.Of(false))));
        Assert.Equal("sensor,home=h1,sensor=front_door state=\"open\",battery_percent=87i,value=21.5,battery_low=false 1700000000123", line);
    }

    [Fact]
    public void Measurement_escapes_comma_and_space_but_not_equals()
    {
        Assert.Equal("a\\,b\\ c=d v=1i 1700000000123", LineProtocol.Format(Point("a,b c=d", [], ("v", FieldValue.Of(1L)))));
    }

    [Fact]
    public void Tag_keys_tag_values_and_field_keys_escape_comma_equals_and_space()
    {
        Assert.Equal("m,k\\,\\=\\ k=v\\,\\=\\ v f\\,\\=\\ f=true 1700000000123",
            LineProtocol.Format(Point("m", [("k,= k", "v,= v")], ("f,= f", FieldValue.Of(true)))));
    }

    [Fact]
    public void String_fields_escape_quote_and_backslash_only()
    {
        Assert.Equal("m s=\"say \\\"hi\\\" C:\\\\x, y=z\" 1700000000123", LineProtocol.Format(Point("m", [], ("s", FieldValue.Of("say \"hi\" C:\\x, y=z")))));
    }

    [Fact]
    public void Newlines_become_spaces_and_backslashes_in_names_become_slashes()
    {
        Assert.Equal("a\\ b,t=x/y s=\"1 2\" 1700000000123", LineProtocol.Format(Point("a\nb", [("t", "x\\y")], ("s", FieldValue.Of("1\r2")))));
    }

    [Fact]
    public void Empty_tag_values_are_left_out()
    {
        Assert.Equal("m,b=2 v=1i 1700000000123", LineProtocol.Format(Point("m", [("a", ""), ("b", "2")], ("v", FieldValue.Of(1L)))));
    }

    [Fact]
    public void Floats_are_invariant_and_round_trip_and_non_finite_ones_are_left_out()
    {
        var line = LineProtocol.Format(Point("m", [], ("a", FieldValue.Of(0.1)), ("b", FieldValue.Of(double.NaN)), ("c", FieldValue.Of(-1e300)), ("d", FieldValue.Of(5.0))));
        Assert.Equal("m a=0.1,c=-1E+300,d=5 1700000000123", line);
    }

    [Fact]
    public void A_point_without_writable_fields_is_not_written()
    {
        Assert.Null(LineProtocol.Format(Point("m", [("t", "x")])));
        Assert.Null(LineProtocol.Format(Point("m", [], ("v", FieldValue.Of(double.PositiveInfinity)))));
        var builder = new StringBuilder("kept\n");
        Assert.False(LineProtocol.Append(builder, Point("m", [])));
        Assert.Equal("kept\n", builder.ToString());
    }

    private static readonly string[] Pieces = ["a", "Z", "7", "_", ",", "=", " ", "\"", "\\", "\n", "\r", "é", "/", "-", "\\ ", "\\,", "=\"", "🙂"];

    private static Gen<string> Text(int min) =>
        Gen.Choose(min, 6).SelectMany(n => Gen.ArrayOf(Gen.Elements(Pieces), n)).Select(parts => string.Concat(parts));

    private static Gen<FieldValue> Values() => Gen.OneOf(
        Gen.Choose(int.MinValue, int.MaxValue).Select(i => FieldValue.Of((long)i * 3)),
        Gen.Elements(0.1, -2.5, 1e-7, 1e300, double.MaxValue, double.Epsilon, 42.0, double.NaN).Select(FieldValue.Of),
        Gen.Elements(true, false).Select(FieldValue.Of),
        Text(0).Select(FieldValue.Of));

    public static Arbitrary<TelemetryPoint> Points() =>
        (from measurement in Text(1).Where(m => !m.StartsWith('#'))
         from tags in Gen.ListOf(Text(0).SelectMany(k => Text(0).Select(v => KeyValuePair.Create(k, v))))
         from fields in Gen.ListOf(Text(0).SelectMany(k => Values().Select(v => KeyValuePair.Create(k, v))))
         from ms in Gen.Choose(0, int.MaxValue)
         select new TelemetryPoint(measurement, tags.Take(5).ToList(), fields.Take(6).ToList(), DateTimeOffset.FromUnixTimeMilliseconds(ms * 1000L + 7)))
        .ToArbitrary();

    [Property(MaxTest = 500, Arbitrary = [typeof(LineProtocolTests)])]
    public bool Every_formatted_line_parses_back_to_the_point(TelemetryPoint point)
    {
        var line = LineProtocol.Format(point);
        var fields = point.Fields.Where(f => f.Key.Length > 0 && !(f.Value.Type == FieldType.Float && !double.IsFinite(f.Value.Number))).ToList();
        if (fields.Count == 0)
        {
            return line is null;
        }

        Assert.NotNull(line);
        Assert.DoesNotContain('\n', line);
        var parsed = ParsedLine.Parse(line);
        Assert.Equal(Name(point.Measurement), parsed.Measurement);
        var tags = point.Tags.Where(t => t.Key.Length > 0 && t.Value.Length > 0)
            .OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => (Name(t.Key), Name(t.Value))).ToList();
        Assert.Equal(tags, parsed.Tags);
        Assert.Equal(fields.Select(f => (Name(f.Key), Expected(f.Value))).ToList(), parsed.Fields);
        Assert.Equal(point.At.ToUnixTimeMilliseconds(), parsed.TimestampMs);
        return true;
    }

    private static string Name(string s) => s.Replace('\n', ' ').Replace('\r', ' ').Replace('\\', '/');

    private static object Expected(FieldValue value) => value.Type switch
    {
        FieldType.Integer => value.Integer,
        FieldType.Boolean => value.Flag,
        FieldType.String => value.Text!.Replace('\n', ' ').Replace('\r', ' '),
        _ => value.Number,
    };
}

/// <summary>A small, independent line-protocol reader (the spec's grammar, not the formatter's code) for the tests.</summary>
internal sealed record ParsedLine(string Measurement, List<(string, string)> Tags, List<(string, object)> Fields, long TimestampMs)
{
    public static ParsedLine Parse(string line)
    {
        var i = 0;
        var measurement = Token(line, ref i, [',', ' ']);
        var tags = new List<(string, string)>();
        while (line[i] == ',')
        {
            i++;
            var key = Token(line, ref i, ['=']);
            i++;
            tags.Add((key, Token(line, ref i, [',', ' '])));
        }

        i++; // the space before the fields
        var fields = new List<(string, object)>();
        while (true)
        {
            var key = Token(line, ref i, ['=']);
            i++;
            fields.Add((key, Value(line, ref i)));
            if (line[i] == ' ')
            {
                break;
            }

            i++;
        }

        return new ParsedLine(measurement, tags, fields, long.Parse(line[(i + 1)..], CultureInfo.InvariantCulture));
    }

    /// <summary>Up to an unescaped stop character; a backslash escapes the character after it.</summary>
    private static string Token(string line, ref int i, char[] stops)
    {
        var text = new StringBuilder();
        while (!stops.Contains(line[i]))
        {
            if (line[i] == '\\')
            {
                i++;
            }

            text.Append(line[i++]);
        }

        if (text.Length == 0)
        {
            throw new FormatException($"empty name at {i} in {line}");
        }

        return text.ToString();
    }

    private static object Value(string line, ref int i)
    {
        if (line[i] == '"')
        {
            var text = new StringBuilder();
            i++;
            while (line[i] != '"')
            {
                if (line[i] == '\\' && line[i + 1] is '"' or '\\')
                {
                    i++;
                }

                text.Append(line[i++]);
            }

            i++;
            return text.ToString();
        }

        var start = i;
        while (line[i] is not (',' or ' '))
        {
            i++;
        }

        var raw = line[start..i];
        return raw switch
        {
            "true" => true,
            "false" => false,
            _ when raw.EndsWith('i') => long.Parse(raw[..^1], CultureInfo.InvariantCulture),
            _ => double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
    }
}
