using HomeGateway.Contracts.Api;
using HomeGateway.Core.Rules;
using HomeGateway.Dispatch.Store;

namespace HomeGateway.Dispatch.Web;

/// <summary>
/// A queue row as the JSON API and the console see it (names are the snake_case wire names). <c>sensorName</c> and
/// <c>sensorLocation</c> are the home file's words for the sensor (null when the gateway did not say: show
/// <c>sensorId</c>); <c>timeZone</c> is the home's IANA time zone to show its times in (<c>"UTC"</c> when unknown);
/// <c>responseMinutes</c> the home's contracted response time; <c>gatewayEscalated</c> whether the gateway escalated it.
/// </summary>
public record QueuedAlertJson(
    string AlertId,
    string GatewayId,
    string HomeId,
    string Type,
    string Priority,
    string Status,
    string SensorId,
    string Summary,
    int Count,
    DateTimeOffset RaisedAt,
    DateTimeOffset EvidenceAt,
    DateTimeOffset FirstReceivedAt,
    DateTimeOffset LastEventAt,
    string Origin,
    DateTimeOffset? AcknowledgedAt,
    string? AcknowledgedBy,
    double? TimeToAcknowledgeSeconds,
    string? SensorName,
    string? SensorLocation,
    string TimeZone,
    int ResponseMinutes,
    bool GatewayEscalated)
{
    public static QueuedAlertJson From(QueuedAlert row) => new(
        row.AlertId, row.GatewayId, row.HomeId, AlertTypeNames.ToName(row.Type), AlertTypeNames.ToName(row.Priority),
        DispatchStore.StatusText(row.Status), row.SensorId, row.Summary, row.Count,
        row.RaisedAt, row.EvidenceAt, row.FirstReceivedAt, row.LastEventAt,
        row.Origin == AlertOrigin.Dispatch ? "dispatch" : "gateway",
        row.AcknowledgedAt, row.AcknowledgedBy,
        row.AcknowledgedAt is { } at ? Seconds(at - row.RaisedAt) : null,
        row.SensorName, row.SensorLocation, row.TimeZone, row.ResponseMinutes, row.GatewayEscalated);

    // Raised-at is the gateway's clock and acknowledged-at dispatch's: both are NTP-synchronised in practice.
    internal static double Seconds(TimeSpan span) => Math.Round(span.TotalSeconds, 3);
}

/// <summary>
/// An acknowledgement as the API answers it and as the live stream announces it (<c>event: acknowledged</c>).
/// <c>TimeToAcknowledgeSeconds</c> runs from the gateway's raised-at to dispatch's acknowledged-at.
/// </summary>
public sealed record AlertAcknowledgementJson(
    string AlertId,
    string GatewayId,
    string HomeId,
    string AcknowledgedBy,
    DateTimeOffset AcknowledgedAt,
    DateTimeOffset RaisedAt,
    double TimeToAcknowledgeSeconds)
{
    public static AlertAcknowledgementJson From(AlertAcknowledgement ack) => new(
        ack.AlertId, ack.GatewayId, ack.HomeId, ack.AcknowledgedBy, ack.AcknowledgedAt, ack.RaisedAt,
        QueuedAlertJson.Seconds(ack.TimeToAcknowledge));
}

/// <summary>A stored alert step in the API's shape (<see cref="AlertStepJson"/>).</summary>
public static class AlertStepJsonMapping
{
    public static AlertStepJson From(StoredAlertStep step) => new(
        step.Alert.AlertId, step.GatewayId, step.Alert.HomeId, step.Seq, AlertTypeNames.ToName(step.Alert.Kind),
        AlertTypeNames.ToName(step.Alert.Type), AlertTypeNames.ToName(step.Alert.Priority), step.Alert.SensorId,
        step.Alert.Summary, step.Alert.Count, step.Alert.At, step.Alert.EvidenceAt, step.ReceivedAt,
        step.SensorName, step.SensorLocation, step.TimeZone, step.ResponseMinutes);
}

/// <summary>
/// <c>event: outage_batch</c> (with <c>?batch=outages</c>): many gateways' "gateway offline" steps (<c>kind</c> raised) or
/// "restored" steps (<c>kind</c> cleared) stored in one transaction; each step exactly as an <c>alert</c> event carries it.
/// </summary>
public sealed record OutageBatchJson(string Kind, IReadOnlyList<AlertStepJson> Steps)
{
    public static OutageBatchJson From(OutageBatch batch) =>
        new(AlertTypeNames.ToName(batch.Kind), batch.Steps.Select(AlertStepJsonMapping.From).ToList());
}
