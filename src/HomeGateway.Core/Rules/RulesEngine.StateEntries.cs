using System.Collections;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace HomeGateway.Core.Rules;

public sealed partial class RulesEngine
{
    // The entries of the last save, by the value they came from: a rule's open door, an open alert, an escalation. These
    // values are immutable records (a change replaces the record), so while a dictionary still holds the same object its
    // JSON is the same and is reused rather than written again. SaveStateEntriesTests compares every save with
    // Split(SaveState()), so a value changed in place would fail it.
    private readonly Dictionary<string, ValueEntries> ruleValueEntries = new(StringComparer.Ordinal);
    private readonly ValueEntries openEntries = new("Open");
    private readonly ValueEntries escalationEntries = new("Escalations");
    private int lastEntryCount;
    private (DateTimeOffset Value, byte[] Json)? savedStartedAt;
    private (DateTimeOffset? Value, byte[] Json)? savedVisitEndsAt;

    private static readonly byte[] SavedVersion = JsonSerializer.SerializeToUtf8Bytes(StateVersion, RuleStateJson.Info<int>());

    /// <summary>
    /// The state <see cref="SaveState"/> saves, as the entries <see cref="RuleStateEntries.Split"/> cuts from it (the same
    /// keys, the same bytes), without writing every open door and alert again: each alert step saves the whole state,
    /// and with 80 open doors writing it (46 KB) and cutting it again cost ~13 % of the gateway's CPU on the bench's busy
    /// flow (perf, 2026-12-07). The arrays may be shared with earlier saves: never change them.
    /// </summary>
    public Dictionary<string, byte[]> SaveStateEntries()
    {
        // The same array while the value is the same, so that the journal sees "unchanged" without comparing bytes.
        if (savedStartedAt is not { } started || !SameExactly(started.Value, context.StartedAt))
        {
            savedStartedAt = (context.StartedAt, JsonSerializer.SerializeToUtf8Bytes(context.StartedAt, RuleStateJson.Info<DateTimeOffset>()));
        }

        if (savedVisitEndsAt is not { } visit || !SameExactly(visit.Value, visitEndsAt))
        {
            savedVisitEndsAt = (visitEndsAt, JsonSerializer.SerializeToUtf8Bytes(visitEndsAt, RuleStateJson.Info<DateTimeOffset?>()));
        }

        var entries = new Dictionary<string, byte[]>(lastEntryCount, StringComparer.Ordinal)
        {
            ["Version"] = SavedVersion,
            ["StartedAt"] = savedStartedAt.Value.Json,
            ["VisitEndsAt"] = savedVisitEndsAt.Value.Json,
        };

        escalationEntries.Add(escalations, entries);
        var anyRule = false;
        foreach (var rule in rules)
        {
            if (rule.SaveState() is not { } state)
            {
                continue;
            }

            anyRule = true;
            var key = RuleStateEntries.Key("Rules", RuleStateEntries.RawName(rule.Key));
            if (state is IDictionary values)
            {
                if (!ruleValueEntries.TryGetValue(rule.Key, out var cache))
                {
                    ruleValueEntries[rule.Key] = cache = new ValueEntries(key);
                }

                cache.Add(values, entries);
            }
            else
            {
                // A rule's own record (made anew at each save): written and cut, as Split would.
                var json = JsonSerializer.SerializeToUtf8Bytes(RuleStateJson.Known(state), RuleStateJson.Options.GetTypeInfo(state.GetType()));
                Cut(json, key, 2, entries);
            }
        }

        if (!anyRule)
        {
            entries["Rules"] = RuleStateEntries.EmptyObject;
        }

        openEntries.Add(open, entries);
        lastEntryCount = entries.Count;
        return entries;
    }

    // The instant and the offset: JSON writes both, and == compares only the instant.
    private static bool SameExactly(DateTimeOffset? a, DateTimeOffset? b) =>
        a is { } x ? b is { } y && x.EqualsExact(y) : b is null;

    private static void Cut(byte[] json, string key, int depth, Dictionary<string, byte[]> entries)
    {
        if (!RuleStateEntries.SplitValue(json, key, depth, entries))
        {
            throw new InvalidOperationException($"The rules' state repeats a name under {key.Replace(RuleStateEntries.Separator, '/')}.");
        }
    }

    /// <summary>
    /// The entries of one dictionary of the state (a rule's, the open alerts, the escalations): one per value, the JSON of
    /// those of the last save kept by the value they came from.
    /// </summary>
    private sealed class ValueEntries(string key)
    {
        // One lookup per value: the entry of the last save is found, reused or replaced in place, and stamped with this
        // save; entries of values that are gone (a closed door) are swept only when the dictionary shrank.
        private readonly Dictionary<string, Saved> last = new(StringComparer.Ordinal);
        private int save;

        public void Add(IDictionary values, Dictionary<string, byte[]> entries)
        {
            save++;
            if (values.Count == 0)
            {
                entries[key] = RuleStateEntries.EmptyObject;
            }

            var each = values.GetEnumerator();
            while (each.MoveNext())
            {
                var name = (string)each.Key;
                var value = each.Value;
                ref var saved = ref CollectionsMarshal.GetValueRefOrAddDefault(last, name, out _);
                if (saved is null || !ReferenceEquals(saved.Value, value) || value is null)
                {
                    var json = value is null
                        ? "null"u8.ToArray()
                        : JsonSerializer.SerializeToUtf8Bytes(value, RuleStateJson.Options.GetTypeInfo(value.GetType()));
                    saved = new Saved(value, saved?.Key ?? RuleStateEntries.Key(key, RuleStateEntries.RawName(name)), json);
                }

                saved.Save = save;
                if (!entries.TryAdd(saved.Key, saved.Json))
                {
                    throw new InvalidOperationException($"The rules' state repeats {saved.Key.Replace(RuleStateEntries.Separator, '/')}.");
                }
            }

            if (last.Count > values.Count)
            {
                foreach (var (name, saved) in last)
                {
                    if (saved.Save != save)
                    {
                        last.Remove(name);
                    }
                }
            }
        }

        private sealed class Saved(object? value, string key, byte[] json)
        {
            public object? Value { get; } = value;

            public string Key { get; } = key;

            public byte[] Json { get; } = json;

            // The save that last found this value in the dictionary.
            public int Save { get; set; }
        }
    }
}
