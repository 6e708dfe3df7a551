using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace HomeGateway.Tests.Shared;

/// <summary>
/// A private PostgreSQL cluster for one test run: <c>initdb</c> into a temporary directory, its own free port and
/// socket directory, started with <c>pg_ctl</c> on first use and stopped when the test process ends. Never the
/// system service. As root (CI) the server runs as the <c>postgres</c> user, which PostgreSQL requires.
/// Each test asks for its own fresh database (<see cref="CreateDatabaseAsync"/>).
/// Linked into the dispatch and end-to-end test projects.
/// </summary>
public sealed class PostgresCluster
{
    private static readonly Lazy<Task<PostgresCluster>> Shared = new(StartAsync);
    private static readonly SemaphoreSlim Creating = new(1, 1);
    private static int databases;

    private readonly string binDirectory;
    private readonly string directory;
    private readonly bool asPostgresUser;

    private PostgresCluster(string binDirectory, string directory, int port, bool asPostgresUser)
    {
        this.binDirectory = binDirectory;
        this.directory = directory;
        this.asPostgresUser = asPostgresUser;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The superuser connection string for <paramref name="database"/> (trust authentication on loopback: no password).</summary>
    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = "postgres",
            Database = database,
            // Each test's store has its own pool (closed with the store); a small one lets many tests fit in max_connections.
            MaxPoolSize = 20,
        }.ConnectionString;

    /// <summary>A new, empty database in the run's cluster; returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var cluster = await Shared.Value;
        var name = string.Create(CultureInfo.InvariantCulture, $"t{Environment.ProcessId}_{Interlocked.Increment(ref databases)}");
        // CREATE DATABASE copies template1 and refuses while another copy is in progress: one at a time.
        await Creating.WaitAsync();
        try
        {
            await using var connection = new NpgsqlConnection(cluster.ConnectionString("postgres") + ";Pooling=false");
            await connection.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await cmd.ExecuteNonQueryAsync();
        }
        finally
        {
            Creating.Release();
        }

        return cluster.ConnectionString(name);
    }

    private static async Task<PostgresCluster> StartAsync()
    {
        var bin = FindBinaries();
        var asPostgresUser = Environment.UserName == "root";
        await SweepLeftoversAsync(bin, asPostgresUser);
        var directory = Directory.CreateTempSubdirectory("hg-pg-").FullName;
        // Who made it: a later run stops and deletes a cluster whose test host is gone (killed before ProcessExit ran).
        await File.WriteAllTextAsync(Path.Combine(directory, OwnerFile), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var cluster = new PostgresCluster(bin, directory, FreePort(), asPostgresUser);
        if (asPostgresUser)
        {
            await RunAsync("chown", ["postgres:postgres", directory]);
        }

        var data = Path.Combine(directory, "data");
        await cluster.RunServerToolAsync("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C"]);
        // Durability settings off: a test cluster lives for one run, and fsync per commit would dominate its time.
        var settings = string.Join(' ',
            $"-p {cluster.Port}", $"-k {directory}", "-h 127.0.0.1", "-c fsync=off", "-c synchronous_commit=off",
            "-c full_page_writes=off", "-c max_connections=300");
        await cluster.RunServerToolAsync("pg_ctl", ["-D", data, "-l", Path.Combine(directory, "server.log"), "-o", settings, "-w", "-t", "60", "start"]);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.Stop();
        return cluster;
    }

    private const string OwnerFile = "owner.pid";

    /// <summary>
    /// A test host killed mid-run (a CI timeout, a developer's Ctrl-C twice) leaves its cluster running and ~2 GB in the temp
    /// directory; enough of them once filled the disk. Every start stops and deletes the clusters whose owner is gone and
    /// that are older than a few minutes (a directory being set up right now has no owner file yet, and is young).
    /// </summary>
    private static async Task SweepLeftoversAsync(string bin, bool asPostgresUser)
    {
        foreach (var leftover in Directory.EnumerateDirectories(Path.GetTempPath(), "hg-pg-*"))
        {
            try
            {
                var owner = Path.Combine(leftover, OwnerFile);
                if (Directory.GetLastWriteTimeUtc(leftover) > DateTime.UtcNow.AddMinutes(-10)
                    || (File.Exists(owner) && int.TryParse(await File.ReadAllTextAsync(owner), out var pid) && Directory.Exists($"/proc/{pid}")))
                {
                    continue;
                }

                var data = Path.Combine(leftover, "data");
                if (File.Exists(Path.Combine(data, "postmaster.pid")))
                {
                    try
                    {
                        await new PostgresCluster(bin, leftover, 0, asPostgresUser).RunServerToolAsync("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
                    }
                    catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
                    {
                        // Its postmaster is gone already (a stale pid file): only the files are left.
                    }
                }

                Directory.Delete(leftover, recursive: true);
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException)
            {
                // Best effort: a leftover that cannot be cleaned costs disk, not this run.
            }
        }
    }

    private void Stop()
    {
        try
        {
            RunServerToolAsync("pg_ctl", ["-D", Path.Combine(directory, "data"), "-m", "immediate", "-w", "stop"]).GetAwaiter().GetResult();
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            // The run is over; a leftover temp directory is the only cost.
        }
    }

    private Task RunServerToolAsync(string tool, IReadOnlyList<string> arguments)
    {
        var executable = Path.Combine(binDirectory, tool);
        // PostgreSQL refuses to run as root.
        return asPostgresUser ? RunAsync("runuser", ["-u", "postgres", "--", executable, .. arguments]) : RunAsync(executable, arguments);
    }

    private static string FindBinaries()
    {
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(version => Path.Combine(version, "bin"))
                .Where(bin => File.Exists(Path.Combine(bin, "initdb")) && File.Exists(Path.Combine(bin, "pg_ctl")))
                .OrderByDescending(bin => int.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), out var v) ? v : 0)
                .ToList()
            : [];
        return candidates.Count > 0
            ? candidates[0]
            : throw new InvalidOperationException(
                "PostgreSQL is not installed (no /usr/lib/postgresql/<version>/bin/initdb): the dispatch tests run against a real "
                + "PostgreSQL. Run tests/install-test-deps to install it.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string executable, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {executable}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(guard.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{Path.GetFileName(executable)} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await error}{await output}");
        }
    }
}
