using System.Text;
using System.Text.Json;

namespace HomeGateway.Core.Rules;

/// <summary>
/// The rules' saved state in entries, as the gateway's journal stores it: the state's JSON object cut into its
/// properties down to <see cref="Depth"/> levels (each open alert, each escalation), and a rule's state one more
/// (<see cref="RulesDepth"/>: each open door), each
/// entry keyed by its path of raw (still escaped) property names joined by U+001F. A commit then writes only the entries
/// that changed: written whole, a home with 80 open doors wrote ~46 KB (46 pages of 1 KiB, each an fsynced WAL frame)
/// per alert step (make bench nodeRed), where one step changes one door and one open alert.
/// <para>
/// <see cref="Join"/> gives back an equal object (its properties sorted by key; the values byte for byte as saved). A
/// state that is not a JSON object with distinct property names is kept whole, as one entry with the key "".
/// <see cref="RulesEngine.SaveStateEntries"/> gives the entries <see cref="Split"/> would cut from
/// <see cref="RulesEngine.SaveState"/>, without writing and reading back what did not change.
/// </para>
/// </summary>
public static class RuleStateEntries
{
    /// <summary>How many levels of objects are cut into their properties: the root's, and each object in it (an open alert, an escalation).</summary>
    public const int Depth = 2;

    /// <summary>Under the root's <c>Rules</c>, one level more: each rule's state is cut into its keys (an open door).</summary>
    public const int RulesDepth = 3;

    private const string Rules = "Rules";

    /// <summary>The key of a state kept whole.</summary>
    public const string Whole = "";

    // Between the property names of a key. A raw (still escaped) JSON property name never holds a control character.
    internal const char Separator = '\u001f';

    internal static readonly byte[] EmptyObject = "{}"u8.ToArray();

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

    /// <summary>The key of a property of the object keyed <paramref name="prefix"/> ("" for the root), by its raw name.</summary>
    internal static string Key(string prefix, string rawName) => prefix.Length == 0 ? rawName : prefix + Separator + rawName;

    /// <summary>A name as JSON writes it (escaped as the serializer's default encoder escapes it): the name in a key.</summary>
    internal static string RawName(string name) => JsonEncodedText.Encode(name).ToString();

    /// <summary>
    /// Cuts the JSON value <paramref name="json"/>, the property keyed <paramref name="key"/> at <paramref name="depth"/>
    /// (1: a property of the root), into entries as <see cref="Split"/> cuts it within a whole state. False when a name
    /// repeats in it (the whole state is then kept whole).
    /// </summary>
    internal static bool SplitValue(byte[] json, string key, int depth, Dictionary<string, byte[]> entries)
    {
        var reader = new Utf8JsonReader(json);
        reader.Read();
        if (reader.TokenType == JsonTokenType.StartObject && depth < MaxDepth(key))
        {
            return SplitObject(json, ref reader, key, depth + 1, entries);
        }

        return entries.TryAdd(key, json);
    }

    // How deep the objects under this key are cut: one level more under Rules.
    private static int MaxDepth(string key) =>
        key.StartsWith(Rules, StringComparison.Ordinal) && (key.Length == Rules.Length || key[Rules.Length] == Separator) ? RulesDepth : Depth;

    // The reader is on the object's StartObject, at depth (1: the root); false when a name repeats.
    private static bool SplitObject(byte[] json, ref Utf8JsonReader reader, string prefix, int depth, Dictionary<string, byte[]> entries)
    {
        var properties = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = Key(prefix, Encoding.UTF8.GetString(reader.ValueSpan));
            reader.Read();
            if (reader.TokenType == JsonTokenType.StartObject && depth < MaxDepth(key))
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
        return properties != 0 || entries.TryAdd(prefix, EmptyObject);
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
