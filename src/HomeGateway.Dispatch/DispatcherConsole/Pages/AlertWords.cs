using System.Globalization;
using System.Resources;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Events;
using HomeGateway.Core.Rules;
using HomeGateway.Dispatch.Acknowledgements;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using HomeGateway.Dispatch.Store;

namespace HomeGateway.Dispatch.DispatcherConsole.Pages;

/// <summary>
/// An alert's stored names in the reader's language (<c>AlertWords.resx</c> and its <c>.fi</c>/<c>.sv</c>): resolution
/// outcomes, priorities, step kinds, sensor kinds and states, and the actors dispatch writes for itself. Any page may
/// use them (the report and audit pages too); a name without a word (one added later) is shown as stored. The culture
/// is the request's (<see cref="CultureInfo.CurrentUICulture"/>) unless one is given.
/// </summary>
public static class AlertWords
{
    private static readonly ResourceManager Resources = new(typeof(AlertWords));

    public static string Outcome(ResolutionOutcome outcome, CultureInfo? culture = null) => Outcome(ResolutionOutcomes.ToName(outcome), culture);

    /// <summary>An outcome by its stored name (<c>visited_no_injury</c>…).</summary>
    public static string Outcome(string name, CultureInfo? culture = null) => Word("outcome_", name, culture);

    public static string Priority(AlertPriority priority, CultureInfo? culture = null) =>
        Word("priority_", priority.ToString().ToLowerInvariant(), culture);

    public static string Step(AlertEventKind kind, CultureInfo? culture = null) => Word("step_", kind.ToString().ToLowerInvariant(), culture);

    public static string Sensor(SensorKind kind, CultureInfo? culture = null) => Word("sensor_", SensorKindNames.ToName(kind), culture);

    /// <summary>A sensor state (<c>check_in</c>, <c>open</c>…); one without a word as reported.</summary>
    public static string State(string state, CultureInfo? culture = null) => Word("state_", state, culture);

    /// <summary>The alert type as the queue names it.</summary>
    public static string Type(AlertType type, CultureInfo? culture = null) => Type(AlertTypeNames.ToName(type), culture);

    /// <summary>An alert type by the name the JSON API and the audit trail use (<c>fall</c>, <c>night_exit</c>…).</summary>
    public static string Type(string name, CultureInfo? culture = null) =>
        AlertWording.TypeNames(culture ?? CultureInfo.CurrentUICulture).TryGetValue(name, out var word) ? word : name;

    public static string Battery(int percent, CultureInfo? culture = null) =>
        string.Format(culture ?? CultureInfo.CurrentCulture, Word("source_", "battery", culture), percent);

    /// <summary>
    /// What an actor written by dispatch itself means (the automatic escalation, a home's gateway), or null for a person
    /// or an API token, whose name is the whole story.
    /// </summary>
    public static string? SystemActor(string actor, CultureInfo? culture = null) => actor switch
    {
        CriticalEscalation.Actor => Word("actor_", "dispatch", culture),
        DispatchStore.GatewayActor => Word("actor_", "gateway", culture),
        _ => null,
    };

    /// <summary>An actor as a page names it: a person as written, dispatch's own actors with what they are.</summary>
    public static string Actor(string actor, CultureInfo? culture = null) =>
        SystemActor(actor, culture) is { } what ? $"{actor} ({what})" : actor;

    private static string Word(string prefix, string name, CultureInfo? culture) =>
        Resources.GetString(prefix + name, culture ?? CultureInfo.CurrentUICulture) ?? name;
}
