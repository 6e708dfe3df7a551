using Grpc.Core;
using HomeGateway.Dispatch.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HomeGateway.Dispatch.Ingest;

/// <summary>
/// Paces a fleet that reconnects at once (after a dispatch restart, a network outage, a failover). Each new stream's
/// set-up — the certificate and store look-ups and the stored hello before Welcome — holds one of
/// <see cref="AdmissionOptions.MaxConcurrentSetups"/> slots. A stream that finds them all taken is refused at once, before
/// any store work, with UNAVAILABLE and a hint in the trailers (<c>grpc-retry-pushback-ms</c>, as gRPC's own retry
/// reads it) that the gateway honours with jitter. Without this, thousands of set-ups queue on the store's one writer,
/// the later ones miss the gateway's Welcome timeout, and every timed-out one is done again: a storm that feeds itself.
/// <para>
/// The hint is a place in a virtual queue: each refused stream is given the next free moment at the rate set-ups
/// actually completed in the last second (at least one per slot a second), so the refused come back spread at the rate
/// dispatch can take them rather than all at the same moment. It never exceeds <see cref="MaxHint"/>: a fleet of tens of
/// thousands must be back within a minute, and a gateway that comes back early is simply told again.
/// </para>
/// Held streams do not count: a slot is given back at Welcome, or after <see cref="SetupTimeout"/> if a caller never
/// says Hello (so a silent connection cannot hold slots).
/// </summary>
internal sealed class StreamAdmission(IOptions<DispatchOptions> options, TimeProvider time, ILogger<StreamAdmission> logger)
{
    /// <summary>The trailer with the hint in milliseconds (the gateway's <c>UplinkBackoff.PushbackTrailer</c>).</summary>
    public const string PushbackTrailer = "grpc-retry-pushback-ms";

    internal static readonly TimeSpan MinHint = TimeSpan.FromMilliseconds(250);
    internal static readonly TimeSpan MaxHint = TimeSpan.FromSeconds(30);
    internal static readonly TimeSpan SetupTimeout = TimeSpan.FromSeconds(15);

    private readonly int limit = options.Value.Admission.MaxConcurrentSetups;
    private readonly Lock gate = new();
    private int inSetup;
    private long second = long.MinValue;
    private int completedThisSecond;
    private int completedLastSecond;
    private int refusedThisSecond;
    private DateTimeOffset nextFreeAt = DateTimeOffset.MinValue;

    /// <summary>Streams in set-up now.</summary>
    public int InSetup => Volatile.Read(ref inSetup);

    /// <summary>A slot for one stream's set-up; or false and the hint to send with the refusal.</summary>
    public bool TryEnter(out SetupSlot? slot, out TimeSpan retryAfter)
    {
        lock (gate)
        {
            var now = time.GetUtcNow();
            Roll(now);
            if (inSetup < limit)
            {
                inSetup++;
                slot = new SetupSlot(this, time);
                retryAfter = TimeSpan.Zero;
                return true;
            }

            refusedThisSecond++;
            // Set-ups per second this node shows it can do now; a slot turns over at least once a second.
            var rate = Math.Max(limit, Math.Max(completedLastSecond, completedThisSecond));
            var from = nextFreeAt > now ? nextFreeAt : now;
            nextFreeAt = Min(from + TimeSpan.FromTicks(TimeSpan.TicksPerSecond / rate), now + MaxHint);
            var hint = nextFreeAt - now;
            slot = null;
            retryAfter = hint < MinHint ? MinHint : hint;
            return false;
        }
    }

    /// <summary>The refusal for a stream that found no slot: UNAVAILABLE, with the hint in words and in the trailer.</summary>
    public static RpcException Refusal(TimeSpan retryAfter)
    {
        var ms = (long)Math.Ceiling(retryAfter.TotalMilliseconds);
        return new RpcException(
            new Status(StatusCode.Unavailable, $"Dispatch is admitting many gateways at once; try again in {ms} ms."),
            new Metadata { { PushbackTrailer, ms.ToString(System.Globalization.CultureInfo.InvariantCulture) } });
    }

    private void Release(bool completed)
    {
        lock (gate)
        {
            inSetup--;
            if (completed)
            {
                Roll(time.GetUtcNow());
                completedThisSecond++;
            }
        }
    }

    private void Roll(DateTimeOffset now)
    {
        var current = now.UtcTicks / TimeSpan.TicksPerSecond;
        if (current == second)
        {
            return;
        }

        if (refusedThisSecond > 0)
        {
            IngestLog.AdmissionRefused(logger, refusedThisSecond, completedThisSecond, limit);
        }

        completedLastSecond = current == second + 1 ? completedThisSecond : 0;
        completedThisSecond = 0;
        refusedThisSecond = 0;
        second = current;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    /// <summary>One stream's set-up. <see cref="Complete"/> at Welcome; disposing without it gives the slot back uncounted.</summary>
    internal sealed class SetupSlot : IDisposable
    {
        private readonly StreamAdmission owner;
        private readonly ITimer timeout;
        private int released;

        internal SetupSlot(StreamAdmission owner, TimeProvider time)
        {
            this.owner = owner;
            timeout = time.CreateTimer(static state => ((SetupSlot)state!).Release(false), this, SetupTimeout, Timeout.InfiniteTimeSpan);
        }

        /// <summary>Welcome was sent: the set-up is done and counts towards the rate the hint is made from.</summary>
        public void Complete() => Release(true);

        public void Dispose() => Release(false);

        private void Release(bool completed)
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                timeout.Dispose();
                owner.Release(completed);
            }
        }
    }
}
