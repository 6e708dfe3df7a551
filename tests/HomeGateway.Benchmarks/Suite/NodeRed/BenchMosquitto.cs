using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using HomeGateway.Simulator.Demo;

namespace HomeGateway.Benchmarks.Suite.NodeRed;

/// <summary>
/// The one mosquitto both the gateway and Node-RED log in to: the bench's own (<c>mosquitto -c &lt;its conf&gt;</c> on a
/// loopback port, never the system service), no anonymous clients, a password file made with <c>mosquitto_passwd</c>
/// holding one user per client: the gateway, Node-RED and the bench (which publishes the sensors and reads the alerts).
/// </summary>
public sealed class BenchMosquitto : IAsyncDisposable
{
    public const string GatewayUser = "homegateway";
    public const string NodeRedUser = "nodered";
    public const string BenchUser = "bench";
    private const string Executable = "/usr/sbin/mosquitto";
    private const string PasswdTool = "/usr/bin/mosquitto_passwd";

    private ChildProcess? process;

    private BenchMosquitto(int port) => Port = port;

    public int Port { get; }

    public IReadOnlyDictionary<string, string> Passwords { get; } = new Dictionary<string, string>
    {
        // Letters and digits only: mosquitto_passwd takes them on its command line without any quoting question.
        [GatewayUser] = NewPassword(),
        [NodeRedUser] = NewPassword(),
        [BenchUser] = NewPassword(),
    };

    public static string Version()
    {
        // "mosquitto version 2.0.11" is the first line of `mosquitto -h` (which exits 3).
        var info = new System.Diagnostics.ProcessStartInfo(Executable, "-h") { RedirectStandardOutput = true, UseShellExecute = false };
        using var help = System.Diagnostics.Process.Start(info)!;
        var first = help.StandardOutput.ReadLine() ?? "";
        help.WaitForExit();
        return first.Replace("mosquitto version", "", StringComparison.Ordinal).Trim();
    }

    /// <summary>Starts mosquitto on <paramref name="port"/> (a free loopback port) with its files in <paramref name="directory"/>.</summary>
    public static async Task<BenchMosquitto> StartAsync(string directory, int port, CancellationToken cancellationToken)
    {
        if (!File.Exists(Executable) || !File.Exists(PasswdTool))
        {
            throw new InvalidOperationException($"{Executable} or {PasswdTool} is missing: run tests/install-test-deps (make bench does)");
        }

        var broker = new BenchMosquitto(port);
        Directory.CreateDirectory(directory);
        var passwords = Path.Combine(directory, "mosquitto-passwd");
        var create = true;
        foreach (var (user, password) in broker.Passwords)
        {
            var (exit, _, error) = await ChildProcess.RunAsync(PasswdTool, create ? ["-b", "-c", passwords, user, password] : ["-b", passwords, user, password], cancellationToken).ConfigureAwait(false);
            if (exit != 0)
            {
                throw new InvalidOperationException($"mosquitto_passwd failed ({exit}): {error.Trim()}");
            }

            create = false;
        }

        var config = Path.Combine(directory, "mosquitto.conf");
        await File.WriteAllTextAsync(config, string.Join('\n',
            "allow_anonymous false",
            $"password_file {passwords}",
            "persistence false",
            // Nagle's algorithm (mosquitto's default) holds a small publish back until the previous one is acknowledged,
            // which the receiver's delayed ACK makes tens of milliseconds: a floor under both sides' latency that
            // measures the broker's socket option, not the gateway or Node-RED. Off, as an installation should set it.
            "set_tcp_nodelay true",
            // Started as root, mosquitto would drop to the 'mosquitto' user, who cannot read the bench's files.
            $"user {Environment.UserName}",
            "log_dest stderr",
            "log_type error",
            "log_type warning",
            "log_type notice",
            // The default of 1000 queued messages per client is far above what either consumer lags by; no limit on rate.
            $"listener {port.ToString(CultureInfo.InvariantCulture)} 127.0.0.1",
            ""), cancellationToken).ConfigureAwait(false);
        broker.process = ChildProcess.Start("mosquitto", Executable, ["-c", config], Path.Combine(directory, "mosquitto.log"));
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await AcceptsAsync(port).ConfigureAwait(false))
        {
            if (broker.process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"mosquitto did not start on port {port}; see mosquitto.log in {directory}");
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        return broker;
    }

    public async ValueTask DisposeAsync()
    {
        if (process is not null)
        {
            await process.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        try
        {
            using var probe = new TcpClient();
            await probe.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string NewPassword() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
}
