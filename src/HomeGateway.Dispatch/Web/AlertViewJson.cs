using HomeGateway.Core.Alerts;
using HomeGateway.Core.Rules;
using HomeGateway.Core.Events;
using HomeGateway.Dispatch.ClientRecords;
using HomeGateway.Dispatch.Store;

namespace HomeGateway.Dispatch.Web;

/// <summary>
/// An alert with its lifecycle: every field of <see cref="QueuedAlertJson"/> unchanged, plus assignment, escalation and
/// resolution. <c>DisplayPriority</c> is the priority shown and sorted by (one step up when escalated);
/// <c>TimeToResolveSeconds</c> runs from the gateway's raised-at to dispatch's resolved-at.
/// </summary>
public sealed record AlertViewJson : QueuedAlertJson
{
    private AlertViewJson(QueuedAlertJson alert)
        : base(alert)
    {
    }

    public required string DisplayPriority { get; init; }

    public required string? AssignedTo { get; init; }

    public required bool Escalated { get; init; }

    public required DateTimeOffset? EscalatedAt { get; init; }

    public required string? EscalatedBy { get; init; }

    public required string? EscalationReason { get; init; }

    public required DateTimeOffset? ResolvedAt { get; init; }

    public required string? ResolvedBy { get; init; }

    public required string? Outcome { get; init; }

    public required string? ResolutionNote { get; init; }

    public required double? TimeToResolveSeconds { get; init; }

    /// <summary>The alert's latest request to responders (open or ended), or null when nobody was asked.</summary>
    public ResponderRequestJson? Responder { get; init; }

    public static AlertViewJson From(AlertView view) => new(QueuedAlertJson.From(view.Alert))
    {
        DisplayPriority = AlertTypeNames.ToName(view.DisplayPriority),
        AssignedTo = view.AssignedTo,
        Escalated = view.Escalation is not null,
        EscalatedAt = view.Escalation?.At,
        EscalatedBy = view.Escalation?.By,
        EscalationReason = view.Escalation?.Reason,
        ResolvedAt = view.Resolution?.ResolvedAt,
        ResolvedBy = view.Resolution?.ResolvedBy,
        Outcome = view.Resolution is { } r ? ResolutionOutcomes.ToName(r.Outcome) : null,
        ResolutionNote = view.Resolution?.Note,
        TimeToResolveSeconds = view.Resolution is { } resolved ? Seconds(resolved.ResolvedAt - view.Alert.RaisedAt) : null,
        Responder = view.Responder is { } request ? ResponderRequestJson.From(request) : null,
    };
}

/// <summary>
/// A request to responders: <c>State</c> is asked, accepted, on_the_way, arrived, done, or how it ended (not_accepted,
/// declined, withdrawn, alert_resolved); <c>Asked</c> is the team's name or the user's name.
/// </summary>
public sealed record ResponderRequestJson(
    long Id, string State, string Asked, string? TeamId, string? UserName, int? CascadePosition, DateTimeOffset AskedAt, string AskedBy,
    DateTimeOffset AcceptDeadline, DateTimeOffset? AcceptedAt, string? AcceptedBy, DateTimeOffset? OnTheWayAt, DateTimeOffset? ArrivedAt,
    DateTimeOffset? DoneAt, string? ProposedOutcome, DateTimeOffset? EndedAt, string? EndedReason)
{
    public static ResponderRequestJson From(ResponderRequest r) => new(
        r.Id, r.State, r.Asked, r.TeamId, r.UserName, r.CascadePosition, r.AskedAt, r.AskedBy, r.AcceptDeadline, r.AcceptedAt, r.AcceptedBy,
        r.OnTheWayAt, r.ArrivedAt, r.DoneAt, r.ProposedOutcome is { } o ? ResolutionOutcomes.ToName(o) : null, r.EndedAt, r.EndedReason);
}

