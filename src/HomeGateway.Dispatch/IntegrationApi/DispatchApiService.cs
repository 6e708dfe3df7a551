using System.Security.Claims;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using HomeGateway.Contracts.DispatchApiV1;
using HomeGateway.Dispatch.Acknowledgements;
using HomeGateway.Dispatch.LiveFeed;
using HomeGateway.Dispatch.Store;
using Microsoft.Extensions.Logging;
using V1 = HomeGateway.Contracts.V1;

namespace HomeGateway.Dispatch.IntegrationApi;

/// <summary>
/// The gRPC API for integrations (<c>dispatch_api.proto</c>): the queue, its live changes, acknowledging. Callers are
/// API tokens (role <c>integration</c>, checked by the endpoint's policy); the token's name is the actor in the audit
/// trail, so a care organisation can tell which system read or changed a client's alert.
/// </summary>
internal sealed class DispatchApiService(
    IDispatchStore store,
    IAlertFeed feed,
    AlertAcknowledgements acknowledgements,
    AlertLifecycle lifecycle,
    Credentials.ApiTokenWatch tokens,
    ILogger<DispatchApiService> logger) : DispatchApi.DispatchApiBase
{
    /// <summary>The authorization policy: an API token.</summary>
    public const string Policy = "IntegrationApi";

    /// <summary>The gRPC path prefix of this service (what the API endpoint serves).</summary>
    public const string PathPrefix = "/homegateway.api.v1.DispatchApi";

    public const string ListedAction = "api_alerts_listed";
    public const string WatchedAction = "api_alerts_watched";

    /// <summary>A page when the caller names no size.</summary>
    public const int DefaultPageSize = 100;

    /// <summary>The most alerts a page holds, whatever the caller asks.</summary>
    public const int MaxPageSize = 500;

    /// <summary>
    /// The most bytes of alerts one response carries: dispatch's send limit is 64 KiB, and a response past it fails
    /// whole (RESOURCE_EXHAUSTED) — for every caller, for as long as the rows are there. Room is left for the token.
    /// </summary>
    internal const int MaxResponseBytes = 48 * 1024;

    public override async Task<ListAlertsResponse> ListAlerts(ListAlertsRequest request, ServerCallContext context)
    {
        var actor = Actor(context);
        var filter = Filter(request.Status);
        var pageSize = request.PageSize switch
        {
            < 0 => throw new RpcException(new Status(StatusCode.InvalidArgument, $"page_size must not be negative (got {request.PageSize}).")),
            0 => DefaultPageSize,
            > MaxPageSize => MaxPageSize,
            var size => size,
        };
        var offset = AlertPageToken.Read(request.PageToken, request.Status);
        var rows = await store.ListAlertViewsAsync(filter, context.CancellationToken);
        var response = new ListAlertsResponse();
        var bytes = 0;
        var next = offset;
        for (; next < rows.Count && response.Alerts.Count < pageSize; next++)
        {
            var alert = ToWire(rows[next]);
            var size = alert.CalculateSize() + 8;
            if (response.Alerts.Count > 0 && bytes + size > MaxResponseBytes)
            {
                break;
            }

            bytes += size;
            response.Alerts.Add(alert);
        }

        response.NextPageToken = next < rows.Count ? AlertPageToken.Write(next, request.Status) : "";
        await store.RecordAuditAsync(actor, ListedAction, null,
            offset == 0 && response.NextPageToken.Length == 0 ? $"{rows.Count} alerts" : $"alerts {offset + 1}-{next} of {rows.Count}",
            context.CancellationToken);
        return response;
    }

    public override async Task WatchAlerts(WatchAlertsRequest request, IServerStreamWriter<AlertChange> responseStream, ServerCallContext context)
    {
        // A watch lives for days: when its token is revoked, rotated or expires, the stream ends (ApiTokenWatch).
        using var token = tokens.Watch(context.GetHttpContext());
        using var both = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, token.Cut);
        try
        {
            await WatchAsync(responseStream, context, both.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && token.IsCut)
        {
            // Ended below, with the reason.
        }

        if (token.IsCut && !context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated,
                "This call's API token was revoked, rotated or has expired; the watch is ended. Call again with a valid token."));
        }
    }

    private async Task WatchAsync(IServerStreamWriter<AlertChange> responseStream, ServerCallContext context, CancellationToken ct)
    {
        var actor = Actor(context);
        // Subscribe before reading the snapshot: a change committed in between shows in both, never in neither.
        using var subscription = feed.Subscribe();
        var rows = await store.ListAlertViewsAsync(AlertListFilter.Unresolved, ct);
        await store.RecordAuditAsync(actor, WatchedAction, null, $"snapshot of {rows.Count} alerts", ct);
        IntegrationApiLog.WatchStarted(logger, actor, rows.Count);
        foreach (var row in rows)
        {
            await WriteAsync(responseStream, new AlertChange { Snapshot = ToWire(row) }, actor, ct);
        }

        await responseStream.WriteAsync(new AlertChange { SnapshotComplete = new SnapshotComplete { Alerts = (uint)rows.Count } }, ct);
        try
        {
            await foreach (var change in subscription.Reader.ReadAllAsync(ct))
            {
                // An outage batch is one change in the feed (one slot of this watcher's queue); the wire has steps only.
                foreach (var one in change is OutageBatch batch ? batch.Steps : (IReadOnlyList<QueueChange>)[change])
                {
                    if (ToWire(one) is { } wire)
                    {
                        await WriteAsync(responseStream, wire, actor, ct);
                    }
                }
            }
        }
        catch (SubscriberTooSlowException)
        {
            IntegrationApiLog.WatcherTooSlow(logger, actor);
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                "This watcher fell too far behind the queue's changes and was dropped; call WatchAlerts again for a fresh snapshot."));
        }

        if (!ct.IsCancellationRequested)
        {
            // The feed ended without this caller leaving (dispatch is stopping, or its live feed restarted).
            throw new RpcException(new Status(StatusCode.Unavailable,
                "Dispatch's live feed ended; call WatchAlerts again for a fresh snapshot."));
        }
    }

    /// <summary>
    /// One change to a watcher. Alerts are bounded (<see cref="UplinkLimits"/>), so a change is a few KiB; one that is
    /// still past the send limit is skipped with a log line rather than ending the watch — a watch that failed at the same
    /// alert after every reconnect would fail for every integration for as long as that alert is kept.
    /// </summary>
    private async Task WriteAsync(IServerStreamWriter<AlertChange> responseStream, AlertChange change, string actor, CancellationToken ct)
    {
        var size = change.CalculateSize();
        if (size > MaxResponseBytes)
        {
            IntegrationApiLog.ChangeSkipped(logger, actor, change.ChangeCase.ToString(), size, MaxResponseBytes);
            return;
        }

        await responseStream.WriteAsync(change, ct);
    }

    public override async Task<AcknowledgeResponse> Acknowledge(AcknowledgeRequest request, ServerCallContext context)
    {
        RequireAlertId(request.AlertId);
        var outcome = await acknowledgements.AcknowledgeAsync(User(context),
            request.GatewayId.Length == 0 ? null : request.GatewayId, request.AlertId, context.CancellationToken);
        return outcome.Result switch
        {
            AcknowledgeResult.Acknowledged or AcknowledgeResult.AlreadyAcknowledged => new AcknowledgeResponse
            {
                Acknowledged = outcome.Result == AcknowledgeResult.Acknowledged,
                Acknowledgement = ToWire(outcome.Acknowledgement!),
            },
            _ => throw NotFoundOrAmbiguous(outcome.Result, request.AlertId, request.GatewayId, outcome.Gateways),
        };
    }

    public override async Task<ResolveResponse> Resolve(ResolveRequest request, ServerCallContext context)
    {
        RequireAlertId(request.AlertId);
        if (request.Outcome == Outcome.Unspecified || !System.Enum.IsDefined((ResolutionOutcome)(int)request.Outcome))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"outcome is required: one of {ResolutionOutcomes.AllNames}."));
        }

        if (request.Note.Length > AlertLifecycle.MaxNoteLength)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, AlertLifecycle.TextProblem(request.Note, "note", AlertLifecycle.MaxNoteLength)!));
        }

        var outcome = await lifecycle.ResolveAsync(User(context), request.GatewayId.Length == 0 ? null : request.GatewayId, request.AlertId,
            (ResolutionOutcome)(int)request.Outcome, request.Note, context.CancellationToken);
        return outcome switch
        {
            { Result: LifecycleResult.Done or LifecycleResult.Unchanged, Alert: { Resolution: not null } view } => new ResolveResponse
            {
                Resolved = outcome.Result == LifecycleResult.Done,
                Resolution = ToWire(view)!.Resolution,
            },
            { Result: LifecycleResult.Ambiguous } => throw NotFoundOrAmbiguous(AcknowledgeResult.Ambiguous, request.AlertId, request.GatewayId, outcome.Gateways),
            _ => throw NotFoundOrAmbiguous(AcknowledgeResult.NotFound, request.AlertId, request.GatewayId, outcome.Gateways),
        };
    }

    internal static RpcException NotFoundOrAmbiguous(AcknowledgeResult result, string alertId, string gatewayId, IReadOnlyList<string> gateways) =>
        result == AcknowledgeResult.Ambiguous
            ? new RpcException(new Status(StatusCode.FailedPrecondition,
                $"Several gateways have an alert '{alertId}' ({string.Join(", ", gateways)}): set gateway_id."))
            : new RpcException(new Status(StatusCode.NotFound,
                $"No alert '{alertId}'{(gatewayId.Length == 0 ? "" : $" from gateway '{gatewayId}'")}."));

    internal static void RequireAlertId(string alertId)
    {
        if (alertId.Length == 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "alert_id is required."));
        }
    }

    private static ClaimsPrincipal User(ServerCallContext context) => context.GetHttpContext().User;

    private static string Actor(ServerCallContext context) =>
        User(context).Identity?.Name ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "An API token is required."));

    private static AlertListFilter Filter(AlertStatusFilter filter) => filter switch
    {
        AlertStatusFilter.Unspecified => AlertListFilter.Unresolved,
        AlertStatusFilter.Open => AlertListFilter.Open,
        AlertStatusFilter.Cleared => AlertListFilter.Cleared,
        AlertStatusFilter.Resolved => AlertListFilter.Resolved,
        AlertStatusFilter.All => AlertListFilter.All,
        _ => throw new RpcException(new Status(StatusCode.InvalidArgument, $"Unknown status filter {(int)filter}.")),
    };

    internal static Alert ToWire(AlertView view)
    {
        var alert = ToWire(view.Alert);
        alert.AssignedTo = view.AssignedTo ?? "";
        alert.DisplayPriority = (V1.AlertPriority)(int)view.DisplayPriority;
        if (view.Escalation is { } escalation)
        {
            alert.Escalation = new Escalation { At = Timestamp.FromDateTimeOffset(escalation.At), By = escalation.By, Reason = escalation.Reason };
        }

        if (view.Resolution is { } resolution)
        {
            alert.Resolution = new Resolution
            {
                Outcome = (Outcome)(int)resolution.Outcome,
                Note = resolution.Note ?? "",
                ResolvedBy = resolution.ResolvedBy,
                ResolvedAt = Timestamp.FromDateTimeOffset(resolution.ResolvedAt),
                TimeToResolveSeconds = Web.QueuedAlertJson.Seconds(resolution.ResolvedAt - view.Alert.RaisedAt),
            };
        }

        return alert;
    }

    private static Alert ToWire(QueuedAlert row)
    {
        var alert = new Alert
        {
            AlertId = row.AlertId,
            GatewayId = row.GatewayId,
            HomeId = row.HomeId,
            Type = (V1.AlertType)(int)row.Type,
            Priority = (V1.AlertPriority)(int)row.Priority,
            State = row.Status == AlertStatus.Cleared ? AlertState.Cleared : AlertState.Open,
            SensorId = row.SensorId,
            // Bounded on the way in since the uplink's limits; bounded here too for a row stored before them.
            Summary = V1.UplinkLimits.BoundText(row.Summary, V1.UplinkLimits.MaxSummaryLength),
            Count = (uint)row.Count,
            RaisedAt = Timestamp.FromDateTimeOffset(row.RaisedAt),
            EvidenceAt = Timestamp.FromDateTimeOffset(row.EvidenceAt),
            FirstReceivedAt = Timestamp.FromDateTimeOffset(row.FirstReceivedAt),
            LastEventAt = Timestamp.FromDateTimeOffset(row.LastEventAt),
            Origin = row.Origin == Store.AlertOrigin.Dispatch ? Contracts.DispatchApiV1.AlertOrigin.Dispatch : Contracts.DispatchApiV1.AlertOrigin.Gateway,
        };
        if (row.AcknowledgedAt is { } at)
        {
            alert.Acknowledgement = new Acknowledgement
            {
                AlertId = row.AlertId,
                GatewayId = row.GatewayId,
                HomeId = row.HomeId,
                AcknowledgedBy = row.AcknowledgedBy ?? "",
                AcknowledgedAt = Timestamp.FromDateTimeOffset(at),
                RaisedAt = alert.RaisedAt,
                TimeToAcknowledgeSeconds = Web.QueuedAlertJson.Seconds(at - row.RaisedAt),
            };
        }

        return alert;
    }

    internal static Acknowledgement ToWire(AlertAcknowledgement ack) => new()
    {
        AlertId = ack.AlertId,
        GatewayId = ack.GatewayId,
        HomeId = ack.HomeId,
        AcknowledgedBy = ack.AcknowledgedBy,
        AcknowledgedAt = Timestamp.FromDateTimeOffset(ack.AcknowledgedAt),
        RaisedAt = Timestamp.FromDateTimeOffset(ack.RaisedAt),
        TimeToAcknowledgeSeconds = Web.QueuedAlertJson.Seconds(ack.TimeToAcknowledge),
    };

    /// <summary>A queue change as the watch stream sends it; null for a change this version does not announce.</summary>
    internal static AlertChange? ToWire(QueueChange change) => change switch
    {
        StoredAlertStep step => new AlertChange
        {
            Step = new AlertStep
            {
                AlertId = step.Alert.AlertId,
                GatewayId = step.GatewayId,
                HomeId = step.Alert.HomeId,
                Seq = (ulong)step.Seq,
                Kind = (V1.AlertEventKind)(int)step.Alert.Kind,
                Type = (V1.AlertType)(int)step.Alert.Type,
                Priority = (V1.AlertPriority)(int)step.Alert.Priority,
                SensorId = step.Alert.SensorId,
                Summary = V1.UplinkLimits.BoundText(step.Alert.Summary, V1.UplinkLimits.MaxSummaryLength),
                Count = (uint)step.Alert.Count,
                At = Timestamp.FromDateTimeOffset(step.Alert.At),
                EvidenceAt = Timestamp.FromDateTimeOffset(step.Alert.EvidenceAt),
                ReceivedAt = Timestamp.FromDateTimeOffset(step.ReceivedAt),
            },
        },
        AlertAcknowledgement ack => new AlertChange { Acknowledged = ToWire(ack) },
        Store.AlertChanged changed => new AlertChange { Changed = new Contracts.DispatchApiV1.AlertChanged { Change = changed.Change, Alert = ToWire(changed.Alert) } },
        _ => null,
    };
}

internal static partial class IntegrationApiLog
{
    [LoggerMessage(9500, LogLevel.Information, "Integration API: {Actor} watches the queue (snapshot of {Count} alerts)")]
    public static partial void WatchStarted(ILogger logger, string actor, int count);

    [LoggerMessage(9501, LogLevel.Warning, "Integration API: {Actor}'s watch fell too far behind and was ended")]
    public static partial void WatcherTooSlow(ILogger logger, string actor);

    [LoggerMessage(1410, LogLevel.Error, "Integration API: a {Change} change for {Actor}'s watch is {Size} bytes, past {Limit}; skipped")]
    public static partial void ChangeSkipped(ILogger logger, string actor, string change, int size, int limit);
}
