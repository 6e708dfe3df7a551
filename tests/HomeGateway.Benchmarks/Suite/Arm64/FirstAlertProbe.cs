using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using HomeGateway.Benchmarks.Suite.Footprint;
using HomeGateway.Simulator.Demo;
using HomeGateway.Simulator.Scenarios;

namespace HomeGateway.Benchmarks.Suite.Arm64;

/// <summary>
/// Start-up to the first reaction, with nothing but the gateway itself: the service (<c>homegateway run</c>, as the unit
/// starts it, with the unit's <c>DOTNET_*</c> settings) on a home file holding one GPIO help button on simulated pins,
/// no MQTT, no dispatch, a fresh data directory. The button is already held down when the process is spawned, so the
/// gateway's first reading of the pin is a press; the reaction is the log line of the help alert, which the pipeline
/// writes after the alert is journalled (fsync). Start-up = spawn → that line on the gateway's stdout.
/// Memory is read from /proc of the spawned process 1 s later (for arm64: qemu's process, the emulator included, and
/// how much of it is qemu's own, <see cref="QemuOwnMemory"/>).
/// </summary>
public sealed partial class FirstAlertProbe(DeviceBuild build, string repositoryRoot)
{
    private const int HelpPin = 27;

    /// <summary>Guards against a hung emulator; not a measure.</summary>
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(120);

    public async Task<(double StartupMs, ProcMemory Memory, long QemuOwnBytes)> RunAsync(string work, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(work);
        var data = Path.Combine(work, "data");
        var pins = Path.Combine(work, "pins");
        Directory.CreateDirectory(data);
        var home = Path.Combine(work, "home.yaml");
        await File.WriteAllTextAsync(home, """
            home: { id: bench-arm64, timezone: Europe/Helsinki }
            sensors:
              - { id: help, kind: help_button, location: bedroom, gpio: { pin: 27, activeLow: true, pull: up } }
            rules:
              help: {}
            """, cancellationToken).ConfigureAwait(false);
        // Held down (active low) before the spawn: the pin's state at start is the press.
        PinFiles.Write(pins, HelpPin, high: false);

        var (program, arguments) = build.Command(
        [
            "run",
            "--Gateway:HomeFile=" + home,
            "--Gateway:DataDirectory=" + data,
            "--Gateway:RuntimeDirectory=" + data,
            "--Gateway:Mqtt:Enabled=false",
            "--Gateway:Gpio:Driver=simulated",
            "--Gateway:Gpio:SimulatedPinDirectory=" + pins,
        ]);
        // The shim exports the unit's DOTNET_* lines and execs the program: the pid stays the one /proc is read for.
        var shim = GatewayShim.WriteExec(Path.Combine(work, "shim"), repositoryRoot, program);
        var spawnedAt = Stopwatch.GetTimestamp();
        var gateway = ChildProcess.Start("gateway", shim, arguments, Path.Combine(work, "gateway.log"));
        try
        {
            try
            {
                await gateway.WaitForLineAsync(IsHelpAlert, Guard).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException(string.Create(CultureInfo.InvariantCulture,
                    $"{build.Name}: no help alert within {Guard.TotalSeconds:0} s (gateway {(gateway.HasExited ? "exited" : "running")}); see {Path.Combine(work, "gateway.log")}"));
            }

            var startup = Stopwatch.GetElapsedTime(spawnedAt).TotalMilliseconds;
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            var memory = ProcMemory.Read(gateway.Id);
            // Under an emulator, how much of that is the emulator's own (0 for a native process: nothing to take off).
            return (startup, memory, build.Launcher.Count > 0 ? QemuOwnMemory.Read(gateway.Id) : 0);
        }
        finally
        {
            await gateway.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The pipeline's "Alert {seq}: raised help …" line (event 1002; the console logger writes the message on the line after
    /// the category), logged once the alert is journalled.
    /// </summary>
    public static bool IsHelpAlert(string line) => HelpAlertLine().IsMatch(line);

    [GeneratedRegex(@"\bAlert [0-9]+: raised help ")]
    private static partial Regex HelpAlertLine();
}
