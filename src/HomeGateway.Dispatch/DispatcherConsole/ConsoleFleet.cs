using System.Security.Claims;
using System.Text.Json;
using HomeGateway.Dispatch.DispatcherConsole.Pages;
using HomeGateway.Dispatch.Store;
using HomeGateway.Dispatch.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Localization;

namespace HomeGateway.Dispatch.DispatcherConsole;

/// <summary>
/// The fleet page: every registered gateway online, offline or not yet connected, and the sensors that need a
/// technician (offline, low battery), problems first (<see cref="FleetPage"/>). Its script (<c>fleet.js</c>) keeps it live:
/// it refetches <c>/api/gateways</c> on every step of the alert stream (gateway offline and restored steps arrive there)
/// and every <see cref="RefreshSeconds"/> s (sensor reports do not), and patches the rows in place.
/// </summary>
internal static class ConsoleFleet
{
    /// <summary>A battery below this is shown as low (the gateway's own low-battery alerts count too).</summary>
    public const int LowBatteryPercent = 20;

    public const int RefreshSeconds = 30;

    /// <summary>Everyone who works the console sees the fleet: dispatchers need to know a home is not covered.</summary>
    private static readonly string[] Roles = ["admin", "technician", "dispatcher"];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static bool MayView(ClaimsPrincipal user) => Roles.Any(user.IsInRole);

    public static IEndpointRouteBuilder MapConsoleFleet(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/fleet", ShowAsync);
        endpoints.MapGet("/api/gateways", ListAsync);
        endpoints.MapGet("/fleet.js", () => Results.Stream(ConsoleAssets.Open("fleet.js"), "text/javascript; charset=utf-8"));
        return endpoints;
    }

    private static async Task<IResult> ShowAsync(HttpContext http, IDispatchStore store, TimeProvider time, IStringLocalizer<FleetPage> words)
    {
        if (!MayView(http.User))
        {
            return ConsoleEndpoints.Refused(words["MayNotView"], StatusCodes.Status403Forbidden);
        }

        var fleet = await store.ListFleetAsync(LowBatteryPercent, http.RequestAborted);
        var zones = await store.ListHomeTimeZonesAsync(http.RequestAborted);
        return ConsoleEndpoints.Component<FleetPage>(new { Fleet = fleet, TimeZones = zones, Now = time.GetUtcNow() });
    }

    /// <summary>The same list as JSON for integrations (API token) and scripts (session).</summary>
    private static async Task<IResult> ListAsync(HttpContext http, IDispatchStore store)
    {
        if (!MayView(http.User) && !http.User.IsInRole(ApiTokenAuthentication.Role))
        {
            return TypedResults.Json(new { error = "This role does not see the fleet." }, Json, statusCode: StatusCodes.Status403Forbidden);
        }

        var fleet = await store.ListFleetAsync(LowBatteryPercent, http.RequestAborted);
        var zones = await store.ListHomeTimeZonesAsync(http.RequestAborted);
        return TypedResults.Json(fleet.Select(g => new
        {
            g.GatewayId,
            g.HomeId,
            // The home's IANA zone when dispatch knows it (the page shows times in it), else null: UTC.
            TimeZone = zones.GetValueOrDefault(g.HomeId),
            State = StateName(g.State),
            g.LastSeenAt,
            g.OfflineSince,
            g.SoftwareVersion,
            g.CertificateNotAfter,
            SensorProblems = g.SensorProblems.Select(p => new
            {
                p.SensorId,
                Problem = p.Kind == SensorProblemKind.LowBattery ? "low_battery" : "offline",
                p.BatteryPercent,
                p.ReportedAt,
            }),
        }).ToList(), Json);
    }

    internal static string StateName(GatewayState state) => state switch
    {
        GatewayState.Offline => "offline",
        GatewayState.NotYetConnected => "not_yet_connected",
        _ => "online",
    };
}
