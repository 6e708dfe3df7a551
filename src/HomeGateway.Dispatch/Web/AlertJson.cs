using HomeGateway.Contracts.Api;
using HomeGateway.Core.Rules;
using HomeGateway.Dispatch.Store;

namespace HomeGateway.Dispatch.Web;

/// <summary>A queue row as the JSON API and the console see it (names are the snake_case wire names).</summary>
public sealed record QueuedAlertJson(
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
    DateTimeOffset LastEventAt)
{
    public static QueuedAlertJson From(QueuedAlert row) => new(
        row.AlertId, row.GatewayId, row.HomeId, AlertTypeNames.ToName(row.Type), AlertTypeNames.ToName(row.Priority),
        SqliteDispatchStore.StatusText(row.Status), row.SensorId, row.Summary, row.Count,
        row.RaisedAt, row.EvidenceAt, row.FirstReceivedAt, row.LastEventAt);
}

/// <summary>A stored alert step in the API's shape (<see cref="AlertStepJson"/>).</summary>
public static class AlertStepJsonMapping
{
    public static AlertStepJson From(StoredAlertStep step) => new(
        step.Alert.AlertId, step.GatewayId, step.Alert.HomeId, step.Seq, AlertTypeNames.ToName(step.Alert.Kind),
        AlertTypeNames.ToName(step.Alert.Type), AlertTypeNames.ToName(step.Alert.Priority), step.Alert.SensorId,
        step.Alert.Summary, step.Alert.Count, step.Alert.At, step.Alert.EvidenceAt, step.ReceivedAt);
}
