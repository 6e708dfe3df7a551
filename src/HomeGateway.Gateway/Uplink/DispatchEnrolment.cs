using System.Buffers.Text;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Serialization;
using HomeGateway.Contracts.Api;

namespace HomeGateway.Gateway.Uplink;

/// <summary>
/// The gateway side of enrolment (<c>homegateway enroll</c>). The enrolment code from dispatch carries a one-time
/// token and the SHA-256 fingerprint of dispatch's CA. The gateway makes its key pair here (the private key
/// never leaves the data directory), checks that the server it reached has a certificate from the CA with that
/// fingerprint and for the host it asked for — only then does it send the token and a certificate signing
/// request — and stores what comes back. Enrolling again with a new code replaces key and certificate.
/// </summary>
public static class DispatchEnrolment
{

    /// <summary>Enrols this gateway; a clear <see cref="EnrolmentFailedException"/> on every refusal.</summary>
    public static async Task<EnrolmentResult> EnrolAsync(Uri dispatch, string code, string dataDirectory, CancellationToken cancellationToken)
    {
        if (!EnrolmentCode.TryParse(code, out var token, out var fingerprint))
        {
            throw new EnrolmentFailedException(
                $"'{Shorten(code)}' is not an enrolment code (one line like hge1.XXXX.YYYY, printed by `homegateway-dispatch gateways enroll GATEWAY_ID`)");
        }

        if (dispatch.Scheme != Uri.UriSchemeHttps)
        {
            throw new EnrolmentFailedException($"--dispatch {dispatch} must be an https:// address (dispatch's gateway endpoint)");
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        // No subject: dispatch decides the gateway id from the code and writes it into the certificate.
        var csr = new CertificateRequest(new X500DistinguishedName(""), key, HashAlgorithmName.SHA256).CreateSigningRequestPem();

        string? refusal = null;
        X509Certificate2? pinnedCa = null;
        using var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            refusal = CheckServer(dispatch, certificate, errors, fingerprint, out pinnedCa);
            return refusal is null;
        };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };

        HttpResponseMessage response;
        try
        {
            response = await http.PostAsJsonAsync(new Uri(dispatch, "/enroll"), new EnrolmentRequest(token, csr), EnrolmentJsonContext.Default.EnrolmentRequest, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex) when (refusal is not null)
        {
            throw new EnrolmentFailedException(refusal + "; nothing was sent", ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new EnrolmentFailedException($"dispatch is unreachable at {dispatch}: {ex.Message}", ex);
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new EnrolmentFailedException($"dispatch refused the enrolment ({(int)response.StatusCode}): {ErrorText(body)}");
            }

            var answer = Read(body);
            using var ca = X509Certificate2.CreateFromPem(answer.CaCertificate);
            using var certificate = X509Certificate2.CreateFromPem(answer.Certificate);
            if (pinnedCa is null || !ca.RawData.AsSpan().SequenceEqual(pinnedCa.RawData))
            {
                throw new EnrolmentFailedException("dispatch answered with a CA certificate other than the one its server certificate came from; nothing was stored");
            }

            using var publicKey = certificate.GetECDsaPublicKey();
            if (publicKey is null || !publicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo())
                || !DispatchCredentials.IssuedBy(ca, certificate, clientAuth: true))
            {
                throw new EnrolmentFailedException("dispatch's certificate does not match this gateway's key or its CA; nothing was stored");
            }

            Directory.CreateDirectory(dataDirectory);
            // The certificate last: a running uplink reloads when it changes, and by then the key beside it is the new one.
            WriteFile(DispatchCredentials.CaPath(dataDirectory), ca.ExportCertificatePem(), secret: false);
            WriteFile(DispatchCredentials.KeyPath(dataDirectory), key.ExportPkcs8PrivateKeyPem(), secret: true);
            WriteFile(DispatchCredentials.CertificatePath(dataDirectory), certificate.ExportCertificatePem(), secret: false);
            pinnedCa.Dispose();
            return new EnrolmentResult(answer.GatewayId, answer.HomeId, certificate.SerialNumber, certificate.NotAfter.ToUniversalTime(),
                FormatFingerprint(fingerprint));
        }
    }

    public static string FormatFingerprint(byte[] fingerprint) =>
        string.Join(':', Convert.ToHexString(fingerprint).Chunk(2).Select(pair => new string(pair)));

    private static string? CheckServer(Uri dispatch, X509Certificate? presented, System.Net.Security.SslPolicyErrors errors, byte[] fingerprint, out X509Certificate2? ca)
    {
        ca = null;
        if (presented is null)
        {
            return $"{dispatch} presented no certificate";
        }

        var leaf = presented as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        var carried = leaf.Extensions[EnrolmentCode.CaCertificateExtensionOid];
        if (carried is null)
        {
            return $"{dispatch} is not a HomeGateway dispatch gateway endpoint (its certificate names no dispatch CA)";
        }

        var candidate = X509CertificateLoader.LoadCertificate(carried.RawData);
        var actual = SHA256.HashData(candidate.RawData);
        if (!CryptographicOperations.FixedTimeEquals(actual, fingerprint))
        {
            candidate.Dispose();
            return $"the CA fingerprint does not match: the server at {dispatch} has CA {FormatFingerprint(actual)}, the code expects {FormatFingerprint(fingerprint)} "
                + "(a mistyped code, a code from another dispatch, or someone in between)";
        }

        if ((errors & System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            candidate.Dispose();
            return $"dispatch's certificate is not issued for '{dispatch.Host}' (use the address named in Dispatch:PublicNames)";
        }

        if (!DispatchCredentials.IssuedBy(candidate, leaf, clientAuth: false))
        {
            candidate.Dispose();
            return $"the server certificate at {dispatch} is not signed by the CA it names, or has expired";
        }

        ca = candidate;
        return null;
    }

    private static EnrolmentAnswer Read(string body)
    {
        try
        {
            return JsonSerializer.Deserialize(body, EnrolmentJsonContext.Default.EnrolmentAnswer) is { GatewayId.Length: > 0, Certificate.Length: > 0, CaCertificate.Length: > 0 } answer
                ? answer
                : throw new EnrolmentFailedException("dispatch's answer lacks the certificate; nothing was stored");
        }
        catch (JsonException ex)
        {
            throw new EnrolmentFailedException("dispatch's answer is not the expected JSON; nothing was stored", ex);
        }
    }

    private static string ErrorText(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.TryGetProperty("error", out var error) && error.GetString() is { Length: > 0 } text)
            {
                return text;
            }
        }
        catch (JsonException)
        {
            // Not ours (a proxy's error page): show its start below.
        }

        return Shorten(body);
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";

    private static void WriteFile(string path, string pem, bool secret) =>
        AtomicFile.Write(path, pem + "\n", secret ? AtomicFile.Private : AtomicFile.Public, durable: true);

    internal sealed record EnrolmentRequest(string Token, string Csr);

    internal sealed record EnrolmentAnswer(string GatewayId, string HomeId, string Certificate, string CaCertificate);
}

public sealed record EnrolmentResult(string GatewayId, string HomeId, string Serial, DateTime NotAfter, string CaFingerprint);

/// <summary>Enrolment did not happen; the message says why in words a technician can act on.</summary>
public sealed class EnrolmentFailedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The enrolment exchange's JSON (camelCase, as dispatch's /enroll reads and writes it), source-generated for NativeAOT.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(DispatchEnrolment.EnrolmentRequest))]
[JsonSerializable(typeof(DispatchEnrolment.EnrolmentAnswer))]
internal sealed partial class EnrolmentJsonContext : JsonSerializerContext;
