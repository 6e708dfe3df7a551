using System.Collections.Concurrent;
using HomeGateway.Dispatch.Store;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HomeGateway.Dispatch.Credentials;

/// <summary>
/// Ends the live streams (gRPC <c>WatchAlerts</c>, the SSE alert stream) of an API token that stopped being usable: revoked,
/// rotated (its old secret) or expired. A token is checked when a call starts; a stream lives for days, so it registers
/// here and is cut when its token goes. <c>tokens revoke</c> may run as another process or on another node, so this node
/// asks the store every <see cref="PollInterval"/> which tokens are usable (one small query, and only while a stream is
/// open) — the same shape as <see cref="RevocationWatch"/> for gateway certificates. A revocation on this node is
/// applied at once (<see cref="CheckAsync"/> right after it).
/// Also remembers when each token was last recorded as used, so <c>last_used_at</c> costs a write a minute per token.
/// </summary>
public sealed class ApiTokenWatch(IDispatchStore store, TimeProvider time, ILogger<ApiTokenWatch> logger) : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    /// <summary><c>last_used_at</c> is written at most this often per token.</summary>
    public static readonly TimeSpan TouchEvery = TimeSpan.FromMinutes(1);

    // A bound on the "last touched" memory; it only saves writes, it never decides alone.
    private const int MaxRemembered = 10_000;

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<WatchedStream, byte>> watched = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> touched = new(StringComparer.Ordinal);

    /// <summary>
    /// Watches the bearer token of <paramref name="http"/>'s request (none: a stream that is never cut here, e.g. a console
    /// session's). Register before the stream sends anything: a revocation in between is found by the next check, which
    /// compares states, not events.
    /// </summary>
    public WatchedStream Watch(HttpContext http)
    {
        var token = http.User.Identity?.AuthenticationType == Web.ApiTokenAuthentication.SchemeName
            ? Secrets.BearerToken(http.Request.Headers.Authorization)
            : null;
        var name = http.User.Identity?.Name ?? "";
        if (token is null)
        {
            return new WatchedStream(this, null, name);
        }

        var key = Convert.ToHexString(Secrets.Hash(token));
        var stream = new WatchedStream(this, key, name);
        watched.GetOrAdd(key, _ => new())[stream] = 0;
        return stream;
    }

    /// <summary>Reads which tokens are usable and cuts the streams of every other one.</summary>
    public async Task CheckAsync(CancellationToken ct)
    {
        if (watched.IsEmpty)
        {
            return;
        }

        var usable = await store.ListUsableApiTokenHashesAsync(ct).ConfigureAwait(false);
        foreach (var (key, streams) in watched)
        {
            if (usable.Contains(key))
            {
                continue;
            }

            foreach (var stream in streams.Keys)
            {
                ApiTokenLog.LiveStreamCut(logger, stream.Caller);
                await stream.CutAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>True when this use of the token should be recorded (the first in <see cref="TouchEvery"/>).</summary>
    internal bool ShouldTouch(byte[] tokenHash)
    {
        var key = Convert.ToHexString(tokenHash);
        var now = time.GetUtcNow();
        if (touched.TryGetValue(key, out var last) && now - last < TouchEvery)
        {
            return false;
        }

        if (touched.Count >= MaxRemembered)
        {
            touched.Clear();
        }

        touched[key] = now;
        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await CheckAsync(stoppingToken).ConfigureAwait(false);
                await Task.Delay(PollInterval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or IOException)
            {
                ApiTokenLog.CheckFailed(logger, ex.Message);
                await Task.Delay(PollInterval, time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private void Forget(WatchedStream stream)
    {
        if (stream.Key is { } key && watched.TryGetValue(key, out var streams))
        {
            streams.TryRemove(stream, out _);
            if (streams.IsEmpty)
            {
                watched.TryRemove(new KeyValuePair<string, ConcurrentDictionary<WatchedStream, byte>>(key, streams));
            }
        }
    }

    /// <summary>One open stream of a token: <see cref="Cut"/> is cancelled when the token stops being usable.</summary>
    public sealed class WatchedStream : IDisposable
    {
        private readonly ApiTokenWatch watch;
        private readonly CancellationTokenSource cut = new();

        internal WatchedStream(ApiTokenWatch watch, string? key, string caller)
        {
            this.watch = watch;
            Key = key;
            Caller = caller;
        }

        /// <summary>Cancelled when the token was revoked, rotated or expired.</summary>
        public CancellationToken Cut => cut.Token;

        public bool IsCut => cut.IsCancellationRequested;

        internal string? Key { get; }

        internal string Caller { get; }

        public void Dispose()
        {
            watch.Forget(this);
            cut.Dispose();
        }

        internal async Task CutAsync()
        {
            try
            {
                await cut.CancelAsync().ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                // The stream ended meanwhile.
            }
        }
    }
}

internal static partial class ApiTokenLog
{
    [LoggerMessage(1510, LogLevel.Warning, "API token of {Caller} is no longer valid (revoked, rotated or expired): its live stream is cut")]
    public static partial void LiveStreamCut(ILogger logger, string caller);

    [LoggerMessage(1511, LogLevel.Error, "Could not read the usable API tokens from the store: {Message}")]
    public static partial void CheckFailed(ILogger logger, string message);

    [LoggerMessage(1512, LogLevel.Warning, "API token refused ({State}) for {Caller}")]
    public static partial void Refused(ILogger logger, ApiTokenState state, string caller);

    [LoggerMessage(1513, LogLevel.Information, "API token {Name}: {Action} by {Actor}")]
    public static partial void Changed(ILogger logger, string name, string action, string actor);
}
