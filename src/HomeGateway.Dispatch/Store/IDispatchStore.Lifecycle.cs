using HomeGateway.Core.Alerts;
using HomeGateway.Core.Events;

namespace HomeGateway.Dispatch.Store;

/// <summary>Homes, the alert lifecycle after acknowledgement, the response-time figures and the audit page.</summary>
public partial interface IDispatchStore
{
    /// <summary>The alerts with their lifecycle, most urgent first (by the gateway's priority), oldest first within a priority.</summary>
    Task<IReadOnlyList<AlertView>> ListAlertViewsAsync(AlertListFilter filter, CancellationToken ct = default);

    /// <summary>The alert with this id (of this gateway when given): <see cref="LifecycleResult.Done"/> with it, NotFound or Ambiguous.</summary>
    Task<LifecycleOutcome> FindAlertAsync(string? gatewayId, string alertId, CancellationToken ct = default);

    /// <summary>
    /// Everything a dispatcher needs about one alert: its steps, its sensor's events from <paramref name="evidenceBefore"/>
    /// before it was raised until it was resolved or cleared, the home, the home's carer visit, notes and audit trail.
    /// </summary>
    Task<AlertDetail?> GetAlertDetailAsync(string gatewayId, string alertId, TimeSpan evidenceBefore, CancellationToken ct = default);

    /// <summary>Assigns the alert to a console user (null: unassigns). Unchanged when it already is; AlreadyResolved after resolution. Audited.</summary>
    Task<LifecycleOutcome> AssignAsync(string? gatewayId, string alertId, string? assignee, string actor, CancellationToken ct = default);

    /// <summary>Appends a note (never edited). Audited without its text.</summary>
    Task<LifecycleOutcome> AddNoteAsync(string? gatewayId, string alertId, string text, string actor, CancellationToken ct = default);

    /// <summary>
    /// Resolves the alert with an outcome. Idempotent: the first resolution is kept, a later one changes nothing
    /// (Unchanged). The caller acknowledges first. Either way one audit row.
    /// </summary>
    Task<LifecycleOutcome> ResolveAsync(string? gatewayId, string alertId, ResolutionOutcome outcome, string? note, string actor, CancellationToken ct = default);

    /// <summary>
    /// As above; <paramref name="byRole"/> is what the gateway is told (a role, never a name). A gateway's alert gets a
    /// resolution message numbered in the gateway's one sequence with its acknowledgements
    /// (<see cref="ListLifecycleMessagesAfterAsync"/>), so the gateway closes it.
    /// </summary>
    Task<LifecycleOutcome> ResolveAsync(
        string? gatewayId, string alertId, ResolutionOutcome outcome, string? note, string actor, string byRole, CancellationToken ct = default);

    /// <summary>
    /// What dispatch tells the gateway about its alerts after <paramref name="afterSeq"/>, in order: acknowledgements and
    /// resolutions share one per-gateway numbering (1, 2, 3, ...; the number of an acknowledgement forgotten when its
    /// alert was reopened stays unused).
    /// </summary>
    Task<IReadOnlyList<GatewayLifecycleMessage>> ListLifecycleMessagesAfterAsync(string gatewayId, long afterSeq, int max, CancellationToken ct = default);

    /// <summary>
    /// Marks the alert escalated, only when it is not yet (Unchanged otherwise: a second node or a repeat changes
    /// nothing) and not resolved. With <paramref name="onlyIfUnacknowledged"/> (the automatic escalation) also only
    /// while nobody has acknowledged it. Audited only when it changed something.
    /// </summary>
    Task<LifecycleOutcome> EscalateAsync(string? gatewayId, string alertId, string reason, string actor, bool onlyIfUnacknowledged, CancellationToken ct = default);

    /// <summary>Critical alerts nobody acknowledged, escalated or resolved yet: candidates for automatic escalation.</summary>
    Task<IReadOnlyList<EscalationCandidate>> ListUnacknowledgedCriticalAsync(CancellationToken ct = default);

    /// <summary>Appends an audit row about an alert and/or a home (a view, an export). The detail must never hold a secret.</summary>
    Task AppendAuditAsync(string actor, string action, string? gatewayId, string? alertId, string? homeId, string detail, CancellationToken ct = default);

