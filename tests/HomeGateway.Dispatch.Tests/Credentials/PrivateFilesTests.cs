using System.Diagnostics;
using System.Text.RegularExpressions;
using HomeGateway.Dispatch.Hosting;
using HomeGateway.Dispatch.Store;

namespace HomeGateway.Dispatch.Tests.Credentials;

/// <summary>
/// Invariant: nothing in dispatch's data directory — dispatch.db with its -wal and -shm (key-safe locations, contacts,
/// password and token hashes), the cookie keys, the CA — is readable by other users of the machine, whatever umask
/// dispatch was started with; and files an older version left readable are made private at start.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class PrivateFilesTests
{
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task A_new_data_directory_and_dispatch_db_with_its_wal_and_shm_and_keys_are_owner_only()
    {
        using var temp = new TempDirectory();
        // A parent anyone may read, as /var/lib is: the data directory itself must still be private.
        File.SetUnixFileMode(temp.Path, OwnerOnlyDirectory | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var data = Path.Combine(temp.Path, "dispatch");

        await using (var running = await StartAsync(data))
        {
            await TouchKeysAsync(running);
            // A reader of our own (in this test process, umask 022) holds the WAL open: other tests clear SQLite's pools at
            // any moment, and SQLite removes -wal and -shm with the last connection. SQLite gives them dispatch.db's mode.
            using var reader = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(data, SqliteDialect.FileName)};Pooling=False");
            reader.Open();
            using (var read = reader.CreateCommand())
            {
                read.CommandText = "SELECT COUNT(*) FROM users";
                read.ExecuteScalar();
            }

            AssertOwnerOnly(data);
            Assert.True(File.Exists(Path.Combine(data, SqliteDialect.FileName + "-wal")), "dispatch.db-wal exists while dispatch runs");
            Assert.True(File.Exists(Path.Combine(data, SqliteDialect.FileName + "-shm")), "dispatch.db-shm exists while dispatch runs");
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(data, "keys")));
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    [Fact]
    public async Task Files_an_older_version_left_readable_by_others_are_made_private_at_start()
    {
        using var temp = new TempDirectory();
        var data = Path.Combine(temp.Path, "dispatch");
        await using (var first = await StartAsync(data))
        {
            await TouchKeysAsync(first);
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var entry in Directory.EnumerateFileSystemEntries(data, "*", SearchOption.AllDirectories).Append(data))
        {
            File.SetUnixFileMode(entry, Directory.Exists(entry)
                ? OwnerOnlyDirectory | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute
                : OwnerOnlyFile | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        await using (await StartAsync(data))
        {
            AssertOwnerOnly(data);
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    [Fact]
    public async Task The_executable_runs_with_umask_077()
    {
        using var data = new TempDirectory();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "homegateway-dispatch.dll"), $"--Dispatch:DataDirectory={data.Path}",
            "--Dispatch:WebUrl=http://127.0.0.1:0", "--Dispatch:GrpcUrl=https://127.0.0.1:0",
        })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line && !line.StartsWith("Dispatch listening", StringComparison.Ordinal))
            {
            }

            Assert.Equal("0077", UmaskLine().Match(await File.ReadAllTextAsync($"/proc/{process.Id}/status", timeout.Token)).Groups[1].Value);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    private static void AssertOwnerOnly(string data)
    {
        Assert.Equal(OwnerOnlyDirectory, File.GetUnixFileMode(data));
        foreach (var entry in Directory.EnumerateFileSystemEntries(data, "*", SearchOption.AllDirectories))
        {
            var mode = File.GetUnixFileMode(entry);
            Assert.True((mode & ~OwnerOnlyDirectory) == 0, $"{Path.GetRelativePath(data, entry)} is {Convert.ToString((int)mode, 8)}, readable by others");
        }

        foreach (var database in new[] { "", "-wal", "-shm" }.Select(suffix => Path.Combine(data, SqliteDialect.FileName + suffix)).Where(File.Exists))
        {
            Assert.Equal(OwnerOnlyFile, File.GetUnixFileMode(database));
        }
    }

    private static Task<RunningDispatch> StartAsync(string data) =>
        DispatchApp.StartAsync(new DispatchOptions { DataDirectory = data, WebUrl = "http://127.0.0.1:0", GrpcUrl = "https://127.0.0.1:0" });

    /// <summary>The login page issues an antiforgery token, which makes the cookie keys.</summary>
    private static async Task TouchKeysAsync(RunningDispatch running)
    {
        using var web = new HttpClient { BaseAddress = running.WebUri };
        Assert.True((await web.GetAsync("/login")).IsSuccessStatusCode);
    }

    [GeneratedRegex(@"(?m)^Umask:\s*(\d+)")]
    private static partial Regex UmaskLine();
}
