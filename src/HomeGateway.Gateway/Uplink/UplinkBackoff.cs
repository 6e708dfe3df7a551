using System.Globalization;
using Grpc.Core;

namespace HomeGateway.Gateway.Uplink;

/// <summary>
/// When the uplink tries dispatch again after a failed or lost stream. Three cases, each with its reason:
/// <list type="bullet">
/// <item><b>Dispatch unreachable or the stream lost</b> (<see cref="AfterFailure"/>): "full jitter" — a wait drawn
/// uniformly between <see cref="Base"/> (0.25 s) and a ceiling that doubles from 1 s up to <see cref="Cap"/>.
/// The cap is low (5 s) because it is the longest a gateway can sleep past the moment dispatch is healthy again:
/// alerts queued during an outage must flow within seconds of its return. A low cap is affordable because a failed
/// attempt against a dispatch that is down costs almost nothing — the TCP connect is refused (or the load balancer
/// closes it) before any TLS is spoken, so the connect itself is the cheap "is dispatch back?" probe. Drawing from the
/// whole range (not 50–100 % of a step) is what spreads a fleet that lost dispatch in the same second: their retries
/// fall uniformly over the cap instead of bunching at its top.</item>
/// <item><b>Dispatch says when</b> (<see cref="AfterPushback"/>): a dispatch that is starting or admitting too many
/// gateways at once refuses a new stream early with UNAVAILABLE or RESOURCE_EXHAUSTED and a hint in the trailers
/// (<c>grpc-retry-pushback-ms</c>, as gRPC's own retry uses it). The gateway waits between the hint and one and a half
/// times the hint (a hint above <see cref="MaxPushback"/> is taken as that, against a broken dispatch). Dispatch's hints
/// already spread the refused (each gets its own moment); the jitter keeps apart gateways given the same hint.</item>
/// <item><b>Dispatch refused this gateway</b> (<see cref="AfterRefusal"/>: credential unknown or revoked, not enrolled):
/// retrying soon cannot help until a technician acts, so between 15 and 30 s — the enrolment is picked up at the next
/// attempt without a restart.</item>
/// </list>
/// <see cref="Reset"/> after dispatch welcomed a stream, so the first retry after losing an established stream comes
/// within a second (0.25–1 s). Pure: the caller sleeps on its <see cref="TimeProvider"/>; the randomness is injected for tests.
/// Shared with the fan-in benchmark's simulated gateways, so its reconnect figures are this policy's.
/// </summary>
public sealed class UplinkBackoff(Func<double> random)
{
    /// <summary>The shortest wait, and the first ceiling.</summary>
    public static readonly TimeSpan Base = TimeSpan.FromMilliseconds(250);

    /// <summary>The ceiling of a wait without a hint: at most this long after dispatch is back, the gateway tries.</summary>
    public static readonly TimeSpan Cap = TimeSpan.FromSeconds(5);

    /// <summary>The longest hint honoured (a hint of more is taken as this).</summary>
    public static readonly TimeSpan MaxPushback = TimeSpan.FromSeconds(60);

    /// <summary>The wait after dispatch refused this gateway itself: between half of this and this.</summary>
    public static readonly TimeSpan RefusedWait = TimeSpan.FromSeconds(30);

    /// <summary>The trailer dispatch puts its hint in (milliseconds, a non-negative integer), as gRPC's retry does.</summary>
    public const string PushbackTrailer = "grpc-retry-pushback-ms";

    /// <summary>The ceiling of the first wait after a loss: even that retry is spread over most of a second.</summary>
    private static readonly TimeSpan FirstCeiling = TimeSpan.FromSeconds(1);

    private TimeSpan ceiling = FirstCeiling;

    public UplinkBackoff()
        : this(Random.Shared.NextDouble)
    {
    }

    /// <summary>The wait after an attempt that failed without a word from dispatch, or a stream that was lost.</summary>
    public TimeSpan AfterFailure()
    {
        var wait = Between(Base, ceiling);
        ceiling = TimeSpan.FromTicks(Math.Min(ceiling.Ticks * 2, Cap.Ticks));
        return wait;
    }

    /// <summary>The wait after dispatch refused the stream for now and said how long to stay away.</summary>
    public TimeSpan AfterPushback(TimeSpan hint)
    {
        var h = hint < TimeSpan.Zero ? TimeSpan.Zero : hint > MaxPushback ? MaxPushback : hint;
        // A zero hint ("now") still gets the smallest jitter, so a fleet told "now" does not come back in one instant.
        return h < Base ? Between(Base, Base + Base) : Between(h, h + (h / 2));
    }

    /// <summary>The wait after dispatch refused this gateway's credential, or before it has one.</summary>
    public TimeSpan AfterRefusal() => Between(RefusedWait / 2, RefusedWait);

    /// <summary>Dispatch welcomed a stream: the next loss is retried from <see cref="Base"/> again.</summary>
    public void Reset() => ceiling = FirstCeiling;

    /// <summary>
    /// Dispatch's hint in a refusal, or null when there is none (or it is not a refusal for now): only UNAVAILABLE and
    /// RESOURCE_EXHAUSTED carry one, and an unreadable or negative value counts as none.
    /// </summary>
    public static TimeSpan? PushbackOf(RpcException error)
    {
        if (error.StatusCode is not (StatusCode.Unavailable or StatusCode.ResourceExhausted))
        {
            return null;
        }

        var value = error.Trailers.GetValue(PushbackTrailer);
        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            ? TimeSpan.FromMilliseconds(Math.Min(ms, (long)MaxPushback.TotalMilliseconds))
            : null;
    }

    private TimeSpan Between(TimeSpan low, TimeSpan high) =>
        low + TimeSpan.FromTicks((long)((high - low).Ticks * Math.Clamp(random(), 0.0, 1.0)));
}
