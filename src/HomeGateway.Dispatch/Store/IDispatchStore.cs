using HomeGateway.Core.Alerts;
using HomeGateway.Core.Events;

namespace HomeGateway.Dispatch.Store;

/// <summary>
/// Everything dispatch keeps. SQLite is the embedded default; a PostgreSQL store for several nodes
/// implements the same contract (the storing rules below are the contract, not an SQLite detail).
/// </summary>
public partial interface IDispatchStore
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

    /// <summary>
    /// One gateway's records, in order, in one transaction (one disk sync for a burst, e.g. a backlog after an outage):
    /// the same rules as storing them one by one, with one outcome per record. All or nothing.
    /// </summary>
    Task<IReadOnlyList<StoreOutcome>> StoreAsync(IReadOnlyList<IncomingRecord> records, CancellationToken ct = default);

    /// <summary>The gateway with this id, or null.</summary>
    Task<GatewayAccount?> FindGatewayAsync(string gatewayId, CancellationToken ct = default);

    /// <summary>A gateway said hello or sent a heartbeat.</summary>
    Task MarkSeenAsync(string gatewayId, string? softwareVersion, CancellationToken ct = default);

    /// <summary>
    /// Several gateways' last contacts in one transaction (heartbeats, batched). A contact never moves a gateway's
    /// <c>last_seen_at</c> back: one written since (a hello, a record) may be later.
    /// </summary>
    Task MarkSeenAsync(IReadOnlyCollection<KeyValuePair<string, DateTimeOffset>> contacts, CancellationToken ct = default);

    /// <summary>The alert queue, most urgent first, oldest first within a priority.</summary>
    Task<IReadOnlyList<QueuedAlert>> ListAlertsAsync(AlertStatus? status, CancellationToken ct = default);

    /// <summary>Registers a gateway for a home. Returns false when the id is taken (nothing changes).</summary>
    Task<bool> AddGatewayAsync(string gatewayId, string homeId, CancellationToken ct = default);

    /// <summary>Stores a one-time enrolment token (its SHA-256) for a registered gateway.</summary>
    Task AddEnrolmentTokenAsync(string gatewayId, byte[] tokenHash, DateTimeOffset expiresAt, CancellationToken ct = default);

    /// <summary>The enrolment token with this SHA-256, used or not, or null.</summary>
    Task<EnrolmentTokenRecord?> FindEnrolmentTokenAsync(byte[] tokenHash, CancellationToken ct = default);

    /// <summary>
    /// In one transaction: marks the token used (only if it is unused and unexpired, else returns false and
    /// changes nothing), revokes the gateway's earlier certificates as superseded and records the new one.
    /// </summary>
    Task<bool> CompleteEnrolmentAsync(byte[] tokenHash, GatewayCertificateRecord certificate, CancellationToken ct = default);

    /// <summary>The issued certificate with this serial (upper-case hex), or null.</summary>
    Task<GatewayCertificateRecord?> FindCertificateAsync(string serial, CancellationToken ct = default);

    /// <summary>Revokes every certificate of the gateway and voids its unused enrolment tokens. Returns the serials revoked.</summary>
    Task<IReadOnlyList<string>> RevokeGatewayAsync(string gatewayId, CancellationToken ct = default);

    /// <summary>Revocations recorded after position <paramref name="afterPosition"/>, oldest first (for closing live streams).</summary>
    Task<IReadOnlyList<CertificateRevocation>> ListRevocationsAsync(long afterPosition, CancellationToken ct = default);

    /// <summary>Creates a console user. Returns false when the name is taken.</summary>
    Task<bool> AddUserAsync(string name, string passwordHash, string role, CancellationToken ct = default);

    Task<ConsoleUser?> FindUserAsync(string name, CancellationToken ct = default);

    /// <summary>True when at least one console user exists (the first start creates an admin when none does).</summary>
    Task<bool> HasUsersAsync(CancellationToken ct = default);

    /// <summary>Replaces the user's password hash. Returns false when there is no such user.</summary>
    Task<bool> SetUserPasswordAsync(string name, string passwordHash, CancellationToken ct = default);

    /// <summary>Sets the user's console language (<c>en</c>, <c>fi</c>, <c>sv</c>). Returns false when there is no such user.</summary>
    Task<bool> SetUserLanguageAsync(string name, string language, CancellationToken ct = default);

    /// <summary>
    /// The fleet page: every registered gateway with its state and the sensors that are offline or have a battery
    /// below <paramref name="lowBatteryPercent"/> (or that the gateway itself flagged so).
    /// </summary>
    Task<IReadOnlyList<FleetGateway>> ListFleetAsync(int lowBatteryPercent, CancellationToken ct = default);

    /// <summary>Creates an API token. Returns false when the name is taken.</summary>
    Task<bool> AddApiTokenAsync(string name, byte[] tokenHash, CancellationToken ct = default);

    /// <summary>Creates an API token made by <paramref name="createdBy"/> that expires at <paramref name="expiresAt"/> (audited). False when the name is taken.</summary>
    Task<bool> AddApiTokenAsync(string name, byte[] tokenHash, string createdBy, DateTimeOffset expiresAt, CancellationToken ct = default);

    /// <summary>The name of the API token with this SHA-256 while it is usable (not expired, not revoked), or null.</summary>
    Task<string?> FindApiTokenByHashAsync(byte[] tokenHash, CancellationToken ct = default);

    /// <summary>The API token with this SHA-256 whatever its state (to say why it is refused), or null.</summary>
    Task<ApiTokenRecord?> FindApiTokenAsync(byte[] tokenHash, CancellationToken ct = default);

    /// <summary>Every API token, by name, with its state (never the secret).</summary>
    Task<IReadOnlyList<ApiTokenRecord>> ListApiTokensAsync(CancellationToken ct = default);

    /// <summary>The SHA-256 (hex) of every token usable now.</summary>
    Task<IReadOnlySet<string>> ListUsableApiTokenHashesAsync(CancellationToken ct = default);

    /// <summary>Records that the token was used now.</summary>
    Task TouchApiTokenAsync(byte[] tokenHash, CancellationToken ct = default);

    /// <summary>Revokes the token (audited); false when there is none by that name or it was already revoked.</summary>
    Task<bool> RevokeApiTokenAsync(string name, string revokedBy, CancellationToken ct = default);

    /// <summary>A new secret and expiry for the token; the old secret stops at once (audited). False when none or revoked.</summary>
    Task<bool> RotateApiTokenAsync(string name, byte[] newTokenHash, string rotatedBy, DateTimeOffset expiresAt, CancellationToken ct = default);

    /// <summary>Adds a user with role and language, audited <c>user_added</c>; false when the name is taken.</summary>
    Task<bool> AddUserAsync(string name, string passwordHash, string role, string language, string by, CancellationToken ct = default);

    /// <summary>A new password set by an admin; ends every session of the user; audited. Null when no such user.</summary>
    Task<IReadOnlyList<byte[]>?> ResetUserPasswordAsync(string name, string passwordHash, string by, CancellationToken ct = default);

    /// <summary>A new role (ends the user's sessions) and language, audited; never leaves no enabled admin.</summary>
    Task<RoleChange> SetUserRoleAsync(string name, string role, string language, string by, CancellationToken ct = default);

    /// <summary>Every console user, by name (never the password hash).</summary>
    Task<IReadOnlyList<ConsoleUserRow>> ListUsersAsync(CancellationToken ct = default);

    /// <summary>Disables (ending every session) or enables a user, audited; the sessions ended, or null when nothing changed.</summary>
    Task<IReadOnlyList<byte[]>?> SetUserDisabledAsync(string name, bool disabled, string by, CancellationToken ct = default);

    /// <summary>
    /// A person (or an integration) takes an alert. Idempotent: the first acknowledgement is kept, a later one
    /// changes nothing and says who was first. Either way one audit row records the action. An alert from a
    /// gateway gets the gateway's next acknowledgement sequence, for delivery to it.
    /// </summary>
    /// <param name="gatewayId">Null to find the alert by its id alone (ids are unique per gateway only).</param>
    Task<AcknowledgeOutcome> AcknowledgeAsync(string? gatewayId, string alertId, string actor, string role, CancellationToken ct = default);

    /// <summary>A gateway's acknowledgements after <paramref name="afterAckSeq"/>, in ack_seq order.</summary>
    Task<IReadOnlyList<AlertAcknowledgement>> ListAcknowledgementsAfterAsync(string gatewayId, long afterAckSeq, int max, CancellationToken ct = default);

    /// <summary>The audit trail, oldest first (optionally of one alert).</summary>
    Task<IReadOnlyList<AuditEntry>> ListAuditAsync(string? gatewayId, string? alertId, CancellationToken ct = default);

    /// <summary>
    /// Appends an audit row for an action that is not about one alert (e.g. an enrolment code issued). The detail
    /// must never hold a secret.
    /// </summary>
    Task RecordAuditAsync(string actor, string action, string? gatewayId, string detail, CancellationToken ct = default);

    /// <summary>Every registered gateway with its last contact and its current certificate, by gateway id (the console's Gateways page).</summary>
    Task<IReadOnlyList<RegisteredGateway>> ListGatewaysAsync(CancellationToken ct = default);

    /// <summary>Every registered gateway with its last contact and its open outage, for supervision.</summary>
    Task<IReadOnlyList<SupervisedGateway>> ListSupervisedGatewaysAsync(CancellationToken ct = default);

    /// <summary>
    /// Opens an outage and its "gateway offline" queue row, unless the gateway already has an open outage
    /// (then null: once per outage).
    /// </summary>
    Task<StoredAlertStep?> RaiseGatewayOfflineAsync(string gatewayId, DateTimeOffset lastContactAt, DateTimeOffset offlineAt, int reportingSeconds, CancellationToken ct = default);

    /// <summary>Closes the gateway's open outage and clears its queue row; null when there was none.</summary>
    Task<StoredAlertStep?> RestoreGatewayAsync(string gatewayId, DateTimeOffset restoredAt, CancellationToken ct = default);

    /// <summary>
    /// <see cref="RaiseGatewayOfflineAsync"/> for many gateways in one transaction (a mass outage: one disk sync, one
    /// change for the live feed). Returns the steps of those it raised; a gateway already flagged or unknown is skipped.
    /// </summary>
    Task<IReadOnlyList<StoredAlertStep>> RaiseGatewaysOfflineAsync(IReadOnlyList<GatewayOfflineDue> due, int reportingSeconds, CancellationToken ct = default);

    /// <summary>
    /// <see cref="RestoreGatewayAsync"/> for many gateways (id → restored at) in one transaction; returns the steps of
    /// those that had an open outage.
    /// </summary>
    Task<IReadOnlyList<StoredAlertStep>> RestoreGatewaysAsync(IReadOnlyList<KeyValuePair<string, DateTimeOffset>> restored, CancellationToken ct = default);

    /// <summary>
    /// The gateway's home profile (its Hello or a later HomeProfile), already bounded by ingest: in one transaction the
    /// gateway's time zone is set (null: unknown) and its whole sensor list replaced. Nothing happens for an unknown gateway.
    /// </summary>
    Task StoreGatewayProfileAsync(string gatewayId, GatewayProfile profile, CancellationToken ct = default);

    /// <summary>The gateway's sensors as its latest profile named them, by sensor id; empty before its first profile.</summary>
    Task<IReadOnlyList<GatewaySensor>> ListGatewaySensorsAsync(string gatewayId, CancellationToken ct = default);
}

