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
        foreach (var (key, value) in new Comparer().Compare(state, entries).Written)
        {
            entries[key] = value;
        }

        return entries;
    }

    /// <summary>What a new state changes in the entries committed: the entries to write (new or different) and the keys to delete.</summary>
    public sealed record Changes(List<KeyValuePair<string, byte[]>> Written, List<string> Deleted);

    /// <summary>
    /// Compares a state with the entries committed without cutting it into new strings and arrays: only an entry that
    /// changed is copied out. Every alert step saves the whole state, and cutting all of it anew (a key and a copy per
    /// open door and per field of each open alert) was ~6 % of the gateway's CPU on the bench's busy flow (perf,
    /// 2026-12-07). One per journal (not thread-safe: its buffers are reused).
    /// </summary>
    public sealed class Comparer
    {
        private readonly HashSet<string> seen = new(StringComparer.Ordinal);
        private char[] key = new char[256];
        private Dictionary<string, byte[]>.AlternateLookup<ReadOnlySpan<char>> committedByName;

        public Changes Compare(byte[] state, Dictionary<string, byte[]> committed)
        {
            var changes = new Changes([], []);
            seen.Clear();
            committedByName = committed.GetAlternateLookup<ReadOnlySpan<char>>();
            try
            {
                var reader = new Utf8JsonReader(state);
                if (reader.Read() && reader.TokenType == JsonTokenType.StartObject
                    && CompareObject(state, ref reader, 0, 1, committed, changes) && !reader.Read())
                {
                    foreach (var old in committed.Keys)
                    {
                        if (!seen.Contains(old))
                        {
                            changes.Deleted.Add(old);
                        }
                    }

                    return changes;
                }
            }
            catch (JsonException)
            {
                // Not JSON: kept whole below.
            }

            // Kept whole: one entry, every other one goes.
            changes.Written.Clear();
            changes.Deleted.Clear();
            if (!committed.TryGetValue(Whole, out var before) || !before.AsSpan().SequenceEqual(state))
            {
                changes.Written.Add(new(Whole, state));
            }

            changes.Deleted.AddRange(committed.Keys.Where(k => k.Length != 0));
            return changes;
        }

        // The reader is on the object's StartObject and key[..prefix] holds its key; false when a name repeats (the state
        // is then kept whole).
        private bool CompareObject(byte[] json, ref Utf8JsonReader reader, int prefix, int depth, Dictionary<string, byte[]> committed, Changes changes)
        {
            var properties = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var length = AppendName(prefix, reader.ValueSpan);
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject && depth < Depth)
                {
                    if (!CompareObject(json, ref reader, length, depth + 1, committed, changes))
                    {
                        return false;
                    }
                }
                else
                {
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    if (!Entry(key.AsSpan(0, length), json.AsSpan(start, (int)reader.BytesConsumed - start), committed, changes))
                    {
                        return false;
                    }
                }

                properties++;
            }

            // An empty object is kept as itself, so that it comes back (the root's is the whole state).
            return properties != 0 || Entry(key.AsSpan(0, prefix), EmptyObject, committed, changes);
        }

        // The key of a property: its object's key, the separator (below the root), the raw name. Returns its length.
        private int AppendName(int prefix, ReadOnlySpan<byte> name)
        {
            var length = prefix + (prefix == 0 ? 0 : 1) + Encoding.UTF8.GetMaxCharCount(name.Length);
            if (length > key.Length)
            {
                Array.Resize(ref key, Math.Max(length, key.Length * 2));
            }

            var at = prefix;
            if (prefix != 0)
            {
                key[at++] = Separator;
            }

            return at + Encoding.UTF8.GetChars(name, key.AsSpan(at));
        }

        // One entry of the new state; false when its key came before.
        private bool Entry(ReadOnlySpan<char> name, ReadOnlySpan<byte> value, Dictionary<string, byte[]> committed, Changes changes)
        {
            if (committedByName.TryGetValue(name, out var known, out var before))
            {
                if (!seen.Add(known))
                {
                    return false;
                }

                if (!before.AsSpan().SequenceEqual(value))
                {
                    changes.Written.Add(new(known, value.ToArray()));
                }

                return true;
            }

            var added = name.ToString();
            if (!seen.Add(added))
            {
                return false;
            }

            changes.Written.Add(new(added, value.ToArray()));
            return true;
        }
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
