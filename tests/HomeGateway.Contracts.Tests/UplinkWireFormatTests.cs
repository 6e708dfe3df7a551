using Google.Protobuf.Reflection;
using HomeGateway.Contracts.V1;

namespace HomeGateway.Contracts.Tests;

/// <summary>
/// The uplink's messages as gateways and dispatches of different versions read them: a field number, once released, is
/// never changed or reused (uplink.proto's rules for change). A renumbered field here would make an older peer read one
/// thing as another; this test fails before that ships. New fields are added at the end of the lists.
/// </summary>
public sealed class UplinkWireFormatTests
{
    [Fact]
    public void Field_numbers_of_the_stream_messages_are_frozen()
    {
        Assert.Equal("hello=1 record=2 heartbeat=3 home_profile=4 record_batch=5", Fields(GatewayMessage.Descriptor));
        Assert.Equal("welcome=1 ack=2 alert_acknowledged=3 alert_resolved=4", Fields(DispatchMessage.Descriptor));
        Assert.Equal("gateway_id=1 home_id=2 software_version=3 last_seq=4 applied_ack_seq=5 profile=6", Fields(Hello.Descriptor));
        Assert.Equal(
            "stored_through_seq=1 heartbeat_seconds=2 reporting_seconds=3 accepts_home_profile=4 accepts_record_batches=5",
            Fields(Welcome.Descriptor));
        Assert.Equal("records=1", Fields(RecordBatch.Descriptor));
        Assert.Equal("through_seq=1", Fields(Ack.Descriptor));
        Assert.Equal("sent_at=1 last_seq=2", Fields(Heartbeat.Descriptor));
    }

    private static string Fields(MessageDescriptor descriptor) =>
        string.Join(' ', descriptor.Fields.InFieldNumberOrder().Select(f => $"{f.Name}={f.FieldNumber}"));
}