/// <summary>A gateway's home as its home file describes it, bounded (see <c>HomeProfileLimits</c> in ingest).</summary>
/// <param name="TimeZone">The home's IANA time zone id; null when the gateway sent none or one dispatch does not know.</param>
public sealed record GatewayProfile(string? TimeZone, IReadOnlyList<GatewaySensor> Sensors);

/// <summary>One sensor of a gateway's home file.</summary>
/// <param name="Name">The technician's display name ("Eteisen ovi"), or null: show the id.</param>
/// <param name="Location">Where it is ("Eteinen"), or null.</param>
public sealed record GatewaySensor(string SensorId, SensorKind Kind, string? Name, string? Location);

/// <summary>How alert times are shown when dispatch does not know a home's time zone.</summary>
public static class HomeTimeZones
{
    /// <summary>The <c>timeZone</c> of a home whose gateway never sent one (an older gateway), or sent one dispatch does not know.</summary>
    public const string Unknown = "UTC";
}

/// <summary>A gateway whose reporting time ran out: silent since <paramref name="LastContactAt"/>, offline at <paramref name="OfflineAt"/>.</summary>
public sealed record GatewayOfflineDue(string GatewayId, DateTimeOffset LastContactAt, DateTimeOffset OfflineAt);

/// <summary>One change to the queue that live consoles show.</summary>
public abstract record QueueChange;

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
/// <param name="Change">
/// What the step did to the alert's lifecycle besides, for the live feed: <c>reopened</c> (new evidence on a resolved
/// alert put it back into the live queue) or <c>escalated</c> (the gateway escalated it locally); null otherwise.
/// </param>
public sealed record StoreOutcome(bool IsNew, long StoredThroughSeq, StoredAlertStep? AlertStep, AlertChanged? Change = null);

