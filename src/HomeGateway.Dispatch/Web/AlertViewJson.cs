using HomeGateway.Core.Rules;
using HomeGateway.Core.Events;
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
    };
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
    public static AlertDetailJson From(AlertDetail detail) => new(
        AlertViewJson.From(detail.View),
        detail.Home is { } h ? new HomeJson(h.HomeId, h.ResponseMinutes, h.KeySafe, h.Contacts, h.Notes, h.TimeZone) : null,
        detail.Steps.Select(s => new StepJson(s.Seq, AlertTypeNames.ToName(s.Kind), AlertTypeNames.ToName(s.Priority), s.At, s.Count, s.Summary, s.ReceivedAt)).ToList(),
        detail.Evidence.Select(e => new EvidenceJson(e.Seq, e.SensorId, SensorKindNames.ToName(e.Kind), e.State, e.At, e.Source, e.Value, e.BatteryPercent)).ToList(),
        detail.Visit is { } v ? new VisitJson(v.Open, v.At, v.SensorId) : null,
        detail.Notes.Select(n => new NoteJson(n.At, n.Author, n.Text)).ToList());

    /// <param name="TimeZone">The home's IANA time zone (<c>"UTC"</c> when no gateway of it has said).</param>
    public sealed record HomeJson(string HomeId, int ResponseMinutes, string KeySafe, string Contacts, string Notes, string TimeZone);

    public sealed record StepJson(long Seq, string Kind, string Priority, DateTimeOffset At, int Count, string Summary, DateTimeOffset ReceivedAt);

    public sealed record EvidenceJson(long Seq, string SensorId, string Kind, string State, DateTimeOffset At, string Source, double? Value, int? BatteryPercent);

    /// <param name="Open">True when the home's latest visit event is a check-in: a carer is (or was last seen) there.</param>
    public sealed record VisitJson(bool Open, DateTimeOffset At, string SensorId);

    public sealed record NoteJson(DateTimeOffset At, string Author, string Text);
}
