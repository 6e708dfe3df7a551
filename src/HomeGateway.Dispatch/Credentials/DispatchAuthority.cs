using HomeGateway.Contracts.Api;
using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace HomeGateway.Dispatch.Credentials;

/// <summary>
/// Dispatch's own certificate authority. It signs two kinds of certificate: the server certificate of the
/// gateway endpoint, and one client certificate per enrolled gateway. Its key is made on first use in
/// <c>&lt;DataDirectory&gt;/ca/</c> (mode 0600, in a 0700 directory) and never leaves it: gateways get the
/// CA certificate and pin its SHA-256 fingerprint, so no public CA and no system trust store is involved.
/// All times come from <see cref="TimeProvider"/>.
/// </summary>
public sealed class DispatchAuthority : IDisposable
{
    public const string DirectoryName = "ca";
    public const string CaCertificateFile = "ca.crt";
    public const string CaKeyFile = "ca.key";
    public const string ServerCertificateFile = "server.crt";
    public const string ServerKeyFile = "server.key";

    /// <summary>How long a gateway certificate is valid. Renewal is a re-enrolment (a new one-time code).</summary>
    public static readonly TimeSpan GatewayCertificateLifetime = TimeSpan.FromDays(2 * 365);

    private static readonly TimeSpan CaLifetime = TimeSpan.FromDays(20 * 365);
    private static readonly TimeSpan ServerCertificateLifetime = TimeSpan.FromDays(365);

    // A server certificate this close to its end is replaced at the next start.
    private static readonly TimeSpan ServerRenewalMargin = TimeSpan.FromDays(30);

    // Clocks on small devices drift: a certificate valid "from now" would be refused by a gateway a minute behind.
    private static readonly TimeSpan Backdate = TimeSpan.FromHours(1);

    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");

    private readonly ECDsa caKey;
    private readonly TimeProvider time;

    private DispatchAuthority(string directory, X509Certificate2 caCertificate, ECDsa caKey, TimeProvider time)
    {
        Directory = directory;
        CaCertificate = caCertificate;
        this.caKey = caKey;
        this.time = time;
        Fingerprint = FingerprintOf(caCertificate);
    }

    public string Directory { get; }

    /// <summary>The CA certificate (public part only).</summary>
    public X509Certificate2 CaCertificate { get; }

    /// <summary>SHA-256 of the CA certificate (DER): what a gateway pins at enrolment.</summary>
    public byte[] Fingerprint { get; }

    /// <summary>The fingerprint as people compare it: upper-case hex pairs separated by colons.</summary>
    public string FingerprintText => FormatFingerprint(Fingerprint);

    public static byte[] FingerprintOf(X509Certificate2 certificate) => SHA256.HashData(certificate.RawData);

    public static string FormatFingerprint(byte[] fingerprint) => Convert.ToHexString(fingerprint).Chunk(2).Aggregate(
        new System.Text.StringBuilder(), (text, pair) => (text.Length > 0 ? text.Append(':') : text).Append(pair)).ToString();

    /// <summary>Loads the CA from <paramref name="dataDirectory"/>, creating it the first time.</summary>
    public static DispatchAuthority LoadOrCreate(string dataDirectory, TimeProvider time)
    {
        var directory = Path.Combine(dataDirectory, DirectoryName);
        var certificatePath = Path.Combine(directory, CaCertificateFile);
        var keyPath = Path.Combine(directory, CaKeyFile);
        if (!File.Exists(certificatePath) || !File.Exists(keyPath))
        {
            CreateCa(directory, time);
        }

        var certificate = X509CertificateLoader.LoadCertificate(PemFile.ReadCertificateDer(certificatePath));
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(keyPath));
            using var publicKey = certificate.GetECDsaPublicKey();
            if (publicKey is null || !publicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
            {
                throw new InvalidOperationException($"{keyPath} is not the key of {certificatePath}; restore both from the same backup.");
            }
        }
        catch
        {
            key.Dispose();
            certificate.Dispose();
            throw;
        }

