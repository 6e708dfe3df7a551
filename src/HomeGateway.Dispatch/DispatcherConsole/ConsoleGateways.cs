using System.Globalization;
using System.Security.Claims;
using HomeGateway.Dispatch.Credentials;
using HomeGateway.Dispatch.Hosting;
using HomeGateway.Dispatch.Store;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using static HomeGateway.Dispatch.DispatcherConsole.ConsolePages;

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

    private static async Task<IResult> ShowAsync(HttpContext http, IAntiforgery antiforgery, IDispatchStore store, TimeProvider time)
    {
        if (!MayEnrol(http.User))
        {
            return Forbidden();
        }

        // ?home= comes from a home's page ("Enrol a gateway for this home").
        return Html(await GatewaysPageAsync(http, antiforgery, store, time, new EnrolForm("", http.Request.Query["home"].ToString(), null)),
            StatusCodes.Status200OK);
    }

    private static async Task<IResult> EnrolAsync(
        HttpContext http,
        IAntiforgery antiforgery,
        IDispatchStore store,
        GatewayEnrolment enrolment,
        DispatchEndpoints listeners,
        IOptions<DispatchOptions> options,
        TimeProvider time,
        ILoggerFactory loggers)
    {
        if (!await ConsoleEndpoints.IsFromOurFormAsync(http, antiforgery))
        {
            return Results.BadRequest("The enrolment form was not sent by this site or has expired. Reload the Gateways page.");
        }

        if (!MayEnrol(http.User))
        {
            return Forbidden();
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var gatewayId = form["gatewayId"].ToString().Trim();
        var homeId = form["homeId"].ToString().Trim();
        var problem = GatewayEnrolment.GatewayIdProblem(gatewayId);
        if (problem is null && homeId.Length == 0 && await store.FindGatewayAsync(gatewayId, http.RequestAborted) is null)
        {
            // Said here rather than by IssueCodeAsync, whose message names the CLI's --home option.
            problem = $"Gateway '{gatewayId}' is new: say which home it serves.";
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
            return Html(await GatewaysPageAsync(http, antiforgery, store, time, new EnrolForm(gatewayId, homeId, problem)),
                StatusCodes.Status400BadRequest);
        }

        var user = http.User.Identity?.Name ?? "";
        // Written after the code is issued: if this fails the request fails, and a code nobody saw cannot be used.
        await store.RecordAuditAsync(user, AuditAction, issued.GatewayId,
            string.Create(CultureInfo.InvariantCulture, $"home {issued.HomeId}; expires {issued.ExpiresAt:yyyy-MM-dd HH:mm} UTC; from the console"),
            http.RequestAborted);
        ConsoleLog.EnrolmentCodeIssued(loggers.CreateLogger(typeof(ConsoleEndpoints)), issued.GatewayId, user);

        // The code is a credential until used: no browser or proxy cache may keep the page.
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.Pragma = "no-cache";
        return Html(IssuedPage(antiforgery.GetAndStoreTokens(http), user, issued, enrolment.Authority.FingerprintText,
            GatewayEndpointUrl(listeners, options.Value)), StatusCodes.Status200OK);
    }

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

    private static IResult Forbidden() =>
        Results.Text("Your role does not enrol gateways (admins and technicians do).", "text/plain; charset=utf-8",
            statusCode: StatusCodes.Status403Forbidden);

    private static IResult Html(string html, int status) => ConsoleEndpoints.Html(html, status);

    private static async Task<string> GatewaysPageAsync(
        HttpContext http, IAntiforgery antiforgery, IDispatchStore store, TimeProvider time, EnrolForm form)
    {
        var gateways = await store.ListGatewaysAsync(http.RequestAborted);
        return GatewaysPage(antiforgery.GetAndStoreTokens(http), http.User.Identity?.Name ?? "", gateways, time.GetUtcNow(), form);
    }

    private sealed record EnrolForm(string GatewayId, string HomeId, string? Error);

    private static string Hidden(AntiforgeryTokenSet tokens) =>
        $"""<input type="hidden" name="{Encode.Encode(tokens.FormFieldName)}" value="{Encode.Encode(tokens.RequestToken ?? "")}">""";

    private static string Header(AntiforgeryTokenSet tokens, string userName, string title) => $"""
        <header>
          <h1>{Encode.Encode(title)}</h1>
          <a href="/">Alert queue</a>
          <form method="post" action="/logout" id="logout">
            {Encode.Encode(userName)}
            {Hidden(tokens)}
            <button type="submit">Log out</button>
          </form>
        </header>
        """;

    private static string When(DateTimeOffset? at) =>
        at is { } value ? value.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) : "never";

    private static string CertificateStatus(RegisteredGateway gateway, DateTimeOffset now) => gateway.CertificateNotAfter switch
    {
        null => "none (not enrolled, or revoked)",
        { } notAfter when notAfter <= now => $"expired {When(notAfter)}",
        { } notAfter => $"valid until {When(notAfter)}",
    };

    private static string GatewaysPage(
        AntiforgeryTokenSet tokens, string userName, IReadOnlyList<RegisteredGateway> gateways, DateTimeOffset now, EnrolForm form)
    {
        var rows = gateways.Count == 0
            ? """<tr><td colspan="5">No gateway is registered yet.</td></tr>"""
            : string.Concat(gateways.Select(g =>
                $"<tr><td>{Encode.Encode(g.GatewayId)}</td><td>{Encode.Encode(g.HomeId)}</td><td>{When(g.LastSeenAt)}</td>"
                + $"<td>{Encode.Encode(g.SoftwareVersion ?? "")}</td><td>{Encode.Encode(CertificateStatus(g, now))}</td></tr>"));
        return $"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Gateways — HomeGateway dispatch</title>{Style}</head>
            <body>
            {Header(tokens, userName, "Gateways")}
            <table>
              <thead><tr><th>Gateway</th><th>Home</th><th>Last seen</th><th>Software</th><th>Certificate</th></tr></thead>
              <tbody>{rows}</tbody>
            </table>
            <h2>Enrol a gateway</h2>
            <p>Issues a one-time enrolment code (valid {GatewayEnrolment.TokenLifetime.TotalHours:0} h). A new gateway id is registered
            for the home you name; enrolling a known gateway again replaces its certificate once the code is used.</p>
            {(form.Error is null ? "" : $"<p class=\"error\" role=\"alert\">{Encode.Encode(form.Error)}</p>")}
            <form method="post" action="/gateways/enrol" id="enrol">
              {Hidden(tokens)}
              <p><label>Gateway id <input name="gatewayId" value="{Encode.Encode(form.GatewayId)}" required></label></p>
              <p><label>Home id <input name="homeId" value="{Encode.Encode(form.HomeId)}"></label> (required for a new gateway)</p>
              <p><button type="submit">Issue enrolment code</button></p>
            </form>
            </body></html>
            """;
    }

    private static string IssuedPage(AntiforgeryTokenSet tokens, string userName, IssuedEnrolmentCode issued, string fingerprint, string gatewayEndpoint)
    {
        var command = $"homegateway enroll --dispatch {gatewayEndpoint} --token {issued.Code}";
        return $"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Enrolment code — HomeGateway dispatch</title>{Style}</head>
            <body>
            {Header(tokens, userName, "Enrolment code")}
            <p>For gateway <strong>{Encode.Encode(issued.GatewayId)}</strong> (home {Encode.Encode(issued.HomeId)}).
            It works once, until {When(issued.ExpiresAt)}. <strong>It is shown only now</strong>: dispatch keeps only its hash.</p>
            <p>Code: <code id="code">{Encode.Encode(issued.Code)}</code></p>
            <p>On the gateway run:</p>
            <pre id="command">{Encode.Encode(command)}</pre>
            <p>The code carries this dispatch's CA fingerprint (SHA-256), which the gateway checks before it sends anything:<br>
            <code id="fingerprint">{Encode.Encode(fingerprint)}</code></p>
            <p>Enrolling again replaces the gateway's certificate; the old one stops working.</p>
            <p><a href="/gateways">Back to Gateways</a></p>
            </body></html>
            """;
    }
}
