using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using MQTTnet;

namespace HomeGateway.Gateway.Tests.Mqtt;

/// <summary>
/// A real mosquitto of the test's own: <c>/usr/sbin/mosquitto -c &lt;temp conf&gt;</c> on free loopback ports, never the
/// system service. No anonymous clients; two users (<see cref="GatewayUser"/>, <see cref="DeviceUser"/>) with random
/// passwords from <c>mosquitto_passwd</c>; a plain listener, a TLS listener with a throwaway CA, and a mutual-TLS listener.
/// Missing mosquitto is a failure with the command that installs it, never a skip.
/// </summary>
internal sealed class MosquittoBroker : IAsyncDisposable
{
    public const string GatewayUser = "homegateway";
    public const string DeviceUser = "zigbee2mqtt";
    private const string Executable = "/usr/sbin/mosquitto";
    private const string PasswdTool = "/usr/bin/mosquitto_passwd";
    private const string PubTool = "/usr/bin/mosquitto_pub";

    private readonly StringBuilder _output = new();
    private readonly List<IMqttClient> _clients = [];
    private Process? _process;

    private MosquittoBroker(string directory)
    {
        Directory = directory;
    }

    public string Directory { get; }
    public int Port { get; private set; }
    public int TlsPort { get; private set; }
    public int MutualTlsPort { get; private set; }
    public string GatewayPassword { get; } = NewPassword();
    public string DevicePassword { get; } = NewPassword();
    public TestCertificates Authority { get; } = TestCertificates.CreateAuthority("HomeGateway test CA");
    public string CaFile => Path.Combine(Directory, "ca.pem");

    /// <summary>What mosquitto wrote so far (for failure messages).</summary>
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

    /// <summary>Fails with the install command when mosquitto is not there: the suite runs every test or fails.</summary>
    public static void RequireInstalled()
    {
        foreach (var tool in new[] { Executable, PasswdTool, PubTool })
        {
            if (!File.Exists(tool))
            {
                var ci = Environment.GetEnvironmentVariable("CI") == "true" ? " (CI=true: the run must install it first)" : "";
                throw new InvalidOperationException(
                    $"{tool} is missing: these tests need a real mosquitto. Install it with `tests/install-test-deps` "
                    + $"(apt-get install mosquitto mosquitto-clients); `make test` does this itself{ci}.");
            }
        }
    }

    /// <param name="directory">Where its configuration, passwords and certificates go.</param>
    /// <param name="settings">More mosquitto.conf lines for the whole broker (e.g. <c>max_queued_messages 0</c>).</param>
    public static async Task<MosquittoBroker> StartAsync(string directory, params string[] settings)
    {
        RequireInstalled();
        var broker = new MosquittoBroker(directory);
        broker.WriteFiles(settings);
        await broker.RunAsync();
        return broker;
    }

    private void WriteFiles(string[] settings)
    {
        File.WriteAllText(CaFile, Authority.Certificate.ExportCertificatePem());
        var (certificate, key) = Authority.IssueServer().WritePem(Directory, "mosquitto");
        var passwords = Path.Combine(Directory, "mosquitto-passwd");
        Run(PasswdTool, "-b", "-c", passwords, GatewayUser, GatewayPassword);
        Run(PasswdTool, "-b", passwords, DeviceUser, DevicePassword);

        (Port, TlsPort, MutualTlsPort) = FreePorts();
        // mosquitto started as root drops to the 'mosquitto' user unless told to stay: the test's files are the test user's.
        var user = Environment.UserName;
        File.WriteAllText(Path.Combine(Directory, "mosquitto.conf"), string.Join('\n', (string[])
        [
            "per_listener_settings false",
            "allow_anonymous false",
            $"password_file {passwords}",
            "persistence false",
            $"user {user}",
            "log_dest stderr",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "log_type information",
            "connection_messages true",
            .. settings,
            $"listener {Port} 127.0.0.1",
            $"listener {TlsPort} 127.0.0.1",
            $"cafile {CaFile}",
            $"certfile {certificate}",
            $"keyfile {key}",
            $"listener {MutualTlsPort} 127.0.0.1",
            $"cafile {CaFile}",
            $"certfile {certificate}",
            $"keyfile {key}",
            "require_certificate true",
            ""]));
    }

    private async Task RunAsync()
    {
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Path.Combine(Directory, "mosquitto.conf"));
        var process = Process.Start(start) ?? throw new InvalidOperationException("mosquitto did not start");
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        _process = process;

        // Ready when all three listeners accept connections.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        foreach (var port in new[] { Port, TlsPort, MutualTlsPort })
        {
            while (true)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"mosquitto exited with {process.ExitCode} at start:\n{Output}");
                }

                try
                {
                    using var probe = new TcpClient();
                    await probe.ConnectAsync(IPAddress.Loopback, port);
                    break;
                }
                catch (SocketException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(50);
                }
            }
        }
    }

    /// <summary>SIGKILL: no goodbye to any client, as in a crash or a power cut of the broker's machine.</summary>
    public async Task KillAsync()
    {
        if (_process is { } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
            process.Dispose();
            _process = null;
        }
    }

    /// <summary>
    /// SIGSTOP: the process stays, its sockets stay open, nothing answers — what a client sees of a half-open link
    /// (a router that dropped the connection without a word). <see cref="Resume"/> undoes it.
    /// </summary>
    public void Freeze() => Signal("STOP", _process!.Id);

    public void Resume() => Signal("CONT", _process!.Id);

    /// <summary>Starts mosquitto again with the same settings and ports (its sessions are gone: persistence is off).</summary>
    public Task RestartAsync() => RunAsync();

    /// <summary>Publishes with the mosquitto_pub command line tool, as the device user, QoS 1.</summary>
    public void PublishWithMosquittoPub(string topic, string payload) =>
        Run(PubTool, "-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-u", DeviceUser, "-P", DevicePassword,
            "-i", "device-" + Guid.NewGuid().ToString("N")[..8], "-q", "1", "-t", topic, "-m", payload);

    /// <summary>An MQTTnet client logged in as the device user on the plain listener.</summary>
    public async Task<IMqttClient> DeviceAsync(string clientId)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        _clients.Add(client);
        var result = await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", Port)
            .WithClientId(clientId)
            .WithCredentials(DeviceUser, DevicePassword)
            .WithTimeout(TimeSpan.FromSeconds(5))
            .Build());
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        if (_process is { HasExited: false } process)
        {
            // A frozen process ignores nothing but SIGKILL; resume anyway so no stopped process is left behind.
            Signal("CONT", process.Id);
        }

        await KillAsync();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    private static void Run(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(15_000))
        {
            process.Kill();
            throw new TimeoutException($"{tool} did not finish");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} failed ({process.ExitCode}): {output}{error.Result}");
        }
    }

    // .NET sends only SIGKILL itself; the shell's kill builtin sends the others.
    private static void Signal(string signal, int pid) =>
        Run("/bin/sh", "-c", $"kill -{signal} {pid.ToString(CultureInfo.InvariantCulture)}");

    // mosquitto_passwd takes the password on the command line: letters and digits only, so no quoting question arises.
    private static string NewPassword() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    /// <summary>
    /// Three distinct free ports: the listeners are held open together, so the OS cannot hand the same port out twice
    /// (it did, once, and mosquitto then refused to start with "Address already in use").
    /// </summary>
    private static (int, int, int) FreePorts()
    {
        var listeners = Enumerable.Range(0, 3).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToList();
            return (ports[0], ports[1], ports[2]);
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }
}
