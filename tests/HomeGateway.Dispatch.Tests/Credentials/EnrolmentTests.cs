using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using HomeGateway.Contracts.Api;
using HomeGateway.Dispatch.Credentials;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace HomeGateway.Dispatch.Tests.Credentials;

/// <summary>
/// Invariant: an enrolment token yields exactly one certificate, for the gateway it was issued for, within its
/// lifetime; every refusal says why and issues nothing. Real HTTPS on the gateway endpoint.
/// </summary>
public sealed class EnrolmentTests : IAsyncLifetime
{
    private readonly FakeTimeProvider time = new(DateTimeOffset.UtcNow);
    private DispatchServer server = null!;

    public async Task InitializeAsync() =>
        server = await DispatchServer.StartAsync(builder => builder.Services.AddSingleton<TimeProvider>(time));

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task A_valid_code_yields_a_client_certificate_for_the_codes_gateway_that_opens_a_stream()
    {
        var token = await IssueTokenAsync("gw-1");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        using var response = await server.PostEnrolmentAsync(token, DispatchServer.Csr(key));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("gw-1", answer.GetProperty("gatewayId").GetString());
        Assert.Equal("home-1", answer.GetProperty("homeId").GetString());
        using var issued = X509Certificate2.CreateFromPem(answer.GetProperty("certificate").GetString());
        using var ca = X509Certificate2.CreateFromPem(answer.GetProperty("caCertificate").GetString());
        Assert.Equal(server.Authority.Fingerprint, SHA256.HashData(ca.RawData));
        Assert.Equal("gw-1", issued.GetNameInfo(X509NameType.SimpleName, false));
        Assert.Equal(ca.SubjectName.Name, issued.IssuerName.Name);
        Assert.InRange(issued.NotAfter.ToUniversalTime() - time.GetUtcNow().UtcDateTime, TimeSpan.FromDays(365), TimeSpan.FromDays(2 * 366));

        using var withKey = issued.CopyWithPrivateKey(key);
        using var stream = await server.ConnectAsync(withKey);
        Assert.Equal(0UL, (await stream.HelloAsync("gw-1")).StoredThroughSeq);
    }

    [Fact]
    public async Task A_used_code_is_refused()
    {
        var token = await IssueTokenAsync("gw-2");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var first = await server.PostEnrolmentAsync(token, DispatchServer.Csr(key));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        using var second = await server.PostEnrolmentAsync(token, DispatchServer.Csr(key));

        await AssertRefusedAsync(second, HttpStatusCode.Unauthorized, "already used");
    }

    [Fact]
    public async Task An_expired_code_is_refused()
    {
        var token = await IssueTokenAsync("gw-3");
        time.Advance(GatewayEnrolment.TokenLifetime + TimeSpan.FromSeconds(1));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        using var response = await server.PostEnrolmentAsync(token, DispatchServer.Csr(key));

        await AssertRefusedAsync(response, HttpStatusCode.Unauthorized, "expired");
    }

    [Fact]
    public async Task An_unknown_code_is_refused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        using var response = await server.PostEnrolmentAsync(EnrolmentCode.NewToken(), DispatchServer.Csr(key));

        await AssertRefusedAsync(response, HttpStatusCode.Unauthorized, "not known to this dispatch");
    }

    [Fact]
    public async Task A_request_naming_another_gateway_is_refused_and_the_code_still_works_for_its_own()
    {
        var token = await IssueTokenAsync("gw-4");
        await IssueTokenAsync("gw-other");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        using var impostor = await server.PostEnrolmentAsync(token, DispatchServer.Csr(key, "gw-other"));
        await AssertRefusedAsync(impostor, HttpStatusCode.Forbidden, "names gateway 'gw-other'");

        using var honest = await server.PostEnrolmentAsync(token, DispatchServer.Csr(key, "gw-4"));
        Assert.Equal(HttpStatusCode.OK, honest.StatusCode);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"token\":\"\",\"csr\":\"\"}")]
    [InlineData("{\"token\":\"TOKEN\",\"csr\":\"-----BEGIN CERTIFICATE REQUEST-----\\nAAAA\\n-----END CERTIFICATE REQUEST-----\"}")]
    public async Task A_malformed_request_is_refused_and_uses_nothing_up(string body)
    {
        var token = await IssueTokenAsync("gw-5");
        using var client = server.GatewayEndpointClient();

        using var response = await client.PostAsync("/enroll", new StringContent(body.Replace("TOKEN", token, StringComparison.Ordinal), System.Text.Encoding.UTF8, "application/json"));

        await AssertRefusedAsync(response, HttpStatusCode.BadRequest, "");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var valid = await server.PostEnrolmentAsync(token, DispatchServer.Csr(key));
        Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
    }

    private async Task<string> IssueTokenAsync(string gatewayId)
    {
        var issued = await server.Enrolment.IssueCodeAsync(gatewayId, "home-1");
        Assert.Equal(time.GetUtcNow() + GatewayEnrolment.TokenLifetime, issued.ExpiresAt);
        Assert.True(EnrolmentCode.TryParse(issued.Code, out var token, out _));
        return token;
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response, HttpStatusCode status, string reason)
    {
        Assert.Equal(status, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString();
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }
}
