using System.Collections.Concurrent;

namespace HomeGateway.Dispatch.DispatcherConsole;

/// <summary>
/// Slows password guessing: after five failures for one user name, that name is locked for five minutes.
/// Kept per node and in memory: enough against guessing through one console, and it forgets on restart.
/// Unknown names are counted like known ones, so a lockout says nothing about which names exist.
/// </summary>
internal sealed class LoginThrottle(TimeProvider time)
{
    internal const int MaxFailures = 5;
    internal static readonly TimeSpan LockoutTime = TimeSpan.FromMinutes(5);

    // A bound on memory when someone sprays random names.
    private const int MaxTrackedNames = 10_000;

    private readonly ConcurrentDictionary<string, Failures> failures = new(StringComparer.OrdinalIgnoreCase);

    public bool IsLockedOut(string name) =>
        failures.TryGetValue(name, out var f) && f.LockedUntil is { } until && time.GetUtcNow() < until;

    public void Failed(string name)
    {
        var now = time.GetUtcNow();
        if (failures.Count >= MaxTrackedNames)
        {
            foreach (var (key, value) in failures)
            {
                if (value.LockedUntil is null || value.LockedUntil <= now)
                {
                    failures.TryRemove(key, out _);
                }
            }
        }

        failures.AddOrUpdate(name,
            _ => new Failures(1, null),
            (_, f) =>
            {
                var count = f.LockedUntil is { } until && until <= now ? 1 : f.Count + 1;
                return new Failures(count, count >= MaxFailures ? now + LockoutTime : null);
            });
    }

    public void Succeeded(string name) => failures.TryRemove(name, out _);

    private sealed record Failures(int Count, DateTimeOffset? LockedUntil);
}
