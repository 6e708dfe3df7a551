using System.Security.Claims;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using HomeGateway.Dispatch.LiveFeed;
using HomeGateway.Dispatch.Store;
using Microsoft.Extensions.Logging;

namespace HomeGateway.Dispatch.Acknowledgements;

/// <summary>
/// What happens to an alert after someone took it: assignment, notes, escalation and resolution. The console and
/// the JSON API both come through here; every change is audited by the store and published on the live feed, so
/// every console shows it. The same roles as acknowledging (<see cref="AlertAcknowledgements.Roles"/>) may do it.
/// </summary>
internal sealed class AlertLifecycle(
    IDispatchStore store,
    IAlertFeed feed,
    AlertAcknowledgements acknowledgements,
    ILogger<AlertLifecycle> logger)
{
    /// <summary>A note is a few sentences for the next dispatcher, not a case file.</summary>
    public const int MaxNoteLength = 2000;

    public const int MaxReasonLength = 500;

    /// <summary>Roles an alert can be assigned to: the people who answer alarms.</summary>
    public static readonly IReadOnlySet<string> AssigneeRoles = new HashSet<string>(StringComparer.Ordinal) { "dispatcher", "admin" };

    /// <summary>
    /// Why <paramref name="assignee"/> cannot take alerts, or null when they can (null or empty: unassign). In the
    /// console user's language; the JSON API keeps the English default for integrations.
    /// </summary>
    public async Task<string?> AssigneeProblemAsync(string? assignee, CancellationToken ct, ConsoleLanguage language = ConsoleLanguage.English)
    {
        if (string.IsNullOrEmpty(assignee))
        {
            return null;
        }

        var user = await store.FindUserAsync(assignee, ct);
        return user is null ? ConsoleWords.Format<LifecycleText>("NoSuchUser", language, assignee)
            : !AssigneeRoles.Contains(user.Role) ? ConsoleWords.Format<LifecycleText>("NotAnAssignee", language, assignee, user.Role)
            // Nobody would come: a disabled user cannot log in to see the alert.
            : user.DisabledAt is not null ? ConsoleWords.Format<LifecycleText>("AssigneeDisabled", language, assignee)
            : null;
    }

    /// <summary>
    /// Why a note (<paramref name="what"/> "note") or an escalation reason ("reason") of at most <paramref name="max"/>
    /// characters cannot be stored, or null. In <paramref name="language"/>; English for the JSON API.
    /// </summary>
    public static string? TextProblem(string? text, string what, int max, ConsoleLanguage language = ConsoleLanguage.English)
    {
        var isReason = what == "reason";
        return string.IsNullOrWhiteSpace(text) ? ConsoleWords.Of<LifecycleText>(isReason ? "EmptyReason" : "EmptyNote", language)
            : text.Length > max ? ConsoleWords.Format<LifecycleText>(isReason ? "LongReason" : "LongNote", language, max, text.Length)
            : null;
    }

    public async Task<LifecycleOutcome> AssignAsync(ClaimsPrincipal user, string? gatewayId, string alertId, string? assignee, CancellationToken ct)
    {
        var outcome = await store.AssignAsync(gatewayId, alertId, string.IsNullOrEmpty(assignee) ? null : assignee, Actor(user), ct);
        Publish(outcome, string.IsNullOrEmpty(assignee) ? "unassigned" : "assigned", Actor(user));
        return outcome;
    }

    public async Task<LifecycleOutcome> AddNoteAsync(ClaimsPrincipal user, string? gatewayId, string alertId, string text, CancellationToken ct)
    {
        var outcome = await store.AddNoteAsync(gatewayId, alertId, text.Trim(), Actor(user), ct);
        Publish(outcome, "noted", Actor(user));
        return outcome;
    }

    public async Task<LifecycleOutcome> EscalateAsync(ClaimsPrincipal user, string? gatewayId, string alertId, string reason, CancellationToken ct)
    {
        var outcome = await store.EscalateAsync(gatewayId, alertId, reason.Trim(), Actor(user), onlyIfUnacknowledged: false, ct);
        Publish(outcome, "escalated", Actor(user));
        return outcome;
    }

    /// <summary>
    /// Resolves with an outcome. An alert nobody acknowledged is acknowledged first, through the usual path, so the
    /// gateway hears that help came; then the resolution goes down the gateway's stream after it (same numbering), and
    /// the gateway closes the alert. Resolving again changes nothing.
    /// </summary>
    public async Task<LifecycleOutcome> ResolveAsync(
        ClaimsPrincipal user, string? gatewayId, string alertId, ResolutionOutcome resolution, string? note, CancellationToken ct)
    {
        var found = await store.FindAlertAsync(gatewayId, alertId, ct);
        if (found.Alert is not { } view)
        {
            return found;
        }

        if (view.Resolution is null && view.Alert.AcknowledgedAt is null)
        {
            await acknowledgements.AcknowledgeAsync(user, view.Alert.GatewayId, alertId, ct);
        }

        var outcome = await store.ResolveAsync(view.Alert.GatewayId, alertId, resolution,
            string.IsNullOrWhiteSpace(note) ? null : note.Trim(), Actor(user), AlertAcknowledgements.RoleOf(user), ct);
        Publish(outcome, "resolved", Actor(user));
        if (outcome.Result == LifecycleResult.Done && view.Alert.Origin == AlertOrigin.Gateway)
        {
            // The gateway closes the alert: it stops escalating, shows the client, and the next press is a new alert.
            acknowledgements.WakeGateway(view.Alert.GatewayId);
        }

        return outcome;
    }

    /// <summary>Publishes a change made elsewhere (the automatic escalation).</summary>
    public void Publish(LifecycleOutcome outcome, string change, string actor)
    {
        if (outcome is { Result: LifecycleResult.Done, Alert: { } alert })
        {
            feed.Publish(new AlertChanged(change, alert));
            LifecycleLog.Changed(logger, alert.Alert.GatewayId, alert.Alert.AlertId, change, actor);
        }
    }

    private static string Actor(ClaimsPrincipal user) =>
        user.Identity?.Name is { Length: > 0 } name ? name : throw new InvalidOperationException("An alert change needs a named user.");
}

internal static partial class LifecycleLog
{
    [LoggerMessage(6100, LogLevel.Information, "Alert {AlertId} of gateway {GatewayId}: {Change} by {Actor}")]
    public static partial void Changed(ILogger logger, string gatewayId, string alertId, string change, string actor);

    [LoggerMessage(6101, LogLevel.Warning, "Alert {AlertId} of gateway {GatewayId}: critical and not acknowledged within {Minutes} min, escalated")]
    public static partial void EscalatedAutomatically(ILogger logger, string gatewayId, string alertId, int minutes);

    [LoggerMessage(6102, LogLevel.Error, "Automatic escalation pass failed; trying again shortly")]
    public static partial void EscalationPassFailed(ILogger logger, Exception exception);

    [LoggerMessage(6103, LogLevel.Information, "Automatic escalation: critical alerts not acknowledged within {Minutes} min are escalated")]
    public static partial void EscalationStarted(ILogger logger, int minutes);
}
