using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace HomeGateway.EndToEnd.Tests.Provisioning;

/// <summary>
/// A private OpenSSH server on a free 127.0.0.1 port: its own host key, config, authorized_keys and a fresh client
/// key, all in a temp directory. Never the system sshd. Logs in as the user running the tests.
/// </summary>
internal sealed class LoopbackSshd : IDisposable
{
    private const string SshdPath = "/usr/sbin/sshd";
    private readonly Process process;

    private LoopbackSshd(string directory, int port, Process process)
    {
        Directory = directory;
        Port = port;
        this.process = process;
    }

    public string Directory { get; }

    public int Port { get; }

    public string ClientKey => Path.Combine(Directory, "client_key");

    /// <summary>A known_hosts holding this server's host key: the client checks it for real.</summary>
    public string KnownHosts => Path.Combine(Directory, "known_hosts");

    public static string User => Environment.UserName;

    public static async Task<LoopbackSshd> StartAsync(string directory)
    {
        if (!File.Exists(SshdPath) || !File.Exists("/usr/bin/ssh-keygen"))
        {
            var ci = Environment.GetEnvironmentVariable("CI") == "true" ? " (CI=true: the run must install it first)" : "";
            Assert.Fail($"{SshdPath} or ssh-keygen is missing: run tests/install-test-deps (openssh-server, openssh-client){ci}");
        }

        System.IO.Directory.CreateDirectory(directory);
        await RunAsync("/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(directory, "host_key"));
        await RunAsync("/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(directory, "client_key"));
        File.Copy(Path.Combine(directory, "client_key.pub"), Path.Combine(directory, "authorized_keys"));

        if (Environment.IsPrivilegedProcess && !System.IO.Directory.Exists("/run/sshd"))
        {
            // sshd running as root insists on its privilege-separation directory, which the package's service makes.
            System.IO.Directory.CreateDirectory("/run/sshd");
        }

        var port = FreePort();
        var config = Path.Combine(directory, "sshd_config");
        await File.WriteAllLinesAsync(config,
        [
            $"Port {port}",
            "ListenAddress 127.0.0.1",
            $"HostKey {Path.Combine(directory, "host_key")}",
            $"AuthorizedKeysFile {Path.Combine(directory, "authorized_keys")}",
            $"PidFile {Path.Combine(directory, "sshd.pid")}",
            // The temp directory's modes are not sshd's business here; the keys in it are fresh and private.
            "StrictModes no",
            "UsePAM no",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PermitRootLogin prohibit-password",
            $"AllowUsers {User}",
        ]);
        var hostKey = (await File.ReadAllTextAsync(Path.Combine(directory, "host_key.pub"))).Trim();
        await File.WriteAllTextAsync(Path.Combine(directory, "known_hosts"), $"[127.0.0.1]:{port} {hostKey}\n");

        var start = new ProcessStartInfo(SshdPath) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "-D", "-e", "-f", config })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("sshd did not start");
        var log = process.StandardError.ReadToEndAsync();
        var sshd = new LoopbackSshd(directory, port, process);
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!await AcceptsAsync(port))
        {
            if (process.HasExited || guard.IsCancellationRequested)
            {
                sshd.Dispose();
                Assert.Fail($"sshd did not listen on 127.0.0.1:{port}: {await log}");
            }

            await Task.Delay(50);
        }

        return sshd;
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }

        process.Dispose();
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{file} failed: {await error}");
    }
}
