using System.Security.Claims;
using HomeGateway.Dispatch.Acknowledgements;
using HomeGateway.Dispatch.Store;

namespace HomeGateway.Dispatch.DispatcherConsole.Pages;

/// <summary>
/// Which of the alert page's actions this user may take on the alert as it is now, so the page offers only those: the
/// roles that take alerts (<see cref="AlertAcknowledgements.MayAcknowledge"/>, the lifecycle's rule too) and the
/// alert's state (a resolved alert takes only notes; an escalated one is not escalated again).
/// </summary>
public static class AlertActionRules
{
    public static bool MayAct(ClaimsPrincipal user) => AlertAcknowledgements.MayAcknowledge(user);

    public static bool MayAcknowledge(ClaimsPrincipal user, AlertView view) =>
        MayAct(user) && view.Resolution is null && view.Alert.AcknowledgedAt is null;

    public static bool MayAssign(ClaimsPrincipal user, AlertView view) => MayAct(user) && view.Resolution is null;

    public static bool MayNote(ClaimsPrincipal user) => MayAct(user);

    public static bool MayEscalate(ClaimsPrincipal user, AlertView view) => MayAct(user) && view.Resolution is null && view.Escalation is null;

    public static bool MayResolve(ClaimsPrincipal user, AlertView view) => MayAct(user) && view.Resolution is null;

    /// <summary>The confirmations the page shows after an action (<c>?done=</c>), by the action that was done.</summary>
    public static readonly IReadOnlySet<string> Done = new HashSet<string>(StringComparer.Ordinal)
    {
        "acknowledged", "assigned", "noted", "escalated", "resolved",
    };
}
