using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using HomeGateway.Contracts.V1;
using HomeGateway.Dispatch.Store;

namespace HomeGateway.Dispatch.Ingest;

/// <summary>
/// Checks frames from a gateway before anything is stored. A bad frame ends the stream with
/// InvalidArgument and a message that says what was wrong: the gateway logs it, and a person reads it.
/// Nothing half-valid is stored, because a stored record is acked and the gateway then forgets it.
/// </summary>
internal static class UplinkFrames
{
    public static void CheckHello(Hello hello, GatewayAccount account)
    {
        if (string.IsNullOrWhiteSpace(hello.GatewayId))
        {
            throw Invalid("Hello.gateway_id is empty.");
        }

        if (!string.Equals(hello.GatewayId, account.GatewayId, StringComparison.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"This credential belongs to gateway '{account.GatewayId}', not '{hello.GatewayId}'."));
        }

        if (hello.HomeId.Length > 0 && !string.Equals(hello.HomeId, account.HomeId, StringComparison.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"Gateway '{account.GatewayId}' is registered for home '{account.HomeId}', not '{hello.HomeId}'."));
        }
    }

    /// <summary>The record in domain form, or an InvalidArgument / PermissionDenied RpcException.</summary>
    public static IncomingRecord ToIncoming(JournalRecord record, GatewayAccount account, DateTimeOffset receivedAt)
    {
        if (record.Seq == 0)
        {
            throw Invalid("JournalRecord.seq is 0; sequences start at 1.");
        }

        if (record.Seq > long.MaxValue)
        {
            throw Invalid($"JournalRecord.seq {record.Seq} is out of range.");
        }

        var seq = (long)record.Seq;
        var recordedAt = record.RecordedAt is null ? receivedAt : Time(record.RecordedAt, seq, "recorded_at");
        switch (record.BodyCase)
        {
            case JournalRecord.BodyOneofCase.AlertEvent:
                var alert = record.AlertEvent;
                Require(alert.AlertId, seq, "alert_event.alert_id");
                Require(alert.HomeId, seq, "alert_event.home_id");
                Require(alert.SensorId, seq, "alert_event.sensor_id");
                Known(alert.Kind, seq, "alert_event.kind");
                Known(alert.Type, seq, "alert_event.type");
                Known(alert.Priority, seq, "alert_event.priority");
                Time(alert.At, seq, "alert_event.at");
                Time(alert.EvidenceAt, seq, "alert_event.evidence_at");
                SameHome(alert.HomeId, account, seq);
                return new IncomingRecord(account.GatewayId, seq, recordedAt, alert.ToDomain(), null);

            case JournalRecord.BodyOneofCase.SensorEvent:
                var e = record.SensorEvent;
                Require(e.HomeId, seq, "sensor_event.home_id");
                Require(e.SensorId, seq, "sensor_event.sensor_id");
                Require(e.State, seq, "sensor_event.state");
                Known(e.Kind, seq, "sensor_event.kind");
                Time(e.At, seq, "sensor_event.at");
                SameHome(e.HomeId, account, seq);
                return new IncomingRecord(account.GatewayId, seq, recordedAt, null, e.ToDomain());

            case JournalRecord.BodyOneofCase.TelemetryGap:
                var gap = record.TelemetryGap;
                if (gap.ThroughSeq != record.Seq || gap.FromSeq == 0 || gap.FromSeq > gap.ThroughSeq
                    || gap.Count != gap.ThroughSeq - gap.FromSeq + 1)
                {
                    throw Invalid($"JournalRecord {seq}: telemetry_gap must cover from_seq..through_seq with through_seq = seq and count = the range's length "
                        + $"(got {gap.FromSeq}..{gap.ThroughSeq}, count {gap.Count}).");
                }

                return new IncomingRecord(account.GatewayId, seq, recordedAt, null, null, new TelemetryGapInfo(
                    (long)gap.FromSeq, seq, (long)gap.Count,
                    Time(gap.FirstRecordedAt, seq, "telemetry_gap.first_recorded_at"), Time(gap.LastRecordedAt, seq, "telemetry_gap.last_recorded_at")));

            default:
                throw Invalid($"JournalRecord {seq} has no body (neither sensor_event, alert_event nor telemetry_gap).");
        }
    }

    public static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));

    private static void Require(string value, long seq, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw Invalid($"JournalRecord {seq}: {field} is empty.");
        }
    }

    private static void Known<TEnum>(TEnum value, long seq, string field)
        where TEnum : struct, System.Enum
    {
        // Protobuf keeps numbers it does not know; "unspecified" (0) is never a meaningful value either.
        if (Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture) == 0 || !System.Enum.IsDefined(value))
        {
            throw Invalid($"JournalRecord {seq}: {field} has unknown value {Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)}.");
        }
    }

    private static DateTimeOffset Time(Timestamp? value, long seq, string field)
    {
        if (value is null)
        {
            throw Invalid($"JournalRecord {seq}: {field} is missing.");
        }

        try
        {
            return value.ToDateTimeOffset();
        }
        catch (InvalidOperationException)
        {
            throw Invalid($"JournalRecord {seq}: {field} is not a valid time.");
        }
    }

    private static void SameHome(string homeId, GatewayAccount account, long seq)
    {
        if (!string.Equals(homeId, account.HomeId, StringComparison.Ordinal))
        {
            // A gateway speaks for one home only; another home's alert from it would mislead a dispatcher.
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"JournalRecord {seq}: home '{homeId}' is not gateway '{account.GatewayId}''s home '{account.HomeId}'."));
        }
    }
}
