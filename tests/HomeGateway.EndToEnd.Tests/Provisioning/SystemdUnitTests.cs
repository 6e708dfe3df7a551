using System.Diagnostics;

namespace HomeGateway.EndToEnd.Tests.Provisioning;

/// <summary>
/// Invariant: the unit provision installs is one systemd accepts as written (`systemd-analyze verify`, no warning), and
/// keeps the settings the gateway depends on: sd_notify readiness, the watchdog, restart, its directories, and
/// hardening that still leaves the GPIO chip and the I2C bus reachable.
/// </summary>
public sealed class SystemdUnitTests
{
    private static string UnitPath => Path.Combine(Built.RepoRoot, "deploy", "systemd", "homegateway.service");

    [Fact]
    public async Task Systemd_analyze_verify_accepts_the_unit()
    {
        const string analyze = "/usr/bin/systemd-analyze";
        if (!File.Exists(analyze))
        {
            var ci = Environment.GetEnvironmentVariable("CI") == "true" ? " (CI=true: the run must install it first)" : "";
            Assert.Fail($"{analyze} is missing: run tests/install-test-deps (systemd){ci}");
        }

        var work = Built.NewWorkDirectory("unit");
        Directory.CreateDirectory(work);
        try
        {
            // The gateway is not installed on this machine: point ExecStart at an executable that is, and check the rest.
            var unit = Path.Combine(work, "homegateway.service");
            var lines = (await File.ReadAllLinesAsync(UnitPath))
                .Select(line => line.StartsWith("ExecStart=", StringComparison.Ordinal) ? "ExecStart=/bin/true" : line);
            await File.WriteAllLinesAsync(unit, lines);

            var start = new ProcessStartInfo(analyze) { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add("verify");
            start.ArgumentList.Add(unit);
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            await process.WaitForExitAsync(guard.Token);

            var said = (await output + await error).Trim();
            Assert.True(process.ExitCode == 0 && said.Length == 0, said);
        }
        finally
        {
            Processes.DemoProcessTests.TryDelete(work);
        }
    }

    [Theory]
    [InlineData("Type=notify")]
    [InlineData("WatchdogSec=30s")]
    [InlineData("Restart=on-failure")]
    [InlineData("StateDirectory=homegateway")]
    [InlineData("RuntimeDirectory=homegateway")]
    [InlineData("ConfigurationDirectory=homegateway")]
    [InlineData("User=homegateway")]
    [InlineData("SupplementaryGroups=gpio i2c")]
    [InlineData("ProtectSystem=strict")]
    [InlineData("NoNewPrivileges=yes")]
    [InlineData("RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6")]
    [InlineData("DeviceAllow=char-gpiochip rw")]
    [InlineData("DeviceAllow=char-i2c rw")]
    [InlineData("MemoryMax=256M")]
    [InlineData("MemorySwapMax=0")]
    [InlineData("TasksMax=256")]
    [InlineData("SystemCallFilter=@system-service")]
    [InlineData("SystemCallErrorNumber=EPERM")]
    [InlineData("ProtectProc=invisible")]
    public void The_unit_keeps(string setting) =>
        Assert.Contains(setting, File.ReadAllLines(UnitPath));

    /// <summary>
    /// systemd's own reading of the unit's exposure (0 = fully sandboxed, 10 = none): 3.4 before the system-call filter,
    /// /proc hiding and private mounts; what is left is what a GPIO gateway on the network needs (devices, sockets, the JIT's
    /// writable code pages).
    /// </summary>
    [Fact]
    public async Task Systemd_rates_the_units_exposure_at_most_2()
    {
        var work = Built.NewWorkDirectory("unit-security");
        Directory.CreateDirectory(work);
        try
        {
            var unit = Path.Combine(work, "homegateway.service");
            var lines = (await File.ReadAllLinesAsync(UnitPath))
                .Select(line => line.StartsWith("ExecStart=", StringComparison.Ordinal) ? "ExecStart=/bin/true" : line);
            await File.WriteAllLinesAsync(unit, lines);

            var start = new ProcessStartInfo("/usr/bin/systemd-analyze") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { "security", "--offline=yes", "--no-pager", unit })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            await process.WaitForExitAsync(guard.Token);
            var said = await output + await error;
            var level = System.Text.RegularExpressions.Regex.Match(said, @"Overall exposure level for \S+: (\d+\.\d)");
            Assert.True(level.Success, said);
            var exposure = double.Parse(level.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(exposure <= 2.0, $"exposure {exposure}:{Environment.NewLine}{said}");
        }
        finally
        {
            Processes.DemoProcessTests.TryDelete(work);
        }
    }

    [Theory]
    [InlineData("PrivateDevices")]
    [InlineData("MemoryDenyWriteExecute")]
    public void The_unit_never_sets(string key) =>
        Assert.DoesNotContain(File.ReadAllLines(UnitPath), line => line.StartsWith(key + "=", StringComparison.Ordinal));
}
