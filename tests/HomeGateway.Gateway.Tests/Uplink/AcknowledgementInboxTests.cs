using HomeGateway.Gateway.Uplink;
using Microsoft.Extensions.Options;

namespace HomeGateway.Gateway.Tests.Uplink;

/// <summary>Invariant: the applied-acknowledgement mark only moves forward and survives a restart; a damaged one means "resend all".</summary>
public sealed class AcknowledgementInboxTests : IDisposable
{
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    private AcknowledgementInbox Open() =>
        new(Options.Create(new GatewayOptions { HomeFile = "home.yaml", DataDirectory = dir.Path }));

    private static DispatchAcknowledgement Ack(string alertId, long seq) => new(alertId, DateTimeOffset.UnixEpoch, "dispatcher", seq);

    [Fact]
    public void The_mark_is_persisted_only_forward_and_listeners_hear_each_applied_acknowledgement()
    {
        var inbox = Open();
        var heard = new List<string>();
        inbox.Applied += a => heard.Add(a.AlertId);
        Assert.Equal(0, inbox.AppliedAckSeq);

        inbox.MarkApplied([Ack("help-1", 1), Ack("fall-1", 2)]);
        inbox.MarkApplied([Ack("old", 1)]);

        Assert.Equal(["help-1", "fall-1", "old"], heard);
        Assert.Equal(2, inbox.AppliedAckSeq);
        Assert.Equal(2, Open().AppliedAckSeq);
    }

    [Fact]
    public void A_damaged_mark_reads_as_nothing_applied_so_dispatch_resends_everything()
    {
        File.WriteAllText(dir.File(AcknowledgementInbox.FileName), "not a number");

        Assert.Equal(0, Open().AppliedAckSeq);
    }
}
