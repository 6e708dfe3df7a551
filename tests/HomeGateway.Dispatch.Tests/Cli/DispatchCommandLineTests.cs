using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using HomeGateway.Contracts.Api;
using HomeGateway.Dispatch.Cli;
using HomeGateway.Dispatch.Credentials;

namespace HomeGateway.Dispatch.Tests.Cli;

/// <summary>Invariant: an admin command prints exactly one working secret on stdout and stores only its hash.</summary>
public sealed class DispatchCommandLineTests
{
    [Fact]
    public async Task Gateways_enroll_prints_one_code_with_the_CA_fingerprint_that_enrols_the_gateway_once()
    {
        await using var server = await DispatchServer.StartAsync();

        var (code, enrolmentCode, explanation) = await RunAsync("gateways", "enroll", "gw-cli", "--home", "home-1", "--data", server.DataDirectory);

        Assert.Equal(0, code);
        Assert.True(EnrolmentCode.TryParse(enrolmentCode, out var token, out var fingerprint));
        Assert.Equal(server.Authority.Fingerprint, fingerprint);
        Assert.Contains(server.Authority.FingerprintText, explanation, StringComparison.Ordinal);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var enrolled = await server.PostEnrolmentAsync(token, DispatchServer.Csr(key));
        Assert.Equal(HttpStatusCode.OK, enrolled.StatusCode);
        using var again = await server.PostEnrolmentAsync(token, DispatchServer.Csr(key));
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
    }

    [Fact]
    public async Task Gateways_enroll_needs_the_home_of_a_new_gateway_and_refuses_to_move_one()
    {
        using var data = new TempDirectory();

        var (missingHome, _, why) = await RunAsync("gateways", "enroll", "gw-new", "--data", data.Path);
        Assert.Equal(1, missingHome);
        Assert.Contains("--home", why, StringComparison.Ordinal);

        Assert.Equal(0, (await RunAsync("gateways", "enroll", "gw-new", "--home", "home-1", "--data", data.Path)).Code);
        Assert.Equal(0, (await RunAsync("gateways", "enroll", "gw-new", "--data", data.Path)).Code);
        var (moved, nothing, reason) = await RunAsync("gateways", "enroll", "gw-new", "--home", "home-2", "--data", data.Path);
        Assert.Equal((1, ""), (moved, nothing));
        Assert.Contains("serves home 'home-1'", reason, StringComparison.Ordinal);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    [Fact]
    public async Task Gateways_revoke_refuses_the_gateway_until_it_enrols_again()
    {
        await using var server = await DispatchServer.StartAsync();
        var certificate = await server.AddGatewayAsync("gw-gone");

        var (code, _, explanation) = await RunAsync("gateways", "revoke", "gw-gone", "--data", server.DataDirectory);

        Assert.Equal(0, code);
        Assert.Contains(DispatchAuthority.SerialOf(certificate), explanation, StringComparison.Ordinal);
        using (var refused = await server.ConnectAsync(certificate))
        {
            await SendIgnoringClosedStreamAsync(refused, Records.Hello("gw-gone"));
            var failure = await refused.FailureAsync();
            Assert.Equal(Grpc.Core.StatusCode.PermissionDenied, failure.StatusCode);
            Assert.Contains("revoked", failure.Status.Detail, StringComparison.Ordinal);
        }

        using var renewed = await server.ConnectAsync(await server.AddGatewayAsync("gw-gone"));
        await renewed.HelloAsync("gw-gone");
        Assert.Equal(1, (await RunAsync("gateways", "revoke", "gw-unknown", "--data", server.DataDirectory)).Code);
    }

    [Fact]
    public async Task Tokens_add_prints_a_token_the_api_accepts()
    {
        await using var server = await DispatchServer.StartAsync();

        var (code, token, _) = await RunAsync("tokens", "add", "care-reporting", "--data", server.DataDirectory);

        Assert.Equal(0, code);
        Assert.StartsWith("hgd_", token, StringComparison.Ordinal);
        using var web = server.WebClient();
        web.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.OK, (await web.GetAsync("/api/alerts")).StatusCode);
    }

