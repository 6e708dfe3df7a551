using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace HomeGateway.Gateway.Tests.Mqtt;

/// <summary>Throwaway CAs and certificates for TLS tests, made on the spot (ECDSA P-256, valid for a day), written as PEM files.</summary>
internal sealed class TestCertificates
{
    private TestCertificates(X509Certificate2 certificate) => Certificate = certificate;

    public X509Certificate2 Certificate { get; }

    /// <summary>A self-signed certificate authority.</summary>
    public static TestCertificates CreateAuthority(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        return new TestCertificates(request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1)));
    }

    /// <summary>A server certificate for localhost / 127.0.0.1 signed by this authority.</summary>
    public TestCertificates IssueServer() => Issue("CN=localhost", server: true);

    /// <summary>A client certificate (mutual TLS) signed by this authority.</summary>
    public TestCertificates IssueClient(string name) => Issue($"CN={name}", server: false);

    private TestCertificates Issue(string subject, bool server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [server ? new Oid("1.3.6.1.5.5.7.3.1") : new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7f;
        var now = DateTimeOffset.UtcNow;
        using var issued = request.Create(Certificate, now.AddMinutes(-5), now.AddHours(12), serial);
        return new TestCertificates(issued.CopyWithPrivateKey(key));
    }

    /// <summary>Writes <c>NAME.pem</c> (certificate) and <c>NAME.key</c> (PKCS#8 key) into the directory; returns both paths.</summary>
    public (string CertificateFile, string KeyFile) WritePem(string directory, string name)
    {
        var certificateFile = Path.Combine(directory, name + ".pem");
        var keyFile = Path.Combine(directory, name + ".key");
        File.WriteAllText(certificateFile, Certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, Certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return (certificateFile, keyFile);
    }

    /// <summary>Writes the certificate and key as a PKCS#12 file protected by <paramref name="password"/>.</summary>
    public string WritePfx(string directory, string name, string password)
    {
        var file = Path.Combine(directory, name + ".pfx");
        File.WriteAllBytes(file, Certificate.Export(X509ContentType.Pkcs12, password));
        return file;
    }
}
