using System.Security.Claims;
using HomeGateway.Dispatch.Acknowledgements;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using HomeGateway.Dispatch.LiveFeed;
using HomeGateway.Dispatch.Store;
using Microsoft.Extensions.Logging;

namespace HomeGateway.Dispatch.Responders;

/// <summary>
/// Sending people to an alert: a dispatcher asks a team or one responder (or starts the home's cascade), the responder
/// accepts (or declines), is on the way, has arrived, is done with a proposed outcome the dispatcher confirms by
/// resolving. Every step is stored and audited by the store and published on the live feed as an
/// <see cref="AlertChanged"/>, so every console's queue shows where help stands.
/// </summary>
internal sealed class ResponderDispatch(
    IDispatchStore store,
    IAlertFeed feed,
    AlertAcknowledgements acknowledgements,
    ILogger<ResponderDispatch> logger)
{
    /// <summary>The role of the people who go: a home-care night patrol, a guard company's staff.</summary>
    public const string Role = "responder";

    public const int MaxTeamIdLength = 40;

    public const int MaxTeamNameLength = 100;

    /// <summary>A cascade longer than this is not a plan anybody could follow at night.</summary>
    public const int MaxCascadeSteps = 10;

    /// <summary>Who may ask responders and withdraw a request: the people who take alerts.</summary>
    public static bool MaySend(ClaimsPrincipal user) => user.IsInRole("dispatcher") || user.IsInRole("admin");

    public static bool IsResponder(ClaimsPrincipal user) => user.IsInRole(Role);

    /// <summary>Why a team id cannot be used (letters, digits, '-', '_', '.'; at most <see cref="MaxTeamIdLength"/>), or null.</summary>
    public static string? TeamIdProblem(string? teamId, ConsoleLanguage language) =>
        string.IsNullOrEmpty(teamId) || teamId.Length > MaxTeamIdLength || !teamId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? ConsoleWords.Format<ResponderText>("BadTeamId", language, MaxTeamIdLength)
            : null;

    public static string? TeamNameProblem(string? name, ConsoleLanguage language) =>
        string.IsNullOrWhiteSpace(name) || name.Trim().Length > MaxTeamNameLength || name.Any(char.IsControl)
            ? ConsoleWords.Format<ResponderText>("BadTeamName", language, MaxTeamNameLength)
            : null;

    /// <summary>
    /// Why a step (whom to ask, how long they have to accept) cannot be used, or null: the team must exist, the person
    /// be a responder who can log in, the minutes be within 1–120.
    /// </summary>
    public Task<string?> StepProblemAsync(CascadeStep step, ConsoleLanguage language, CancellationToken ct) =>
        StepProblemAsync(store, step, language, ct);

    /// <summary>As above, for the command line (which has a store and no feed).</summary>
    public static async Task<string?> StepProblemAsync(IDispatchStore store, CascadeStep step, ConsoleLanguage language, CancellationToken ct)
    {
        if (step.AcceptMinutes is < CascadeStep.MinAcceptMinutes or > CascadeStep.MaxAcceptMinutes)
        {
            return ConsoleWords.Format<ResponderText>("AcceptMinutesRange", language, CascadeStep.MinAcceptMinutes, CascadeStep.MaxAcceptMinutes);
        }

        if (step.TeamId is { } teamId)
        {
            return await store.FindTeamAsync(teamId, ct) is null ? ConsoleWords.Format<ResponderText>("NoSuchTeam", language, teamId) : null;
        }

        if (step.UserName is not { Length: > 0 } name)
        {
            return ConsoleWords.Of<ResponderText>("ChooseWhom", language);
        }

        var user = await store.FindUserAsync(name, ct);
        return user is null || user.Role != Role ? ConsoleWords.Format<ResponderText>("NotAResponder", language, name)
            : user.DisabledAt is not null ? ConsoleWords.Format<ResponderText>("ResponderDisabled", language, name)
            : null;
    }

    /// <summary>
    /// Asks a team or one responder. As with resolving, an alert nobody acknowledged is acknowledged first through the
    /// usual path: help is being organised, and the client's device says so.
    /// </summary>
    public async Task<ResponderOutcome> AskAsync(ClaimsPrincipal user, string gatewayId, string alertId, CascadeStep? step, CancellationToken ct)
    {
        var actor = Actor(user);
        if (await BeforeAskingAsync(user, gatewayId, alertId, startsCascade: step is null, ct) is { } refused)
        {
            return refused;
        }

        var outcome = step is null
            ? await store.StartCascadeAsync(gatewayId, alertId, actor, ct)
            : await store.AskResponderAsync(gatewayId, alertId, step, actor, ct);
        Publish(outcome, "responder_asked", actor);
        return outcome;
    }

    public async Task<ResponderOutcome> RecordStepAsync(
        ClaimsPrincipal responder, long requestId, ResponderStep step, ResolutionOutcome? outcome, string? note, CancellationToken ct)
    {
        var actor = Actor(responder);
        var result = await store.RecordResponderStepAsync(requestId, step, actor, outcome, string.IsNullOrWhiteSpace(note) ? null : note.Trim(), ct);
        Publish(result, step switch
        {
            ResponderStep.Accept => "responder_accepted",
            ResponderStep.Decline => "responder_declined",
            ResponderStep.OnTheWay => "responder_on_the_way",
            ResponderStep.Arrive => "responder_arrived",
            _ => "responder_done",
        }, actor);
        return result;
    }

    public async Task<ResponderOutcome> WithdrawAsync(ClaimsPrincipal user, long requestId, CancellationToken ct)
    {
        var outcome = await store.WithdrawResponderAsync(requestId, Actor(user), ct);
        Publish(outcome, "responder_withdrawn", Actor(user));
        return outcome;
    }

    /// <summary>The cascade supervisor's part: ends a request nobody accepted in time and asks the next step.</summary>
    public async Task<ResponderOutcome> ExpireAsync(long requestId, CancellationToken ct)
    {
        var outcome = await store.ExpireResponderAsync(requestId, ct);
        if (outcome is { Result: ResponderResult.Done, Alert: { } view })
        {
            var next = outcome.Request is { IsOpen: true } asked ? asked.Asked : null;
            ResponderLog.NotAccepted(logger, view.Alert.GatewayId, view.Alert.AlertId, next ?? "");
            if (next is null)
            {
                ResponderLog.NobodyAccepted(logger, view.Alert.GatewayId, view.Alert.AlertId);
            }
        }

        Publish(outcome, "responder_not_accepted", StoreActor);
        return outcome;
    }

    private const string StoreActor = "dispatch";

    /// <summary>Refuses what the store would refuse anyway before the acknowledgement, so a refused ask acknowledges nothing.</summary>
    private async Task<ResponderOutcome?> BeforeAskingAsync(ClaimsPrincipal user, string gatewayId, string alertId, bool startsCascade, CancellationToken ct)
    {
        var found = await store.FindAlertAsync(gatewayId, alertId, ct);
        if (found.Alert is not { } view)
        {
            return new ResponderOutcome(ResponderResult.NotFound, null, null);
        }

        if (view.Resolution is not null)
        {
            return new ResponderOutcome(ResponderResult.AlreadyResolved, null, view);
        }

        if (view.Responder is { IsOpen: true } open)
        {
            return new ResponderOutcome(ResponderResult.AlreadyOpen, open, view);
        }

        if (startsCascade && (await store.GetCascadeAsync(view.Alert.HomeId, ct)).Count == 0)
        {
            return new ResponderOutcome(ResponderResult.NoCascade, null, view);
        }

        if (view.Alert.AcknowledgedAt is null)
        {
            await acknowledgements.AcknowledgeAsync(user, gatewayId, alertId, ct);
        }

        return null;
    }

    private void Publish(ResponderOutcome outcome, string change, string actor)
    {
        if (outcome is { Result: ResponderResult.Done, Alert: { } alert })
        {
            feed.Publish(new AlertChanged(change, alert));
            ResponderLog.Changed(logger, alert.Alert.GatewayId, alert.Alert.AlertId, change, actor, outcome.Request?.Id ?? 0);
        }
    }

    private static string Actor(ClaimsPrincipal user) =>
        user.Identity?.Name is { Length: > 0 } name ? name : throw new InvalidOperationException("A responder change needs a named user.");
}

