using System.Text.Json;
using HomeGateway.Dispatch.Acknowledgements;
using HomeGateway.Dispatch.ClientRecords;
using HomeGateway.Dispatch.Store;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace HomeGateway.Dispatch.Web;

/// <summary>
/// The JSON API for the alert lifecycle: the detail, assign, notes, escalate, resolve. Same rules as acknowledge:
/// API token or console session (+ antiforgery token on posts), roles dispatcher, admin, integration;
/// <c>?gateway=ID</c> names the gateway when several have an alert with this id.
/// </summary>
internal static partial class AlertApi
{
    /// <summary>How far before an alert the detail shows its sensor's events.</summary>
    internal static readonly TimeSpan EvidenceBefore = TimeSpan.FromMinutes(30);

    public sealed record AssignBody(string? Assignee);

    public sealed record NoteBody(string? Text);

    public sealed record EscalateBody(string? Reason);

    public sealed record ResolveBody(string? Outcome, string? Note);

    private static IEndpointRouteBuilder MapAlertLifecycleApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/alerts/{alertId}", DetailAsync);
        endpoints.MapPost("/api/alerts/{alertId}/assign", AssignAsync).DisableAntiforgery();
        endpoints.MapPost("/api/alerts/{alertId}/notes", AddNoteAsync).DisableAntiforgery();
        endpoints.MapPost("/api/alerts/{alertId}/escalate", EscalateAsync).DisableAntiforgery();
        endpoints.MapPost("/api/alerts/{alertId}/resolve", ResolveAsync).DisableAntiforgery();
        return endpoints;
    }

    /// <summary>
    /// A post from a console session must carry the page's antiforgery token (the browser sends the cookie by itself);
    /// a role that does not take alerts gets 403. Null when the request may go on.
    /// </summary>
    private static async Task<IResult?> RefusedAsync(HttpContext http, IAntiforgery antiforgery, string what)
    {
        if (http.User.Identity?.AuthenticationType == CookieAuthenticationDefaults.AuthenticationScheme)
        {
            try
            {
                await antiforgery.ValidateRequestAsync(http);
            }
            catch (AntiforgeryValidationException)
            {
                return TypedResults.BadRequest(new { error = "A console session must send the page's antiforgery token." });
            }
        }

        return AlertAcknowledgements.MayAcknowledge(http.User) ? null
            : TypedResults.Json(new { error = $"This role does not {what} (dispatchers and admins do)." }, Json, statusCode: StatusCodes.Status403Forbidden);
    }

    private static async Task<IResult> DetailAsync(string alertId, string? gateway, HttpContext http, IDispatchStore store, CancellationToken ct)
    {
        if (!AlertAcknowledgements.MayAcknowledge(http.User))
        {
            return TypedResults.Json(new { error = "This role does not read alerts (dispatchers and admins do)." }, Json, statusCode: StatusCodes.Status403Forbidden);
        }

        var found = await store.FindAlertAsync(NullIfEmpty(gateway), alertId, ct);
        if (found.Alert is not { } view)
        {
            return NotFoundOrAmbiguous(found, alertId, gateway);
        }

        var detail = await store.GetAlertDetailAsync(view.Alert.GatewayId, alertId, EvidenceBefore, ct);
        if (detail is null)
        {
            return NotFoundOrAmbiguous(found with { Result = LifecycleResult.NotFound }, alertId, gateway);
        }

        // The view's audit row says it came from the API; what of the client record the caller got follows from its role.
        await store.AppendAuditAsync(http.User.Identity!.Name!, "alert_viewed", view.Alert.GatewayId, alertId, view.Alert.HomeId, "from the API", ct);
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.Json(AlertDetailJson.From(detail, ClientRecordAccess.For(http.User)), Json);
    }

    /// <summary><c>POST .../assign</c> <c>{"assignee": "anna"}</c>; <c>null</c> or <c>""</c> unassigns.</summary>
    private static async Task<IResult> AssignAsync(
        string alertId, string? gateway, HttpContext http, IAntiforgery antiforgery, AlertLifecycle lifecycle, CancellationToken ct)
    {
        if (await RefusedAsync(http, antiforgery, "assign alerts") is { } refused)
        {
            return refused;
        }

        var (body, bad) = await ReadAsync<AssignBody>(http, ct);
        if (bad is not null)
        {
            return bad;
        }

        if (await lifecycle.AssigneeProblemAsync(body!.Assignee, ct) is { } problem)
        {
            return TypedResults.BadRequest(new { error = problem });
        }

        var outcome = await lifecycle.AssignAsync(http.User, NullIfEmpty(gateway), alertId, body.Assignee, ct);
        return Answer(outcome, alertId, gateway, string.IsNullOrEmpty(body.Assignee) ? "unassigned" : "assigned",
            string.IsNullOrEmpty(body.Assignee) ? "It was not assigned; nothing changed." : $"Already assigned to {body.Assignee}; nothing changed.");
    }

    /// <summary><c>POST .../notes</c> <c>{"text": "..."}</c>: appended, never edited.</summary>
    private static async Task<IResult> AddNoteAsync(
        string alertId, string? gateway, HttpContext http, IAntiforgery antiforgery, AlertLifecycle lifecycle, CancellationToken ct)
    {
        if (await RefusedAsync(http, antiforgery, "write notes on alerts") is { } refused)
        {
            return refused;
        }

        var (body, bad) = await ReadAsync<NoteBody>(http, ct);
        if (bad is not null)
        {
            return bad;
        }

        if (AlertLifecycle.TextProblem(body!.Text, "note", AlertLifecycle.MaxNoteLength) is { } problem)
        {
            return TypedResults.BadRequest(new { error = problem });
        }

        return Answer(await lifecycle.AddNoteAsync(http.User, NullIfEmpty(gateway), alertId, body.Text!, ct), alertId, gateway, "noted", "");
    }

    /// <summary><c>POST .../escalate</c> <c>{"reason": "..."}</c>: marks it escalated (priority shown one step up).</summary>
    private static async Task<IResult> EscalateAsync(
        string alertId, string? gateway, HttpContext http, IAntiforgery antiforgery, AlertLifecycle lifecycle, CancellationToken ct)
    {
        if (await RefusedAsync(http, antiforgery, "escalate alerts") is { } refused)
        {
            return refused;
        }

        var (body, bad) = await ReadAsync<EscalateBody>(http, ct);
        if (bad is not null)
        {
            return bad;
        }

        if (AlertLifecycle.TextProblem(body!.Reason, "reason", AlertLifecycle.MaxReasonLength) is { } problem)
        {
            return TypedResults.BadRequest(new { error = problem });
        }

        var outcome = await lifecycle.EscalateAsync(http.User, NullIfEmpty(gateway), alertId, body.Reason!, ct);
        return Answer(outcome, alertId, gateway, "escalated", outcome.Alert?.Escalation is { } e
            ? $"Already escalated by {e.By} at {e.At:O}; nothing changed." : "");
    }

    /// <summary>
    /// <c>POST .../resolve</c> <c>{"outcome": "visited_no_injury", "note": "..."}</c>: acknowledges first when nobody has;
    /// a second resolve changes nothing (<c>"result": "already_resolved"</c>, says who was first).
    /// </summary>
    private static async Task<IResult> ResolveAsync(
        string alertId, string? gateway, HttpContext http, IAntiforgery antiforgery, AlertLifecycle lifecycle, CancellationToken ct)
    {
        if (await RefusedAsync(http, antiforgery, "resolve alerts") is { } refused)
        {
            return refused;
        }

        var (body, bad) = await ReadAsync<ResolveBody>(http, ct);
        if (bad is not null)
        {
            return bad;
        }

        if (!ResolutionOutcomes.TryParse(body!.Outcome, out var resolution))
        {
            return TypedResults.BadRequest(new { error = $"outcome must be one of {ResolutionOutcomes.AllNames}, not '{body.Outcome}'." });
        }

        if (body.Note is { Length: > AlertLifecycle.MaxNoteLength })
        {
            return TypedResults.BadRequest(new { error = AlertLifecycle.TextProblem(body.Note, "note", AlertLifecycle.MaxNoteLength) });
        }

        var outcome = await lifecycle.ResolveAsync(http.User, NullIfEmpty(gateway), alertId, resolution, body.Note, ct);
        return Answer(outcome, alertId, gateway, "resolved", outcome.Alert?.Resolution is { } r
            ? $"Already resolved by {r.ResolvedBy} at {r.ResolvedAt:O} as {ResolutionOutcomes.ToName(r.Outcome)}; nothing changed." : "");
    }

    private static IResult Answer(LifecycleOutcome outcome, string alertId, string? gateway, string done, string unchanged) => outcome.Result switch
    {
        LifecycleResult.Done => TypedResults.Json(new { result = done, alert = AlertViewJson.From(outcome.Alert!) }, Json),
        LifecycleResult.Unchanged => TypedResults.Json(
            new { result = "already_" + done, message = unchanged, alert = AlertViewJson.From(outcome.Alert!) }, Json),
        LifecycleResult.AlreadyResolved => TypedResults.Json(
            new { error = $"Alert '{alertId}' is resolved: it is closed and cannot be {done} any more." }, Json, statusCode: StatusCodes.Status409Conflict),
        _ => NotFoundOrAmbiguous(outcome, alertId, gateway),
    };

    private static IResult NotFoundOrAmbiguous(LifecycleOutcome outcome, string alertId, string? gateway) =>
        outcome.Result == LifecycleResult.Ambiguous
            ? TypedResults.Json(new { error = $"Several gateways have an alert '{alertId}': add ?gateway=ID.", gateways = outcome.Gateways }, Json,
                statusCode: StatusCodes.Status409Conflict)
            : TypedResults.Json(new { error = $"No alert '{alertId}'{(string.IsNullOrEmpty(gateway) ? "" : $" from gateway '{gateway}'")}." }, Json,
                statusCode: StatusCodes.Status404NotFound);

    private static async Task<(T? Body, IResult? Bad)> ReadAsync<T>(HttpContext http, CancellationToken ct)
        where T : class
    {
        try
        {
            return await http.Request.ReadFromJsonAsync<T>(Json, ct) is { } body
                ? (body, null)
                : (null, TypedResults.BadRequest(new { error = "The body must be a JSON object." }));
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return (null, TypedResults.BadRequest(new { error = "The body must be a JSON object (Content-Type: application/json)." }));
        }
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}
