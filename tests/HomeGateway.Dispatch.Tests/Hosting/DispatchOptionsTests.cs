using HomeGateway.Dispatch.Hosting;
using Microsoft.Extensions.Options;

namespace HomeGateway.Dispatch.Tests.Hosting;

/// <summary>Invariant: dispatch refuses to start on settings that would expose secrets or lose data.</summary>
public sealed class DispatchOptionsTests
{
    [Theory]
    [InlineData("http://0.0.0.0:0", "https://127.0.0.1:0", "non-loopback")]
    [InlineData("http://192.168.1.10:8080", "https://127.0.0.1:0", "non-loopback")]
    [InlineData("https://127.0.0.1:0", "https://127.0.0.1:0", "plain http:// on loopback")]
    [InlineData("http://127.0.0.1:0", "http://127.0.0.1:0", "always TLS")]
    [InlineData("http://dispatch.example:80", "https://127.0.0.1:0", "IP address or localhost")]
    [InlineData("http://127.0.0.1:0", "https://0.0.0.0:0", "PublicNames is required")]
    public async Task Unsafe_or_unusable_endpoints_are_refused_at_start(string webUrl, string grpcUrl, string reason)
    {
        using var data = new TempDirectory();

        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            DispatchApp.StartAsync(new DispatchOptions { DataDirectory = data.Path, WebUrl = webUrl, GrpcUrl = grpcUrl }));

        Assert.Contains(refused.Failures, f => f.Contains(reason, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("http://127.0.0.1:0", "always TLS")]
    [InlineData("https://api.example:8082", "IP address or localhost")]
    public async Task An_unusable_integration_api_endpoint_is_refused_at_start(string apiUrl, string reason)
    {
        using var data = new TempDirectory();

        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => DispatchApp.StartAsync(new DispatchOptions
        {
            DataDirectory = data.Path, WebUrl = "http://127.0.0.1:0", GrpcUrl = "https://127.0.0.1:0", ApiUrl = apiUrl,
        }));

        Assert.Contains(refused.Failures, f => f.StartsWith("Dispatch:ApiUrl", StringComparison.Ordinal) && f.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_integration_api_is_not_served_unless_configured()
    {
        using var data = new TempDirectory();
        await using var running = await DispatchApp.StartAsync(
            new DispatchOptions { DataDirectory = data.Path, WebUrl = "http://127.0.0.1:0", GrpcUrl = "https://127.0.0.1:0" });

        Assert.Null(running.ApiUri);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    [Theory]
    [InlineData("mysql", null, null, "must be 'sqlite' or 'postgresql'")]
    [InlineData("postgresql", null, null, "ConnectionString is required")]
    [InlineData("postgresql", "Host=db;Database=dispatch;Username=dispatch;Password=hunter2", null, "must not hold a Password")]
    [InlineData("postgresql", "Host=db;Database=dispatch", "/nonexistent/dispatch-db-password", "PasswordFile '/nonexistent/dispatch-db-password' does not exist")]
    [InlineData("sqlite", "Host=db", null, "are for the postgresql provider")]
    public async Task Store_settings_that_cannot_work_are_refused_at_start_without_repeating_a_password(
        string provider, string? connectionString, string? passwordFile, string reason)
    {
        using var data = new TempDirectory();

        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => DispatchApp.StartAsync(new DispatchOptions
        {
            DataDirectory = data.Path,
            WebUrl = "http://127.0.0.1:0",
            GrpcUrl = "https://127.0.0.1:0",
            Store = new HomeGateway.Dispatch.Store.StoreOptions { Provider = provider, ConnectionString = connectionString, PasswordFile = passwordFile },
        }));

        Assert.Contains(refused.Failures, f => f.Contains(reason, StringComparison.Ordinal));
        Assert.DoesNotContain(refused.Failures, f => f.Contains("hunter2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_data_directory_is_required()
    {
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            DispatchApp.StartAsync(new DispatchOptions { DataDirectory = "", WebUrl = "http://127.0.0.1:0", GrpcUrl = "https://127.0.0.1:0" }));

        Assert.Contains(refused.Failures, f => f.Contains("Dispatch:DataDirectory is required", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Localhost_and_port_0_start_and_report_real_ports()
    {
        using var data = new TempDirectory();
        await using var running = await DispatchApp.StartAsync(
            new DispatchOptions { DataDirectory = data.Path, WebUrl = "http://localhost:0", GrpcUrl = "https://127.0.0.1:0" });

        Assert.NotEqual(0, running.WebUri.Port);
        Assert.NotEqual(0, running.GrpcUri.Port);
        Assert.NotEqual(running.WebUri.Port, running.GrpcUri.Port);
        Assert.Equal("https", running.GrpcUri.Scheme);
        using var http = new HttpClient();
        Assert.Equal("ok", await http.GetStringAsync(new Uri(running.WebUri, "/healthz")));
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }
}
