using HomeGateway.Dispatch.DispatcherConsole.Language;
using HomeGateway.Dispatch.DispatcherConsole.Pages;
using HomeGateway.Dispatch.Responders;
using HomeGateway.Dispatch.Store;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Localization;
using static HomeGateway.Dispatch.DispatcherConsole.ConsoleLayout;

namespace HomeGateway.Dispatch.DispatcherConsole;

/// <summary>
/// Sending responders, both ends. On the alert's page a dispatcher starts the home's cascade, asks a team or one
/// responder, or withdraws the open request. On <c>/responder</c> (a phone page, installable) a responder sees the
/// requests asked of them or their teams with the home to go to, and answers: accept or decline, on the way, arrived,
/// done with a proposed outcome. Every view of a home there is audited (<c>alert_viewed</c>, "from the responder page").
/// </summary>
internal static class ConsoleResponders
{
    /// <summary>The steps as the phone's buttons post them.</summary>
    private static readonly Dictionary<string, ResponderStep> Steps = new(StringComparer.Ordinal)
    {
        ["accept"] = ResponderStep.Accept,
        ["decline"] = ResponderStep.Decline,
        ["on-the-way"] = ResponderStep.OnTheWay,
        ["arrived"] = ResponderStep.Arrive,
        ["done"] = ResponderStep.Done,
    };

    public static IEndpointRouteBuilder MapConsoleResponders(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/alerts/{gatewayId}/{alertId}/responders/{action}", SendAsync).DisableAntiforgery();
        endpoints.MapGet("/responder", ShowAsync);
        endpoints.MapGet("/responder/requests.json", ListAsync);
        endpoints.MapPost("/responder/requests/{requestId:long}/{step}", StepAsync).DisableAntiforgery();
        endpoints.MapGet("/responder.js", () => Results.Stream(ConsoleAssets.Open("responder.js"), "text/javascript; charset=utf-8"));
        // A browser fetches the manifest and the icon without the session cookie; they hold no data.
        endpoints.MapGet("/responder/manifest.webmanifest", () =>
            Results.Stream(ConsoleAssets.Open("responder.webmanifest"), "application/manifest+json; charset=utf-8")).AllowAnonymous();
        endpoints.MapGet("/responder/icon.svg", () => Results.Stream(ConsoleAssets.Open("responder-icon.svg"), "image/svg+xml")).AllowAnonymous();
        return endpoints;
    }

    /// <summary>
    /// The alert page's responder forms: <c>cascade</c> (the home's first step), <c>ask</c> (fields <c>whom</c> =
    /// <c>team:ID</c> or <c>user:NAME</c>, <c>minutes</c>), <c>withdraw</c> (field <c>request</c>). Back to the page with
    /// <c>?responder=</c> saying what was done, or the page with the problem.
    /// </summary>
    private static async Task<IResult> SendAsync(
        string gatewayId, string alertId, string action, HttpContext http, IAntiforgery antiforgery, IDispatchStore store, ResponderDispatch responders,
        IStringLocalizer<ResponderRequests> words)
    {
        if (await RefusedPostAsync(http, antiforgery, ResponderDispatch.MaySend(http.User), words["Forbidden"]) is { } refused)
        {
            return refused;
        }

        var ct = http.RequestAborted;
        var form = await http.Request.ReadFormAsync(ct);
        var language = ConsoleLanguages.Of(http);
        ResponderOutcome outcome;
        switch (action)
        {
            case "cascade":
                outcome = await responders.AskAsync(http.User, gatewayId, alertId, null, ct);
                break;
            case "ask":
                var minutes = form["minutes"].ToString().Trim();
                var step = ConsoleTeams.ParseStep(form["whom"].ToString(), minutes.Length == 0 ? "-" : minutes);
                var problem = step is null ? ConsoleWords.Of<ResponderText>("ChooseWhom", language) : await responders.StepProblemAsync(step, language, ct);
                if (problem is not null)
                {
                    return await ConsoleAlertDetail.PageAsync(http, store, gatewayId, alertId, problem, StatusCodes.Status400BadRequest, audit: false);
                }

                outcome = await responders.AskAsync(http.User, gatewayId, alertId, step, ct);
                break;
            case "withdraw":
                if (!long.TryParse(form["request"].ToString(), out var requestId)
                    || await store.FindResponderRequestAsync(requestId, ct) is not { } request
                    || request.GatewayId != gatewayId || request.AlertId != alertId)
                {
                    return NotFound(words["NoSuchRequest"]);
                }

                outcome = await responders.WithdrawAsync(http.User, requestId, ct);
                break;
            default:
                return Results.NotFound();
        }

        var (refusal, status) = outcome.Result switch
        {
            ResponderResult.Done => (null, StatusCodes.Status200OK),
            ResponderResult.NotFound => (ConsoleWords.Format<QueuePage>("NoSuchAlert", language, alertId, gatewayId), StatusCodes.Status404NotFound),
            ResponderResult.NoCascade => (words["NoCascade"].Value, StatusCodes.Status409Conflict),
            ResponderResult.AlreadyOpen => (words["AlreadyOpen"].Value, StatusCodes.Status409Conflict),
            ResponderResult.AlreadyResolved => (ConsoleWords.Of<AlertDetailPage>("AlreadyResolved", language), StatusCodes.Status409Conflict),
            _ => (words["RequestEnded"].Value, StatusCodes.Status409Conflict),
        };
        if (outcome.Result == ResponderResult.NotFound)
        {
            return NotFound(refusal!);
        }

        return refusal is null
            ? Results.Redirect(AlertPath(gatewayId, alertId) + "?responder=" + (action == "withdraw" ? "withdrawn" : "asked") + "#responders")
            : await ConsoleAlertDetail.PageAsync(http, store, gatewayId, alertId, refusal, status, audit: false);
    }

