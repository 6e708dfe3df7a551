using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using HomeGateway.Dispatch.Credentials;
using HomeGateway.Dispatch.Store;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HomeGateway.Dispatch.Web;

/// <summary>
/// Integrations authenticate with <c>Authorization: Bearer hgd_...</c>, looked up by its SHA-256. An expired or revoked
/// token is refused with a reason the integration's operator can act on: gRPC callers get it as UNAUTHENTICATED's message,
/// HTTP callers in <c>WWW-Authenticate</c> (RFC 6750 <c>invalid_token</c>). An unknown token says only that.
/// </summary>
internal sealed class ApiTokenAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    IDispatchStore store,
    ApiTokenWatch watch,
    TimeProvider time) : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "ApiToken";
    public const string Role = "integration";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = Secrets.BearerToken(Request.Headers.Authorization);
        if (token is null)
        {
            return AuthenticateResult.NoResult();
        }

        var hash = Secrets.Hash(token);
        var record = await store.FindApiTokenAsync(hash, Context.RequestAborted);
        if (record is null)
        {
            return AuthenticateResult.Fail("Unknown API token.");
        }

        var now = time.GetUtcNow();
        switch (record.StateAt(now))
        {
            case ApiTokenState.Revoked:
                ApiTokenLog.Refused(Logger, ApiTokenState.Revoked, record.Name);
                return AuthenticateResult.Fail(
                    $"The API token '{record.Name}' was revoked at {At(record.RevokedAt!.Value)}; ask dispatch's administrator for a new one.");
            case ApiTokenState.Expired:
                ApiTokenLog.Refused(Logger, ApiTokenState.Expired, record.Name);
                return AuthenticateResult.Fail(
                    $"The API token '{record.Name}' expired at {At(record.ExpiresAt!.Value)}; ask dispatch's administrator to rotate it.");
        }

        if (watch.ShouldTouch(hash))
        {
            await store.TouchApiTokenAsync(hash, Context.RequestAborted);
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, "token:" + record.Name), new Claim(ClaimTypes.Role, Role)], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        var reason = result.Failure?.Message ?? "An API token is required (authorization: Bearer hgd_...).";
        if (Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true)
        {
            // A trailers-only gRPC answer, so the client sees UNAUTHENTICATED with the reason instead of "HTTP 401".
            Response.StatusCode = StatusCodes.Status200OK;
            Response.ContentType = "application/grpc";
            Response.Headers["grpc-status"] = "16";
            Response.Headers["grpc-message"] = Uri.EscapeDataString(reason);
            return;
        }

        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = result.Failure is null
            ? "Bearer"
            : $"Bearer error=\"invalid_token\", error_description=\"{reason.Replace("\"", "'", StringComparison.Ordinal)}\"";
    }

    private static string At(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}
