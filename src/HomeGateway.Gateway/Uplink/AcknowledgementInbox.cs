using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace HomeGateway.Gateway.Uplink;

/// <summary>What dispatch tells the gateway about one of its alerts, numbered per gateway (acknowledgements and resolutions share the numbering).</summary>
/// <param name="By">A role ("dispatcher"), never a person's name.</param>
/// <param name="AckSeq">Dispatch's per-gateway number of this message: increasing; a number is never given twice.</param>
public abstract record DispatchAlertMessage(string AlertId, string By, long AckSeq);

/// <summary>A person at dispatch took one of this gateway's alerts (<c>AlertAcknowledged</c> on the uplink).</summary>
public sealed record DispatchAcknowledgement(string AlertId, DateTimeOffset AcknowledgedAt, string By, long AckSeq)
    : DispatchAlertMessage(AlertId, By, AckSeq);

/// <summary>A person at dispatch resolved (closed) one of this gateway's alerts (<c>AlertResolved</c> on the uplink).</summary>
/// <param name="EvidenceThroughSeq">The last raised or repeated step of the alert dispatch had stored when it resolved.</param>
/// <param name="Outcome">Dispatch's name for how it ended (false_alarm, ...); for logs.</param>
public sealed record DispatchResolution(string AlertId, DateTimeOffset ResolvedAt, string By, long AckSeq, long EvidenceThroughSeq, string Outcome)
    : DispatchAlertMessage(AlertId, By, AckSeq)
{
    /// <summary>Set by the pipeline: the rules hold evidence newer than dispatch had seen, so the alert stays open here.</summary>
    public bool KeptOpen { get; set; }
}

/// <summary>
/// Acknowledgements and resolutions on their way from the uplink to the alert pipeline (the rules engine's only
/// caller), and how far they have been applied. The mark is persisted in <c>DataDirectory/dispatch-acks-applied</c> only after the rules'
/// state with the acknowledgement is durable, and Hello reports it: dispatch resends everything after it, so one made
/// while the gateway was offline or restarting still arrives; one applied twice changes nothing.
/// </summary>
public sealed class AcknowledgementInbox
{
    public const string FileName = "dispatch-acks-applied";

    private readonly Channel<DispatchAlertMessage> channel = Channel.CreateUnbounded<DispatchAlertMessage>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly string path;
    private long applied;

    public AcknowledgementInbox(IOptions<GatewayOptions> options)
    {
        path = Path.Combine(options.Value.DataDirectory, FileName);
        applied = Read(path);
    }

    /// <summary>Told after each acknowledgement or resolution is applied and persisted (on the pipeline's loop: be quick, do not throw).</summary>
    public event Action<DispatchAlertMessage>? Applied;

    /// <summary>The highest ack_seq applied and persisted; what Hello reports.</summary>
    public long AppliedAckSeq => Interlocked.Read(ref applied);

    public ChannelReader<DispatchAlertMessage> Reader => channel.Reader;

    /// <summary>Hands an acknowledgement or a resolution to the pipeline. Never blocks: they are few, and each one matters.</summary>
    public void Post(DispatchAlertMessage message) => channel.Writer.TryWrite(message);

    /// <summary>
    /// Called by the pipeline once the rules' state with these acknowledgements is durable: moves the mark
    /// (written to a temporary file, flushed, then renamed over the old one) and tells the listeners.
    /// </summary>
    public void MarkApplied(IReadOnlyList<DispatchAlertMessage> acknowledgements)
    {
        if (acknowledgements.Count == 0)
        {
            return;
        }

        var through = Math.Max(AppliedAckSeq, acknowledgements.Max(a => a.AckSeq));
        AtomicFile.Write(path, through.ToString(CultureInfo.InvariantCulture), AtomicFile.Public, durable: true);
        Interlocked.Exchange(ref applied, through);
        foreach (var acknowledgement in acknowledgements)
        {
            Applied?.Invoke(acknowledgement);
        }
    }

    private static long Read(string path)
    {
        try
        {
            // A missing or damaged mark only means dispatch resends what it has; applying again is harmless.
            return long.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return 0;
        }
    }
}