    private static async Task<IResult> ShowAsync(HttpContext http, IDispatchStore store, IStringLocalizer<ResponderPage> words) =>
        ResponderDispatch.IsResponder(http.User)
            ? await PhonePageAsync(http, store, http.Request.Query["done"].ToString() is { Length: > 0 } done && Steps.ContainsKey(done) ? done : null, null,
                StatusCodes.Status200OK)
            : Forbidden(words["Forbidden"]);

    /// <summary>What the phone polls: the ids and states of its requests (no client data: the page shows that, audited).</summary>
    private static async Task<IResult> ListAsync(HttpContext http, IDispatchStore store)
    {
        if (!ResponderDispatch.IsResponder(http.User))
        {
            return Results.Json(new { error = "Only a responder has requests here." }, statusCode: StatusCodes.Status403Forbidden);
        }

        NoStore(http);
        var assignments = await store.ListAssignmentsAsync(http.User.Identity!.Name!, http.RequestAborted);
        return Results.Json(new
        {
            requests = assignments.Select(a => new { id = a.Request.Id, state = a.Request.State }),
        });
    }

    private static async Task<IResult> StepAsync(
        long requestId, string step, HttpContext http, IAntiforgery antiforgery, IDispatchStore store, ResponderDispatch responders,
        IStringLocalizer<ResponderPage> words)
    {
        if (await RefusedPostAsync(http, antiforgery, ResponderDispatch.IsResponder(http.User), words["Forbidden"]) is { } refused)
        {
            return refused;
        }

        if (!Steps.TryGetValue(step, out var responderStep))
        {
            return Results.NotFound();
        }

        var ct = http.RequestAborted;
        var form = await http.Request.ReadFormAsync(ct);
        ResolutionOutcome? proposed = null;
        var note = form["note"].ToString();
        if (responderStep == ResponderStep.Done)
        {
            if (!ResolutionOutcomes.TryParse(form["outcome"].ToString(), out var outcome))
            {
                return await PhonePageAsync(http, store, null, words["ChooseOutcome"], StatusCodes.Status400BadRequest);
            }

            if (note.Length > Acknowledgements.AlertLifecycle.MaxNoteLength)
            {
                return await PhonePageAsync(http, store, null, words["LongNote", Acknowledgements.AlertLifecycle.MaxNoteLength], StatusCodes.Status400BadRequest);
            }

            proposed = outcome;
        }

        var result = await responders.RecordStepAsync(http.User, requestId, responderStep, proposed, responderStep == ResponderStep.Done ? note : null, ct);
        var refusal = result.Result switch
        {
            ResponderResult.Done or ResponderResult.Unchanged => null,
            ResponderResult.NotYours when result.Request?.AcceptedBy is { } taker => words["TakenBy", taker].Value,
            ResponderResult.NotYours or ResponderResult.NotFound => words["NotYours"].Value,
            ResponderResult.OutOfOrder => words["OutOfOrder"].Value,
            _ => words["Ended"].Value,
        };
        return refusal is null
            ? Results.Redirect("/responder?done=" + step)
            : await PhonePageAsync(http, store, null, refusal, StatusCodes.Status409Conflict);
    }

    private static async Task<IResult> PhonePageAsync(HttpContext http, IDispatchStore store, string? done, string? error, int status)
    {
        var ct = http.RequestAborted;
        var name = http.User.Identity!.Name!;
        var assignments = await store.ListAssignmentsAsync(name, ct);
        // The page shows each home's access and contacts: every showing is a view of client data.
        foreach (var assignment in assignments)
        {
            await store.AppendAuditAsync(name, "alert_viewed", assignment.Alert.GatewayId, assignment.Alert.AlertId, assignment.Alert.HomeId,
                "from the responder page", ct);
        }

        NoStore(http);
        return ConsoleEndpoints.Component<ResponderPage>(new { Assignments = assignments, Done = done, Error = error }, status);
    }
}
