using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Configuration;
using HomeGateway.Gateway.Gpio;
using HomeGateway.Gateway.Mqtt;
using HomeGateway.Gateway.Status;
using HomeGateway.Gateway.Uplink;
using Microsoft.Data.Sqlite;
using MQTTnet;

namespace HomeGateway.Gateway.Cli;

/// <summary>
/// The checks behind <c>homegateway doctor</c>. Each one reads what the service reads (the same settings, home file,
/// credential files and journal) and never changes anything: the journal is opened read-only, the MQTT login uses a
/// client id of its own so the service's session is not taken over.
/// </summary>
internal sealed class GatewayDoctor(GatewayOptions options, bool simulated, TimeProvider time, TextWriter output)
{
    /// <summary>How long a network check may take before it counts as unreachable.</summary>
    internal static readonly TimeSpan NetworkTimeout = TimeSpan.FromSeconds(10);

    /// <summary>A client certificate closer than this to its end should be renewed at the next visit.</summary>
    internal static readonly TimeSpan CertificateRenewal = TimeSpan.FromDays(30);

    /// <summary>Below this, SQLite may not be able to commit an alert step at all.</summary>
    internal const long DiskFailBytes = 50L * 1024 * 1024;

    private readonly List<DoctorResult> results = [];
    private HomeConfig? home;
    private GatewayStatus? status;

    /// <summary>Where the files of the gpiochips and the board model are; the tests point it at a fake /dev.</summary>
    internal IGpioHardware Hardware { get; init; } = new LinuxGpioHardware();

    /// <summary>Where <c>/dev/i2c-N</c> are; the tests point it at a directory of their own.</summary>
    internal string DeviceDirectory { get; init; } = "/dev";

    /// <summary>The group database, for whether the service user may open <c>/dev/i2c-N</c>; the tests point it at a file of their own.</summary>
    internal string GroupFile { get; init; } = "/etc/group";

    /// <summary>The user the unit runs the service as (deploy/systemd/homegateway.service, User=).</summary>
    internal const string ServiceUser = "homegateway";

    /// <summary>The clock-sync sources; the tests point them at files of their own.</summary>
    internal string TimesyncFlagFile { get; init; } = "/run/systemd/timesync/synchronized";
    internal string Timedatectl { get; init; } = "timedatectl";

    public async Task<IReadOnlyList<DoctorResult>> RunAsync(CancellationToken cancellationToken)
    {
        var (version, commit) = VersionAction.ProductVersion();
        output.WriteLine($"homegateway doctor {version}{(commit is null ? "" : $" ({commit[..Math.Min(7, commit.Length)]})")}: checking this gateway");
        CheckHomeFile();
        ReadStatus();
        CheckGpio();
        await CheckMqttAsync(cancellationToken).ConfigureAwait(false);
        await CheckDispatchAsync(cancellationToken).ConfigureAwait(false);
        await CheckClockAsync(cancellationToken).ConfigureAwait(false);
        CheckDisk();
        CheckJournal();
        CheckI2c();
        CheckPower();
        return results;
    }

    private void Report(string check, DoctorLevel level, string message, string? fix = null)
    {
        var result = new DoctorResult(check, level, message, level == DoctorLevel.Ok ? null : fix);
        results.Add(result);
        var label = level switch { DoctorLevel.Ok => "OK  ", DoctorLevel.Warn => "WARN", _ => "FAIL" };
        output.WriteLine($"  {label}  {check,-8}  {message}");
        if (result.Fix is { } what)
        {
            output.WriteLine($"  {"",4}  {"",-8}  -> {what}");
        }
    }

    /// <summary>Slow checks say what they wait for, so a technician does not think the command hangs.</summary>
    private void Progress(string what) => output.WriteLine($"  ...   {what} (up to {(int)NetworkTimeout.TotalSeconds} s)");

    private void CheckHomeFile()
    {
        if (options.HomeFile is not { Length: > 0 } file)
        {
            Report("config", DoctorLevel.Fail, "no home file is set", "give --config FILE, or set Gateway:HomeFile in appsettings.json");
            return;
        }

        try
        {
            home = HomeConfigLoader.Load(file);
            Report("config", DoctorLevel.Ok, $"home file {file} is valid: home {home.HomeId}, {home.Sensors.Count} sensor(s)");
        }
        catch (HomeConfigException ex)
        {
            foreach (var problem in ex.Problems)
            {
                Report("config", DoctorLevel.Fail, problem.Format(file), $"correct the home file, then check it again: homegateway config validate {file}");
            }
        }
    }

