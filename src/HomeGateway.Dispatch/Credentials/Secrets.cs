using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace HomeGateway.Dispatch.Credentials;

/// <summary>
/// Bearer secrets for integrations (gateways use certificates; their one-time enrolment tokens are hashed the same way). Only their SHA-256 is stored: the secrets are 32 random
/// bytes, so a fast hash is enough (there is nothing to brute-force), and it lets dispatch find the owner
/// by an indexed lookup instead of trying every row.
/// </summary>
internal static class Secrets
{
    public const string ApiTokenPrefix = "hgd_";

    public static string NewApiToken() => ApiTokenPrefix + RandomUrlSafe(32);

    /// <summary>A password for a console user: as strong as a token, typed rarely (password managers).</summary>
    public static string NewPassword() => RandomUrlSafe(24);

    /// <summary>A console session id: only the encrypted session cookie carries it, the store keeps its hash.</summary>
    public static string NewSessionId() => RandomUrlSafe(32);

    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    /// <summary>The token from an <c>Authorization: Bearer ...</c> header, or null.</summary>
    public static string? BearerToken(string? authorizationHeader)
    {
        const string scheme = "Bearer ";
        if (authorizationHeader is null || !authorizationHeader.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = authorizationHeader[scheme.Length..].Trim();
        return token.Length == 0 ? null : token;
    }

    private static string RandomUrlSafe(int bytes) => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(bytes));
}
