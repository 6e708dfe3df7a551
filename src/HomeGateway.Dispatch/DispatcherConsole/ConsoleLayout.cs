using System.Security.Claims;
using HomeGateway.Dispatch.Acknowledgements;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using Microsoft.AspNetCore.Http;

namespace HomeGateway.Dispatch.DispatcherConsole;

/// <summary>What the console pages share outside the components: which role may open which page, refusals, paths.</summary>
internal static class ConsoleLayout
{
    public static readonly string[] HomeRoles = ["admin", "technician"];

    public static readonly string[] ReportRoles = ["admin", "dispatcher"];

    public static readonly string[] AuditRoles = ["admin"];

    public static bool MayManageHomes(ClaimsPrincipal user) => HomeRoles.Any(user.IsInRole);

    public static bool MayReadReports(ClaimsPrincipal user) => ReportRoles.Any(user.IsInRole);

    public static bool MayReadAudit(ClaimsPrincipal user) => AuditRoles.Any(user.IsInRole);

    /// <summary>Client data is on the page: no browser or proxy cache may keep it.</summary>
    public static void NoStore(HttpContext http)
    {
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.Pragma = "no-cache";
    }

    public static IResult Forbidden(string message) => ConsoleEndpoints.Refused(message, StatusCodes.Status403Forbidden);

    public static IResult NotFound(string message) => ConsoleEndpoints.Refused(message, StatusCodes.Status404NotFound);

    public static IResult FormExpired(HttpContext http) =>
        ConsoleEndpoints.Refused(ConsoleWords.Of<ConsoleText>("FormNotOurs", ConsoleLanguages.Of(http)), StatusCodes.Status400BadRequest);

    /// <summary>Alert pages are for the people who take alerts.</summary>
    public static bool MayReadAlerts(ClaimsPrincipal user) => AlertAcknowledgements.MayAcknowledge(user);

    public static string AlertPath(string gatewayId, string alertId) =>
        $"/alerts/{Uri.EscapeDataString(gatewayId)}/{Uri.EscapeDataString(alertId)}";

    public static string HomePath(string homeId) => $"/homes/{Uri.EscapeDataString(homeId)}";
}
