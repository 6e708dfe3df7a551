using System.Security.Claims;
using HomeGateway.Dispatch.Ingest;
using HomeGateway.Dispatch.LiveFeed;
using HomeGateway.Dispatch.Store;
using Microsoft.Extensions.Logging;

namespace HomeGateway.Dispatch.Acknowledgements;

/// <summary>
/// A person at dispatch takes an alert: stored once (with an audit row for every attempt), shown to every console
/// through the live feed, and sent to the gateway on its stream (or at its next connect), which stops escalating
/// and tells the client that help is coming. The API and the console both come through here.
/// </summary>
internal sealed class AlertAcknowledgements(
    IDispatchStore store,
    IAlertFeed feed,
    GatewaySessions sessions,
    ILogger<AlertAcknowledgements> logger)
{
    /// <summary>Roles that may take alerts. Technicians maintain devices; they do not answer alarms.</summary>
    public static readonly IReadOnlySet<string> Roles = new HashSet<string>(StringComparer.Ordinal) { "dispatcher", "admin", Web.ApiTokenAuthentication.Role };

    public static bool MayAcknowledge(ClaimsPrincipal user) => Roles.Any(user.IsInRole);

    /// <summary>What the gateway (and so the client's home) is told about who acted: the role, never the person's name.</summary>
    public static string RoleOf(ClaimsPrincipal user) => Roles.First(user.IsInRole);

    /// <summary>Something new waits for the gateway (a resolution): its stream, on this node or another, sends it now.</summary>
    public void WakeGateway(string gatewayId) => sessions.WakeAcknowledgements(gatewayId);

    public async Task<AcknowledgeOutcome> AcknowledgeAsync(ClaimsPrincipal user, string? gatewayId, string alertId, CancellationToken ct)
    {
        var actor = user.Identity?.Name is { Length: > 0 } name ? name : throw new InvalidOperationException("An acknowledgement needs a named user.");
        var role = RoleOf(user);
        var outcome = await store.AcknowledgeAsync(gatewayId, alertId, actor, role, ct);
        switch (outcome.Result)
        {
            case AcknowledgeResult.Acknowledged:
                var ack = outcome.Acknowledgement!;
                feed.Publish(ack);
                if (ack.AckSeq is not null)
                {
                    sessions.WakeAcknowledgements(ack.GatewayId);
                }

                AcknowledgementLog.Acknowledged(logger, ack.GatewayId, alertId, actor, ack.TimeToAcknowledge.TotalSeconds);
                break;
            case AcknowledgeResult.AlreadyAcknowledged:
                AcknowledgementLog.AlreadyAcknowledged(logger, outcome.Acknowledgement!.GatewayId, alertId, actor, outcome.Acknowledgement.AcknowledgedBy);
                break;
        }

        return outcome;
    }
}

internal static partial class AcknowledgementLog
{
    [LoggerMessage(6000, LogLevel.Information, "Alert {AlertId} of gateway {GatewayId} acknowledged by {Actor}, {Seconds:F1} s after it was raised")]
    public static partial void Acknowledged(ILogger logger, string gatewayId, string alertId, string actor, double seconds);

    [LoggerMessage(6001, LogLevel.Information, "Alert {AlertId} of gateway {GatewayId}: {Actor} acknowledged it again; {First} had already, nothing changed")]
    public static partial void AlreadyAcknowledged(ILogger logger, string gatewayId, string alertId, string actor, string first);

    [LoggerMessage(6002, LogLevel.Information, "Gateway {GatewayId}: sent {What} {AckSeq} ({AlertId})")]
    public static partial void Sent(ILogger logger, string gatewayId, long ackSeq, string what, string alertId);
}
