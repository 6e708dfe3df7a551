using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using HomeGateway.Dispatch.Store;
using HomeGateway.Dispatch.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static HomeGateway.Dispatch.DispatcherConsole.ConsolePages;

namespace HomeGateway.Dispatch.DispatcherConsole;

/// <summary>
/// The fleet page: every registered gateway online, offline or not yet connected, and the sensors that need a
/// technician (offline, low battery), problems first. It reloads itself every <see cref="RefreshSeconds"/> s: gateway
/// supervision works in tens of seconds, so a periodic reload is live enough and needs no script.
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
        return endpoints;
    }

    private static async Task<IResult> ShowAsync(HttpContext http, IAntiforgery antiforgery, IDispatchStore store, TimeProvider time)
    {
        var language = ConsoleLanguages.Of(http);
        if (!MayView(http.User))
        {
            return ConsoleEndpoints.Refused(FleetPhrases.MayNotView[language], StatusCodes.Status403Forbidden);
        }

        var fleet = await store.ListFleetAsync(LowBatteryPercent, http.RequestAborted);
        return ConsoleEndpoints.Html(FleetPage(antiforgery.GetAndStoreTokens(http), language, http.User, fleet, time.GetUtcNow()), StatusCodes.Status200OK);
    }

    /// <summary>The same list as JSON for integrations (API token) and scripts (session).</summary>
    private static async Task<IResult> ListAsync(HttpContext http, IDispatchStore store)
    {
        if (!MayView(http.User) && !http.User.IsInRole(ApiTokenAuthentication.Role))
        {
            return TypedResults.Json(new { error = "This role does not see the fleet." }, Json, statusCode: StatusCodes.Status403Forbidden);
        }

        var fleet = await store.ListFleetAsync(LowBatteryPercent, http.RequestAborted);
        return TypedResults.Json(fleet.Select(g => new
        {
            g.GatewayId,
            g.HomeId,
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

    private const string FleetStyle = """
        <style>
          tr.g-offline td { background: #fde2e2; }
          tr.g-attention td { background: #fff1d6; }
          tr.g-new td { color: #666; }
          td ul { margin: 0; padding-left: 1.1rem; }
        </style>
        """;

    private static string FleetPage(
        AntiforgeryTokenSet tokens, ConsoleLanguage language, ClaimsPrincipal user, IReadOnlyList<FleetGateway> fleet, DateTimeOffset now)
    {
        string T(Phrase phrase) => Encode.Encode(phrase[language]);
        string State(FleetGateway g) => g.State switch
        {
            GatewayState.Offline => FleetPhrases.OfflineSince.Format(language, When(g.OfflineSince, language)),
            GatewayState.NotYetConnected => FleetPhrases.NotYetConnected[language],
            _ => FleetPhrases.Online[language],
        };
        string Problem(SensorProblem p) => p.Kind == SensorProblemKind.LowBattery
            ? p.BatteryPercent is { } percent
                ? FleetPhrases.BatteryAt.Format(language, p.SensorId, percent, When(p.ReportedAt, language))
                : FleetPhrases.BatteryLow.Format(language, p.SensorId, When(p.ReportedAt, language))
            : FleetPhrases.SensorOffline.Format(language, p.SensorId, When(p.ReportedAt, language));
        string Problems(FleetGateway g) => g.SensorProblems.Count == 0
            ? T(FleetPhrases.AllSensorsFine)
            : "<ul>" + string.Concat(g.SensorProblems.Select(p => $"<li class=\"sensor-{(p.Kind == SensorProblemKind.LowBattery ? "battery" : "offline")}\">{Encode.Encode(Problem(p))}</li>")) + "</ul>";
        string RowClass(FleetGateway g) => g.State == GatewayState.Offline ? "g-offline"
            : g.SensorProblems.Count > 0 ? "g-attention"
            : g.State == GatewayState.NotYetConnected ? "g-new"
            : "g-online";

        var rows = fleet.Count == 0
            ? $"""<tr><td colspan="7">{T(GatewaysPhrases.NoneRegistered)}</td></tr>"""
            : string.Concat(fleet.Select(g =>
                $"<tr class=\"{RowClass(g)}\" data-gateway=\"{Encode.Encode(g.GatewayId)}\"><td>{Encode.Encode(g.GatewayId)}</td><td>{Encode.Encode(g.HomeId)}</td>"
                + $"<td class=\"state\">{Encode.Encode(State(g))}</td><td>{Encode.Encode(When(g.LastSeenAt, language))}</td>"
                + $"<td>{Encode.Encode(g.SoftwareVersion ?? "")}</td><td>{Encode.Encode(ConsoleGateways.CertificateStatus(g.CertificateNotAfter, now, language))}</td>"
                + $"<td class=\"sensors\">{Problems(g)}</td></tr>"));
        var offline = fleet.Count(g => g.State == GatewayState.Offline);
        var attention = fleet.Count(g => g.SensorProblems.Count > 0);
        return Document(tokens, language, user, CommonPhrases.Fleet[language], "/fleet", $"""
            <p id="summary">{Encode.Encode(FleetPhrases.Summary.Format(language, fleet.Count, offline, attention, LowBatteryPercent, RefreshSeconds))}</p>
            <table>
              <thead><tr><th>{T(GatewaysPhrases.Gateway)}</th><th>{T(GatewaysPhrases.Home)}</th><th>{T(FleetPhrases.State)}</th>
              <th>{T(FleetPhrases.LastContact)}</th><th>{T(GatewaysPhrases.Software)}</th><th>{T(GatewaysPhrases.Certificate)}</th>
              <th>{T(FleetPhrases.Sensors)}</th></tr></thead>
              <tbody id="fleet">{rows}</tbody>
            </table>
            """, head: string.Create(CultureInfo.InvariantCulture, $"""<meta http-equiv="refresh" content="{RefreshSeconds}">""") + FleetStyle);
    }
}

internal static class FleetPhrases
{
    public static readonly Phrase State = new("State", "Tila", "Läge");
    public static readonly Phrase LastContact = new("Last contact", "Viimeisin yhteys", "Senaste kontakt");
    public static readonly Phrase Sensors = new("Sensors needing attention", "Huomiota vaativat anturit", "Sensorer som behöver åtgärdas");
    public static readonly Phrase Online = new("online", "yhteydessä", "ansluten");
    public static readonly Phrase OfflineSince = new("OFFLINE since {0}", "EI YHTEYTTÄ {0} alkaen", "INGEN KONTAKT sedan {0}");
    public static readonly Phrase NotYetConnected = new("not yet connected", "ei vielä yhdistetty", "inte ansluten ännu");
    public static readonly Phrase AllSensorsFine = new("none", "ei yhtään", "inga");
    public static readonly Phrase SensorOffline = new("{0}: offline (reported {1})", "{0}: ei yhteyttä (ilmoitettu {1})", "{0}: ingen kontakt (rapporterat {1})");
    public static readonly Phrase BatteryAt = new("{0}: battery {1} % (reported {2})", "{0}: paristo {1} % (ilmoitettu {2})", "{0}: batteri {1} % (rapporterat {2})");
    public static readonly Phrase BatteryLow = new("{0}: battery low (reported {1})", "{0}: paristo vähissä (ilmoitettu {1})", "{0}: låg batterinivå (rapporterat {1})");

    public static readonly Phrase Summary = new(
        "{0} gateways: {1} offline, {2} with sensors needing attention (offline, or battery below {3} %). Reloads every {4} s.",
        "{0} yhdyskäytävää: {1} ilman yhteyttä, {2} joissa anturi vaatii huomiota (ei yhteyttä tai paristo alle {3} %). Päivittyy {4} s välein.",
        "{0} gatewayer: {1} utan kontakt, {2} med sensorer som behöver åtgärdas (ingen kontakt eller batteri under {3} %). Uppdateras var {4}:e s.");

    public static readonly Phrase MayNotView = new(
        "Your role does not see the fleet.",
        "Roolisi ei näe laitekantaa.",
        "Din roll ser inte enhetsöversikten.");
}
