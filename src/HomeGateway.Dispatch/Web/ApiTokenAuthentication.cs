using System.Security.Claims;
using System.Text.Encodings.Web;
using HomeGateway.Dispatch.Credentials;
using HomeGateway.Dispatch.Store;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HomeGateway.Dispatch.Web;

/// <summary>Integrations authenticate with <c>Authorization: Bearer hgd_...</c>, looked up by its SHA-256.</summary>
internal sealed class ApiTokenAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    IDispatchStore store) : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
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

        var name = await store.FindApiTokenByHashAsync(Secrets.Hash(token), Context.RequestAborted);
        if (name is null)
        {
            return AuthenticateResult.Fail("Unknown API token.");
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, "token:" + name), new Claim(ClaimTypes.Role, Role)], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}
