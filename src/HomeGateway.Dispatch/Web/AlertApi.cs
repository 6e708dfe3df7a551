using System.Text.Json;
using HomeGateway.Dispatch.Acknowledgements;
using HomeGateway.Dispatch.Credentials;
using HomeGateway.Dispatch.DispatcherConsole;
using HomeGateway.Dispatch.LiveFeed;
using HomeGateway.Dispatch.Store;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace HomeGateway.Dispatch.Web;

/// <summary>The JSON API: the queue, its live stream and acknowledging. All need an API token or a console session.</summary>
internal static partial class AlertApi
{
    // Proxies and browsers drop idle connections; a comment line now and then keeps the stream open.
    internal static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(15);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>A responder sees the requests asked of them (<c>/responder</c>), never the whole queue.</summary>
    private static IResult ResponderRefused() =>
        TypedResults.Json(new { error = "A responder reads only their own requests (/responder)." }, Json, statusCode: StatusCodes.Status403Forbidden);

    public static IEndpointRouteBuilder MapAlertApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/alerts", ListAsync);
        endpoints.MapGet("/api/alerts/stream", StreamAsync);
        endpoints.MapPost("/api/alerts/{alertId}/acknowledge", AcknowledgeAsync).DisableAntiforgery();
        endpoints.MapAlertLifecycleApi();
        return endpoints;
    }

    /// <summary>
    /// <c>POST /api/alerts/{alertId}/acknowledge[?gateway=ID]</c>: 200 with <c>"result": "acknowledged"</c>, or
    /// <c>"already_acknowledged"</c> (nothing changed; says who was first); 404 unknown alert; 409 when several
    /// gateways have an alert with this id (name one); 403 for a role that does not take alerts.
    /// </summary>
    private static async Task<IResult> AcknowledgeAsync(
        string alertId, string? gateway, HttpContext http, IAntiforgery antiforgery, AlertAcknowledgements acknowledgements, CancellationToken ct)
    {
        if (await RefusedAsync(http, antiforgery, "acknowledge alerts") is { } refused)
        {
            return refused;
        }

        var outcome = await acknowledgements.AcknowledgeAsync(http.User, string.IsNullOrEmpty(gateway) ? null : gateway, alertId, ct);
        return outcome.Result switch
        {
            AcknowledgeResult.Acknowledged => TypedResults.Json(
                new { result = "acknowledged", acknowledgement = AlertAcknowledgementJson.From(outcome.Acknowledgement!) }, Json),
            AcknowledgeResult.AlreadyAcknowledged => TypedResults.Json(new
            {
                result = "already_acknowledged",
                message = $"Already acknowledged by {outcome.Acknowledgement!.AcknowledgedBy} at {outcome.Acknowledgement.AcknowledgedAt:O}; nothing changed.",
                acknowledgement = AlertAcknowledgementJson.From(outcome.Acknowledgement),
            }, Json),
            AcknowledgeResult.Ambiguous => TypedResults.Json(
                new { error = $"Several gateways have an alert '{alertId}': add ?gateway=ID.", gateways = outcome.Gateways }, Json,
                statusCode: StatusCodes.Status409Conflict),
            _ => TypedResults.Json(new { error = $"No alert '{alertId}'{(string.IsNullOrEmpty(gateway) ? "" : $" from gateway '{gateway}'")}." }, Json,
                statusCode: StatusCodes.Status404NotFound),
        };
    }

    /// <summary>
    /// <c>GET /api/alerts[?status=open|cleared|resolved|all][&amp;group=outages]</c>: without a status the live queue, every
    /// alert not yet resolved; open and cleared are unresolved ones too; resolved lists the resolved ones. With
    /// <c>group=outages</c> the answer is <see cref="GroupedQueueJson"/>: the rows, less the untouched "gateway offline"
    /// ones, which come as one outage group (a mass outage is one line, not thousands, and a tenth of the bytes).
    /// </summary>
    private static async Task<IResult> ListAsync(string? status, string? group, HttpContext http, IDispatchStore store, CancellationToken ct)
    {
        if (Responders.ResponderDispatch.IsResponder(http.User))
        {
            return ResponderRefused();
        }

        if (group is not (null or "" or "outages"))
        {
            return TypedResults.BadRequest(new { error = $"group must be 'outages' or absent, not '{group}'." });
        }

        AlertListFilter filter;
        switch (status)
        {
            case null or "":
                filter = AlertListFilter.Unresolved;
                break;
            case "open":
                filter = AlertListFilter.Open;
                break;
            case "cleared":
                filter = AlertListFilter.Cleared;
                break;
            case "resolved":
                filter = AlertListFilter.Resolved;
                break;
            case "all":
                filter = AlertListFilter.All;
                break;
            default:
                return TypedResults.BadRequest(new { error = $"status must be 'open', 'cleared', 'resolved' or 'all', not '{status}'." });
        }

        var rows = await store.ListAlertViewsAsync(filter, ct);
        return group == "outages"
            ? TypedResults.Json(GroupedQueueJson.From(rows), Json)
            : TypedResults.Json(rows.Select(AlertViewJson.From).ToList(), Json);
    }

    /// <summary>
    /// An open stream re-checks its credentials this often (and at each keep-alive): a session ended or expired, or
    /// a token removed, ends the response, so a tab left open after logout receives no more client data.
    /// </summary>
    internal static readonly TimeSpan RecheckInterval = KeepAliveInterval;

    /// <summary>
    /// <c>GET /api/alerts/stream[?batch=outages]</c>: Server-Sent Events, one per change (<c>alert</c>, <c>acknowledged</c>,
    /// <c>changed</c>). Many gateways going offline (or coming back) in one store transaction are one change in the feed;
    /// a client that asks for <c>batch=outages</c> gets it as one <c>outage_batch</c> event, any other client as one
    /// <c>alert</c> event per step, exactly as a lone outage. Either way it takes one slot of the subscriber's queue.
    /// </summary>
    private static async Task StreamAsync(HttpContext http, IAlertFeed feed, TimeProvider time, ConsoleSessions sessions, IDispatchStore store, ApiTokenWatch tokens)
    {
        if (Responders.ResponderDispatch.IsResponder(http.User))
        {
            await ResponderRefused().ExecuteAsync(http);
            return;
        }

        var ct = http.RequestAborted;
        var batches = http.Request.Query["batch"] == "outages";
        // Subscribe before the headers go out: a client that has the headers will see every later step.
        using var subscription = feed.Subscribe();
        // A logout on this node ends the stream at once; elsewhere the periodic re-check finds it.
        using var sessionEnded = sessions.Watch(http.User);
        // A revoked, rotated or expired API token ends the stream within seconds (ApiTokenWatch polls the store).
        using var token = tokens.Watch(http);
        var tokenCut = Task.Delay(Timeout.Infinite, token.Cut);
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await WriteAsync(http, ": connected\n\n", ct);

        var recheckAt = time.GetUtcNow() + RecheckInterval;
        Task<bool>? waiting = null;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                waiting ??= subscription.Reader.WaitToReadAsync(ct).AsTask();
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var keepAlive = Task.Delay(KeepAliveInterval, time, tick.Token);
                var first = await Task.WhenAny(waiting, keepAlive, sessionEnded.Task, tokenCut);
                await tick.CancelAsync();
                if (first == sessionEnded.Task || first == tokenCut)
                {
                    return;
                }

                // Before anything more goes out: is this caller still allowed to see it?
                if (first == keepAlive || time.GetUtcNow() >= recheckAt)
                {
                    if (!await StillAllowedAsync(http, sessions, store, ct))
                    {
                        return;
                    }

                    recheckAt = time.GetUtcNow() + RecheckInterval;
                }

                if (first == keepAlive)
                {
                    await WriteAsync(http, ": keep-alive\n\n", ct);
                    continue;
                }

                if (!await waiting)
                {
                    return;
                }

                waiting = null;
                while (subscription.Reader.TryRead(out var change))
                {
                    if (change is OutageBatch batch && !batches)
                    {
                        foreach (var step in batch.Steps)
                        {
                            await WriteEventAsync(http, step, ct);
                        }

                        continue;
                    }

                    await WriteEventAsync(http, change, ct);
                }

                await http.Response.Body.FlushAsync(ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (SubscriberTooSlowException)
        {
            // Ending the response makes the browser reconnect and reload the queue, so nothing stays missed.
        }
    }

    private static async Task WriteEventAsync(HttpContext http, QueueChange change, CancellationToken ct)
    {
        var (name, data) = change switch
        {
            StoredAlertStep step => ("alert", JsonSerializer.Serialize(AlertStepJsonMapping.From(step), Json)),
            AlertAcknowledgement ack => ("acknowledged", JsonSerializer.Serialize(AlertAcknowledgementJson.From(ack), Json)),
            AlertChanged changed => ("changed", JsonSerializer.Serialize(new { change = changed.Change, alert = AlertViewJson.From(changed.Alert) }, Json)),
            OutageBatch batch => ("outage_batch", JsonSerializer.Serialize(OutageBatchJson.From(batch), Json)),
            _ => (null, null),
        };
        if (name is not null)
        {
            await http.Response.WriteAsync($"event: {name}\ndata: {data}\n\n", ct);
        }
    }

    /// <summary>The stream's caller is still who it was: its console session is active, or its API token still exists.</summary>
    private static async Task<bool> StillAllowedAsync(HttpContext http, ConsoleSessions sessions, IDispatchStore store, CancellationToken ct)
    {
        if (http.User.Identity?.AuthenticationType == ApiTokenAuthentication.SchemeName)
        {
            return Secrets.BearerToken(http.Request.Headers.Authorization) is { } token
                && await store.FindApiTokenByHashAsync(Secrets.Hash(token), ct) is not null;
        }

        // Not a use of the session: a tab left open does not keep its session alive.
        return await sessions.IsActiveAsync(http.User, touch: false, ct);
    }

    private static async Task WriteAsync(HttpContext http, string text, CancellationToken ct)
    {
        await http.Response.WriteAsync(text, ct);
        await http.Response.Body.FlushAsync(ct);
    }
}