    /// <summary>The audit trail, newest first, filtered, one page (and whether more follow).</summary>
    Task<AuditPage> ListAuditPageAsync(AuditQuery query, CancellationToken ct = default);

    Task<HomeRecord?> FindHomeAsync(string homeId, CancellationToken ct = default);

    Task<IReadOnlyList<HomeRecord>> ListHomesAsync(CancellationToken ct = default);

    /// <summary>Registers a home; false when the id is taken (nothing changes). Audited as <c>home_registered</c>.</summary>
    Task<bool> RegisterHomeAsync(HomeDetails home, string actor, CancellationToken ct = default);

    /// <summary>Changes a home's details; false when there is no such home. Audited as <c>home_updated</c>.</summary>
    Task<bool> UpdateHomeAsync(HomeDetails home, string actor, CancellationToken ct = default);

    /// <summary>The enrolment codes issued for the home's gateways, newest first (never the code: it is not stored).</summary>
    Task<IReadOnlyList<EnrolmentCodeHistory>> ListEnrolmentCodesAsync(string homeId, CancellationToken ct = default);

    /// <summary>Every alert raised in [<paramref name="from"/>, <paramref name="to"/>) with its times and its home's contracted time.</summary>
    Task<IReadOnlyList<ResponseTimeRow>> ListResponseTimesAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default);

    /// <summary>
    /// The IANA time zone of each home whose zone dispatch knows (home id → zone, e.g. <c>Europe/Helsinki</c>); a home
    /// not in it is shown and reported in UTC.
    /// </summary>
    Task<IReadOnlyDictionary<string, string>> ListHomeTimeZonesAsync(CancellationToken ct);
}

/// <summary>
/// How an alert ended, as the dispatcher records it. Persisted by number: the numbers and the wire names never change
/// (a test freezes them); add new values at the end.
/// </summary>
public enum ResolutionOutcome
{
    VisitedNoInjury = 1,
    VisitedInjury = 2,
    AmbulanceCalled = 3,
    FalseAlarm = 4,
    TechnicalFault = 5,
    ClientNotHome = 6,
    Other = 7,
}

/// <summary>The wire names of <see cref="ResolutionOutcome"/> (JSON, forms, CSV).</summary>
public static class ResolutionOutcomes
{
    private static readonly (ResolutionOutcome Outcome, string Name)[] Names =
    [
        (ResolutionOutcome.VisitedNoInjury, "visited_no_injury"),
        (ResolutionOutcome.VisitedInjury, "visited_injury"),
        (ResolutionOutcome.AmbulanceCalled, "ambulance_called"),
        (ResolutionOutcome.FalseAlarm, "false_alarm"),
        (ResolutionOutcome.TechnicalFault, "technical_fault"),
        (ResolutionOutcome.ClientNotHome, "client_not_home"),
        (ResolutionOutcome.Other, "other"),
    ];

    public static IReadOnlyList<ResolutionOutcome> All { get; } = Names.Select(n => n.Outcome).ToList();

    public static string ToName(ResolutionOutcome outcome) =>
        Names.First(n => n.Outcome == outcome).Name;

    public static bool TryParse(string? name, out ResolutionOutcome outcome)
    {
        foreach (var (value, text) in Names)
        {
            if (string.Equals(text, name, StringComparison.Ordinal))
            {
                outcome = value;
                return true;
            }
        }

        outcome = default;
        return false;
    }

    public static string AllNames => string.Join(", ", Names.Select(n => n.Name));
}

/// <summary>Which alerts a list shows. The live queue is <see cref="Unresolved"/>: a resolved alert leaves it.</summary>
public enum AlertListFilter
{
    Unresolved,
    Open,
    Cleared,
    Resolved,
    All,
}

public enum GatewayLifecycleKind
{
    Acknowledged,
    Resolved,
}

/// <summary>An acknowledgement or a resolution on its way to the gateway (<c>AlertAcknowledged</c> / <c>AlertResolved</c>).</summary>
/// <param name="Seq">The gateway's number for it (the uplink's <c>ack_seq</c>).</param>
/// <param name="ByRole">A role, never a person's name.</param>
/// <param name="EvidenceThroughSeq">For a resolution: the last raised or repeated step of the alert dispatch had stored.</param>
/// <param name="Outcome">For a resolution: how it ended.</param>
public sealed record GatewayLifecycleMessage(
    string GatewayId, string AlertId, long Seq, GatewayLifecycleKind Kind, DateTimeOffset At, string ByRole, long EvidenceThroughSeq,
    ResolutionOutcome? Outcome);

