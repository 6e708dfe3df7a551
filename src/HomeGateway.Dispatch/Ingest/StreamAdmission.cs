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
/// reads it) that the gateway honours with jitter — unless the queue of streams waiting for a slot should drain within
/// <see cref="MaxQueueWait"/>, when it waits its turn instead (its TLS handshake is paid already). Without this, thousands of set-ups queue on the store's one writer,
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
internal sealed class StreamAdmission(int limit, TimeProvider time, Action<int, int, int> logRefusals)
{
    public StreamAdmission(IOptions<DispatchOptions> options, TimeProvider time, ILogger<StreamAdmission> logger)
        : this(options.Value.Admission.MaxConcurrentSetups, time, (refused, completed, limit) => IngestLog.AdmissionRefused(logger, refused, completed, limit))
    {
    }

    /// <summary>The trailer with the hint in milliseconds (the gateway's <c>UplinkBackoff.PushbackTrailer</c>).</summary>
    public const string PushbackTrailer = "grpc-retry-pushback-ms";

    internal static readonly TimeSpan MinHint = TimeSpan.FromMilliseconds(250);
    internal static readonly TimeSpan MaxHint = TimeSpan.FromSeconds(30);
    internal static readonly TimeSpan SetupTimeout = TimeSpan.FromSeconds(15);

    /// <summary>The longest a stream waits for a slot; well inside the gateway's 15 s Welcome timeout.</summary>
    internal static readonly TimeSpan MaxQueueWait = TimeSpan.FromSeconds(5);

    private readonly Lock gate = new();
    private int inSetup;
    private long second = long.MinValue;
    private int completedThisSecond;
    private int completedLastSecond;
    private int refusedThisSecond;
    private DateTimeOffset nextFreeAt = DateTimeOffset.MinValue;
    private readonly Queue<TaskCompletionSource<SetupSlot>> queue = new();

    /// <summary>Streams in set-up now.</summary>
    public int InSetup => Volatile.Read(ref inSetup);

    /// <summary>
    /// A slot for one stream's set-up, or null and the hint to send with the refusal. A stream that finds every slot taken
    /// waits for one when the queue ahead of it should drain within <see cref="MaxQueueWait"/> at the rate set-ups complete
    /// (its TLS handshake is already paid: sending it away to shake hands again costs more than a short wait); otherwise,
    /// or when no slot came in that time, it is refused.
    /// </summary>
    public async Task<(SetupSlot? Slot, TimeSpan RetryAfter)> EnterAsync(CancellationToken ct)
    {
        TaskCompletionSource<SetupSlot> turn;
        lock (gate)
        {
            var now = time.GetUtcNow();
            Roll(now);
            if (inSetup < limit)
            {
                inSetup++;
                return (new SetupSlot(this, time), TimeSpan.Zero);
            }

            if (queue.Count >= Rate * MaxQueueWait.TotalSeconds)
            {
                return (null, RefuseUnderLock(now));
            }

            turn = new TaskCompletionSource<SetupSlot>(TaskCreationOptions.RunContinuationsAsynchronously);
            queue.Enqueue(turn);
        }

        try
        {
            return (await turn.Task.WaitAsync(MaxQueueWait, time, ct).ConfigureAwait(false), TimeSpan.Zero);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            // A slot handed over at the same moment is ours after all; otherwise the turn is void and skipped.
            if (!turn.TrySetCanceled(CancellationToken.None))
            {
                var slot = await turn.Task.ConfigureAwait(false);
                if (!ct.IsCancellationRequested)
                {
                    return (slot, TimeSpan.Zero);
                }

                slot.Dispose();
            }

            ct.ThrowIfCancellationRequested();
            lock (gate)
            {
                return (null, RefuseUnderLock(time.GetUtcNow()));
            }
        }
    }

    /// <summary>Set-ups per second this node shows it can do now; a slot turns over at least once a second.</summary>
    private int Rate => Math.Max(limit, Math.Max(completedLastSecond, completedThisSecond));

    private TimeSpan RefuseUnderLock(DateTimeOffset now)
    {
        refusedThisSecond++;
        var from = nextFreeAt > now ? nextFreeAt : now;
        nextFreeAt = Min(from + TimeSpan.FromTicks(TimeSpan.TicksPerSecond / Rate), now + MaxHint);
        var hint = nextFreeAt - now;
        return hint < MinHint ? MinHint : hint;
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
            if (completed)
            {
                Roll(time.GetUtcNow());
                completedThisSecond++;
            }

            // The slot goes to the longest waiting stream that still waits; with none, it is free.
            while (queue.TryDequeue(out var next))
            {
                if (next.TrySetResult(new SetupSlot(this, time)))
                {
                    return;
                }
            }

            inSetup--;
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
            logRefusals(refusedThisSecond, completedThisSecond, limit);
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
