using HomeGateway.Core.Alerts;
using HomeGateway.Core.Events;

namespace HomeGateway.Dispatch.Store;

/// <summary>
/// Everything dispatch keeps. SQLite is the embedded default; a PostgreSQL store for several nodes
/// implements the same contract (the storing rules below are the contract, not an SQLite detail).
/// </summary>
public interface IDispatchStore
{
    /// <summary>Creates or migrates the schema. Safe to call more than once.</summary>
    Task MigrateAsync(CancellationToken ct = default);

    /// <summary>
    /// Stores one journal record idempotently by (gateway, seq), in one transaction: a record seen before
    /// changes nothing; a new alert step also updates the alert's single queue row. The cumulative
    /// <see cref="StoreOutcome.StoredThroughSeq"/> only moves over a contiguous run of stored sequences, where a telemetry
    /// gap counts as storing every sequence it covers.
    /// </summary>
    Task<StoreOutcome> StoreAsync(IncomingRecord record, CancellationToken ct = default);

    /// <summary>The gateway whose token has this SHA-256, or null.</summary>
    Task<GatewayAccount?> FindGatewayByTokenHashAsync(byte[] tokenHash, CancellationToken ct = default);

    /// <summary>A gateway said hello or sent a heartbeat.</summary>
    Task MarkSeenAsync(string gatewayId, string? softwareVersion, CancellationToken ct = default);

    /// <summary>The alert queue, most urgent first, oldest first within a priority.</summary>
    Task<IReadOnlyList<QueuedAlert>> ListAlertsAsync(AlertStatus? status, CancellationToken ct = default);

    /// <summary>Creates the gateway or replaces its token. Returns true when it replaced one.</summary>
    Task<bool> SetGatewayCredentialAsync(string gatewayId, string homeId, byte[] tokenHash, CancellationToken ct = default);

    /// <summary>Creates a console user. Returns false when the name is taken.</summary>
    Task<bool> AddUserAsync(string name, string passwordHash, string role, CancellationToken ct = default);

    Task<ConsoleUser?> FindUserAsync(string name, CancellationToken ct = default);

    /// <summary>Creates an API token. Returns false when the name is taken.</summary>
    Task<bool> AddApiTokenAsync(string name, byte[] tokenHash, CancellationToken ct = default);

    /// <summary>The name of the API token with this SHA-256, or null.</summary>
    Task<string?> FindApiTokenByHashAsync(byte[] tokenHash, CancellationToken ct = default);
}

/// <summary>One journal record as it arrived from a gateway, already validated and in domain form.</summary>
/// <param name="Gap">Set for a telemetry gap record: sensor events the gateway dropped unsent (exactly one of the three is set).</param>
public sealed record IncomingRecord(string GatewayId, long Seq, DateTimeOffset RecordedAt, AlertEvent? Alert, SensorEvent? Sensor,
    TelemetryGapInfo? Gap = null);

/// <summary>
/// The gateway dropped the sensor events <paramref name="FromSeq"/>..<paramref name="ThroughSeq"/> (its disk budget, while
/// dispatch was unreachable). The record itself carries <paramref name="ThroughSeq"/>; every sequence it covers counts as
/// stored, so the cumulative ack moves past the gap.
/// </summary>
public sealed record TelemetryGapInfo(long FromSeq, long ThroughSeq, long Count, DateTimeOffset FirstRecordedAt, DateTimeOffset LastRecordedAt);

/// <summary>What storing a record did.</summary>
/// <param name="IsNew">False when (gateway, seq) was already stored: nothing changed.</param>
/// <param name="StoredThroughSeq">Everything up to and including this sequence is stored.</param>
/// <param name="AlertStep">The stored alert step when the record was a new alert event.</param>
public sealed record StoreOutcome(bool IsNew, long StoredThroughSeq, StoredAlertStep? AlertStep);

/// <summary>An alert step as stored: what the live feed publishes.</summary>
public sealed record StoredAlertStep(string GatewayId, long Seq, AlertEvent Alert, DateTimeOffset ReceivedAt);

public sealed record GatewayAccount(string GatewayId, string HomeId, byte[] TokenHash, long StoredThroughSeq);

public sealed record ConsoleUser(string Name, string PasswordHash, string Role);

public enum AlertStatus
{
    Open,
    Cleared,
}

/// <summary>One row of the dispatcher's queue: one per alert, however many steps it had.</summary>
public sealed record QueuedAlert(
    string GatewayId,
    string AlertId,
    string HomeId,
    AlertType Type,
    AlertPriority Priority,
    AlertStatus Status,
    string SensorId,
    string Summary,
    int Count,
    DateTimeOffset RaisedAt,
    DateTimeOffset EvidenceAt,
    DateTimeOffset FirstReceivedAt,
    DateTimeOffset LastEventAt,
    long LastSeq);
