using System.Collections.Concurrent;
using System.Security.Claims;
using HomeGateway.Dispatch.Credentials;
using HomeGateway.Dispatch.Store;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HomeGateway.Dispatch.DispatcherConsole;

/// <summary>
/// Console sessions with a server-side record (<c>console_sessions</c>): the cookie carries a random session id, the
/// store only its SHA-256. Every request checks the record, so logout, a password change or idleness ends a session
/// even for a copy of its cookie. Checks are cached for <see cref="CacheFor"/>: that is how long another node may
/// still honour a session ended elsewhere (they share only the database).
/// </summary>
internal sealed class ConsoleSessions(DispatchStore store, TimeProvider time, ILogger<ConsoleSessions> logger)
{
    /// <summary>The claim with the session id (the secret itself: it lives only in the encrypted cookie).</summary>
    public const string ClaimType = "hgd_sid";

    /// <summary>As long as the cookie's sliding lifetime: a session not used for this long has expired.</summary>
    public static readonly TimeSpan IdleLimit = TimeSpan.FromHours(12);

    /// <summary>A check is reused this long, so a page's burst of requests costs one read; also the cross-node delay.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);

    /// <summary>last_seen_at is written at most this often per session, so reads do not become writes.</summary>
    public static readonly TimeSpan TouchEvery = TimeSpan.FromMinutes(1);

    // Past this many cached checks the cache starts over: it only saves reads, it never decides alone.
    private const int MaxCached = 10_000;

    private readonly ConcurrentDictionary<string, Checked> cache = new(StringComparer.Ordinal);

    /// <summary>Raised with a session's key (<see cref="KeyOf(ClaimsPrincipal)"/>) when this node ends it.</summary>
    private event Action<string>? Ended;

    /// <summary>
    /// Starts a session for <paramref name="userName"/> (audited) and returns its id, for the cookie only; null when the
    /// user was disabled (or removed) since the password was checked.
    /// </summary>
    public async Task<string?> StartAsync(string userName, CancellationToken ct)
    {
        // Logins are rare enough to sweep here: sessions left idle end as expired, so the record says so.
        Forget(await store.ExpireIdleConsoleSessionsAsync(time.GetUtcNow() - IdleLimit, ct));
        var id = Secrets.NewSessionId();
        return await store.StartConsoleSessionAsync(Secrets.Hash(id), userName, ct) ? id : null;
    }

    /// <summary>
    /// Disables or enables <paramref name="userName"/> (audited, by <paramref name="by"/>); disabling ends every session of the
    /// user, and their open streams on this node at once (other nodes within <see cref="CacheFor"/>). False when nothing changed.
    /// </summary>
    public async Task<bool> SetDisabledAsync(string userName, bool disabled, string by, CancellationToken ct)
    {
        if (await store.SetUserDisabledAsync(userName, disabled, by, ct) is not { } ended)
        {
            return false;
        }

        Forget(ended);
        ConsoleSessionLog.UserDisabled(logger, userName, disabled ? "disabled" : "enabled", by, ended.Count);
        return true;
    }

    /// <summary>
    /// After the store ended sessions of <paramref name="userName"/> (a password reset, a new role): this node forgets them
    /// and ends their open streams at once; other nodes within <see cref="CacheFor"/>.
    /// </summary>
    public void SessionsEnded(string userName, IReadOnlyList<byte[]> ended, string reason)
    {
        Forget(ended);
        ConsoleSessionLog.OtherSessionsEnded(logger, userName, ended.Count, reason);
    }

    /// <summary>
    /// True while the principal's session is open, belongs to its user and has been used within <see cref="IdleLimit"/>.
    /// <paramref name="touch"/>: this is a use of the session (a request), not a stream re-checking itself.
    /// </summary>
    public async Task<bool> IsActiveAsync(ClaimsPrincipal principal, bool touch, CancellationToken ct)
    {
        if (principal.FindFirst(ClaimType)?.Value is not { Length: > 0 } id)
        {
            return false;
        }

        var hash = Secrets.Hash(id);
        var key = Convert.ToHexString(hash);
        var now = time.GetUtcNow();
        if (!cache.TryGetValue(key, out var known) || now - known.At >= CacheFor)
        {
            var row = await store.FindConsoleSessionAsync(hash, ct);
            known = new Checked(now, row is { EndedAt: null } ? row.UserName : null, row?.LastSeenAt ?? now);
            if (cache.Count >= MaxCached)
            {
                cache.Clear();
            }

            cache[key] = known;
        }

        if (known.UserName is null || known.UserName != principal.Identity?.Name)
        {
            return false;
        }

        if (now - known.LastSeenAt > IdleLimit)
        {
            await EndAsync(hash, ConsoleSessionEnd.Expired, ct);
            return false;
        }

        if (touch && now - known.LastSeenAt >= TouchEvery)
        {
            cache[key] = known with { LastSeenAt = now };
            if (!await store.TouchConsoleSessionAsync(hash, ct))
            {
                // Ended elsewhere since the cached check.
                cache.TryRemove(key, out _);
                return false;
            }
        }

        return true;
    }

