using System.Text.Json;
using HomeGateway.Dispatch.LiveFeed;
using HomeGateway.Dispatch.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace HomeGateway.Dispatch.Web;

/// <summary>The JSON API: the queue and its live stream. Both need an API token or a console session.</summary>
internal static class AlertApi
{
    // Proxies and browsers drop idle connections; a comment line now and then keeps the stream open.
    internal static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(15);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapAlertApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/alerts", ListAsync);
        endpoints.MapGet("/api/alerts/stream", StreamAsync);
        return endpoints;
    }

    private static async Task<IResult> ListAsync(string? status, IDispatchStore store, CancellationToken ct)
    {
        AlertStatus? filter;
        switch (status)
        {
            case null or "":
                filter = null;
                break;
            case "open":
                filter = AlertStatus.Open;
                break;
            case "cleared":
                filter = AlertStatus.Cleared;
                break;
            default:
                return TypedResults.BadRequest(new { error = $"status must be 'open' or 'cleared', not '{status}'." });
        }

        var rows = await store.ListAlertsAsync(filter, ct);
        return TypedResults.Json(rows.Select(QueuedAlertJson.From).ToList(), Json);
    }

    private static async Task StreamAsync(HttpContext http, IAlertFeed feed, TimeProvider time)
    {
        var ct = http.RequestAborted;
        // Subscribe before the headers go out: a client that has the headers will see every later step.
        using var subscription = feed.Subscribe();
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await WriteAsync(http, ": connected\n\n", ct);

        Task<bool>? waiting = null;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                waiting ??= subscription.Reader.WaitToReadAsync(ct).AsTask();
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var keepAlive = Task.Delay(KeepAliveInterval, time, tick.Token);
                if (await Task.WhenAny(waiting, keepAlive) != waiting)
                {
                    await WriteAsync(http, ": keep-alive\n\n", ct);
                    continue;
                }

                await tick.CancelAsync();
                if (!await waiting)
                {
                    return;
                }

                waiting = null;
                while (subscription.Reader.TryRead(out var step))
                {
                    var data = JsonSerializer.Serialize(AlertStepJsonMapping.From(step), Json);
                    await http.Response.WriteAsync($"event: alert\ndata: {data}\n\n", ct);
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

    private static async Task WriteAsync(HttpContext http, string text, CancellationToken ct)
    {
        await http.Response.WriteAsync(text, ct);
        await http.Response.Body.FlushAsync(ct);
    }
}