/// <summary><c>GET /api/alerts/{alertId}</c>: the alert, its steps, its sensor's evidence, the home and its carer visit, notes.</summary>
public sealed record AlertDetailJson(
    AlertViewJson Alert,
    AlertDetailJson.HomeJson? Home,
    IReadOnlyList<AlertDetailJson.StepJson> Steps,
    IReadOnlyList<AlertDetailJson.EvidenceJson> Evidence,
    AlertDetailJson.VisitJson? Visit,
    IReadOnlyList<AlertDetailJson.NoteJson> Notes)
{
    /// <param name="view">How much of the client record the caller may see (<c>ClientRecordAccess.For</c>).</param>
    public static AlertDetailJson From(AlertDetail detail, ClientRecordView view) => new(
        AlertViewJson.From(detail.View),
        detail.Home is { } h ? HomeJson.From(h, view) : null,
        detail.Steps.Select(s => new StepJson(s.Seq, AlertTypeNames.ToName(s.Kind), AlertTypeNames.ToName(s.Priority), s.At, s.Count, s.Summary, s.ReceivedAt)).ToList(),
        detail.Evidence.Select(e => new EvidenceJson(e.Seq, e.SensorId, SensorKindNames.ToName(e.Kind), e.State, e.At, e.Source, e.Value, e.BatteryPercent)).ToList(),
        detail.Visit is { } v ? new VisitJson(v.Open, v.At, v.SensorId) : null,
        detail.Notes.Select(n => new NoteJson(n.At, n.Author, n.Text)).ToList());

    /// <summary>
    /// The home and its client record as far as the caller may see it: a field the caller may not see is null (the
    /// technician's view has only <c>address</c> and <c>accessInstructions</c>). <c>keySafe</c> (the access instructions)
    /// and <c>contacts</c> (the contacts as text, one per line) are what this API said before the record had rows.
    /// </summary>
    /// <param name="TimeZone">The home's IANA time zone (<c>"UTC"</c> when no gateway of it has said).</param>
    /// <param name="AnonymisedAt">When the client record was anonymised (the client left); null while it is kept.</param>
    public sealed record HomeJson(
        string HomeId, int ResponseMinutes, string? KeySafe, string? Contacts, string? Notes, string TimeZone,
        string? Address, string? AccessInstructions, IReadOnlyList<PersonJson>? KeyHolders, IReadOnlyList<PersonJson>? ContactPeople,
        DateTimeOffset? AnonymisedAt)
    {
        public static HomeJson From(HomeRecord h, ClientRecordView view)
        {
            var whole = view == ClientRecordView.Whole;
            var access = view != ClientRecordView.None;
            return new HomeJson(
                h.HomeId, h.ResponseMinutes, access ? h.KeySafe : null, whole ? h.Contacts : null, whole ? h.Notes : null, h.TimeZone,
                access ? h.Address : null, access ? h.AccessInstructions : null,
                whole ? h.KeyHolders.Select(PersonJson.From).ToList() : null, whole ? h.ContactPeople.Select(PersonJson.From).ToList() : null,
                h.AnonymisedAt);
        }
    }

    /// <param name="Tel">The phone as a <c>tel:</c> link (spaces removed); null without a phone.</param>
    public sealed record PersonJson(string Name, string Phone, string Relation, string? Tel)
    {
        public static PersonJson From(HomePerson p) =>
            new(p.Name, p.Phone, p.Relation, p.Phone.Length == 0 ? null : ClientRecordRules.TelHref(p.Phone));
    }

    public sealed record StepJson(long Seq, string Kind, string Priority, DateTimeOffset At, int Count, string Summary, DateTimeOffset ReceivedAt);

    public sealed record EvidenceJson(long Seq, string SensorId, string Kind, string State, DateTimeOffset At, string Source, double? Value, int? BatteryPercent);

    /// <param name="Open">True when the home's latest visit event is a check-in: a carer is (or was last seen) there.</param>
    public sealed record VisitJson(bool Open, DateTimeOffset At, string SensorId);

    public sealed record NoteJson(DateTimeOffset At, string Author, string Text);
}

/// <summary>
/// <c>GET /api/alerts?group=outages</c>: <c>alerts</c> as the plain list has them (care alarms and everything else, in
/// queue order) less the "gateway offline" alerts dispatch raised that nobody has touched (not acknowledged, assigned,
/// escalated or resolved), which are the <c>outage</c> group: open ones with the time each went offline, and those back
/// already (cleared, waiting to be resolved). A touched one stays a row: someone is working on that home.
/// </summary>
public sealed record GroupedQueueJson(IReadOnlyList<AlertViewJson> Alerts, GroupedQueueJson.OutageJson Outage)
{
    public static GroupedQueueJson From(IReadOnlyList<AlertView> rows)
    {
        var alerts = new List<AlertViewJson>();
        var gateways = new List<OutageGatewayJson>();
        foreach (var row in rows)
        {
            if (IsUntouchedOutage(row))
            {
                var a = row.Alert;
                gateways.Add(new OutageGatewayJson(a.GatewayId, a.HomeId, a.AlertId, DispatchStore.StatusText(a.Status), a.RaisedAt, a.EvidenceAt,
                    a.Status == AlertStatus.Cleared ? a.LastEventAt : null));
            }
            else
            {
                alerts.Add(AlertViewJson.From(row));
            }
        }

        var open = gateways.Where(g => g.Status == "open").ToList();
        return new GroupedQueueJson(alerts, new OutageJson(
            open.Count, gateways.Count - open.Count, open.Count > 0 ? open.Min(g => g.OfflineSince) : null, gateways));
    }

    internal static bool IsUntouchedOutage(AlertView row) =>
        row.Alert is { Type: AlertType.GatewayHealth, Origin: AlertOrigin.Dispatch, AcknowledgedAt: null }
        && row is { AssignedTo: null, Escalation: null, Resolution: null };

    /// <param name="Count">Gateways offline now (status open).</param>
    /// <param name="Restored">Gateways back already whose alert is cleared but not yet resolved.</param>
    /// <param name="Since">The earliest offline-since of the open ones; null when none is open.</param>
    public sealed record OutageJson(int Count, int Restored, DateTimeOffset? Since, IReadOnlyList<OutageGatewayJson> Gateways);

    /// <param name="OfflineSince">When supervision flagged it (last contact + reporting time).</param>
    /// <param name="LastContactAt">Its last contact before the outage.</param>
    /// <param name="RestoredAt">When it came back; null while it is offline.</param>
    public sealed record OutageGatewayJson(
        string GatewayId, string HomeId, string AlertId, string Status, DateTimeOffset OfflineSince, DateTimeOffset LastContactAt, DateTimeOffset? RestoredAt);
}
