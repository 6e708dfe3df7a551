using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using HomeGateway.Contracts.V1;
using HomeGateway.Dispatch.Credentials;
using HomeGateway.Dispatch.Store;
using Microsoft.Extensions.Time.Testing;

namespace HomeGateway.Dispatch.Tests.Ingest;

/// <summary>
/// Invariant: an uplink stream is served only to a certificate this dispatch's CA issued, inside its validity, not
/// revoked or superseded; revoking closes a live stream; the CA outlives a restart. Real TLS over loopback sockets.
/// </summary>
public sealed class GatewayCertificateTests : IAsyncLifetime
{
    private DispatchServer server = null!;

    public async Task InitializeAsync() => server = await DispatchServer.StartAsync();

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task A_stream_without_a_client_certificate_is_refused()
    {
        await server.AddGatewayAsync("gw-1");

        var refused = await RefusalAsync(null, "gw-1");

        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Contains("certificate is required", refused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_certificate_from_another_CA_is_refused_even_with_a_registered_gateway_id()
    {
        await server.AddGatewayAsync("gw-1");
        using var foreign = ForeignCertificate("gw-1");

        var refused = await RefusalAsync(foreign, "gw-1");

        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Contains("not issued by this dispatch's CA", refused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expired_certificate_is_refused()
    {
        // The same CA, three years ago: the certificate it issued then (two-year lifetime) has run out.
        var then = new FakeTimeProvider(DateTimeOffset.UtcNow.AddYears(-3));
        using var pastAuthority = DispatchAuthority.LoadOrCreate(server.DataDirectory, then);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var issued = pastAuthority.IssueGatewayCertificate(DispatchServer.Csr(key), "gw-old");
        using var certificate = issued.CopyWithPrivateKey(key);
        await server.Store.AddGatewayAsync("gw-old", "home-1");
        await server.Store.AddEnrolmentTokenAsync("gw-old", Secrets.Hash("t"), DateTimeOffset.UtcNow.AddHours(1));
        Assert.True(await server.Store.CompleteEnrolmentAsync(Secrets.Hash("t"),
            new GatewayCertificateRecord(DispatchAuthority.SerialOf(certificate), "gw-old", then.GetUtcNow(), certificate.NotAfter.ToUniversalTime(), null)));

        var refused = await RefusalAsync(certificate, "gw-old");

        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Contains("expired", refused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_revoked_certificate_is_refused()
    {
        var certificate = await server.AddGatewayAsync("gw-2");
        await server.Store.RevokeGatewayAsync("gw-2");

        var refused = await RefusalAsync(certificate, "gw-2");

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Contains("revoked", refused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Re_enrolment_supersedes_the_old_certificate()
    {
        var old = await server.AddGatewayAsync("gw-3");
        var current = await server.AddGatewayAsync("gw-3");

        Assert.Equal(StatusCode.PermissionDenied, (await RefusalAsync(old, "gw-3")).StatusCode);
        using var stream = await server.ConnectAsync(current);
        await stream.HelloAsync("gw-3");
    }

    [Fact]
    public async Task Revoking_closes_a_live_stream_with_a_status_that_says_so()
    {
        var certificate = await server.AddGatewayAsync("gw-4");
        using var stream = await server.ConnectAsync(certificate);
        await stream.HelloAsync("gw-4");
        Assert.Equal(1UL, await stream.SendRecordAsync(Records.Wire(1, Records.Sensor())));

        await server.Store.RevokeGatewayAsync("gw-4");

        var closed = await stream.FailureAsync();
        Assert.Equal(StatusCode.PermissionDenied, closed.StatusCode);
        Assert.Contains("revoked", closed.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_CA_persists_across_a_restart_and_an_enrolled_gateway_reconnects()
    {
        var certificate = await server.AddGatewayAsync("gw-5");
        var fingerprint = server.Authority.Fingerprint;
        using (var before = await server.ConnectAsync(certificate))
        {
            await before.HelloAsync("gw-5");
            await before.SendRecordAsync(Records.Wire(1, Records.Sensor()));
        }

        await server.RestartAsync();

        Assert.Equal(fingerprint, server.Authority.Fingerprint);
        using var after = await server.ConnectAsync(certificate);
        Assert.Equal(1UL, (await after.HelloAsync("gw-5")).StoredThroughSeq);
        var key = File.ReadAllText(Path.Combine(server.DataDirectory, "ca", "ca.key"));
        Assert.Contains("PRIVATE KEY", key, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(server.DataDirectory, "ca", "ca.key")));
        }
    }

    [Fact]
    public async Task The_gateway_endpoint_serves_only_gateways_and_the_web_endpoint_no_enrolment()
    {
        using var gatewayEndpoint = server.GatewayEndpointClient();
        Assert.Equal(HttpStatusCode.NotFound, (await gatewayEndpoint.GetAsync("/api/alerts")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await gatewayEndpoint.GetAsync("/login")).StatusCode);

        using var web = server.WebClient();
        using var enrolOnWeb = await web.PostAsync("/enroll", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.NotFound, enrolOnWeb.StatusCode);
    }

    private async Task<RpcException> RefusalAsync(X509Certificate2? certificate, string gatewayId)
    {
        using var stream = await server.ConnectAsync(certificate);
        try
        {
            await stream.SendAsync(Records.Hello(gatewayId));
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException)
        {
            // Refused before the client wrote: the status below says why.
        }

        return await stream.FailureAsync();
    }

    private static X509Certificate2 ForeignCertificate(string gatewayId)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Somebody else's CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddYears(1));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={gatewayId}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var issued = request.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddYears(1), [1, 2, 3, 4]);
        return issued.CopyWithPrivateKey(key);
    }
}