        return new DispatchAuthority(directory, certificate, key, time);
    }

    /// <summary>
    /// The gateway endpoint's certificate with its key, for <paramref name="names"/> (DNS names or IP addresses).
    /// Reused while it is this CA's, names exactly these and is not near its end; otherwise a new one is made.
    /// </summary>
    public X509Certificate2 ServerCertificate(IReadOnlyCollection<string> names)
    {
        var certificatePath = Path.Combine(Directory, ServerCertificateFile);
        var keyPath = Path.Combine(Directory, ServerKeyFile);
        if (File.Exists(certificatePath) && File.Exists(keyPath))
        {
            var existing = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            if (IsIssuedHere(existing) && existing.NotAfter.ToUniversalTime() - ServerRenewalMargin > time.GetUtcNow().UtcDateTime
                && SameNames(existing, names))
            {
                return existing;
            }

            existing.Dispose();
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=HomeGateway dispatch"), key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            if (IPAddress.TryParse(name, out var address))
            {
                san.AddIpAddress(address);
            }
            else
            {
                san.AddDnsName(name);
            }
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ServerAuth], critical: false));
        request.CertificateExtensions.Add(new X509Extension(EnrolmentCode.CaCertificateExtensionOid, CaCertificate.RawData, critical: false));
        var now = time.GetUtcNow();
        using var issued = Sign(request, now - Backdate, now + ServerCertificateLifetime);
        PemFile.WritePrivate(keyPath, key.ExportPkcs8PrivateKeyPem());
        PemFile.WritePublic(certificatePath, issued.ExportCertificatePem());
        return X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
    }

    /// <summary>
    /// Signs a gateway's certificate signing request. The subject is <paramref name="gatewayId"/>, whatever the
    /// request asked for: dispatch decides who a gateway is. A request that names another gateway is refused.
    /// </summary>
    public X509Certificate2 IssueGatewayCertificate(string csrPem, string gatewayId)
    {
        CertificateRequest request;
        try
        {
            request = CertificateRequest.LoadSigningRequestPem(csrPem, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            throw new EnrolmentRefusedException(EnrolmentRefusal.BadRequest, $"The certificate signing request is not a valid, signed PKCS#10 request ({ex.Message}).");
        }

        var asked = CommonName(request.SubjectName);
        if (asked.Length > 0 && !string.Equals(asked, gatewayId, StringComparison.Ordinal))
        {
            throw new EnrolmentRefusedException(EnrolmentRefusal.WrongGateway,
                $"The signing request names gateway '{asked}', but this enrolment code is for gateway '{gatewayId}'.");
        }

        var issued = new CertificateRequest(new X500DistinguishedName(SubjectFor(gatewayId)), request.PublicKey, HashAlgorithmName.SHA256);
        issued.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        issued.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        issued.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ClientAuth], critical: false));
        var now = time.GetUtcNow();
        return Sign(issued, now - Backdate, now + GatewayCertificateLifetime);
    }

    /// <summary>
    /// Checks a certificate a gateway presented: chained to this CA (and only this CA), meant for client
    /// authentication and inside its validity at <see cref="TimeProvider"/>'s now. Revocation is the store's part.
    /// </summary>
    public GatewayCertificateCheck CheckGatewayCertificate(X509Certificate2 certificate)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (certificate.NotAfter.ToUniversalTime() < now)
        {
            return GatewayCertificateCheck.Refused($"the gateway certificate expired on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC; re-enrol the gateway");
        }

        if (certificate.NotBefore.ToUniversalTime() > now)
        {
            return GatewayCertificateCheck.Refused($"the gateway certificate is not valid before {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} UTC (check the clocks)");
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(CaCertificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        chain.ChainPolicy.ApplicationPolicy.Add(ClientAuth);
        if (!chain.Build(certificate) || !IsIssuedHere(certificate))
        {
            return GatewayCertificateCheck.Refused("the certificate was not issued by this dispatch's CA; enrol the gateway with a code from this dispatch");
        }

        var gatewayId = CommonName(certificate.SubjectName);
        return gatewayId.Length == 0
            ? GatewayCertificateCheck.Refused("the certificate names no gateway")
            : GatewayCertificateCheck.Accepted(gatewayId, SerialOf(certificate));
    }

    /// <summary>The serial number as stored: upper-case hex, as <c>openssl x509 -serial</c> shows it.</summary>
    public static string SerialOf(X509Certificate2 certificate) => certificate.SerialNumber.ToUpperInvariant();

    public static string CommonName(X500DistinguishedName name)
    {
        foreach (var part in name.EnumerateRelativeDistinguishedNames())
        {
            if (part.GetSingleElementType().Value == "2.5.4.3")
            {
                return part.GetSingleElementValue() ?? "";
            }
        }

        return "";
    }

    public void Dispose()
    {
        caKey.Dispose();
        CaCertificate.Dispose();
    }

    private static string SubjectFor(string gatewayId)
    {
        var name = new X500DistinguishedNameBuilder();
        name.AddCommonName(gatewayId);
        name.AddOrganizationalUnitName("HomeGateway gateways");
        return name.Build().Name;
    }

    private X509Certificate2 Sign(CertificateRequest request, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(CaCertificate, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // a positive INTEGER, as RFC 5280 asks
        var generator = X509SignatureGenerator.CreateForECDsa(caKey);
        return request.Create(CaCertificate.SubjectName, generator, notBefore, notAfter, serial);
    }

    private bool IsIssuedHere(X509Certificate2 certificate)
    {
        using var publicKey = CaCertificate.GetECDsaPublicKey();
        var tbs = TbsAndSignature(certificate);
        return tbs is { } parts && publicKey is not null
            && publicKey.VerifyData(parts.Tbs, parts.Signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
    }

    // The signed part and the signature of a certificate, to check the issuer's signature without a chain engine.
    private static (byte[] Tbs, byte[] Signature)? TbsAndSignature(X509Certificate2 certificate)
    {
        try
        {
            var reader = new AsnReader(certificate.RawData, AsnEncodingRules.DER);
            var sequence = reader.ReadSequence();
            var tbs = sequence.ReadEncodedValue().ToArray();
            sequence.ReadSequence(); // signature algorithm
            var signature = sequence.ReadBitString(out _);
            return (tbs, signature);
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    private static bool SameNames(X509Certificate2 certificate, IReadOnlyCollection<string> names)
    {
        var extension = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        if (extension is null)
        {
            return false;
        }

        var present = extension.EnumerateDnsNames().Concat(extension.EnumerateIPAddresses().Select(a => a.ToString()))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        var wanted = names.Select(n => IPAddress.TryParse(n, out var a) ? a.ToString() : n).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return present.SetEquals(wanted);
    }

    private static void CreateCa(string directory, TimeProvider time)
    {
        var info = System.IO.Directory.CreateDirectory(directory);
        if (!OperatingSystem.IsWindows())
        {
            info.UnixFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var name = new X500DistinguishedNameBuilder();
        name.AddCommonName($"HomeGateway dispatch CA {time.GetUtcNow():yyyy-MM-dd}");
        name.AddOrganizationalUnitName("HomeGateway");
        var request = new CertificateRequest(name.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = time.GetUtcNow();
        using var ca = request.CreateSelfSigned(now - Backdate, now + CaLifetime);

        // Key first, certificate last: a crash in between leaves no certificate, so the next start makes a new pair.
        PemFile.WritePrivate(Path.Combine(directory, CaKeyFile), key.ExportPkcs8PrivateKeyPem());
        PemFile.WritePublic(Path.Combine(directory, CaCertificateFile), ca.ExportCertificatePem());
    }
}

/// <summary>The outcome of checking a presented gateway certificate.</summary>
public sealed record GatewayCertificateCheck(bool IsAccepted, string GatewayId, string Serial, string Problem)
{
    public static GatewayCertificateCheck Accepted(string gatewayId, string serial) => new(true, gatewayId, serial, "");

    public static GatewayCertificateCheck Refused(string problem) => new(false, "", "", problem);
}

/// <summary>PEM files written whole (temporary file, then rename), private ones created with mode 0600.</summary>
internal static class PemFile
{
    public static byte[] ReadCertificateDer(string path)
    {
        var pem = File.ReadAllText(path);
        var fields = PemEncoding.Find(pem);
        return Convert.FromBase64String(pem[fields.Base64Data]);
    }

    public static void WritePrivate(string path, string pem) => Write(path, pem, UnixFileMode.UserRead | UnixFileMode.UserWrite);

    // Public, but in dispatch's private data directory, where everything is owner-only (PrivateFiles): gateways get the CA
    // over /enroll, and an operator who needs ca.crt reads it as dispatch's user.
    public static void WritePublic(string path, string pem) =>
        Write(path, pem, UnixFileMode.UserRead | UnixFileMode.UserWrite);

    private static void Write(string path, string pem, UnixFileMode mode)
    {
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }

        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(pem);
            writer.Write('\n');
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }

        if (!OperatingSystem.IsWindows())
        {
            // An existing temporary file keeps its old mode; make sure.
            File.SetUnixFileMode(temporary, mode);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
