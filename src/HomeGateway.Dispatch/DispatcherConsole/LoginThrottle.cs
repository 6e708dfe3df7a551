using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace HomeGateway.Dispatch.DispatcherConsole;

/// <summary>
/// Slows password guessing without letting a stranger lock a dispatcher out. A lock per name (the old rule: five failures
/// lock the name for five minutes, whoever sends them) let anyone who knew a dispatcher's name keep them out of the console
/// in the middle of a night shift. Now every failure counts three ways, and each way earns a growing wait (1 s, doubling,
/// capped) before the next attempt it covers:
/// <list type="bullet">
/// <item><b>this name from this source</b>: free for <see cref="FreePairFailures"/> failures, then up to <see cref="MaxDelay"/>
/// — the attacker at one address is slowed, the same name from anywhere else is not;</item>
/// <item><b>this source, any name</b> (spraying names from one address): free for <see cref="FreeSourceFailures"/>, then
/// up to <see cref="MaxDelay"/>;</item>
/// <item><b>this name, any source</b> (guessing from many addresses): free for <see cref="FreeNameFailures"/>, then at most
/// <see cref="MaxNameDelay"/> — short, so the real user from a new place waits seconds, never minutes; and not at all
/// from a source where this name logged in before (the dispatcher's usual desk).</item>
/// </list>
/// A source is the client's address (an IPv6 address by its /64, what one household or host gets). Counts are forgotten
/// after <see cref="ForgetAfter"/> of quiet. Kept per node and in memory. Unknown names count like known ones, so a wait says
/// nothing about which names exist. Failed logins are audited at most once a minute per name and source, with a count
/// (<see cref="AuditDue"/>), so a flood of guesses cannot flood the audit log.
/// </summary>
internal sealed class LoginThrottle(TimeProvider time)
{
    internal const int FreePairFailures = 3;
    internal const int FreeSourceFailures = 10;
    internal const int FreeNameFailures = 10;
    internal static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(1);
    internal static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(5);
    internal static readonly TimeSpan MaxNameDelay = TimeSpan.FromSeconds(30);
    internal static readonly TimeSpan ForgetAfter = TimeSpan.FromHours(1);
    internal static readonly TimeSpan AuditEvery = TimeSpan.FromMinutes(1);
    internal static readonly TimeSpan RememberGoodSourceFor = TimeSpan.FromDays(30);

    // A bound on memory when someone sprays names or addresses.
    private const int MaxTracked = 10_000;

    private readonly ConcurrentDictionary<string, Failures> pairs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Failures> sources = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Failures> names = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> goodSources = new(StringComparer.Ordinal);

    /// <summary>How one source is known: an IPv4 address, or an IPv6 address's /64.</summary>
    public static string SourceOf(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    /// <summary>How long <paramref name="source"/> must wait before trying <paramref name="name"/> again; zero: try now.</summary>
    public TimeSpan WaitBeforeTrying(string name, string source)
    {
        var now = time.GetUtcNow();
        var wait = Max(
            Wait(pairs, PairKey(name, source), FreePairFailures, MaxDelay, now),
            Wait(sources, source, FreeSourceFailures, MaxDelay, now));
        return goodSources.TryGetValue(PairKey(name, source), out var good) && now - good < RememberGoodSourceFor
            ? wait
            : Max(wait, Wait(names, NameKey(name), FreeNameFailures, MaxNameDelay, now));
    }

    /// <summary>Counts a failed attempt of <paramref name="name"/> from <paramref name="source"/>.</summary>
    public void Failed(string name, string source)
    {
        var now = time.GetUtcNow();
        Count(pairs, PairKey(name, source), now);
        Count(sources, source, now);
        Count(names, NameKey(name), now);
    }

    /// <summary>
    /// After a failure: the number of failures of this name from this source to audit now (this one and those since the
    /// last audited one), or null when one was audited less than <see cref="AuditEvery"/> ago.
    /// </summary>
    public int? AuditDue(string name, string source)
    {
        var now = time.GetUtcNow();
        int? due = null;
        pairs.AddOrUpdate(PairKey(name, source),
            _ =>
            {
                due = 1;
                return new Failures(1, now, now, 0);
            },
            (_, f) =>
            {
                if (f.AuditedAt is { } at && now - at < AuditEvery)
                {
                    due = null;
                    return f with { Unaudited = f.Unaudited + 1 };
                }

                due = f.Unaudited + 1;
                return f with { AuditedAt = now, Unaudited = 0 };
            });
        return due;
    }

    /// <summary>A login of <paramref name="name"/> from <paramref name="source"/> succeeded: that pair starts afresh and is remembered as good.</summary>
    public void Succeeded(string name, string source)
    {
        pairs.TryRemove(PairKey(name, source), out _);
        if (goodSources.Count >= MaxTracked)
        {
            goodSources.Clear();
        }

        goodSources[PairKey(name, source)] = time.GetUtcNow();
    }

    private static string PairKey(string name, string source) => NameKey(name) + "\n" + source;

    private static string NameKey(string name) => name.ToUpperInvariant();

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static TimeSpan Wait(ConcurrentDictionary<string, Failures> failures, string key, int free, TimeSpan cap, DateTimeOffset now)
    {
        if (!failures.TryGetValue(key, out var f) || now - f.Last >= ForgetAfter || f.Count < free)
        {
            return TimeSpan.Zero;
        }

        var delay = Delay(f.Count - free, cap);
        var wait = f.Last + delay - now;
        return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
    }

    /// <summary>1 s after the first counted failure, doubling with each further one, at most <paramref name="cap"/>.</summary>
    internal static TimeSpan Delay(int beyondFree, TimeSpan cap) =>
        beyondFree >= 20 ? cap : TimeSpan.FromTicks(Math.Min(cap.Ticks, FirstDelay.Ticks << beyondFree));

    private static void Count(ConcurrentDictionary<string, Failures> failures, string key, DateTimeOffset now)
    {
        if (failures.Count >= MaxTracked)
        {
            foreach (var (k, v) in failures)
            {
                if (now - v.Last >= ForgetAfter)
                {
                    failures.TryRemove(k, out _);
                }
            }
        }

        failures.AddOrUpdate(key,
            _ => new Failures(1, now, null, 0),
            (_, f) => f with { Count = now - f.Last >= ForgetAfter ? 1 : f.Count + 1, Last = now });
    }

    private sealed record Failures(int Count, DateTimeOffset Last, DateTimeOffset? AuditedAt, int Unaudited);
}
