using System.Net;
using System.Net.Http.Headers;
using HomeGateway.Dispatch.Cli;

namespace HomeGateway.Dispatch.Tests.Cli;

/// <summary>Invariant: an admin command prints exactly one working secret on stdout and stores only its hash.</summary>
public sealed class DispatchCommandLineTests
{
    [Fact]
    public async Task Gateways_add_prints_a_token_the_uplink_accepts_and_re_adding_replaces_it()
    {
        await using var server = await DispatchServer.StartAsync();

        var (code, token, _) = await RunAsync("gateways", "add", "gw-cli", "--home", "home-1", "--data", server.DataDirectory);
        Assert.Equal(0, code);
        Assert.StartsWith("hgw_", token, StringComparison.Ordinal);

        using (var stream = await server.ConnectAsync(token))
        {
            Assert.Equal(0UL, (await stream.HelloAsync("gw-cli")).StoredThroughSeq);
        }

        var (again, newToken, explanation) = await RunAsync("gateways", "add", "gw-cli", "--home", "home-1", "--data", server.DataDirectory);
        Assert.Equal(0, again);
        Assert.Contains("replaced", explanation, StringComparison.Ordinal);
        using var old = await server.ConnectAsync(token);
        await old.SendAsync(Records.Hello("gw-cli"));
        Assert.Equal(Grpc.Core.StatusCode.Unauthenticated, (await old.FailureAsync()).StatusCode);
        using var renewed = await server.ConnectAsync(newToken);
        await renewed.HelloAsync("gw-cli");
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

    [Theory]
    [InlineData("users", "add", "bob", "--role", "superuser", "--data", "x")]
    [InlineData("users", "add", "--role", "admin", "--data", "x")]
    [InlineData("gateways", "add", "gw-1", "--data", "x")]
    [InlineData("user", "add", "bob")]
    public async Task Usage_errors_exit_with_2(params string[] args)
    {
        var (code, stdout, stderr) = await RunAsync(args);

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.NotEqual("", stderr);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await DispatchCommandLine.InvokeAsync(args, stdout, stderr);
        return (code, stdout.ToString().Trim(), stderr.ToString());
    }
}
