using System.Globalization;
using System.Security.Claims;
using HomeGateway.Dispatch.Credentials;
using HomeGateway.Dispatch.DispatcherConsole.Language;
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
            return Forbidden(http);
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
        var language = ConsoleLanguages.Of(http);
        if (!await ConsoleEndpoints.IsFromOurFormAsync(http, antiforgery))
        {
            return ConsoleEndpoints.Refused(CommonPhrases.FormNotOurs[language], StatusCodes.Status400BadRequest);
        }

        if (!MayEnrol(http.User))
        {
            return Forbidden(http);
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var gatewayId = form["gatewayId"].ToString().Trim();
        var homeId = form["homeId"].ToString().Trim();
        var problem = GatewayEnrolment.GatewayIdProblem(gatewayId);
        if (problem is null && homeId.Length == 0 && await store.FindGatewayAsync(gatewayId, http.RequestAborted) is null)
        {
            // Said here rather than by IssueCodeAsync, whose message names the CLI's --home option.
            problem = GatewaysPhrases.NewGatewayNeedsHome.Format(language, gatewayId);
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
        return Html(IssuedPage(antiforgery.GetAndStoreTokens(http), language, http.User, issued, enrolment.Authority.FingerprintText,
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

    private static IResult Forbidden(HttpContext http) =>
        ConsoleEndpoints.Refused(GatewaysPhrases.MayNotEnrol[ConsoleLanguages.Of(http)], StatusCodes.Status403Forbidden);

    private static IResult Html(string html, int status) => ConsoleEndpoints.Html(html, status);

    private static async Task<string> GatewaysPageAsync(
        HttpContext http, IAntiforgery antiforgery, IDispatchStore store, TimeProvider time, EnrolForm form)
    {
        var gateways = await store.ListGatewaysAsync(http.RequestAborted);
        return GatewaysPage(antiforgery.GetAndStoreTokens(http), ConsoleLanguages.Of(http), http.User, gateways, time.GetUtcNow(), form);
    }

    private sealed record EnrolForm(string GatewayId, string HomeId, string? Error);

    internal static string CertificateStatus(DateTimeOffset? certificateNotAfter, DateTimeOffset now, ConsoleLanguage language) => certificateNotAfter switch
    {
        null => GatewaysPhrases.NoCertificate[language],
        { } notAfter when notAfter <= now => GatewaysPhrases.CertificateExpired.Format(language, When(notAfter, language)),
        { } notAfter => GatewaysPhrases.CertificateValid.Format(language, When(notAfter, language)),
    };

    private static string GatewaysPage(
        AntiforgeryTokenSet tokens, ConsoleLanguage language, ClaimsPrincipal user, IReadOnlyList<RegisteredGateway> gateways, DateTimeOffset now, EnrolForm form)
    {
        string T(Phrase phrase) => Encode.Encode(phrase[language]);
        var rows = gateways.Count == 0
            ? $"""<tr><td colspan="5">{T(GatewaysPhrases.NoneRegistered)}</td></tr>"""
            : string.Concat(gateways.Select(g =>
                $"<tr><td>{Encode.Encode(g.GatewayId)}</td><td>{Encode.Encode(g.HomeId)}</td><td>{Encode.Encode(When(g.LastSeenAt, language))}</td>"
                + $"<td>{Encode.Encode(g.SoftwareVersion ?? "")}</td><td>{Encode.Encode(CertificateStatus(g.CertificateNotAfter, now, language))}</td></tr>"));
        return Document(tokens, language, user, CommonPhrases.Gateways[language], "/gateways", $"""
            <table>
              <thead><tr><th>{T(GatewaysPhrases.Gateway)}</th><th>{T(GatewaysPhrases.Home)}</th><th>{T(GatewaysPhrases.LastSeen)}</th><th>{T(GatewaysPhrases.Software)}</th><th>{T(GatewaysPhrases.Certificate)}</th></tr></thead>
              <tbody>{rows}</tbody>
            </table>
            <h2>{T(GatewaysPhrases.EnrolTitle)}</h2>
            <p>{Encode.Encode(GatewaysPhrases.EnrolHelp.Format(language, GatewayEnrolment.TokenLifetime.TotalHours))}</p>
            {(form.Error is null ? "" : $"<p class=\"error\" role=\"alert\">{Encode.Encode(form.Error)}</p>")}
            <form method="post" action="/gateways/enrol" id="enrol">
              {Hidden(tokens)}
              <p><label>{T(GatewaysPhrases.GatewayId)} <input name="gatewayId" value="{Encode.Encode(form.GatewayId)}" required></label></p>
              <p><label>{T(GatewaysPhrases.HomeId)} <input name="homeId" value="{Encode.Encode(form.HomeId)}"></label> {T(GatewaysPhrases.HomeRequired)}</p>
              <p><button type="submit">{T(GatewaysPhrases.IssueCode)}</button></p>
            </form>
            """);
    }

    private static string IssuedPage(
        AntiforgeryTokenSet tokens, ConsoleLanguage language, ClaimsPrincipal user, IssuedEnrolmentCode issued, string fingerprint, string gatewayEndpoint)
    {
        string T(Phrase phrase) => Encode.Encode(phrase[language]);
        var command = $"homegateway enroll --dispatch {gatewayEndpoint} --token {issued.Code}";
        return Document(tokens, language, user, GatewaysPhrases.CodeTitle[language], "/gateways", $"""
            <p>{Encode.Encode(GatewaysPhrases.CodeFor.Format(language, issued.GatewayId, issued.HomeId))}
            {Encode.Encode(GatewaysPhrases.CodeWorksOnce.Format(language, When(issued.ExpiresAt, language)))} <strong>{T(GatewaysPhrases.CodeShownOnce)}</strong></p>
            <p>{T(GatewaysPhrases.Code)} <code id="code">{Encode.Encode(issued.Code)}</code></p>
            <p>{T(GatewaysPhrases.OnTheGateway)}</p>
            <pre id="command">{Encode.Encode(command)}</pre>
            <p>{T(GatewaysPhrases.Fingerprint)}<br>
            <code id="fingerprint">{Encode.Encode(fingerprint)}</code></p>
            <p>{T(GatewaysPhrases.ReplacesCertificate)}</p>
            <p><a href="/gateways">{T(GatewaysPhrases.BackToGateways)}</a></p>
            """);
    }
}
