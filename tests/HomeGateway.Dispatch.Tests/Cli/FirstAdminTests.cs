using System.Text.RegularExpressions;
using HomeGateway.Dispatch.Cli;
using HomeGateway.Dispatch.Credentials;
using HomeGateway.Dispatch.Store;

namespace HomeGateway.Dispatch.Tests.Cli;

/// <summary>
/// Invariant: a dispatch with no console user gets one admin with a random password, said once on stdout and never
/// again; there is no default password, and a dispatch that has users says nothing.
/// </summary>
public sealed partial class FirstAdminTests : IDisposable
{
    private readonly TempDirectory data = new();

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        data.Dispose();
    }

    [Fact]
    public async Task The_first_run_prints_an_admin_password_once_that_logs_in_and_the_next_run_prints_nothing()
    {
        var first = await RunUntilStartedAsync();

        var match = PrintedPassword().Match(first);
        Assert.True(match.Success, "the first start names the admin and a password: " + first);
        Assert.Contains("shown once", first, StringComparison.Ordinal);
        Assert.Contains("users add", first, StringComparison.Ordinal);
        using (var store = DispatchStore.Sqlite(data.Path, TimeProvider.System))
        {
            var admin = await store.FindUserAsync("admin");
            Assert.Equal("admin", admin?.Role);
            Assert.True(PasswordHash.Verify(match.Groups[1].Value, admin!.PasswordHash));
            Assert.DoesNotContain(match.Groups[1].Value, admin.PasswordHash, StringComparison.Ordinal);
        }

        var second = await RunUntilStartedAsync();

        Assert.Equal("", second);
    }

    [Fact]
    public async Task Two_first_starts_give_two_different_passwords_so_there_is_no_default()
    {
        using var other = new TempDirectory();
        var passwords = new List<string>();
        foreach (var directory in new[] { data.Path, other.Path })
        {
            using var store = DispatchStore.Sqlite(directory, TimeProvider.System);
            await store.MigrateAsync();
            var stdout = new StringWriter();
            await DispatchCommandLine.CreateFirstAdminAsync(store, stdout, new StringWriter(), stdoutIsJournal: false, CancellationToken.None);
            passwords.Add(PrintedPassword().Match(stdout.ToString()).Groups[1].Value);
        }

        Assert.All(passwords, p => Assert.True(p.Length >= 20));
        Assert.NotEqual(passwords[0], passwords[1]);
    }

    [Fact]
    public async Task A_dispatch_that_already_has_users_creates_no_admin()
    {
        Assert.Equal(0, await DispatchCommandLine.InvokeAsync(
            ["users", "add", "anna", "--role", "dispatcher", "--data", data.Path], new StringWriter(), new StringWriter()));

        Assert.Equal("", await RunUntilStartedAsync());

        using var store = DispatchStore.Sqlite(data.Path, TimeProvider.System);
        Assert.Null(await store.FindUserAsync("admin"));
    }

    [Fact]
    public async Task Under_systemd_no_password_goes_to_the_journal_only_how_to_add_the_admin()
    {
        using var store = DispatchStore.Sqlite(data.Path, TimeProvider.System);
        await store.MigrateAsync();
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        await DispatchCommandLine.CreateFirstAdminAsync(store, stdout, stderr, stdoutIsJournal: true, CancellationToken.None);

        Assert.Equal("", stdout.ToString());
        Assert.Contains("users add NAME --role admin", stderr.ToString(), StringComparison.Ordinal);
        Assert.False(await store.HasUsersAsync());
    }

    /// <summary>
    /// Runs <c>homegateway-dispatch run</c> in-process until it answers on its web port, then stops it; returns its
    /// stdout (the first-admin step runs to its end even when stopped at once).
    /// </summary>
    private async Task<string> RunUntilStartedAsync()
    {
        var output = new StringWriter();
        var port = FreePort();
        using var stop = new CancellationTokenSource();
        var run = DispatchCommandLine.InvokeAsync(
            ["run", $"--Dispatch:DataDirectory={data.Path}", $"--Dispatch:WebUrl=http://127.0.0.1:{port}", "--Dispatch:GrpcUrl=https://127.0.0.1:0"],
            TextWriter.Synchronized(output), new StringWriter(), stop.Token);
        using var web = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
        // The guard only stops a hang; the loop ends when the server answers.
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!run.IsCompleted && !await AnswersAsync(web))
        {
            await Task.Delay(50, guard.Token);
        }

        await stop.CancelAsync();
        Assert.Equal(DispatchCommandLine.Ok, await run);
        return output.ToString();
    }

    private static async Task<bool> AnswersAsync(HttpClient web)
    {
        try
        {
            return (await web.GetAsync("/healthz")).IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false; // not listening yet
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"user:\s+admin \(role admin\)\s+password:\s+(\S+)")]
    private static partial Regex PrintedPassword();
}
