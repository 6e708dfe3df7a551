using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace HomeGateway.Gateway.Uplink;

/// <summary>
/// The gateway's identity at dispatch, as <c>homegateway enroll</c> leaves it in the data directory: its private
/// key (mode 0600, made on the gateway, never sent), its certificate signed by dispatch's CA, and that CA's
/// certificate, the only one trusted for the uplink (no system trust store: a public CA cannot vouch for dispatch).
/// </summary>
public sealed class DispatchCredentials : IDisposable
{
    public const string KeyFileName = "dispatch-client.key";
    public const string CertificateFileName = "dispatch-client.crt";
    public const string CaFileName = "dispatch-ca.crt";

    private DispatchCredentials(X509Certificate2 clientCertificate, X509Certificate2 caCertificate)
    {
        ClientCertificate = clientCertificate;
        CaCertificate = caCertificate;
    }

    /// <summary>The gateway's certificate with its private key.</summary>
    public X509Certificate2 ClientCertificate { get; }

    public X509Certificate2 CaCertificate { get; }

    /// <summary>The gateway id dispatch put into the certificate.</summary>
    public string GatewayId => ClientCertificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);

    public static string KeyPath(string dataDirectory) => Path.Combine(dataDirectory, KeyFileName);

    public static string CertificatePath(string dataDirectory) => Path.Combine(dataDirectory, CertificateFileName);

    public static string CaPath(string dataDirectory) => Path.Combine(dataDirectory, CaFileName);

    /// <summary>The credential files that are missing (none: the gateway is enrolled).</summary>
    public static IReadOnlyList<string> Missing(string dataDirectory) =>
        [.. new[] { KeyPath(dataDirectory), CertificatePath(dataDirectory), CaPath(dataDirectory) }.Where(p => !File.Exists(p))];

    /// <summary>Loads the credentials; a clear <see cref="DispatchCredentialsException"/> when they are missing or do not fit together.</summary>
    public static DispatchCredentials Load(string dataDirectory)
    {
        if (Missing(dataDirectory) is { Count: > 0 } missing)
        {
            throw new DispatchCredentialsException(
                $"This gateway is not enrolled at dispatch ({string.Join(", ", missing)} missing); run `homegateway enroll --dispatch URL --token-file -`");
        }

        X509Certificate2 client;
        X509Certificate2 ca;
        try
        {
            client = X509Certificate2.CreateFromPemFile(CertificatePath(dataDirectory), KeyPath(dataDirectory));
            ca = X509CertificateLoader.LoadCertificateFromFile(CaPath(dataDirectory));
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new DispatchCredentialsException(
                $"The dispatch credentials in {dataDirectory} cannot be read ({ex.Message}); enrol the gateway again with a new code", ex);
        }

        if (!IssuedBy(ca, client, clientAuth: true))
        {
            client.Dispose();
            ca.Dispose();
            throw new DispatchCredentialsException(
                $"{CertificatePath(dataDirectory)} is not signed by {CaPath(dataDirectory)} or has expired; enrol the gateway again with a new code");
        }

        return new DispatchCredentials(client, ca);
    }

    /// <summary>Mutual TLS on <paramref name="handler"/>: present this gateway's certificate, trust only dispatch's CA.</summary>
    public void Apply(SocketsHttpHandler handler)
    {
        handler.SslOptions = new SslClientAuthenticationOptions
        {
            ClientCertificates = [ClientCertificate],
            // Offer our certificate whatever issuer list the server names: dispatch checks it, not the TLS stack.
            LocalCertificateSelectionCallback = (_, _, _, _, _) => ClientCertificate,
            RemoteCertificateValidationCallback = (_, certificate, _, errors) => IsDispatch(CaCertificate, certificate, errors),
        };
    }

    /// <summary>
    /// True when the server certificate is for the host we asked for and is signed by <paramref name="ca"/>.
    /// The platform's own chain verdict is ignored: it judges by the system trust store, which plays no part here.
    /// </summary>
    public static bool IsDispatch(X509Certificate2 ca, X509Certificate? certificate, SslPolicyErrors errors) =>
        certificate is not null
        && (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) == 0
        && IssuedBy(ca, certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()), clientAuth: false);

    /// <summary>True when <paramref name="certificate"/> chains to <paramref name="ca"/> (and only to it) and is valid now.</summary>
    public static bool IssuedBy(X509Certificate2 ca, X509Certificate2 certificate, bool clientAuth)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid(clientAuth ? "1.3.6.1.5.5.7.3.2" : "1.3.6.1.5.5.7.3.1"));
        return chain.Build(certificate);
    }

    public void Dispose()
    {
        ClientCertificate.Dispose();
        CaCertificate.Dispose();
    }
}

/// <summary>The gateway's dispatch credentials are missing or unusable; the message says what to do.</summary>
public sealed class DispatchCredentialsException(string message, Exception? inner = null) : InvalidOperationException(message, inner);
