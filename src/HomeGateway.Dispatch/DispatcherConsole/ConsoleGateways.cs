using System.Globalization;
using System.Security.Claims;
using HomeGateway.Dispatch.Credentials;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using HomeGateway.Dispatch.DispatcherConsole.Pages;
using HomeGateway.Dispatch.Hosting;
using HomeGateway.Dispatch.Store;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HomeGateway.Dispatch.DispatcherConsole;

/// <summary>
/// The console's Gateways page: the registered gateways and "Enrol a gateway", which issues the same one-time code as
/// <c>homegateway-dispatch gateways enroll</c>. The code is shown once, on a page no cache keeps; the audit trail
/// records who issued a code for which gateway, never the code.
/// </summary>
internal static class ConsoleGateways
{
    public const string AuditAction = "enrolment_code_issued";

    /// <summary>Technicians install gateways and admins run dispatch; dispatchers answer alarms and do not enrol.</summary>
    private static readonly string[] Roles = ["admin", "technician"];

    public static bool MayEnrol(ClaimsPrincipal user) => Roles.Any(user.IsInRole);

    public static IEndpointRouteBuilder MapConsoleGateways(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/gateways", ShowAsync);
        endpoints.MapPost("/gateways/enrol", EnrolAsync).DisableAntiforgery();
        return endpoints;
    }

    private static async Task<IResult> ShowAsync(HttpContext http, IDispatchStore store, TimeProvider time, IStringLocalizer<GatewaysPage> words)
    {
        if (!MayEnrol(http.User))
        {
            return Forbidden(words);
        }

        // ?home= comes from a home's page ("Enrol a gateway for this home").
        return await PageAsync(http, store, time, "", http.Request.Query["home"].ToString(), null, StatusCodes.Status200OK);
    }

    private static async Task<IResult> EnrolAsync(
        HttpContext http,
        IAntiforgery antiforgery,
        IDispatchStore store,
        GatewayEnrolment enrolment,
        DispatchEndpoints listeners,
        IOptions<DispatchOptions> options,
        TimeProvider time,
        ILoggerFactory loggers,
        IStringLocalizer<GatewaysPage> words,
        IStringLocalizer<ConsoleText> text)
    {
        if (!await ConsoleEndpoints.IsFromOurFormAsync(http, antiforgery))
        {
            return ConsoleEndpoints.Refused(text["FormNotOurs"], StatusCodes.Status400BadRequest, "/gateways");
        }

        if (!MayEnrol(http.User))
        {
            return Forbidden(words);
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var gatewayId = form["gatewayId"].ToString().Trim();
        var homeId = form["homeId"].ToString().Trim();
        var problem = GatewayEnrolment.GatewayIdProblem(gatewayId);
        if (problem is null && homeId.Length == 0 && await store.FindGatewayAsync(gatewayId, http.RequestAborted) is null)
        {
            // Said here rather than by IssueCodeAsync, whose message names the CLI's --home option.
            problem = words["NewGatewayNeedsHome", gatewayId];
        }

        IssuedEnrolmentCode? issued = null;
        if (problem is null)
        {
            try
            {
                issued = await enrolment.IssueCodeAsync(gatewayId, homeId.Length == 0 ? null : homeId, http.RequestAborted);
            }
            catch (EnrolmentRefusedException refused)
            {
                problem = refused.Message;
            }
        }

        if (issued is null)
        {
            return await PageAsync(http, store, time, gatewayId, homeId, problem, StatusCodes.Status400BadRequest);
        }

        var user = http.User.Identity?.Name ?? "";
        // Written after the code is issued: if this fails the request fails, and a code nobody saw cannot be used.
        await store.RecordAuditAsync(user, AuditAction, issued.GatewayId, AuditDetail(issued), http.RequestAborted);
        ConsoleLog.EnrolmentCodeIssued(loggers.CreateLogger(typeof(ConsoleEndpoints)), issued.GatewayId, user);

        // The code is a credential until used: no browser or proxy cache may keep the page.
        ConsoleLayout.NoStore(http);
        var zones = await store.ListHomeTimeZonesAsync(http.RequestAborted);
        return ConsoleEndpoints.Component<EnrolmentCodePage>(new
        {
            Issued = issued,
            Fingerprint = enrolment.Authority.FingerprintText,
            GatewayEndpoint = GatewayEndpointUrl(listeners, options.Value),
            TimeZone = zones.GetValueOrDefault(issued.HomeId),
        });
    }

    /// <summary>The audit trail's record of a code (never the code): English, the record; the audit page translates it.</summary>
    internal static string AuditDetail(IssuedEnrolmentCode issued) =>
        string.Create(CultureInfo.InvariantCulture, $"home {issued.HomeId}; expires {issued.ExpiresAt:yyyy-MM-dd HH:mm} UTC; from the console");

    /// <summary>
    /// The address a gateway enrols at: the first public name (the gateway endpoint's certificate carries it) on the
    /// bound port, else the listen address.
    /// </summary>
    internal static string GatewayEndpointUrl(DispatchEndpoints listeners, DispatchOptions options)
    {
        var bound = listeners.GrpcUri;
        var host = options.PublicNames.Count > 0 ? options.PublicNames[0] : bound.Host;
        return new UriBuilder(Uri.UriSchemeHttps, host, bound.Port).Uri.GetLeftPart(UriPartial.Authority);
    }

    private static IResult Forbidden(IStringLocalizer<GatewaysPage> words) =>
        ConsoleEndpoints.Refused(words["MayNotEnrol"], StatusCodes.Status403Forbidden);

    private static async Task<IResult> PageAsync(
        HttpContext http, IDispatchStore store, TimeProvider time, string gatewayId, string homeId, string? error, int status)
    {
        var gateways = await store.ListGatewaysAsync(http.RequestAborted);
        var zones = await store.ListHomeTimeZonesAsync(http.RequestAborted);
        return ConsoleEndpoints.Component<GatewaysPage>(
            new { Gateways = gateways, TimeZones = zones, Now = time.GetUtcNow(), GatewayId = gatewayId, HomeId = homeId, Error = error },
            status);
    }
}