    private void ReadStatus()
    {
        var path = StatusFileWriter.PathFor(options);
        if (!File.Exists(path) && options.RuntimeDirectory is not { Length: > 0 })
        {
            path = StatusFile.DefaultPath();
        }

        if (!File.Exists(path))
        {
            Report("service", DoctorLevel.Warn, $"the service is not running ({path} does not exist)", "sudo systemctl start homegateway; then sudo journalctl -u homegateway");
            return;
        }

        status = StatusFile.Read(path, TextWriter.Null);
        var age = status is null ? TimeSpan.MaxValue : time.GetUtcNow() - status.WrittenAt;
        if (status is null || age > StatusFile.StaleAfter)
        {
            Report("service", DoctorLevel.Warn, status is null ? $"{path} cannot be read" : $"the service has not written its status for {StatusFile.Ago(age)}: stopped or stuck",
                "sudo systemctl status homegateway; sudo journalctl -u homegateway -n 50");
            status = null;
            return;
        }

        Report("service", DoctorLevel.Ok, $"the service is running (since {StatusFile.Ago(time.GetUtcNow() - status.StartedAt)}), dispatch link {status.Uplink.State}");
        if (status.HomeFile is { } refused)
        {
            Report("config", DoctorLevel.Fail,
                $"the service runs {(refused.InForce == "last-good-copy" ? "the last good copy of the care plan" : "an earlier care plan")}, not the home file on disk: {(refused.Problems.Count > 0 ? refused.Problems[0] : "refused")}",
                $"correct the home file (homegateway config validate {refused.Path}), then: sudo systemctl kill -s HUP homegateway");
        }
    }

    private void CheckGpio()
    {
        var pins = home?.Sensors.Where(s => s.Gpio is not null).Select(s => (s.Id, s.Gpio!.Pin)).ToList() ?? [];
        if (simulated || options.Gpio.Driver == "simulated")
        {
            Report("gpio", DoctorLevel.Ok, $"skipped: simulated pins, no GPIO hardware checked ({pins.Count} GPIO sensor(s) in the home file)");
            return;
        }

        GpioChoice choice;
        try
        {
            choice = GpioSelection.Choose(options.Gpio.Driver, options.Gpio.Chip, Hardware);
        }
        catch (GpioSetupException ex)
        {
            Report("gpio", DoctorLevel.Fail, ex.Message, "on a machine without GPIO run: homegateway doctor --simulated");
            return;
        }

        Report("gpio", DoctorLevel.Ok, $"{choice.ChipDescription}, driver {choice.DriverName}{(choice.BoardModel is { } board ? $", board {board}" : "")}");
        if (choice.Chip is not { } chip)
        {
            return;
        }

        foreach (var (sensor, pin) in pins)
        {
            if (Hardware.LineConsumer(chip, pin) is not { } consumer)
            {
                Report("gpio", DoctorLevel.Ok, $"GPIO {pin} ({sensor}) is free");
            }
            else if (status is not null)
            {
                Report("gpio", DoctorLevel.Ok, $"GPIO {pin} ({sensor}) is held{(consumer.Length > 0 ? $" by '{consumer}'" : "")}: the running service reads it");
            }
            else
            {
                Report("gpio", DoctorLevel.Fail, $"GPIO {pin} ({sensor}) is in use{(consumer.Length > 0 ? $" by '{consumer}'" : "")} while the service is not running",
                    "find the program holding it (gpioinfo) and stop it, or wire the sensor to a free pin and change the home file");
            }
        }
    }