/// <summary>
/// Many gateways' "gateway offline" (or "restored") steps stored in one transaction, published as one change: a mass
/// outage takes one slot of each live subscriber's bounded queue, not thousands (which dropped every console at once).
/// Every step is in the store; subscribers that show steps one by one expand it.
/// </summary>
/// <param name="Kind">Raised for an outage, Cleared for gateways coming back.</param>
public sealed record OutageBatch(AlertEventKind Kind, IReadOnlyList<StoredAlertStep> Steps) : QueueChange;

/// <summary>An alert step as stored: what the live feed publishes.</summary>
/// <param name="Seq">The gateway's journal sequence; 0 for a step dispatch decided itself (gateway offline / restored).</param>
/// <param name="SensorName">The alert's sensor's display name from the gateway's profile; null when unknown.</param>
/// <param name="SensorLocation">Where that sensor is; null when unknown.</param>
/// <param name="TimeZone">The home's IANA time zone; <see cref="HomeTimeZones.Unknown"/> when unknown.</param>
public sealed record StoredAlertStep(
    string GatewayId,
    long Seq,
    AlertEvent Alert,
    DateTimeOffset ReceivedAt,
    string? SensorName = null,
    string? SensorLocation = null,
    string TimeZone = HomeTimeZones.Unknown,
    int ResponseMinutes = HomeDetails.DefaultResponseMinutes) : QueueChange;

