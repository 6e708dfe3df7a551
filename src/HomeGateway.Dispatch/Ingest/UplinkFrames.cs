using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using HomeGateway.Contracts.V1;
using HomeGateway.Dispatch.Store;

namespace HomeGateway.Dispatch.Ingest;

/// <summary>
/// Checks frames from a gateway before anything is stored, against the uplink's one contract of limits
/// (<see cref="UplinkLimits"/>, which the gateway bounds its journal with too). A frame that cannot be taken — an id out
/// of bounds, an unknown enum, a missing time — ends the stream with InvalidArgument and a message that names the field
/// ("JournalRecord 5: alert_event.alert_id: 70000 characters, at most 128"): the gateway logs it, and a person reads it.
/// Nothing half-valid is stored, because a stored record is acked and the gateway then forgets it. A text out of bounds
/// (summary, state, source, detail) is not a reason to refuse: it is stored cut and marked, so a fall whose summary is too
/// long still reaches a dispatcher; <c>bounded</c> hears which field was cut, for one log line.
/// Peer text in a status message is escaped and short (<see cref="UplinkLimits.Show"/>).
/// </summary>
internal static class UplinkFrames
{
    public static void CheckHello(Hello hello, GatewayAccount account)
    {
        if (string.IsNullOrWhiteSpace(hello.GatewayId))
        {
            throw Invalid("Hello.gateway_id is empty.");
        }

        if (hello.GatewayId.Length > UplinkLimits.MaxGatewayIdLength)
        {
            throw Invalid($"Hello.gateway_id: {hello.GatewayId.Length} characters, at most {UplinkLimits.MaxGatewayIdLength}.");
        }

        if (hello.HomeId.Length > UplinkLimits.MaxIdLength)
        {
            throw Invalid($"Hello.home_id: {hello.HomeId.Length} characters, at most {UplinkLimits.MaxIdLength}.");
        }

        if (!string.Equals(hello.GatewayId, account.GatewayId, StringComparison.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"This credential belongs to gateway '{UplinkLimits.Show(account.GatewayId)}', not '{UplinkLimits.Show(hello.GatewayId)}'."));
        }

        if (hello.HomeId.Length > 0 && !string.Equals(hello.HomeId, account.HomeId, StringComparison.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"Gateway '{UplinkLimits.Show(account.GatewayId)}' is registered for home '{UplinkLimits.Show(account.HomeId)}', not '{UplinkLimits.Show(hello.HomeId)}'."));
        }
    }

    /// <summary>A RecordBatch within the contract's count (each record is then checked as if it had come alone).</summary>
    public static void CheckBatch(RecordBatch batch)
    {
        if (batch.Records.Count > UplinkLimits.MaxRecordsPerBatch)
        {
            throw Invalid($"RecordBatch: {batch.Records.Count} records, at most {UplinkLimits.MaxRecordsPerBatch}.");
        }
    }

    /// <summary>Hello's software version as dispatch stores it (bounded; informational only, never a reason to refuse).</summary>
    public static string? SoftwareVersion(Hello hello) =>
        hello.SoftwareVersion.Length == 0 ? null : UplinkLimits.BoundText(hello.SoftwareVersion, UplinkLimits.MaxSoftwareVersionLength);

    /// <summary>The record in domain form, or an InvalidArgument / PermissionDenied RpcException.</summary>
    public static IncomingRecord ToIncoming(JournalRecord record, GatewayAccount account, DateTimeOffset receivedAt) =>
        ToIncoming(record, account, receivedAt, static (_, _) => { });

    /// <summary>
    /// The record in domain form, or an InvalidArgument / PermissionDenied RpcException; <paramref name="bounded"/> hears
    /// (seq, problem) for each text that was cut or cleaned to be stored.
    /// </summary>
    public static IncomingRecord ToIncoming(JournalRecord record, GatewayAccount account, DateTimeOffset receivedAt, Action<long, string> bounded)
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
                Id(alert.AlertId, seq, "alert_event.alert_id");
                Id(alert.HomeId, seq, "alert_event.home_id");
                Id(alert.SensorId, seq, "alert_event.sensor_id");
                Known(alert.Kind, seq, "alert_event.kind");
                Known(alert.Type, seq, "alert_event.type");
                Known(alert.Priority, seq, "alert_event.priority");
                Time(alert.At, seq, "alert_event.at");
                Time(alert.EvidenceAt, seq, "alert_event.evidence_at");
                SameHome(alert.HomeId, account, seq);
                var domainAlert = alert.ToDomain();
                var boundedAlert = domainAlert with
                {
                    Summary = Text(alert.Summary, UplinkLimits.MaxSummaryLength, seq, "alert_event.summary", bounded),
                    EvidenceSeqs = domainAlert.EvidenceSeqs.Count > UplinkLimits.MaxEvidenceSeqs
                        ? Cut(domainAlert.EvidenceSeqs, seq, bounded)
                        : domainAlert.EvidenceSeqs,
                };
                return new IncomingRecord(account.GatewayId, seq, recordedAt, boundedAlert, null);

            case JournalRecord.BodyOneofCase.SensorEvent:
                var e = record.SensorEvent;
                Id(e.HomeId, seq, "sensor_event.home_id");
                Id(e.SensorId, seq, "sensor_event.sensor_id");
                Require(e.State, seq, "sensor_event.state");
                Known(e.Kind, seq, "sensor_event.kind");
                Time(e.At, seq, "sensor_event.at");
                SameHome(e.HomeId, account, seq);
                var domainEvent = e.ToDomain();
                var state = Text(e.State, UplinkLimits.MaxStateLength, seq, "sensor_event.state", bounded);
                return new IncomingRecord(account.GatewayId, seq, recordedAt, null, domainEvent with
                {
                    State = string.IsNullOrWhiteSpace(state) ? "unknown" : state,
                    Source = Text(e.Source, UplinkLimits.MaxSourceLength, seq, "sensor_event.source", bounded),
                    Detail = e.HasDetail ? Text(e.Detail, UplinkLimits.MaxDetailLength, seq, "sensor_event.detail", bounded) : null,
                });

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

    private static void Id(string value, long seq, string field)
    {
        if (UplinkLimits.IdProblem(field, value) is { } problem)
        {
            // An id is matched by equality and comes back in acknowledgements: cut, it would be another alert's.
            throw Invalid($"JournalRecord {seq}: {problem}.");
        }
    }

    private static string Text(string value, int maxLength, long seq, string field, Action<long, string> bounded)
    {
        if (UplinkLimits.TextProblem(field, value, maxLength) is not { } problem)
        {
            return value;
        }

        bounded(seq, problem);
        return UplinkLimits.BoundText(value, maxLength);
    }

    private static IReadOnlyList<long> Cut(IReadOnlyList<long> evidence, long seq, Action<long, string> bounded)
    {
        bounded(seq, $"alert_event.evidence_seqs: {evidence.Count} sequence numbers, at most {UplinkLimits.MaxEvidenceSeqs}");
        // The latest evidence is what a dispatcher acts on.
        return [.. evidence.Skip(evidence.Count - UplinkLimits.MaxEvidenceSeqs)];
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
                $"JournalRecord {seq}: home '{UplinkLimits.Show(homeId)}' is not gateway '{UplinkLimits.Show(account.GatewayId)}''s home '{UplinkLimits.Show(account.HomeId)}'."));
        }
    }
}
