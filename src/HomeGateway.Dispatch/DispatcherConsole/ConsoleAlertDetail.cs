using System.Globalization;
using HomeGateway.Core.Alerts;
using HomeGateway.Dispatch.Acknowledgements;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using HomeGateway.Dispatch.DispatcherConsole.Pages;
using HomeGateway.Dispatch.Store;
using HomeGateway.Dispatch.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static HomeGateway.Dispatch.DispatcherConsole.ConsoleLayout;

namespace HomeGateway.Dispatch.DispatcherConsole;

/// <summary>
/// One alert: the home (contracted time, key safe, contacts, notes) and whether a carer visit is open, the alert and
/// its evidence timeline, acknowledgement, assignment, notes, resolution and its audit trail; and the forms that act on
/// it (acknowledge, assign, note, escalate, resolve). Viewing is audited (<c>alert_viewed</c>).
/// </summary>
internal static class ConsoleAlertDetail
{
    public static IEndpointRouteBuilder MapConsoleAlertDetail(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/alerts/{gatewayId}/{alertId}", ShowAsync);
        endpoints.MapPost("/alerts/{gatewayId}/{alertId}/{action}", ActAsync).DisableAntiforgery();
        return endpoints;
    }

    /// <summary>The page; <c>?done=</c> (after a form of the page) has it say what was done.</summary>
    private static async Task<IResult> ShowAsync(string gatewayId, string alertId, string? done, HttpContext http, IDispatchStore store)
    {
        if (!MayViewAlert(http.User))
        {
            return Forbidden(Words("Forbidden", http));
        }

        return await PageAsync(http, store, gatewayId, alertId, null, StatusCodes.Status200OK, audit: true,
            done is not null && AlertActionRules.Done.Contains(done) ? done : null);
    }

    /// <summary>
    /// The page's forms: assign, unassign, note, escalate, resolve. Post, then back to the page saying what was done
    /// (<c>?done=</c>), or the page with the error.
    /// </summary>
    private static async Task<IResult> ActAsync(
        string gatewayId, string alertId, string action, HttpContext http, IAntiforgery antiforgery, IDispatchStore store, AlertLifecycle lifecycle)
    {
        if (!await ConsoleEndpoints.IsFromOurFormAsync(http, antiforgery))
        {
            return FormExpired(http);
        }

        var language = ConsoleLanguages.Of(http);
        if (!MayReadAlerts(http.User))
        {
            return Forbidden(Words("Forbidden", http));
        }

        var ct = http.RequestAborted;
        var form = await http.Request.ReadFormAsync(ct);
        string? problem = null;
        LifecycleOutcome? outcome = null;
        string done;
        switch (action)
        {
            case "assign":
                var assignee = form["assignee"].ToString().Trim();
                problem = await lifecycle.AssigneeProblemAsync(assignee, ct, language);
                outcome = problem is null ? await lifecycle.AssignAsync(http.User, gatewayId, alertId, assignee, ct) : null;
                done = "assigned";
                break;
            case "notes":
                var text = form["text"].ToString();
                problem = AlertLifecycle.TextProblem(text, "note", AlertLifecycle.MaxNoteLength, language);
                outcome = problem is null ? await lifecycle.AddNoteAsync(http.User, gatewayId, alertId, text, ct) : null;
                done = "noted";
                break;
            case "escalate":
                var reason = form["reason"].ToString();
                problem = AlertLifecycle.TextProblem(reason, "reason", AlertLifecycle.MaxReasonLength, language);
                outcome = problem is null ? await lifecycle.EscalateAsync(http.User, gatewayId, alertId, reason, ct) : null;
                done = "escalated";
                break;
            case "resolve":
                var note = form["note"].ToString();
                problem = !ResolutionOutcomes.TryParse(form["outcome"].ToString(), out var resolution) ? Words("ChooseOutcome", http)
                    : note.Length > AlertLifecycle.MaxNoteLength ? AlertLifecycle.TextProblem(note, "note", AlertLifecycle.MaxNoteLength, language)
                    : null;
                outcome = problem is null ? await lifecycle.ResolveAsync(http.User, gatewayId, alertId, resolution, note, ct) : null;
                done = "resolved";
                break;
            default:
                return Results.NotFound();
        }

        if (outcome is { Result: LifecycleResult.NotFound or LifecycleResult.Ambiguous })
        {
            return NotFound(ConsoleWords.Format<QueuePage>("NoSuchAlert", language, alertId, gatewayId));
        }

        if (outcome is { Result: LifecycleResult.AlreadyResolved })
        {
            problem = Words("AlreadyResolved", http);
        }

        if (problem is null)
        {
            // Post/redirect/get: a reload does not post again; the page says what was done.
            return Results.Redirect(AlertPath(gatewayId, alertId) + "?done=" + done);
        }

        // The page again with the problem, and what was typed still in its form.
        var typed = TypedFields.Where(field => form.ContainsKey(field)).ToDictionary(field => field, field => form[field].ToString(), StringComparer.Ordinal);
        return await PageAsync(http, store, gatewayId, alertId, problem,
            outcome is null ? StatusCodes.Status400BadRequest : StatusCodes.Status409Conflict, audit: false, typed: typed);
    }

    /// <summary>The alert's page (with <paramref name="error"/> when a post was refused); also the responder forms' answer.</summary>
    internal static async Task<IResult> PageAsync(
        HttpContext http, IDispatchStore store, string gatewayId, string alertId, string? error, int status, bool audit,
        string? done = null, IReadOnlyDictionary<string, string>? typed = null)
    {
        var ct = http.RequestAborted;
        var detail = await store.GetAlertDetailAsync(gatewayId, alertId, AlertApi.EvidenceBefore, ct);
        if (detail is null)
        {
            return NotFound(ConsoleWords.Format<QueuePage>("NoSuchAlert", ConsoleLanguages.Of(http), alertId, gatewayId));
        }

        if (audit)
        {
            await store.AppendAuditAsync(http.User.Identity!.Name!, "alert_viewed", gatewayId, alertId, detail.View.Alert.HomeId, "from the console", ct);
        }

        NoStore(http);
        // Every time on the page in the home's zone (its gateway's; UTC until the gateway has said).
        return ConsoleEndpoints.Component<AlertDetailPage>(
            new { Detail = detail, Error = error, Done = done, Typed = typed, TimeZone = detail.View.Alert.TimeZone }, status);
    }

    /// <summary>The page's form fields, given back as typed when a post is refused.</summary>
    private static readonly string[] TypedFields = ["assignee", "text", "reason", "outcome", "note"];

    private static string Words(string key, HttpContext http) => ConsoleWords.Of<AlertDetailPage>(key, ConsoleLanguages.Of(http));
}