    [Fact]
    public async Task Users_add_prints_one_line_and_refuses_a_taken_name()
    {
        using var data = new TempDirectory();

        var (code, password, _) = await RunAsync("users", "add", "bob", "--role", "admin", "--data", data.Path);
        var (again, nothing, why) = await RunAsync("users", "add", "bob", "--role", "admin", "--data", data.Path);

        Assert.Equal(0, code);
        Assert.True(password.Length >= 24 && !password.Contains('\n', StringComparison.Ordinal));
        Assert.Equal(1, again);
        Assert.Equal("", nothing);
        Assert.Contains("already exists", why, StringComparison.Ordinal);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    [Fact]
    public async Task A_gateway_id_longer_than_a_certificate_name_allows_is_refused()
    {
        using var data = new TempDirectory();
        var (code, stdout, stderr) = await RunAsync("gateways", "enroll", new string('g', 65), "--home", "home-1", "--data", data.Path);

        Assert.NotEqual(0, code);
        Assert.Equal("", stdout);
        Assert.Contains("at most 64 characters (it is 65)", stderr, StringComparison.Ordinal);
        Assert.Equal(0, (await RunAsync("gateways", "enroll", new string('g', 64), "--home", "home-1", "--data", data.Path)).Code);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    [Fact]
    public async Task Run_with_wrong_settings_lists_every_problem_without_a_stack_trace()
    {
        using var data = new TempDirectory();
        var (code, stdout, stderr) = await RunAsync("run", "--Dispatch:DataDirectory=" + data.Path, "--Dispatch:GrpcUrl=http://127.0.0.1:0", "--Dispatch:HeartbeatSeconds=2");

        Assert.Equal((1, ""), (code, stdout));
        Assert.StartsWith("homegateway-dispatch: cannot start:", stderr, StringComparison.Ordinal);
        Assert.Contains("use https://", stderr, StringComparison.Ordinal);
        Assert.Contains("Dispatch:HeartbeatSeconds must be between 5 and 3600", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    [Theory]
    [InlineData("users", "add", "bob", "--role", "superuser", "--data", "x")]
    [InlineData("users", "add", "--role", "admin", "--data", "x")]
    [InlineData("gateways", "enroll", "--data", "x")]
    [InlineData("gateways", "add", "gw-1", "--home", "home-1", "--data", "x")]
    [InlineData("user", "add", "bob")]
    public async Task Usage_errors_exit_with_2(params string[] args)
    {
        var (code, stdout, stderr) = await RunAsync(args);

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.NotEqual("", stderr);
    }

    private static async Task SendIgnoringClosedStreamAsync(UplinkStream stream, HomeGateway.Contracts.V1.GatewayMessage message)
    {
        try
        {
            await stream.SendAsync(message);
        }
        catch (Exception ex) when (ex is Grpc.Core.RpcException or InvalidOperationException)
        {
            // The server may refuse before the client has written; the status says why.
        }
    }

    [Fact]
    public async Task Users_reset_password_and_set_role_end_the_users_sessions_and_are_audited_with_the_os_user()
    {
        await using var server = await DispatchServer.StartAsync();
        var (added, old, _) = await RunAsync("users", "add", "cleo", "--role", "care_manager", "--language", "fi", "--data", server.DataDirectory);
        Assert.Equal(0, added);
        using var cleo = await HomeGateway.Dispatch.Tests.DispatcherConsole.ConsoleSession.LogInAsync(server, "cleo", old);

        var (reset, password, said) = await RunAsync("users", "reset-password", "cleo", "--data", server.DataDirectory);

        Assert.Equal(0, reset);
        Assert.NotEqual(old, password);
        Assert.Contains("1 open sessions ended", said, StringComparison.Ordinal);
        // Another process ended it: the server honours that within its session cache time.
        await Task.Delay(HomeGateway.Dispatch.DispatcherConsole.ConsoleSessions.CacheFor + TimeSpan.FromMilliseconds(200));
        Assert.Equal(HttpStatusCode.Unauthorized, (await cleo.Web.GetAsync("/api/alerts")).StatusCode);
        Assert.True(PasswordHash.Verify(password, (await server.Store.FindUserAsync("cleo"))!.PasswordHash));

        Assert.Equal(0, (await RunAsync("users", "set-role", "cleo", "technician", "--data", server.DataDirectory)).Code);
        Assert.Equal(("technician", "fi"), ((await server.Store.FindUserAsync("cleo"))!.Role, (await server.Store.FindUserAsync("cleo"))!.Language));
        Assert.Equal(1, (await RunAsync("users", "set-role", "nobody", "technician", "--data", server.DataDirectory)).Code);
        Assert.Equal(1, (await RunAsync("users", "reset-password", "nobody", "--data", server.DataDirectory)).Code);
        Assert.Equal(2, (await RunAsync("users", "set-role", "cleo", "root", "--data", server.DataDirectory)).Code);

        var actor = $"command line ({Environment.UserName})";
        var audit = await server.Store.ListAuditAsync(null, null);
        Assert.Contains(audit, a => a.Action == "user_added" && a.Actor == actor && a.Detail == "user 'cleo', role care_manager, language fi");
        Assert.Contains(audit, a => a.Action == "password_reset" && a.Actor == actor && a.Detail == "user 'cleo'");
        Assert.Contains(audit, a => a.Action == "role_changed" && a.Actor == actor && a.Detail == "user 'cleo': care_manager → technician");
    }

    [Fact]
    public async Task Users_set_role_never_demotes_the_last_enabled_admin()
    {
        await using var server = await DispatchServer.StartAsync();
        Assert.Equal(0, (await RunAsync("users", "add", "ada", "--role", "admin", "--data", server.DataDirectory)).Code);

        var (code, _, said) = await RunAsync("users", "set-role", "ada", "dispatcher", "--data", server.DataDirectory);

        Assert.Equal(1, code);
        Assert.Contains("last enabled admin", said, StringComparison.Ordinal);
        Assert.Equal("admin", (await server.Store.FindUserAsync("ada"))!.Role);
    }

    [Theory]
    [InlineData("two words")]
    [InlineData("command line (root)")]
    [InlineData("token:ops")]
    [InlineData("dispatch")]
    [InlineData("")]
    public async Task Users_add_refuses_a_name_that_could_pass_for_another_actor(string name)
    {
        using var data = new TempDirectory();

        var (code, password, _) = await RunAsync("users", "add", name, "--role", "dispatcher", "--data", data.Path);

        Assert.Equal((2, ""), (code, password));
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await DispatchCommandLine.InvokeAsync(args, stdout, stderr);
        return (code, stdout.ToString().Trim(), stderr.ToString());
    }
}