    /// <summary>Ends the principal's own session (logout).</summary>
    public Task EndAsync(ClaimsPrincipal principal, string reason, CancellationToken ct) =>
        principal.FindFirst(ClaimType)?.Value is { Length: > 0 } id ? EndAsync(Secrets.Hash(id), reason, ct) : Task.CompletedTask;

    /// <summary>Ends every other open session of the principal's user (a password change); the current one stays.</summary>
    public async Task EndOthersAsync(ClaimsPrincipal principal, string reason, CancellationToken ct)
    {
        var name = principal.Identity?.Name ?? "";
        var keep = principal.FindFirst(ClaimType)?.Value is { Length: > 0 } id ? Secrets.Hash(id) : null;
        var ended = await store.EndUserConsoleSessionsAsync(name, keep, reason, ct);
        Forget(ended);
        ConsoleSessionLog.OtherSessionsEnded(logger, name, ended.Count, reason);
    }

    /// <summary>
    /// A task that completes when this node ends the principal's session (an open stream ends at once); dispose to
    /// stop watching. Sessions ended on another node are found by re-checking with <see cref="IsActiveAsync"/>.
    /// </summary>
    public SessionWatch Watch(ClaimsPrincipal principal) => new(this, KeyOf(principal));

    /// <summary>The cookie-validation hook: a request whose session is not active is signed out (page: login, API: 401).</summary>
    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var sessions = context.HttpContext.RequestServices.GetRequiredService<ConsoleSessions>();
        if (context.Principal is null || !await sessions.IsActiveAsync(context.Principal, touch: true, context.HttpContext.RequestAborted))
        {
            sessions.LogRefused(context.Principal?.Identity?.Name ?? "");
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
    }

    private void LogRefused(string userName) => ConsoleSessionLog.SessionRefused(logger, userName);

    private static string? KeyOf(ClaimsPrincipal principal) =>
        principal.FindFirst(ClaimType)?.Value is { Length: > 0 } id ? Convert.ToHexString(Secrets.Hash(id)) : null;

    private async Task EndAsync(byte[] hash, string reason, CancellationToken ct)
    {
        await store.EndConsoleSessionAsync(hash, reason, ct);
        Forget([hash]);
    }

    private void Forget(IEnumerable<byte[]> hashes)
    {
        foreach (var key in hashes.Select(Convert.ToHexString))
        {
            cache.TryRemove(key, out _);
            Ended?.Invoke(key);
        }
    }

    /// <summary>One check of a session: its user while open (null when missing or ended), and its last use.</summary>
    private sealed record Checked(DateTimeOffset At, string? UserName, DateTimeOffset LastSeenAt);

    /// <summary>Completes <see cref="Task"/> when this node ends the watched session.</summary>
    public sealed class SessionWatch : IDisposable
    {
        private readonly ConsoleSessions sessions;
        private readonly string? key;
        private readonly TaskCompletionSource ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

        internal SessionWatch(ConsoleSessions sessions, string? key)
        {
            this.sessions = sessions;
            this.key = key;
            if (key is not null)
            {
                sessions.Ended += OnEnded;
            }
        }

        public Task Task => ended.Task;

        public void Dispose()
        {
            if (key is not null)
            {
                sessions.Ended -= OnEnded;
            }
        }

        private void OnEnded(string endedKey)
        {
            if (endedKey == key)
            {
                ended.TrySetResult();
            }
        }
    }
}

internal static partial class ConsoleSessionLog
{
    [LoggerMessage(4040, LogLevel.Information, "Console: a request's session of {UserName} is ended, expired or unknown; signed out")]
    public static partial void SessionRefused(ILogger logger, string userName);

    [LoggerMessage(4041, LogLevel.Information, "Console: {Count} other sessions of {UserName} ended ({Reason})")]
    public static partial void OtherSessionsEnded(ILogger logger, string userName, int count, string reason);

    [LoggerMessage(1520, LogLevel.Warning, "Console user {UserName} {Change} by {By}; {Count} sessions ended")]
    public static partial void UserDisabled(ILogger logger, string userName, string change, string by, int count);

    [LoggerMessage(4042, LogLevel.Information, "Console: {UserName} logged out")]
    public static partial void LoggedOut(ILogger logger, string userName);
}
