using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace HomeGateway.Gateway.Tests.Telemetry;

/// <summary>
/// A real InfluxDB 1.x of the test's own: <c>influxd run -config &lt;temp conf&gt;</c> with its own meta/data/wal
/// directories, HTTP on a free loopback port and usage reporting off — never the system service. Can be stopped and
/// started again on the same port and data (InfluxDB going away and coming back). Missing influxd is a failure with
/// the command that installs it, never a skip.
/// </summary>
internal sealed class InfluxDbServer : IAsyncDisposable
{
    private const string Executable = "/usr/bin/influxd";
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly StringBuilder _output = new();
    private readonly string _directory;
    private Process? _process;

    private System.Net.Http.Headers.AuthenticationHeaderValue? _admin;

    private InfluxDbServer(string directory, bool authentication)
    {
        _directory = directory;
        Port = FreePort();
        var rpcPort = FreePort();
        var root = directory.Replace("\\", "/", StringComparison.Ordinal);
        File.WriteAllText(ConfigFile, $"""
            reporting-disabled = true
            bind-address = "127.0.0.1:{rpcPort}"
            [meta]
              dir = "{root}/meta"
            [data]
              dir = "{root}/data"
              wal-dir = "{root}/wal"
              query-log-enabled = false
            [http]
              enabled = true
              bind-address = "127.0.0.1:{Port}"
              log-enabled = false
              auth-enabled = {(authentication ? "true" : "false")}
            [monitor]
              store-enabled = false
            [continuous_queries]
              enabled = false
            [logging]
              level = "warn"
            """);
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    private string ConfigFile => Path.Combine(_directory, "influxdb.conf");

    /// <param name="authentication">
    /// InfluxDB's <c>auth-enabled</c>: every request needs a user. The first one is created with <see cref="CreateAdminAsync"/>
    /// (InfluxDB allows that one statement without credentials while it has no users).
    /// </param>
    public static async Task<InfluxDbServer> StartAsync(string directory, bool authentication = false)
    {
        if (!File.Exists(Executable))
        {
            var ci = Environment.GetEnvironmentVariable("CI") == "true" ? " (CI=true: the run must install it first)" : "";
            throw new InvalidOperationException(
                $"{Executable} is missing: these tests need a real InfluxDB. Install it with `tests/install-test-deps` "
                + $"(apt-get install influxdb); `make test` does this itself{ci}.");
        }

        var server = new InfluxDbServer(directory, authentication);
        await server.StartAgainAsync();
        return server;
    }

    public async Task StartAgainAsync()
    {
        var start = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("run");
        start.ArgumentList.Add("-config");
        start.ArgumentList.Add(ConfigFile);
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"influxd exited with {_process.ExitCode}: {Output}");
            }

            try
            {
                using var ping = await Http.GetAsync(new Uri($"{Url}/ping"), guard.Token);
                if (ping.StatusCode == HttpStatusCode.NoContent)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(50, guard.Token);
        }
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public async Task CreateDatabaseAsync(string name) => await QueryAsync(null, $"CREATE DATABASE \"{name}\"");

    /// <summary>Creates an admin user; the fixture's own queries use it from then on.</summary>
    public async Task CreateAdminAsync(string user, string password)
    {
        await QueryAsync(null, $"CREATE USER \"{user}\" WITH PASSWORD '{password}' WITH ALL PRIVILEGES");
        _admin = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
    }

    /// <summary>Runs InfluxQL and returns the first statement's series (timestamps as epoch ms).</summary>
    public async Task<JsonElement> QueryAsync(string? database, string influxQl)
    {
        var form = new Dictionary<string, string> { ["q"] = influxQl, ["epoch"] = "ms" };
        if (database is not null)
        {
            form["db"] = database;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"{Url}/query")) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = _admin;
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        using var json = JsonDocument.Parse(text);
        var result = json.RootElement.GetProperty("results")[0];
        Assert.False(result.TryGetProperty("error", out var error), error.ToString());
        return result.Clone();
    }

    /// <summary>The rows of one measurement as column → value dictionaries (null where a row lacks a field).</summary>
    public async Task<List<Dictionary<string, JsonElement>>> RowsAsync(string database, string measurement)
    {
        var result = await QueryAsync(database, $"SELECT * FROM \"{measurement.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"");
        var rows = new List<Dictionary<string, JsonElement>>();
        if (!result.TryGetProperty("series", out var series))
        {
            return rows;
        }

        var columns = series[0].GetProperty("columns").EnumerateArray().Select(c => c.GetString()!).ToArray();
        foreach (var values in series[0].GetProperty("values").EnumerateArray())
        {
            rows.Add(columns.Zip(values.EnumerateArray()).Where(p => p.Second.ValueKind != JsonValueKind.Null).ToDictionary(p => p.First, p => p.Second));
        }

        return rows;
    }

    /// <summary>fieldKey → fieldType (float, integer, string, boolean) as InfluxDB stored them.</summary>
    public async Task<Dictionary<string, string>> FieldTypesAsync(string database, string measurement)
    {
        var result = await QueryAsync(database, $"SHOW FIELD KEYS FROM \"{measurement}\"");
        return result.GetProperty("series")[0].GetProperty("values").EnumerateArray()
            .ToDictionary(v => v[0].GetString()!, v => v[1].GetString()!);
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