/// <summary>
/// Why a responder form or command was refused, in <c>ResponderText.resx</c> and its <c>.fi</c>/<c>.sv</c> siblings.
/// </summary>
public sealed class ResponderText;

internal static partial class ResponderLog
{
    [LoggerMessage(6110, LogLevel.Information, "Alert {AlertId} of gateway {GatewayId}: {Change} by {Actor} (request {RequestId})")]
    public static partial void Changed(ILogger logger, string gatewayId, string alertId, string change, string actor, long requestId);

    [LoggerMessage(6111, LogLevel.Warning, "Alert {AlertId} of gateway {GatewayId}: nobody accepted in time; next asked: {Next}")]
    public static partial void NotAccepted(ILogger logger, string gatewayId, string alertId, string next);

    [LoggerMessage(6112, LogLevel.Warning, "Alert {AlertId} of gateway {GatewayId}: nobody accepted and no cascade step is left; a dispatcher must send help")]
    public static partial void NobodyAccepted(ILogger logger, string gatewayId, string alertId);

    [LoggerMessage(6113, LogLevel.Error, "Responder cascade pass failed; trying again shortly")]
    public static partial void CascadePassFailed(ILogger logger, Exception exception);

    [LoggerMessage(6114, LogLevel.Information, "Responder cascade supervisor started: requests not accepted in time are ended and the next step asked")]
    public static partial void CascadeStarted(ILogger logger);
}
