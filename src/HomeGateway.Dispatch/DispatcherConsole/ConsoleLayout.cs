using System.Globalization;
using System.Security.Claims;
using HomeGateway.Dispatch.Acknowledgements;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using static HomeGateway.Dispatch.DispatcherConsole.ConsolePages;

namespace HomeGateway.Dispatch.DispatcherConsole;

/// <summary>The frame of the console's server-rendered pages (alert detail, homes, report, audit): header, navigation, logout.</summary>
internal static class ConsoleLayout
{
    public static readonly string[] HomeRoles = ["admin", "technician"];

    public static readonly string[] ReportRoles = ["admin", "dispatcher"];

    public static readonly string[] AuditRoles = ["admin"];

    public static bool MayManageHomes(ClaimsPrincipal user) => HomeRoles.Any(user.IsInRole);

    public static bool MayReadReports(ClaimsPrincipal user) => ReportRoles.Any(user.IsInRole);

    public static bool MayReadAudit(ClaimsPrincipal user) => AuditRoles.Any(user.IsInRole);

    /// <summary>The links this user's role may follow (the queue page adds them after "Gateways").</summary>
    public static string Nav(ClaimsPrincipal user) => string.Concat(
        MayManageHomes(user) ? $"""<a href="/homes">{E(LayoutText.Homes)}</a> """ : "",
        MayReadReports(user) ? $"""<a href="/reports/response-times">{E(LayoutText.Report)}</a> """ : "",
        MayReadAudit(user) ? $"""<a href="/audit">{E(LayoutText.Audit)}</a>""" : "");

    public static string Page(HttpContext http, AntiforgeryTokenSet tokens, string title, string body) => $"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>{E(title)} — HomeGateway dispatch</title>{Style}{ExtraStyle}</head>
        <body>
        <header>
          <h1>{E(title)}</h1>
          <nav><a href="/">{E(LayoutText.Queue)}</a> {(ConsoleGateways.MayEnrol(http.User) ? $"<a href=\"/gateways\">{E(LayoutText.Gateways)}</a> " : "")}{Nav(http.User)}</nav>
          <form method="post" action="/logout" id="logout">
            {E(http.User.Identity?.Name ?? "")}
            {Hidden(tokens)}
            <button type="submit">{E(LayoutText.LogOut)}</button>
          </form>
        </header>
        {body}
        </body></html>
        """;

    private const string ExtraStyle = """
        <style>
          .breach td, td.breach { background: #fde2e2; font-weight: 600; }
          .escalated { color: #a00; font-weight: 700; }
          dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
          dt { font-weight: 600; }
          section { margin-bottom: 1.5rem; }
          textarea { width: 100%; max-width: 40rem; }
        </style>
        """;

    public static string E(string? text) => Encode.Encode(text ?? "");

    public static string Hidden(AntiforgeryTokenSet tokens) =>
        $"""<input type="hidden" name="{E(tokens.FormFieldName)}" value="{E(tokens.RequestToken ?? "")}">""";

    public static string Error(string? error) => error is null ? "" : $"""<p class="error" role="alert">{E(error)}</p>""";

    public static string When(DateTimeOffset? at) =>
        at is { } value ? value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : "—";

    public static string Duration(TimeSpan? span) => span switch
    {
        null => "—",
        { } s when s.TotalHours >= 1 => string.Create(CultureInfo.InvariantCulture, $"{(int)s.TotalHours} h {s.Minutes} min"),
        { } s when s.TotalMinutes >= 1 => string.Create(CultureInfo.InvariantCulture, $"{(int)s.TotalMinutes} min {s.Seconds} s"),
        { } s => string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, (int)s.TotalSeconds)} s"),
    };

    /// <summary>Client data is on the page: no browser or proxy cache may keep it.</summary>
    public static void NoStore(HttpContext http)
    {
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.Pragma = "no-cache";
    }

    public static IResult Html(string html, int status = StatusCodes.Status200OK) => ConsoleEndpoints.Html(html, status);

    public static IResult Forbidden(string message) =>
        Results.Text(message, "text/plain; charset=utf-8", statusCode: StatusCodes.Status403Forbidden);

    public static IResult FormExpired() =>
        Results.BadRequest(LayoutText.FormExpired);

    /// <summary>Alert pages are for the people who take alerts.</summary>
    public static bool MayReadAlerts(ClaimsPrincipal user) => AlertAcknowledgements.MayAcknowledge(user);

    public static string AlertPath(string gatewayId, string alertId) =>
        $"/alerts/{Uri.EscapeDataString(gatewayId)}/{Uri.EscapeDataString(alertId)}";

    public static string HomePath(string homeId) => $"/homes/{Uri.EscapeDataString(homeId)}";
}

/// <summary>The frame's words (English; the translation layer replaces these).</summary>
internal static class LayoutText
{
    public static readonly string Queue = "Alert queue";
    public static readonly string Gateways = "Gateways";
    public static readonly string Homes = "Homes";
    public static readonly string Report = "Response times";
    public static readonly string Audit = "Audit log";
    public static readonly string LogOut = "Log out";
    public static readonly string FormExpired = "The form was not sent by this site or has expired. Reload the page.";
}