    private async Task CheckMqttAsync(CancellationToken cancellationToken)
    {
        var mqtt = options.Mqtt;
        if (!mqtt.Enabled)
        {
            Report("mqtt", DoctorLevel.Ok, "MQTT is off (GPIO sensors only)");
            return;
        }

        if (!mqtt.IsExternal)
        {
            var port = mqtt.PlainListener ? mqtt.Port : mqtt.Tls.Port ?? mqtt.Port;
            Progress($"connecting to the embedded broker at {mqtt.ListenAddress}:{port}");
            var problem = await TryConnectTcpAsync(mqtt.ListenAddress, port, cancellationToken).ConfigureAwait(false);
            if (problem is null)
            {
                Report("mqtt", DoctorLevel.Ok, $"the embedded broker answers on {mqtt.ListenAddress}:{port}");
            }
            else
            {
                Report("mqtt", status is null ? DoctorLevel.Warn : DoctorLevel.Fail, $"the embedded broker on {mqtt.ListenAddress}:{port} does not answer ({problem})",
                    status is null ? "it runs inside the service: start the service (sudo systemctl start homegateway)" : "sudo journalctl -u homegateway | grep -i mqtt");
            }

            return;
        }

        var external = mqtt.External;
        if (external.Host is not { Length: > 0 } host)
        {
            Report("mqtt", DoctorLevel.Fail, "Gateway:Mqtt:Mode is external but Gateway:Mqtt:External:Host is not set", "set the broker's host name in appsettings.json");
            return;
        }

        var brokerPort = ExternalBrokerSettings.Port(external);
        string password;
        try
        {
            password = MqttCertificates.ReadSecretFile(ExternalBrokerSettings.PasswordFile(options));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Report("mqtt", DoctorLevel.Fail, $"the broker password cannot be read ({ex.Message})", "run doctor with sudo, or write the password to the file (mode 0600)");
            return;
        }

        Progress($"logging in to the MQTT broker {host}:{brokerPort} as {external.UserName}");
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(host, brokerPort)
            .WithClientId($"homegateway-doctor-{Environment.ProcessId}")
            .WithCredentials(external.UserName, password)
            .WithCleanStart(true)
            .WithTimeout(NetworkTimeout);
        if (ExternalBrokerSettings.UsesTls(external))
        {
            builder = builder.WithTlsOptions(tls => tls.UseTls(true).WithTargetHost(host));
        }

        using var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            var connected = await client.ConnectAsync(builder.Build(), cancellationToken).ConfigureAwait(false);
            await client.DisconnectAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            Report("mqtt", DoctorLevel.Ok, $"logged in to the MQTT broker {host}:{brokerPort} as {external.UserName} ({connected.ResultCode})");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Report("mqtt", DoctorLevel.Fail, $"cannot log in to the MQTT broker {host}:{brokerPort}: {ex.Message}",
                "check the host, port, user and password file in the settings, and that the broker allows this user");
        }
    }

    private async Task CheckDispatchAsync(CancellationToken cancellationToken)
    {
        if (options.Dispatch.Url is not { Length: > 0 } url)
        {
            Report("dispatch", DoctorLevel.Warn, "no dispatch is set: alerts stay in the journal on this device", "set Gateway:Dispatch:Url and enrol: homegateway enroll --dispatch URL --token-file -");
            return;
        }

        DispatchCredentials credentials;
        try
        {
            credentials = DispatchCredentials.Load(options.DataDirectory);
        }
        catch (DispatchCredentialsException ex)
        {
            Report("dispatch", DoctorLevel.Fail, ex.Message, "ask dispatch for an enrolment code and run homegateway enroll");
            return;
        }

        using (credentials)
        {
            var left = credentials.ClientCertificate.NotAfter.ToUniversalTime() - time.GetUtcNow().UtcDateTime;
            var days = (int)Math.Floor(left.TotalDays);
            if (left < CertificateRenewal)
            {
                Report("cert", DoctorLevel.Warn, $"the gateway's certificate ({credentials.GatewayId}) expires in {days} day(s), on {credentials.ClientCertificate.NotAfter.ToUniversalTime():yyyy-MM-dd}",
                    "enrol again with a new code from dispatch before it expires");
            }
            else
            {
                Report("cert", DoctorLevel.Ok, $"the gateway's certificate ({credentials.GatewayId}) is valid for {days} more day(s)");
            }

            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
            {
                Report("dispatch", DoctorLevel.Fail, $"Gateway:Dispatch:Url '{url}' is not an https address", "set it to the address dispatch gave, e.g. https://dispatch.example:8081");
                return;
            }

            Progress($"opening a TLS connection to dispatch at {uri.Host}:{uri.Port}");
            var problem = await TryDispatchHandshakeAsync(uri, credentials, cancellationToken).ConfigureAwait(false);
            if (problem is null)
            {
                Report("dispatch", DoctorLevel.Ok, $"dispatch at {uri.Host}:{uri.Port} answers and is the one enrolled with (TLS, certificate signed by its CA)");
            }
            else
            {
                Report("dispatch", DoctorLevel.Fail, $"dispatch at {uri.Host}:{uri.Port}: {problem}",
                    "check the home's internet connection and the address; if the certificate is refused, enrol again");
            }
        }
    }

    private static async Task<string?> TryDispatchHandshakeAsync(Uri uri, DispatchCredentials credentials, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(NetworkTimeout);
        using var tcp = new TcpClient();
        try
        {
            await tcp.ConnectAsync(uri.Host, uri.Port, timeout.Token).ConfigureAwait(false);
            var stream = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
            await using (stream.ConfigureAwait(false))
            {
                await stream.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = uri.Host,
                    ClientCertificates = [credentials.ClientCertificate],
                    ApplicationProtocols = [SslApplicationProtocol.Http2],
                    RemoteCertificateValidationCallback = (_, certificate, _, errors) => DispatchCredentials.IsDispatch(credentials.CaCertificate, certificate, errors),
                }, timeout.Token).ConfigureAwait(false);
            }

            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"no answer within {(int)NetworkTimeout.TotalSeconds} s";
        }
        catch (System.Security.Authentication.AuthenticationException)
        {
            return "the TLS handshake failed: the server is not the dispatch this gateway enrolled with, or it refused the gateway's certificate";
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            return $"cannot connect ({ex.Message})";
        }
    }

    private async Task<string?> TryConnectTcpAsync(string host, int port, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(NetworkTimeout);
        using var tcp = new TcpClient();
        try
        {
            await tcp.ConnectAsync(host == "0.0.0.0" ? "127.0.0.1" : host, port, timeout.Token).ConfigureAwait(false);
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"no answer within {(int)NetworkTimeout.TotalSeconds} s";
        }
        catch (SocketException ex)
        {
            return ex.SocketErrorCode == SocketError.ConnectionRefused ? "nothing listens there" : ex.Message;
        }
    }

    private async Task CheckClockAsync(CancellationToken cancellationToken)
    {
        const string Fix = "the Pi has no battery clock: give it network time (sudo timedatectl set-ntp true) and check the router lets NTP out";
        if (File.Exists(TimesyncFlagFile))
        {
            Report("clock", DoctorLevel.Ok, "the clock is synchronised (systemd-timesyncd)");
            return;
        }

        string? answer = null;
        try
        {
            using var process = Process.Start(new ProcessStartInfo(Timedatectl, ["show", "-p", "NTPSynchronized", "--value"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (process is not null)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(NetworkTimeout);
                answer = (await process.StandardOutput.ReadToEndAsync(timeout.Token).ConfigureAwait(false)).Trim();
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
                answer = process.ExitCode == 0 ? answer : null;
            }
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            answer = null;
        }

        switch (answer)
        {
            case "yes":
                Report("clock", DoctorLevel.Ok, "the clock is synchronised (timedatectl)");
                break;
            case "no":
                Report("clock", DoctorLevel.Warn, "the clock is NOT synchronised: alert times and certificate checks may be wrong", Fix);
                break;
            default:
                Report("clock", DoctorLevel.Warn, "whether the clock is synchronised is unknown (no systemd time sync here)", Fix);
                break;
        }
    }

    private void CheckDisk()
    {
        var directory = options.DataDirectory is { Length: > 0 } d ? d : ".";
        var existing = new DirectoryInfo(Path.GetFullPath(directory));
        while (existing is { Exists: false })
        {
            existing = existing.Parent;
        }

        if (existing is null)
        {
            Report("disk", DoctorLevel.Warn, $"cannot find the disk of {directory}");
            return;
        }

        var free = new DriveInfo(existing.FullName).AvailableFreeSpace;
        var message = $"{free / 1024 / 1024} MiB free for the state directory {directory}";
        if (free < DiskFailBytes)
        {
            Report("disk", DoctorLevel.Fail, message, "free space on the SD card (sudo journalctl --vacuum-size=50M; remove old files)");
        }
        else if (free < options.Journal.MaxBytes)
        {
            Report("disk", DoctorLevel.Warn, $"{message}: less than the journal's budget of {options.Journal.MaxBytes / 1024 / 1024} MiB",
                "free space, or lower Gateway:Journal:MaxBytes");
        }
        else
        {
            Report("disk", DoctorLevel.Ok, message);
        }
    }

    private void ReportHeldJournal(string path)
    {
        var size = $"{new FileInfo(path).Length / 1024} KiB";
        if (status is null)
        {
            Report("journal", DoctorLevel.Warn, $"the journal {path} ({size}) is locked by a process, but the service's status is missing or stale: a stuck service, or a second gateway on the same data directory",
                "sudo systemctl status homegateway; ps -C homegateway -o pid,args");
        }
        else if (status.Uplink.JournalDamage is null)
        {
            var checkedAt = status.Uplink.JournalCheckedAt is { } at
                ? $"its check read the whole file {StatusFile.Ago(time.GetUtcNow() - at)} ago and found it intact"
                : $"its first check of the whole file runs within {Journal.Journal.FirstCheckAfterCleanStart.TotalMinutes:0} minutes of its start";
            Report("journal", DoctorLevel.Ok, $"the journal {path} ({size}) is held by the running service: {checkedAt}, and again every {Journal.Journal.CheckInterval.TotalHours:0} hours");
        }
    }

    private void CheckJournal()
    {
        var path = Path.Combine(options.DataDirectory, "journal.db");
        if (!File.Exists(path))
        {
            Report("journal", DoctorLevel.Ok, $"no journal yet ({path} is created at the service's first start)");
            return;
        }

        // The service's own running check (once a day, off the event path) may have found what this one is about to.
        if (status?.Uplink.JournalDamage is { } damage)
        {
            Report("journal", DoctorLevel.Fail, $"the service's running check found the journal {path} damaged: {damage}",
                "restart the service: it sets a damaged journal aside and starts a new one (sudo systemctl restart homegateway)");
        }

        try
        {
            // The running service holds the file's exclusive lock (Journal.ConnectionString), and a lock-free read beside its
            // checkpoints can look damaged when it is not: while it runs, its own checks speak for the file.
            if (JournalFile.IsHeldByAnotherProcess(path))
            {
                ReportHeldJournal(path);
                return;
            }

            // Read-only, with the service stopped.
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA quick_check;";
            var verdict = command.ExecuteScalar() as string;
            if (verdict == "ok")
            {
                Report("journal", DoctorLevel.Ok, $"the journal {path} is intact ({new FileInfo(path).Length / 1024} KiB)");
            }
            else
            {
                Report("journal", DoctorLevel.Fail, $"the journal {path} is damaged: {verdict}",
                    "restart the service: it sets a damaged journal aside and starts a new one (sudo systemctl restart homegateway)");
            }
        }
        catch (SqliteException ex)
        {
            Report("journal", DoctorLevel.Fail, $"the journal {path} cannot be read: {ex.Message}",
                ex.SqliteErrorCode == 14 ? "run doctor with sudo (the journal belongs to the service user)" : "restart the service: it sets an unreadable journal aside and starts a new one");
        }
    }

    /// <summary>Each I2C bus in the home file has its device, and each I2C chip answered the running service.</summary>
    private void CheckI2c()
    {
        var wired = home?.Sensors.Where(s => s.I2c is not null).ToList() ?? [];
        foreach (var bus in wired.Select(s => s.I2c!.Bus).Distinct())
        {
            var device = Path.Combine(DeviceDirectory, $"i2c-{bus}");
            if (File.Exists(device))
            {
                if (I2cAccessProblem(device) is { } problem)
                {
                    Report("i2c", DoctorLevel.Fail, $"{device} is there but the service cannot open it: {problem}", I2cPermissionFix);
                }
                else
                {
                    Report("i2c", DoctorLevel.Ok, $"{device} is there");
                }
            }
            else
            {
                Report("i2c", DoctorLevel.Fail, $"{device} does not exist: I2C bus {bus} is not enabled",
                    "add dtparam=i2c_arm=on to /boot/firmware/config.txt (or: sudo raspi-config nonint do_i2c 0) and reboot; see hardware/README.md \"I2C sensors\"");
            }
        }

        foreach (var sensor in wired)
        {
            var i2c = sensor.I2c!;
            var chip = $"{sensor.Id} ({i2c.Chip} at {I2cChips.Hex(i2c.Address)} on bus {i2c.Bus})";
            var state = status?.Sensors.FirstOrDefault(s => s.Id == sensor.Id);
            if (state is null)
            {
                Report("i2c", DoctorLevel.Warn, $"{chip}: {(status is null ? "not checked while the service is not running" : "not in the service's status yet")}",
                    $"start the service, then: homegateway sensors; the bus: i2cdetect -y {i2c.Bus}");
            }
            else if (state.Availability == SensorStates.Offline
                && state.LastRejection?.Contains(I2c.I2cSensorPoller.PermissionDenied, StringComparison.Ordinal) == true)
            {
                // The service's own word: /dev/i2c-N exists but the running service may not open it.
                Report("i2c", DoctorLevel.Fail, $"{chip} cannot be read: the service may not open /dev/i2c-{i2c.Bus} ({state.LastRejection})", I2cPermissionFix);
            }
            else if (state.Availability == SensorStates.Offline)
            {
                Report("i2c", DoctorLevel.Fail, $"{chip} does not answer: {state.LastRejection ?? "no reading"}",
                    $"check its wiring (3V3, GND, SDA pin 3, SCL pin 5) and that i2cdetect -y {i2c.Bus} shows {i2c.Address:x2}; the service tries again by itself");
            }
            else if (state.State is null)
            {
                Report("i2c", DoctorLevel.Warn, $"{chip}: no reading yet", $"wait one interval ({Durations.Describe(i2c.Every)}), then: homegateway sensors");
            }
            else
            {
                var value = state.Value is { } v ? " " + v.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture) : "";
                var battery = state.BatteryPercent is { } b ? $", battery {b} %" : "";
                Report("i2c", DoctorLevel.Ok, $"{chip}: {state.State}{value}{battery} ({(state.StateAt is { } at ? StatusFile.Ago(time.GetUtcNow() - at) + " ago" : "")})");
            }
        }
    }

    private const string I2cPermissionFix =
        $"add the service user to the i2c group: deploy/provision again, or sudo usermod -aG i2c {ServiceUser} and sudo systemctl restart homegateway; see hardware/README.md \"I2C sensors\"";

    /// <summary>
    /// Why the service user could not open the bus device, or null. The service opens it as <see cref="ServiceUser"/>
    /// with the group i2c (Pi OS and provision's udev rule give /dev/i2c-* to root:i2c 0660); doctor itself often runs
    /// as root, so trying to open the device here would prove nothing. Unknown (no such user here: a laptop) is no problem.
    /// </summary>
    private string? I2cAccessProblem(string device)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        var mode = File.GetUnixFileMode(device);
        if (mode.HasFlag(UnixFileMode.OtherRead | UnixFileMode.OtherWrite))
        {
            return null;
        }

        string[] groups;
        try
        {
            groups = File.ReadAllLines(GroupFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // group:password:gid:member,member — the service user's own group (useradd --user-group) tells it exists here.
        var entries = groups.Select(line => line.Split(':')).Where(f => f.Length >= 4).ToList();
        if (!entries.Any(f => f[0] == ServiceUser))
        {
            return null;
        }

        var i2cGroup = entries.FirstOrDefault(f => f[0] == "i2c");
        if (i2cGroup is null)
        {
            return "this machine has no group i2c";
        }

        if (!i2cGroup[3].Split(',').Contains(ServiceUser))
        {
            return $"{ServiceUser} is not in the group i2c";
        }

        return mode.HasFlag(UnixFileMode.GroupRead | UnixFileMode.GroupWrite)
            ? null
            : $"its mode {Convert.ToString((int)mode, 8)} does not let the group read and write it (reboot once for the i2c udev rule)";
    }

    private void CheckPower()
    {
        var ups = home?.Sensors.Where(s => s.Kind == SensorKind.Power).Select(s => s.Id).ToList() ?? [];
        if (ups.Count == 0)
        {
            Report("power", DoctorLevel.Warn, "no UPS is in the home file: a power cut is noticed by dispatch only as a lost link",
                "fit a UPS that reports mains loss and add it to the home file as a power sensor");
            return;
        }

        foreach (var id in ups)
        {
            var state = status?.Sensors.FirstOrDefault(s => s.Id == id);
            if (state?.State is null)
            {
                Report("power", DoctorLevel.Warn, $"UPS {id}: {(status is null ? "state unknown while the service is not running" : "has not reported yet")}",
                    "check the UPS's cable or MQTT link, then: homegateway sensors");
            }
            else if (state.State == "mains_lost")
            {
                Report("power", DoctorLevel.Warn, $"UPS {id}: on battery (mains lost {(state.StateAt is { } at ? $"{StatusFile.Ago(time.GetUtcNow() - at)} ago" : "")})", "check the mains plug and fuse");
            }
            else
            {
                Report("power", DoctorLevel.Ok, $"UPS {id}: on mains ({state.State})");
            }
        }
    }
}