/// <summary>An alert was acknowledged at dispatch.</summary>
/// <param name="AckSeq">The gateway's acknowledgement sequence; null for an alert dispatch raised itself.</param>
/// <param name="AcknowledgedBy">The user name, or <c>token:NAME</c> for an integration.</param>
/// <param name="ByRole">The role: what the gateway is told, never the person's name.</param>
/// <param name="RaisedAt">When the gateway raised the alert (its clock): time-to-acknowledge starts here.</param>
public sealed record AlertAcknowledgement(
    string GatewayId,
    string AlertId,
    string HomeId,
    long? AckSeq,
    string AcknowledgedBy,
    string ByRole,
    DateTimeOffset AcknowledgedAt,
    DateTimeOffset RaisedAt) : QueueChange
{
    public TimeSpan TimeToAcknowledge => AcknowledgedAt - RaisedAt;
}

public enum AcknowledgeResult
{
    /// <summary>This call acknowledged the alert.</summary>
    Acknowledged,

    /// <summary>Someone had already acknowledged it: nothing changed.</summary>
    AlreadyAcknowledged,

    NotFound,

    /// <summary>Several gateways have an alert with this id: name the gateway.</summary>
    Ambiguous,
}

/// <param name="Acknowledgement">The acknowledgement in force (this one or the earlier one); null when not found or ambiguous.</param>
public sealed record AcknowledgeOutcome(AcknowledgeResult Result, AlertAcknowledgement? Acknowledgement, IReadOnlyList<string> Gateways);

/// <summary>One row of the audit trail.</summary>
public sealed record AuditEntry(long Id, DateTimeOffset At, string Actor, string Action, string? GatewayId, string? AlertId, string Detail);

/// <summary>A registered gateway as supervision sees it.</summary>
/// <param name="LastContactAt">Null until its first hello: a gateway not installed yet is not supervised.</param>
/// <param name="OpenOutageAlertId">The open "gateway offline" alert, or null when the gateway is not flagged.</param>
public sealed record SupervisedGateway(string GatewayId, string HomeId, DateTimeOffset? LastContactAt, string? OpenOutageAlertId);