public sealed record AlertResolution(ResolutionOutcome Outcome, string? Note, string ResolvedBy, DateTimeOffset ResolvedAt);

/// <param name="By">A user name, <c>token:NAME</c>, or <c>dispatch</c> for the automatic escalation.</param>
public sealed record AlertEscalation(DateTimeOffset At, string By, string Reason);

/// <summary>A queue row with its lifecycle after acknowledgement.</summary>
/// <param name="Responder">The alert's latest request to a responder (open or ended), or null when none was made.</param>
public sealed record AlertView(
    QueuedAlert Alert, string? AssignedTo, AlertEscalation? Escalation, AlertResolution? Resolution, ResponderRequest? Responder = null)
{
    /// <summary>The priority shown and sorted by: an escalated alert is raised one step (critical stays critical).</summary>
    public AlertPriority DisplayPriority =>
        Escalation is not null && Alert.Priority > AlertPriority.Critical ? Alert.Priority - 1 : Alert.Priority;
}

/// <summary>A lifecycle change every console shows (<c>event: changed</c>): what changed, and the alert as it is now.</summary>
/// <param name="Change">assigned, unassigned, noted, escalated, resolved, reopened.</param>
public sealed record AlertChanged(string Change, AlertView Alert) : QueueChange;

public enum LifecycleResult
{
    /// <summary>This call changed the alert.</summary>
    Done,

    /// <summary>It already was so (resolved, escalated, assigned to that person): nothing changed.</summary>
    Unchanged,

    NotFound,

    /// <summary>Several gateways have an alert with this id: name the gateway.</summary>
    Ambiguous,

    /// <summary>A resolved alert is closed: it is not assigned or escalated any more.</summary>
    AlreadyResolved,
}

/// <param name="Alert">The alert as it is after the call; null when not found or ambiguous.</param>
public sealed record LifecycleOutcome(LifecycleResult Result, AlertView? Alert, IReadOnlyList<string> Gateways);

public sealed record AlertNote(DateTimeOffset At, string Author, string Text);

/// <summary>One stored step of an alert (<c>alert_events</c>).</summary>
public sealed record AlertStepRecord(long Seq, AlertEventKind Kind, AlertPriority Priority, DateTimeOffset At, int Count, string Summary, DateTimeOffset ReceivedAt);

/// <summary>One sensor event around an alert (<c>sensor_events</c>).</summary>
public sealed record SensorEvidence(long Seq, string SensorId, SensorKind Kind, string State, DateTimeOffset At, string Source, double? Value, int? BatteryPercent);

/// <summary>The home's latest carer-visit event: a check-in without a later check-out means a carer is there.</summary>
public sealed record VisitStatus(bool Open, DateTimeOffset At, string SensorId);

public sealed record AlertDetail(
    AlertView View,
    HomeRecord? Home,
    IReadOnlyList<AlertStepRecord> Steps,
    IReadOnlyList<SensorEvidence> Evidence,
    VisitStatus? Visit,
    IReadOnlyList<AlertNote> Notes,
    IReadOnlyList<AuditEntry> History);

/// <param name="ReceivedAt">When dispatch first received the alert (its own clock): the escalation time runs from here.</param>
public sealed record EscalationCandidate(string GatewayId, string AlertId, DateTimeOffset ReceivedAt);

/// <summary>A filter of the audit page; null or empty fields do not filter. <paramref name="Page"/> counts from 1.</summary>
public sealed record AuditQuery(string? AlertId, string? HomeId, string? Actor, string? Action, int Page, int PageSize);

public sealed record AuditRecord(long Id, DateTimeOffset At, string Actor, string Action, string? GatewayId, string? AlertId, string? HomeId, string Detail);

public sealed record AuditPage(IReadOnlyList<AuditRecord> Rows, bool HasMore);

