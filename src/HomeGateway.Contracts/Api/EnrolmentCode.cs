using System.Buffers.Text;
using System.Security.Cryptography;

namespace HomeGateway.Contracts.Api;

/// <summary>
/// The enrolment contract between dispatch and a gateway. The code a technician carries from dispatch to the gateway
/// is <c>hge1.&lt;token&gt;.&lt;CA fingerprint&gt;</c>, both parts URL-safe base64 (the token is 32 random bytes; the
/// fingerprint the CA certificate's SHA-256). Dispatch issues it (<c>gateways enroll</c>, the console); the gateway's
/// <c>homegateway enroll</c> reads it.
/// </summary>
public static class EnrolmentCode
{
    public const string Prefix = "hge1";

    /// <summary>
    /// Dispatch's server certificate carries its CA certificate in this extension (TLS does not send a self-signed root),
    /// so the gateway can check the fingerprint before it sends the token. A UUID-based OID (2.25.x), ours alone.
    /// </summary>
    public const string CaCertificateExtensionOid = "2.25.16852460801696583438517054598393872262";

    public static string NewToken() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static string Format(string token, byte[] caFingerprint) => $"{Prefix}.{token}.{Base64Url.EncodeToString(caFingerprint)}";

    public static bool TryParse(string code, out string token, out byte[] caFingerprint)
    {
        token = "";
        caFingerprint = [];
        var parts = code.Trim().Split('.');
        if (parts.Length != 3 || parts[0] != Prefix || parts[1].Length < 32)
        {
            return false;
        }

        try
        {
            caFingerprint = Base64Url.DecodeFromChars(parts[2]);
        }
        catch (FormatException)
        {
            return false;
        }

        token = parts[1];
        return caFingerprint.Length == SHA256.HashSizeInBytes;
    }
}
