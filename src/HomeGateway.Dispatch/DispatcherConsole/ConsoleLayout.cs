using System.Globalization;
using System.Security.Claims;
using HomeGateway.Dispatch.Acknowledgements;
using HomeGateway.Dispatch.DispatcherConsole.Language;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using static HomeGateway.Dispatch.DispatcherConsole.ConsolePages;

namespace HomeGateway.Dispatch.DispatcherConsole;

/// <summary>Helpers of the server-rendered pages added with the alert lifecycle (alert detail, homes, report, audit): roles, the frame, encoding, times.</summary>
internal static class ConsoleLayout
{
    public static readonly string[] HomeRoles = ["admin", "technician"];

    public static readonly string[] ReportRoles = ["admin", "dispatcher"];

    public static readonly string[] AuditRoles = ["admin"];

    public static bool MayManageHomes(ClaimsPrincipal user) => HomeRoles.Any(user.IsInRole);

    public static bool MayReadReports(ClaimsPrincipal user) => ReportRoles.Any(user.IsInRole);

    public static bool MayReadAudit(ClaimsPrincipal user) => AuditRoles.Any(user.IsInRole);

    /// <summary>
    /// A signed-in page in the user's language, in the one frame every page shares (<see cref="ConsolePages.Document"/>).
    /// The language switch returns to <paramref name="returnTo"/>, by default the page itself; a page shown in answer
    /// to a post passes the page's own address, since the post's is not one to come back to.
    /// </summary>
    public static string Page(HttpContext http, AntiforgeryTokenSet tokens, string title, string body, string? returnTo = null) =>
        Document(tokens, ConsoleLanguages.Of(http), http.User, title,
            returnTo ?? (HttpMethods.IsGet(http.Request.Method) ? http.Request.Path.Value + http.Request.QueryString.Value : "/"), body, ExtraStyle);

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

    public static string Error(string? error) => error is null ? "" : $"""<p class="error" role="alert">{E(error)}</p>""";

    /// <summary>A time on these pages, HTML-encoded, in the user's culture (<see cref="ConsolePages.When"/>); "—" when there is none yet.</summary>
    public static string At(DateTimeOffset? at, ConsoleLanguage language) => at is null ? "—" : E(When(at, language));

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

    public static IResult Forbidden(string message) => ConsoleEndpoints.Refused(message, StatusCodes.Status403Forbidden);

    public static IResult NotFound(string message) => ConsoleEndpoints.Refused(message, StatusCodes.Status404NotFound);

    public static IResult FormExpired(HttpContext http) =>
        ConsoleEndpoints.Refused(CommonPhrases.FormNotOurs[ConsoleLanguages.Of(http)], StatusCodes.Status400BadRequest);

    /// <summary>Alert pages are for the people who take alerts.</summary>
    public static bool MayReadAlerts(ClaimsPrincipal user) => AlertAcknowledgements.MayAcknowledge(user);

    public static string AlertPath(string gatewayId, string alertId) =>
        $"/alerts/{Uri.EscapeDataString(gatewayId)}/{Uri.EscapeDataString(alertId)}";

    public static string HomePath(string homeId) => $"/homes/{Uri.EscapeDataString(homeId)}";
}

/// <summary>The navigation's words for the pages added with the alert lifecycle.</summary>
internal static class LayoutText
{
    public static readonly Phrase Homes = new("Homes", "Kodit", "Hem");
    public static readonly Phrase Report = new("Response times", "Vasteajat", "Responstider");
    public static readonly Phrase Audit = new("Audit log", "Tapahtumaloki", "Granskningslogg");
}
