namespace HomeGateway.Contracts.Api;

/// <summary>
/// One stored alert step as dispatch's integration API announces it on <c>/api/alerts/stream</c> (server-sent
/// events, <c>event: alert</c>, camelCase JSON). The one definition of that shape: dispatch writes it, the simulator
/// and the end-to-end tests read it. <c>SensorName</c>/<c>SensorLocation</c>: the home file's words for the sensor (null
/// when the gateway did not say); <c>TimeZone</c>: the home's IANA time zone (<c>"UTC"</c> when unknown);
/// <c>ResponseMinutes</c>: the home's contracted response time (dispatch's default for a home not registered).
/// </summary>
public sealed record AlertStepJson(
    string AlertId,
    string GatewayId,
    string HomeId,
    long Seq,
    string Kind,
    string Type,
    string Priority,
    string SensorId,
    string Summary,
    int Count,
    DateTimeOffset At,
    DateTimeOffset EvidenceAt,
    DateTimeOffset ReceivedAt,
    string? SensorName = null,
    string? SensorLocation = null,
    string TimeZone = "UTC",
    int ResponseMinutes = 60);
