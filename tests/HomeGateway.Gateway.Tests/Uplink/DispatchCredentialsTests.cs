using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using HomeGateway.Gateway.Uplink;

namespace HomeGateway.Gateway.Tests.Uplink;

/// <summary>
/// Invariant: the uplink uses only credentials that fit together (key, certificate, the CA that signed it) and says
/// in words what to do when they do not; an enrolment code is read strictly. The exchange with a real dispatch is
/// in the end-to-end tests (GatewayEnrolmentTests, AlertPathInProcessTests).
/// </summary>
public sealed class DispatchCredentialsTests
{
    [Fact]
    public void An_enrolment_code_carries_a_token_and_a_SHA_256_fingerprint()
    {
        var fingerprint = SHA256.HashData("ca"u8);
        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

        Assert.True(HomeGateway.Contracts.Api.EnrolmentCode.TryParse($"  hge1.{token}.{Base64Url.EncodeToString(fingerprint)}\n", out var parsedToken, out var parsedFingerprint));
        Assert.Equal(token, parsedToken);
        Assert.Equal(fingerprint, parsedFingerprint);
    }

    [Theory]
    [InlineData("")]
    [InlineData("hgw_an-old-bearer-token-from-gateways-add")]
    [InlineData("hge1.short.AAAA")]
    [InlineData("hge2.0123456789012345678901234567890123456789012.n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg")]
    [InlineData("hge1.0123456789012345678901234567890123456789012.AAAA")]
    [InlineData("hge1.0123456789012345678901234567890123456789012.not*base64")]
    public void Anything_else_is_not_an_enrolment_code(string code) =>
        Assert.False(HomeGateway.Contracts.Api.EnrolmentCode.TryParse(code, out _, out _));

    [Fact]
    public void Missing_credentials_name_the_files_and_the_command_that_makes_them()
    {
        using var dir = new TempDirectory();

        var missing = Assert.Throws<DispatchCredentialsException>(() => DispatchCredentials.Load(dir.Path));

        Assert.Contains(DispatchCredentials.KeyFileName, missing.Message, StringComparison.Ordinal);
        Assert.Contains("homegateway enroll", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_certificate_from_another_CA_than_the_stored_one_is_refused()
    {
        using var dir = new TempDirectory();
        var (ca, caKey) = NewCa("CN=dispatch CA");
        var (otherCa, otherKey) = NewCa("CN=another CA");
        using var disposeCa = ca;
        using var disposeCaKey = caKey;
        using var disposeOther = otherCa;
        using var disposeOtherKey = otherKey;
        WriteCredentials(dir.Path, issuer: otherCa, issuerKey: otherKey, trusted: ca);

        var refused = Assert.Throws<DispatchCredentialsException>(() => DispatchCredentials.Load(dir.Path));

        Assert.Contains("not signed by", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fitting_credentials_load_with_the_gateway_id_dispatch_chose()
    {
        using var dir = new TempDirectory();
        var (ca, caKey) = NewCa("CN=dispatch CA");
        using var disposeCa = ca;
        using var disposeCaKey = caKey;
        WriteCredentials(dir.Path, issuer: ca, issuerKey: caKey, trusted: ca);

        using var credentials = DispatchCredentials.Load(dir.Path);

        Assert.Equal("kotka-0042", credentials.GatewayId);
        Assert.True(credentials.ClientCertificate.HasPrivateKey);
    }

    internal static (X509Certificate2 Certificate, ECDsa Key) NewCa(string name)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(name, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        return (request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddYears(5)), key);
    }

    internal static void WriteCredentials(string directory, X509Certificate2 issuer, ECDsa issuerKey, X509Certificate2 trusted)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=kotka-0042", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var certificate = request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey),
            DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddYears(2), [1, 2, 3, 4, 5, 6, 7, 8]);
        File.WriteAllText(DispatchCredentials.KeyPath(directory), key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(DispatchCredentials.CertificatePath(directory), certificate.ExportCertificatePem());
        File.WriteAllText(DispatchCredentials.CaPath(directory), trusted.ExportCertificatePem());
    }
}
