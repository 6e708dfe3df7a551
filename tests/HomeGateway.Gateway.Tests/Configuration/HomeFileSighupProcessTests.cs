using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using HomeGateway.Gateway.Status;

namespace HomeGateway.Gateway.Tests.Configuration;

/// <summary>
/// Guards, with the real service process and a real SIGHUP: a technician's bad home file never ends the service. Each
/// class of issue 16 (an overflowing duration used to end it through an OverflowException in the signal handler) is
/// refused with one FILE:LINE log line while the process keeps running; its status says the plan in force is not the
/// file; and a restart with the bad file still in place runs the last good copy instead of failing.
/// </summary>
public sealed class HomeFileSighupProcessTests : IDisposable
{
    private static readonly string[] IssueClasses = ["overflowing duration", "arabic-indic digits", "a time zone that names a folder", "YAML nested 40,000 deep"];

    private readonly TempDirectory dir = new();
    private readonly int port = FreePort();

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task Sighup_with_each_class_of_bad_file_keeps_the_service_running_and_a_restart_runs_the_last_good_copy()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        File.WriteAllText(dir.File("home.yaml"), BadHomeFiles.Valid);
        using (var gateway = Service.Start(dir, port))
        {
            await WaitUntilListeningAsync(gateway, timeout.Token);
            foreach (var name in IssueClasses)
            {
                var bad = BadHomeFiles.Classes[name];
                File.WriteAllText(dir.File("home.yaml"), bad.Yaml);
                gateway.Signal("HUP");

                var expected = $"home.yaml:{bad.Line}: {bad.Field}: ";
                await gateway.WaitForLineAsync(l => l.Contains("Home file refused", StringComparison.Ordinal) && l.Contains(expected, StringComparison.Ordinal), timeout.Token);
                Assert.False(gateway.Process.HasExited, $"{name}: the service ended: {gateway.Output}");
            }

            await WaitUntilListeningAsync(gateway, timeout.Token);
            var status = await WaitForStatusAsync(s => s.HomeFile is not null, timeout.Token);
            Assert.Equal("earlier-file", status.HomeFile!.InForce);
            await gateway.StopAsync(timeout.Token);
        }

        // Restarted with the last bad file still in place: the alarms stay on, from the last good copy.
        File.Delete(dir.File(StatusFileWriter.FileName));
        using (var restarted = Service.Start(dir, port))
        {
            await restarted.WaitForLineAsync(l => l.Contains("RUNNING THE LAST GOOD CARE PLAN", StringComparison.Ordinal), timeout.Token);
            await WaitUntilListeningAsync(restarted, timeout.Token);
            var status = await WaitForStatusAsync(s => s.HomeFile is not null, timeout.Token);
            Assert.Equal("last-good-copy", status.HomeFile!.InForce);
            await restarted.StopAsync(timeout.Token);
        }
    }

    private async Task WaitUntilListeningAsync(Service service, CancellationToken cancel)
    {
        while (true)
        {
            Assert.False(service.Process.HasExited, $"the service ended:\n{service.Output}");
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port, cancel);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100, cancel);
            }
        }
    }

    private async Task<GatewayStatus> WaitForStatusAsync(Func<GatewayStatus, bool> condition, CancellationToken cancel)
    {
        while (true)
        {
            try
            {
                if (JsonSerializer.Deserialize(File.ReadAllBytes(dir.File(StatusFileWriter.FileName)), StatusJsonContext.Default.GatewayStatus) is { } status && condition(status))
                {
                    return status;
                }
            }
            catch (Exception ex) when (ex is IOException or JsonException)
            {
                // Not written yet.
            }

            await Task.Delay(200, cancel);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The gateway service as systemd runs it, with its console log collected line by line.</summary>
    private sealed class Service : IDisposable
    {
        private readonly ConcurrentQueue<string> lines = new();

        private Service(Process process) => Process = process;

        public Process Process { get; }

        public string Output => string.Join('\n', lines);

        public static Service Start(TempDirectory dir, int port)
        {
            var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "homegateway"))
            {
                WorkingDirectory = dir.Path,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[]
            {
                "run", $"--Gateway:HomeFile={dir.File("home.yaml")}", $"--Gateway:DataDirectory={dir.Path}", $"--Gateway:RuntimeDirectory={dir.Path}",
                $"--Gateway:Mqtt:Port={port}", "--Gateway:Gpio:Driver=simulated",
            })
            {
                start.ArgumentList.Add(arg);
            }

            start.Environment["DOTNET_ENVIRONMENT"] = "Production";
            start.Environment.Remove("RUNTIME_DIRECTORY");
            var service = new Service(Process.Start(start)!);
            service.Process.OutputDataReceived += (_, e) => service.Add(e.Data);
            service.Process.ErrorDataReceived += (_, e) => service.Add(e.Data);
            service.Process.BeginOutputReadLine();
            service.Process.BeginErrorReadLine();
            return service;
        }

        public void Signal(string signal)
        {
            using var kill = Process.Start("kill", ["-" + signal, Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
            kill.WaitForExit();
        }

        public async Task WaitForLineAsync(Func<string, bool> match, CancellationToken cancel)
        {
            while (!lines.Any(match))
            {
                Assert.False(Process.HasExited, $"the service ended (exit {(Process.HasExited ? Process.ExitCode : 0)}):\n{Output}");
                await Task.Delay(50, cancel);
            }
        }

        public async Task StopAsync(CancellationToken cancel)
        {
            Signal("TERM");
            await Process.WaitForExitAsync(cancel);
            Assert.True(Process.ExitCode == 0, $"exit {Process.ExitCode}:\n{Output}");
        }

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
            }

            Process.Dispose();
        }

        private void Add(string? line)
        {
            if (line is not null)
            {
                lines.Enqueue(line);
            }
        }
    }
}