/// <summary>
/// What a home is at dispatch, with its client record: only what a responder needs to get in and whom to call (no
/// diagnoses, no social-security number). The record's people are in <see cref="KeyHolders"/> and
/// <see cref="ContactPeople"/>.
/// </summary>
/// <param name="ResponseMinutes">The contracted response time: help should be there within this long after the alert.</param>
/// <param name="KeySafe">The access instructions (key safe and its code, door code, dog, stairs); see <see cref="AccessInstructions"/>.</param>
/// <param name="Contacts">The contacts as text, one per line ("name (relation) phone"): what callers that want one text read.</param>
/// <param name="Notes">The care plan's notes a responder needs.</param>
/// <param name="TimeZone">
/// The home's IANA time zone: the one its most recently seen gateway sent; <see cref="HomeTimeZones.Unknown"/> when none did.
/// </param>
public sealed record HomeRecord(
    string HomeId, int ResponseMinutes, string KeySafe, string Contacts, string Notes, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    string TimeZone = HomeTimeZones.Unknown)
{
    /// <summary>The street address, several lines with the postal code and town.</summary>
    public string Address { get; init; } = "";

    /// <summary>The same text as <see cref="KeySafe"/> under the name the client record gives it.</summary>
    public string AccessInstructions => KeySafe;

    /// <summary>Who holds a key, in the order the admin put them.</summary>
    public IReadOnlyList<HomePerson> KeyHolders { get; init; } = [];

    /// <summary>Whom to call (relatives, a neighbour), in order; <see cref="Contacts"/> is the same as text.</summary>
    public IReadOnlyList<HomePerson> ContactPeople { get; init; } = [];

    /// <summary>The day the client left the service (an admin marked it); null while the client is served.</summary>
    public DateOnly? ClientLeftOn { get; init; }

    /// <summary>When the client record was anonymised (the retention sweep, or an admin at once); null while it is kept.</summary>
    public DateTimeOffset? AnonymisedAt { get; init; }
}

/// <summary>A home as a form registers or changes it.</summary>
/// <param name="Contacts">
/// Used only when <see cref="ContactPeople"/> is null (callers from before the record had rows): a non-empty text becomes
/// one contact whose name is the text.
/// </param>
public sealed record HomeDetails(string HomeId, int ResponseMinutes, string KeySafe, string Contacts, string Notes)
{
    public const int DefaultResponseMinutes = 60;
    public const int MinResponseMinutes = 5;
    public const int MaxResponseMinutes = 1440;

    public string Address { get; init; } = "";

    /// <summary>The key holders; null: none.</summary>
    public IReadOnlyList<HomePerson>? KeyHolders { get; init; }

    /// <summary>The contacts; null: from <see cref="Contacts"/>.</summary>
    public IReadOnlyList<HomePerson>? ContactPeople { get; init; }

    /// <summary>The contacts as stored: <see cref="ContactPeople"/>, or the text as one contact.</summary>
    internal IReadOnlyList<HomePerson> ContactRows =>
        ContactPeople ?? (string.IsNullOrWhiteSpace(Contacts) ? [] : [new HomePerson(Contacts.Trim(), "", "")]);
}

/// <summary>An enrolment code as its history shows it: issued, expires, used — the code itself is never stored.</summary>
public sealed record EnrolmentCodeHistory(string GatewayId, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, DateTimeOffset? UsedAt);

/// <summary>
/// An alert's times for the response-time report; <c>TimeZone</c> is its home's (see <see cref="HomeRecord"/>). The
/// responder side comes from <c>alert_dispatches</c>: <see cref="FirstAskedAt"/> is the first request to anyone;
/// <see cref="ArrivedAt"/> the earliest arrival at the home; <see cref="AcceptedAt"/> and <see cref="TeamId"/> belong to
/// the request that arrived first, else to the accepted one (one still standing before one withdrawn); null when none.
/// </summary>
public sealed record ResponseTimeRow(
    string GatewayId,
    string AlertId,
    string HomeId,
    AlertType Type,
    AlertPriority Priority,
    DateTimeOffset RaisedAt,
    DateTimeOffset? AcknowledgedAt,
    DateTimeOffset? ResolvedAt,
    ResolutionOutcome? Outcome,
    int ResponseMinutes,
    string TimeZone = HomeTimeZones.Unknown)
{
    public DateTimeOffset? FirstAskedAt { get; init; }

    public DateTimeOffset? AcceptedAt { get; init; }

    public DateTimeOffset? ArrivedAt { get; init; }

    /// <summary>Null when the request went to one person rather than a team, or nobody accepted.</summary>
    public string? TeamId { get; init; }

    public string? TeamName { get; init; }
}
