using System.Security.Claims;
using HomeGateway.Dispatch.Acknowledgements;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;

namespace HomeGateway.Dispatch.DispatcherConsole;

/// <summary>What the console pages share outside the components: which role may open which page, refusals, paths.</summary>
internal static class ConsoleLayout
{
    /// <summary>
    /// Reads the figures and records (the report, homes, an alert's page) and changes nothing: the person who answers for
    /// the service's quality, not one who takes alarms or maintains devices.
    /// </summary>
    public const string CareManager = "care_manager";

    /// <summary>Every console role, as the command line and the users page accept them.</summary>
    public static readonly string[] AllRoles = ["admin", "dispatcher", "technician", CareManager, Responder];

    /// <summary>Goes to alerts (a home-care night patrol, a guard company's staff): sees only the requests asked of them.</summary>
    public const string Responder = Responders.ResponderDispatch.Role;

    /// <summary>Teams of responders: the admin organises them.</summary>
    public static bool MayManageTeams(ClaimsPrincipal user) => user.IsInRole("admin");

    /// <summary>A home's cascade: the admin and the dispatchers (their lead keeps it current) change it; the care manager reads it.</summary>
    public static bool MayEditCascade(ClaimsPrincipal user) => user.IsInRole("admin") || user.IsInRole("dispatcher");

    public static bool MayReadCascade(ClaimsPrincipal user) => MayEditCascade(user) || user.IsInRole(CareManager);

    public static readonly string[] HomeRoles = ["admin", "technician"];

    public static readonly string[] ReportRoles = ["admin", "dispatcher", CareManager];

    public static readonly string[] AuditRoles = ["admin"];

    public static bool MayManageHomes(ClaimsPrincipal user) => HomeRoles.Any(user.IsInRole);

    /// <summary>The homes and a home's page: those who manage them, and the care manager read-only.</summary>
    public static bool MayReadHomes(ClaimsPrincipal user) => MayManageHomes(user) || user.IsInRole(CareManager);

    public static bool MayReadReports(ClaimsPrincipal user) => ReportRoles.Any(user.IsInRole);

    public static bool MayReadAudit(ClaimsPrincipal user) => AuditRoles.Any(user.IsInRole);

    /// <summary>Client data is on the page: no browser or proxy cache may keep it.</summary>
    public static void NoStore(HttpContext http)
    {
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.Pragma = "no-cache";
    }

    /// <summary>
    /// The two checks every console post makes before it reads the form, in this order: the form is this session's page's
    /// (else 400: expired or forged, nothing changes), and the user's role may do this (<paramref name="allowed"/>; else 403
    /// with <paramref name="forbidden"/>). Null when the post may go on.
    /// </summary>
    public static async Task<IResult?> RefusedPostAsync(HttpContext http, IAntiforgery antiforgery, bool allowed, string forbidden) =>
        !await ConsoleEndpoints.IsFromOurFormAsync(http, antiforgery) ? FormExpired(http)
        : !allowed ? Forbidden(forbidden)
        : null;

    public static IResult Forbidden(string message) => ConsoleEndpoints.Refused(message, StatusCodes.Status403Forbidden);

    public static IResult NotFound(string message) => ConsoleEndpoints.Refused(message, StatusCodes.Status404NotFound);

    public static IResult FormExpired(HttpContext http) =>
        ConsoleEndpoints.Refused(ConsoleWords.Of<ConsoleText>("FormNotOurs", ConsoleLanguages.Of(http)), StatusCodes.Status400BadRequest);

    /// <summary>Alert pages are for the people who take alerts.</summary>
    public static bool MayReadAlerts(ClaimsPrincipal user) => AlertAcknowledgements.MayAcknowledge(user);

    /// <summary>
    /// An alert's page: the people who take alerts, and the care manager read-only (the report links each alert to it);
    /// the page's posts stay with <see cref="MayReadAlerts"/>.
    /// </summary>
    public static bool MayViewAlert(ClaimsPrincipal user) => MayReadAlerts(user) || user.IsInRole(CareManager);

    public static string AlertPath(string gatewayId, string alertId) =>
        $"/alerts/{Uri.EscapeDataString(gatewayId)}/{Uri.EscapeDataString(alertId)}";

    public static string HomePath(string homeId) => $"/homes/{Uri.EscapeDataString(homeId)}";
}