/// <summary>A registered gateway as the console lists it.</summary>
/// <param name="LastSeenAt">Its last hello or heartbeat; null until it first connected.</param>
/// <param name="CertificateNotAfter">The expiry of its certificate that is not revoked; null when it has none (never enrolled, or revoked).</param>
public sealed record RegisteredGateway(string GatewayId, string HomeId, DateTimeOffset? LastSeenAt, string? SoftwareVersion, DateTimeOffset? CertificateNotAfter);

/// <summary>A registered gateway as the fleet page shows it.</summary>
/// <param name="LastSeenAt">Its last hello, record or heartbeat; null until it first connected.</param>
/// <param name="OfflineSince">When supervision raised "gateway offline" (an open outage); null when it is not flagged.</param>
/// <param name="CertificateNotAfter">The expiry of its unrevoked certificate; null when it has none.</param>
public sealed record FleetGateway(
    string GatewayId,
    string HomeId,
    DateTimeOffset? LastSeenAt,
    DateTimeOffset? OfflineSince,
    string? SoftwareVersion,
    DateTimeOffset? CertificateNotAfter,
    IReadOnlyList<SensorProblem> SensorProblems)
{
    public GatewayState State => OfflineSince is not null ? GatewayState.Offline
        : LastSeenAt is null ? GatewayState.NotYetConnected
        : GatewayState.Online;
}

public enum GatewayState
{
    Online,
    Offline,

    /// <summary>Registered (maybe enrolled) but never said hello: not installed yet, so not supervised.</summary>
    NotYetConnected,
}

public enum SensorProblemKind
{
    /// <summary>Its latest availability report says offline, or the gateway has an open "sensor offline" alert for it.</summary>
    Offline,

    /// <summary>Its latest battery level is below the threshold, or the gateway has an open "low battery" alert for it.</summary>
    LowBattery,
}

/// <param name="BatteryPercent">The latest battery level when known.</param>
/// <param name="ReportedAt">When the gateway observed it (its clock).</param>
public sealed record SensorProblem(string SensorId, SensorProblemKind Kind, int? BatteryPercent, DateTimeOffset ReportedAt);

public sealed record GatewayAccount(string GatewayId, string HomeId, long StoredThroughSeq);

/// <summary>A one-time enrolment token as stored (the token itself is never stored).</summary>
public sealed record EnrolmentTokenRecord(string GatewayId, DateTimeOffset ExpiresAt, DateTimeOffset? UsedAt);

/// <summary>A gateway certificate dispatch issued; <paramref name="RevokedAt"/> is set once it no longer counts.</summary>
public sealed record GatewayCertificateRecord(string Serial, string GatewayId, DateTimeOffset IssuedAt, DateTimeOffset NotAfter, DateTimeOffset? RevokedAt);

/// <summary>One revocation, at a position that only grows (so a node can ask for "what is new since").</summary>
public sealed record CertificateRevocation(long Position, string Serial, string GatewayId);

/// <param name="Language">The console language code: <c>en</c>, <c>fi</c> or <c>sv</c>.</param>
/// <param name="DisabledAt">Set while an admin has disabled the user: no login, no session.</param>
public sealed record ConsoleUser(string Name, string PasswordHash, string Role, string Language = "en", DateTimeOffset? DisabledAt = null);

public enum AlertStatus
{
    Open,
    Cleared,
}

/// <summary>One row of the dispatcher's queue: one per alert, however many steps it had.</summary>
/// <remarks>
/// <c>SensorName</c> and <c>SensorLocation</c> come from the gateway's latest profile (null when it sent none or did not
/// name the sensor); <c>TimeZone</c> is the home's IANA time zone (<see cref="HomeTimeZones.Unknown"/> when not known).
/// </remarks>
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
    long LastSeq,
    AlertOrigin Origin = AlertOrigin.Gateway,
    DateTimeOffset? AcknowledgedAt = null,
    string? AcknowledgedBy = null,
    string? SensorName = null,
    string? SensorLocation = null,
    string TimeZone = HomeTimeZones.Unknown,
    int ResponseMinutes = HomeDetails.DefaultResponseMinutes,
    bool GatewayEscalated = false);

/// <summary>Who decided the alert: a gateway's rules, or dispatch itself (gateway offline).</summary>
public enum AlertOrigin
{
    Gateway,
    Dispatch,
}
