using System.Text;
using System.Text.Json;

namespace HomeGateway.Gateway.Journal;

/// <summary>
/// The rules' saved state as the journal stores it: a JSON object cut into entries — each property down to
/// <see cref="Depth"/> levels (a rule's open doors, an open alert's fields, each escalation) — so that a
/// commit writes only the entries that changed. Every alert step is committed with the whole state; written whole, a home
/// with 80 open doors wrote ~46 KB (46 pages of 1 KiB, each an fsynced WAL frame) per step (make bench nodeRed), where
/// one step changes one door and one open alert.
/// <para>
/// <see cref="Join"/> gives back an equal object (its properties sorted by key; the values byte for byte as saved). A
/// state that is not a JSON object with distinct property names is kept whole, as one entry with the key "".
/// </para>
/// </summary>
internal static class RuleStateEntries
{
    /// <summary>How many levels of objects are cut into their properties (root → rules → a rule's keys).</summary>
    public const int Depth = 3;

    /// <summary>The key of a state kept whole.</summary>
    public const string Whole = "";

    // Between the property names of a key. A raw (still escaped) JSON property name never holds a control character.
    private const char Separator = '\u001f';

    private static readonly byte[] EmptyObject = "{}"u8.ToArray();

    /// <summary>The entries of <paramref name="state"/>, by key.</summary>
    public static Dictionary<string, byte[]> Split(byte[] state)
    {
        var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        try
        {
            var reader = new Utf8JsonReader(state);
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject
                && SplitObject(state, ref reader, "", 1, entries) && !reader.Read())
            {
                return entries;
            }
        }
        catch (JsonException)
        {
            // Not JSON: kept whole below.
        }

        entries.Clear();
        entries[Whole] = state;
        return entries;
    }

    /// <summary>The state the entries were split from (equal as JSON; whole when it was kept whole).</summary>
    public static byte[] Join(IReadOnlyDictionary<string, byte[]> entries)
    {
        if (entries.TryGetValue(Whole, out var whole))
        {
            return whole;
        }

        var keys = entries.Keys.Order(StringComparer.Ordinal).ToList();
        using var output = new MemoryStream();
        var index = 0;
        WriteObject(output, entries, keys, ref index, "");
        return output.ToArray();
    }

    // The reader is on the object's StartObject; false when a name repeats (the state is then kept whole).
    private static bool SplitObject(byte[] json, ref Utf8JsonReader reader, string prefix, int depth, Dictionary<string, byte[]> entries)
    {
        var properties = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = Encoding.UTF8.GetString(reader.ValueSpan);
            var key = prefix.Length == 0 ? name : prefix + Separator + name;
            reader.Read();
            if (reader.TokenType == JsonTokenType.StartObject && depth < Depth)
            {
                if (!SplitObject(json, ref reader, key, depth + 1, entries))
                {
                    return false;
                }
            }
            else
            {
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                if (!entries.TryAdd(key, json[start..(int)reader.BytesConsumed]))
                {
                    return false;
                }
            }

            properties++;
        }

        // An empty object is kept as itself, so that it comes back (the root's is the whole state).
        if (properties == 0)
        {
            return entries.TryAdd(prefix, EmptyObject);
        }

        return true;
    }

    // Writes the object whose properties are the keys from keys[index] on that start with prefix; index moves past them.
    private static void WriteObject(MemoryStream output, IReadOnlyDictionary<string, byte[]> entries, List<string> keys, ref int index, string prefix)
    {
        output.WriteByte((byte)'{');
        var first = true;
        while (index < keys.Count && keys[index].StartsWith(prefix, StringComparison.Ordinal))
        {
            var key = keys[index];
            var rest = key.AsSpan(prefix.Length);
            var end = rest.IndexOf(Separator);
            var name = end < 0 ? rest : rest[..end];
            if (!first)
            {
                output.WriteByte((byte)',');
            }

            first = false;
            output.WriteByte((byte)'"');
            output.Write(Encoding.UTF8.GetBytes(name.ToString()));
            output.Write("\":"u8);
            if (end < 0)
            {
                output.Write(entries[key]);
                index++;
            }
            else
            {
                WriteObject(output, entries, keys, ref index, key[..(prefix.Length + end + 1)]);
            }
        }

        output.WriteByte((byte)'}');
    }
}
