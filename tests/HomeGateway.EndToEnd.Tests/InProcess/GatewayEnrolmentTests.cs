using System.Buffers.Text;
using System.Security.Cryptography;
using HomeGateway.Dispatch.Hosting;
using HomeGateway.Gateway.Cli;
using HomeGateway.Gateway.Uplink;

namespace HomeGateway.EndToEnd.Tests.InProcess;

/// <summary>
/// Invariant: <c>homegateway enroll</c> sends the token only to the dispatch whose CA fingerprint is in the code,
/// stores a private key only it can read, replaces its certificate on re-enrolment, and says plainly why it failed.
/// Real dispatch on loopback, real TLS.
/// </summary>
public sealed class GatewayEnrolmentTests : IAsyncLifetime
{
    private readonly string work = Built.NewWorkDirectory("enrol");
    private RunningDispatch? dispatch;

    private string DispatchData => Path.Combine(work, "dispatch");

    private string GatewayData => Path.Combine(work, "gateway");

    public async Task InitializeAsync() =>
        dispatch = await InProcessDispatch.StartAsync(DispatchData);

    public async Task DisposeAsync()
    {
        if (dispatch is not null)
        {
            await dispatch.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Processes.DemoProcessTests.TryDelete(work);
    }

    [Fact]
    public async Task Enrol_stores_a_private_key_and_a_certificate_and_re_enrolment_replaces_them()
    {
        var (code, output, _) = await EnrolAsync(await IssueCodeAsync());

        Assert.Equal(0, code);
        Assert.Contains("Enrolled as gateway 'gw-e2e' (home 'home-e2e')", output, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(DispatchCredentials.KeyPath(GatewayData)));
        }

        string firstSerial;
        using (var first = DispatchCredentials.Load(GatewayData))
        {
            Assert.Equal("gw-e2e", first.GatewayId);
            firstSerial = first.ClientCertificate.SerialNumber;
        }

        Assert.Equal(0, (await EnrolAsync(await IssueCodeAsync())).Code);
        using var second = DispatchCredentials.Load(GatewayData);
        Assert.NotEqual(firstSerial, second.ClientCertificate.SerialNumber);
    }

    [Fact]
    public async Task A_wrong_fingerprint_stops_before_the_token_is_sent()
    {
        var issued = await IssueCodeAsync();
        var parts = issued.Split('.');
        var forged = $"{parts[0]}.{parts[1]}.{Base64Url.EncodeToString(SHA256.HashData("another dispatch"u8))}";

        var (code, _, error) = await EnrolAsync(forged);

        Assert.Equal(1, code);
        Assert.Contains("CA fingerprint does not match", error, StringComparison.Ordinal);
        Assert.Contains("nothing was sent", error, StringComparison.Ordinal);
        Assert.NotEmpty(DispatchCredentials.Missing(GatewayData));
        // The token never left the gateway, so the genuine code still works.
        Assert.Equal(0, (await EnrolAsync(issued)).Code);
    }

    [Fact]
    public async Task A_used_code_a_malformed_code_and_an_unreachable_dispatch_are_refused_in_words()
    {
        var issued = await IssueCodeAsync();
        Assert.Equal(0, (await EnrolAsync(issued)).Code);

        var used = await EnrolAsync(issued);
        Assert.Equal(1, used.Code);
        Assert.Contains("already used", used.Error, StringComparison.Ordinal);

        var malformed = await EnrolAsync("hgw_an-old-bearer-token");
        Assert.Equal(1, malformed.Code);
        Assert.Contains("is not an enrolment code", malformed.Error, StringComparison.Ordinal);

        var closedPort = new Uri($"https://127.0.0.1:{ClosedPort()}");
        var unreachable = await EnrolAsync(await IssueCodeAsync(), closedPort);
        Assert.Equal(1, unreachable.Code);
        Assert.Contains("unreachable", unreachable.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_finds_an_enrolled_gateway_reaching_its_dispatch_over_tls_with_a_valid_certificate()
    {
        Assert.Equal(0, (await EnrolAsync(await IssueCodeAsync())).Code);
        var url = dispatch!.GrpcUri.GetLeftPart(UriPartial.Authority);
        var settings = Path.Combine(work, "settings.json");
        await File.WriteAllTextAsync(settings, $$"""{ "Gateway": { "DataDirectory": "{{GatewayData}}", "Mqtt": { "Enabled": false }, "Dispatch": { "Url": "{{url}}" } } }""");
        var home = Path.Combine(work, "home.yaml");
        await File.WriteAllTextAsync(home, """
            home: { id: home-e2e, timezone: Europe/Helsinki }
            sensors:
              - { id: help, kind: help_button, gpio: { pin: 27 } }
            rules:
              help: {}
            """);

        using var stdout = new StringWriter();
        var code = await GatewayCli.Create().Parse(["doctor", "--simulated", "--settings", settings, "--config", home])
            .InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = stdout, Error = stdout });

        Assert.True(code == 0, stdout.ToString());
        Assert.Matches(@"OK    cert      the gateway's certificate \(gw-e2e\) is valid for \d+ more day\(s\)", stdout.ToString());
        Assert.Contains($"OK    dispatch  dispatch at {dispatch.GrpcUri.Host}:{dispatch.GrpcUri.Port} answers and is the one enrolled with", stdout.ToString(), StringComparison.Ordinal);
    }

    private Task<string> IssueCodeAsync() =>
        InProcessDispatch.CliAsync("gateways", "enroll", "gw-e2e", "--home", "home-e2e", "--data", DispatchData);

    private async Task<(int Code, string Output, string Error)> EnrolAsync(string enrolmentCode, Uri? at = null)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var url = (at ?? dispatch!.GrpcUri).GetLeftPart(UriPartial.Authority);
        var code = await GatewayCli.Create().Parse(["enroll", "--dispatch", url, "--token", enrolmentCode, "--data", GatewayData])
            .InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = stdout, Error = stderr });
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
