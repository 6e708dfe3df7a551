using HomeGateway.Contracts.V1;
using HomeGateway.Dispatch.Store;
using Microsoft.Extensions.Logging;

namespace HomeGateway.Dispatch.Ingest;

/// <summary>
/// One stream's home profiles (in Hello, then after each re-read of the home file), bounded by
/// <see cref="HomeProfileLimits"/> and stored. A profile rewrites the gateway's sensor rows under the store's write lock,
/// so a gateway that sends one after another must not crowd out the others: the same profile again is not stored, and
/// past a burst of <see cref="Burst"/> (a technician saving a few times) at most one is stored per <see cref="Refill"/>;
/// one that comes sooner waits (the newest only) for the stream's next message after that (a heartbeat at the latest).
/// </summary>
internal sealed class HomeProfileIntake(IDispatchStore store, TimeProvider time, ILogger logger, string gatewayId)
{
    public const int Burst = 5;
    public static readonly TimeSpan Refill = TimeSpan.FromSeconds(10);

    private HomeProfile? stored;
    private double allowance = Burst;
    private DateTimeOffset refilledAt = time.GetUtcNow();
    private HomeProfile? pending;
    private bool problemsLogged;

    /// <summary>Stores the profile now, or keeps it for <see cref="StoreIfDueAsync"/> when too many were stored a moment ago.</summary>
    public async Task OfferAsync(HomeProfile profile, CancellationToken ct)
    {
        if (profile.Equals(stored))
        {
            pending = null;
            return;
        }

        pending = profile;
        await StoreIfDueAsync(ct);
    }

    /// <summary>Stores the waiting profile when the rate allows it.</summary>
    public async Task StoreIfDueAsync(CancellationToken ct)
    {
        if (pending is not { } profile)
        {
            return;
        }

        var now = time.GetUtcNow();
        allowance = Math.Min(Burst, allowance + ((now - refilledAt) / Refill));
        refilledAt = now;
        if (allowance < 1)
        {
            return;
        }

        allowance -= 1;

        var bounded = HomeProfileLimits.Bound(profile);
        if (!problemsLogged && (bounded.RefusedTimeZone is not null || bounded.DroppedSensors > 0 || bounded.CleanedTexts > 0))
        {
            // Once per stream: a gateway that keeps sending the same bad profile must not fill dispatch's log.
            problemsLogged = true;
            if (bounded.RefusedTimeZone is { } zone)
            {
                IngestLog.ProfileTimeZoneRefused(logger, gatewayId, HomeProfileLimits.ForLog(zone));
            }

            if (bounded.DroppedSensors > 0 || bounded.CleanedTexts > 0)
            {
                IngestLog.ProfileBounded(logger, gatewayId, profile.Sensors.Count, bounded.DroppedSensors, bounded.CleanedTexts, HomeProfileLimits.MaxSensors,
                    HomeProfileLimits.MaxText);
            }
        }

        await store.StoreGatewayProfileAsync(gatewayId, bounded.Profile, ct);
        stored = profile;
        pending = null;
        IngestLog.ProfileStored(logger, gatewayId, bounded.Profile.Sensors.Count, bounded.Profile.TimeZone ?? HomeTimeZones.Unknown);
    }
}

internal static partial class IngestLog
{
    [LoggerMessage(1180, LogLevel.Debug, "Gateway {GatewayId}: home profile stored ({Sensors} sensor(s), time zone {TimeZone})")]
    public static partial void ProfileStored(ILogger logger, string gatewayId, int sensors, string timeZone);

    [LoggerMessage(1181, LogLevel.Warning, "Gateway {GatewayId}: its home profile names the time zone \"{TimeZone}\", which is not an IANA time zone dispatch knows; its times are shown in UTC")]
    public static partial void ProfileTimeZoneRefused(ILogger logger, string gatewayId, string timeZone);

    [LoggerMessage(1182, LogLevel.Warning, "Gateway {GatewayId}: its home profile of {Sent} sensor(s) was bounded: {Dropped} sensor(s) left out (past {MaxSensors}, or an empty, duplicate, unprintable or too long id) and {Cleaned} name(s) or location(s) cut to {MaxText} characters or cleaned of control characters")]
    public static partial void ProfileBounded(ILogger logger, string gatewayId, int sent, int dropped, int cleaned, int maxSensors, int maxText);
}
