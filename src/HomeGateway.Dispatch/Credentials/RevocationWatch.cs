using System.Collections.Concurrent;
using HomeGateway.Dispatch.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HomeGateway.Dispatch.Credentials;

/// <summary>
/// Closes the live stream of a gateway whose certificate is revoked. <c>gateways revoke</c> runs as its own
/// process (or on another node), so this node learns of revocations from the store: one query every
/// <see cref="PollInterval"/> for revocations past the last position seen, however many gateways are connected.
/// </summary>
public sealed class RevocationWatch(IDispatchStore store, TimeProvider time, ILogger<RevocationWatch> logger) : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<CancellationTokenSource, byte>> watched = new(StringComparer.Ordinal);
    // From the start of the list: a node that just started may already serve a stream whose certificate was
    // revoked a moment ago, and re-reading old revocations only cancels streams that should not exist.
    private long position;

    /// <summary>
    /// Cancels <paramref name="onRevoked"/> when the certificate <paramref name="serial"/> is revoked. Register
    /// before checking the store, so a revocation between the check and the registration is not missed.
    /// </summary>
    public IDisposable Watch(string serial, CancellationTokenSource onRevoked)
    {
        var streams = watched.GetOrAdd(serial, _ => new());
        streams[onRevoked] = 0;
        return new Registration(() =>
        {
            streams.TryRemove(onRevoked, out _);
            if (streams.IsEmpty)
            {
                watched.TryRemove(new KeyValuePair<string, ConcurrentDictionary<CancellationTokenSource, byte>>(serial, streams));
            }
        });
    }

    /// <summary>Reads the store once and closes what was revoked since the last read.</summary>
    public async Task CheckAsync(CancellationToken ct)
    {
        foreach (var revocation in await store.ListRevocationsAsync(position, ct).ConfigureAwait(false))
        {
            position = revocation.Position;
            if (watched.TryGetValue(revocation.Serial, out var streams))
            {
                foreach (var stream in streams.Keys)
                {
                    CredentialsLog.LiveStreamRevoked(logger, revocation.GatewayId, revocation.Serial);
                    await stream.CancelAsync().ConfigureAwait(false);
                }
            }
        }
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
                CredentialsLog.RevocationCheckFailed(logger, ex.Message);
                await Task.Delay(PollInterval, time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private sealed class Registration(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}

internal static partial class CredentialsLog
{
    [LoggerMessage(2100, LogLevel.Warning, "Gateway {GatewayId}: certificate {Serial} was revoked; closing its live stream")]
    public static partial void LiveStreamRevoked(ILogger logger, string gatewayId, string serial);

    [LoggerMessage(2101, LogLevel.Error, "Could not read certificate revocations from the store: {Message}")]
    public static partial void RevocationCheckFailed(ILogger logger, string message);

    [LoggerMessage(2102, LogLevel.Information, "Dispatch CA {Fingerprint} in {Directory}; gateway endpoint certificate for {Names}")]
    public static partial void AuthorityReady(ILogger logger, string fingerprint, string directory, string names);

    [LoggerMessage(2103, LogLevel.Information, "Gateway {GatewayId} enrolled: certificate {Serial} valid until {NotAfter:yyyy-MM-dd}")]
    public static partial void Enrolled(ILogger logger, string gatewayId, string serial, DateTimeOffset notAfter);

    [LoggerMessage(2104, LogLevel.Warning, "Enrolment from {Peer} refused ({Reason}): {Detail}")]
    public static partial void EnrolmentRefused(ILogger logger, string peer, EnrolmentRefusal reason, string detail);
}
