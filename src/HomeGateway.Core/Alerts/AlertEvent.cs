namespace HomeGateway.Core.Alerts;

/// <summary>
/// One step in the life of one alert, as decided by the rules engine.
/// </summary>
/// <param name="AlertId">Stable id of the alert: every step of one alert carries the same id.</param>
/// <param name="Kind">Raised, repeated, cleared or escalated.</param>
/// <param name="Type">The rule that decided it.</param>
/// <param name="Priority">The priority at this step.</param>
/// <param name="HomeId">The home.</param>
/// <param name="SensorId">The sensor whose events are the evidence.</param>
/// <param name="At">When the gateway decided this step.</param>
/// <param name="EvidenceAt">When the sensor event that is the evidence was observed.</param>
/// <param name="Count">How many times the condition has been met while the alert was open (1 when raised).</param>
/// <param name="Summary">A short sentence for the dispatcher, in English; consoles translate by type.</param>
public sealed record AlertEvent(
    string AlertId,
    AlertEventKind Kind,
    AlertType Type,
    AlertPriority Priority,
    string HomeId,
    string SensorId,
    DateTimeOffset At,
    DateTimeOffset EvidenceAt,
    int Count,
    string Summary)
{
    /// <summary>Journal sequence numbers of the sensor events that are the evidence.</summary>
    public IReadOnlyList<long> EvidenceSeqs { get; init; } = [];

    /// <summary>
    /// The same alert, its condition met again: one more on the count, new evidence and summary. A repeat can make an
    /// alert more urgent, never less: the priority is the higher of this step's and <paramref name="priority"/>.
    /// </summary>
    public AlertEvent Repeated(DateTimeOffset at, DateTimeOffset evidenceAt, IReadOnlyList<long> evidenceSeqs, string summary,
        AlertPriority? priority = null) => this with
        {
            Kind = AlertEventKind.Repeated,
            Priority = priority is { } p && p < Priority ? p : Priority,
            At = at,
            EvidenceAt = evidenceAt,
            Count = Count + 1,
            Summary = summary,
            EvidenceSeqs = evidenceSeqs,
        };
}
