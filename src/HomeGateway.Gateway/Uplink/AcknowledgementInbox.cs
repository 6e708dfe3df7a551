using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace HomeGateway.Gateway.Uplink;

/// <summary>A person at dispatch took one of this gateway's alerts (<c>AlertAcknowledged</c> on the uplink).</summary>
/// <param name="By">A role ("dispatcher"), never a person's name.</param>
/// <param name="AckSeq">Dispatch's per-gateway number of this acknowledgement: 1, 2, 3, ... without gaps.</param>
public sealed record DispatchAcknowledgement(string AlertId, DateTimeOffset AcknowledgedAt, string By, long AckSeq);

/// <summary>
/// Acknowledgements on their way from the uplink to the alert pipeline (the rules engine's only caller), and how far
/// they have been applied. The mark is persisted in <c>DataDirectory/dispatch-acks-applied</c> only after the rules'
/// state with the acknowledgement is durable, and Hello reports it: dispatch resends everything after it, so one made
/// while the gateway was offline or restarting still arrives; one applied twice changes nothing.
/// </summary>
public sealed class AcknowledgementInbox
{
    public const string FileName = "dispatch-acks-applied";

    private readonly Channel<DispatchAcknowledgement> channel = Channel.CreateUnbounded<DispatchAcknowledgement>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly string path;
    private long applied;

    public AcknowledgementInbox(IOptions<GatewayOptions> options)
    {
        path = Path.Combine(options.Value.DataDirectory, FileName);
        applied = Read(path);
    }

    /// <summary>Told after each acknowledgement is applied and persisted (on the pipeline's loop: be quick, do not throw).</summary>
    public event Action<DispatchAcknowledgement>? Applied;

    /// <summary>The highest ack_seq applied and persisted; what Hello reports.</summary>
    public long AppliedAckSeq => Interlocked.Read(ref applied);

    public ChannelReader<DispatchAcknowledgement> Reader => channel.Reader;

    /// <summary>Hands an acknowledgement to the pipeline. Never blocks: they are few, and each one matters.</summary>
    public void Post(DispatchAcknowledgement acknowledgement) => channel.Writer.TryWrite(acknowledgement);

    /// <summary>
    /// Called by the pipeline once the rules' state with these acknowledgements is durable: moves the mark
    /// (written to a temporary file, flushed, then renamed over the old one) and tells the listeners.
    /// </summary>
    public void MarkApplied(IReadOnlyList<DispatchAcknowledgement> acknowledgements)
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
