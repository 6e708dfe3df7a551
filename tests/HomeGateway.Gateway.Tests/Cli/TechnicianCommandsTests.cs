using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using HomeGateway.Gateway.Cli;
using HomeGateway.Gateway.Status;
using HomeGateway.Gateway.Uplink;
using Microsoft.Extensions.Time.Testing;
using AlertEvent = HomeGateway.Core.Alerts.AlertEvent;
using AlertEventKind = HomeGateway.Core.Alerts.AlertEventKind;
using AlertPriority = HomeGateway.Core.Alerts.AlertPriority;
using AlertType = HomeGateway.Core.Alerts.AlertType;
using CoreEvents = HomeGateway.Core.Events;

namespace HomeGateway.Gateway.Tests.Cli;

/// <summary>
/// Guards the technician's commands through the real command line on real files (settings, home file, journal,
/// status.json, PEM credentials): doctor's verdicts and exit codes (0 passed, warnings allowed; 1 a FAIL; 2 misuse),
/// status's running/stopped answer, events tail reading the journal, and --version.
/// </summary>
public sealed class TechnicianCommandsTests : IDisposable
{
    private const string Home = """
        home: { id: kotka-0042, timezone: Europe/Helsinki }
        sensors:
          - { id: front_door, kind: door, gpio: { pin: 17, activeLow: true, pull: up } }
          - { id: help, kind: help_button, gpio: { pin: 27, activeLow: true, pull: up } }
          - { id: ups, kind: power, gpio: { pin: 6, pull: down } }
        rules:
          help: {}
        """;

    private readonly TempDirectory dir = new();
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 28, 9, 0, 0, TimeSpan.Zero));

    public TechnicianCommandsTests()
    {
        File.WriteAllText(dir.File("home.yaml"), Home);
        Directory.CreateDirectory(Data);
        WriteSettings("\"Mqtt\": { \"Enabled\": false }");
    }

    public void Dispose() => dir.Dispose();

    private string Data => dir.File("data");

    private void WriteSettings(string gatewayJson) =>
        File.WriteAllText(dir.File("settings.json"), $$"""{ "Gateway": { "DataDirectory": "{{Data.Replace("\\", "\\\\", StringComparison.Ordinal)}}", {{gatewayJson}} } }""");

    private async Task<(int Exit, string Output, string Error)> Run(params string[] args)
    {
        var root = GatewayCli.Create();
        foreach (var name in new[] { "doctor", "status", "events" })
        {
            root.Subcommands.Remove(root.Subcommands.Single(c => c.Name == name));
        }

        root.Subcommands.Add(DoctorCommand.Create(clock));
        root.Subcommands.Add(StatusCommand.Create(clock));
        root.Subcommands.Add(EventsCommand.Create(clock));
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    private Task<(int Exit, string Output, string Error)> Doctor(params string[] more) =>
        Run(["doctor", "--settings", dir.File("settings.json"), "--config", dir.File("home.yaml"), "--simulated", .. more]);

    [Fact]
    public async Task Doctor_passes_with_warnings_on_a_simulated_gateway_that_is_set_up_but_not_running()
    {
        var (exit, output, _) = await Doctor();

        Assert.Equal(0, exit);
        Assert.Contains("OK    config    home file", output, StringComparison.Ordinal);
        Assert.Contains("home kotka-0042, 3 sensor(s)", output, StringComparison.Ordinal);
        Assert.Contains("OK    gpio      skipped: simulated pins", output, StringComparison.Ordinal);
        Assert.Contains("OK    mqtt      MQTT is off", output, StringComparison.Ordinal);
        Assert.Contains("WARN  service   the service is not running", output, StringComparison.Ordinal);
        Assert.Contains("WARN  dispatch  no dispatch is set", output, StringComparison.Ordinal);
        Assert.Contains("OK    journal   no journal yet", output, StringComparison.Ordinal);
        Assert.Contains("WARN  power     UPS ups: state unknown while the service is not running", output, StringComparison.Ordinal);
        Assert.Matches(@"(OK|WARN)  +disk +\d+ MiB free", output);
        Assert.Contains("doctor: all checks passed", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_fails_on_a_broken_home_file_naming_the_line_and_what_to_do()
    {
        File.WriteAllText(dir.File("home.yaml"), Home.Replace("kind: door", "kind: doorbell", StringComparison.Ordinal));

        var (exit, output, _) = await Doctor();

        Assert.Equal(1, exit);
        Assert.Matches(@"FAIL  config    .*home\.yaml:\d+: .*doorbell", output);
        Assert.Contains("-> correct the home file", output, StringComparison.Ordinal);
        Assert.Contains("check(s) FAILED", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_fails_on_a_journal_that_is_not_a_database()
    {
        File.WriteAllText(Path.Combine(Data, "journal.db"), "this is not SQLite");

        var (exit, output, _) = await Doctor();

        Assert.Equal(1, exit);
        Assert.Contains("FAIL  journal", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_checks_a_real_journal_read_only()
    {
        using (var journal = HomeGateway.Gateway.Journal.Journal.Open(Path.Combine(Data, "journal.db"), clock))
        {
            journal.Append(Door("open"));
        }

        var (exit, output, _) = await Doctor();

        Assert.Equal(0, exit);
        Assert.Contains("OK    journal   the journal", output, StringComparison.Ordinal);
        Assert.Contains("is intact", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_finds_the_embedded_broker_listening_and_reports_json_for_scripts()
    {
        using var broker = new TcpListener(IPAddress.Loopback, 0);
        broker.Start();
        WriteSettings($"\"Mqtt\": {{ \"ListenAddress\": \"127.0.0.1\", \"Port\": {((IPEndPoint)broker.LocalEndpoint).Port} }}");

        var (exit, output, error) = await Doctor("--json");

        Assert.Equal(0, exit);
        Assert.Contains("connecting to the embedded broker", error, StringComparison.Ordinal);
        using var results = JsonDocument.Parse(output);
        var mqtt = results.RootElement.EnumerateArray().Single(r => r.GetProperty("check").GetString() == "mqtt");
        Assert.Equal("Ok", mqtt.GetProperty("level").GetString());
    }

    [Fact]
    public async Task Doctor_fails_when_dispatch_is_set_but_the_gateway_is_not_enrolled()
    {
        WriteSettings("\"Mqtt\": { \"Enabled\": false }, \"Dispatch\": { \"Url\": \"https://127.0.0.1:1\" }");

        var (exit, output, _) = await Doctor();

        Assert.Equal(1, exit);
        Assert.Contains("FAIL  dispatch  This gateway is not enrolled at dispatch", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_warns_of_a_certificate_near_its_end_and_fails_when_dispatch_does_not_answer()
    {
        // The certificate must be valid by the wall clock too (loading checks the chain), and its days left are counted on
        // the doctor's clock: both clocks read now, or the test breaks once the fixed date is 8.5 days behind the wall clock.
        clock.SetUtcNow(DateTimeOffset.UtcNow);
        WriteCredentials(notAfter: clock.GetUtcNow().AddDays(9.5));
        using var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        WriteSettings($"\"Mqtt\": {{ \"Enabled\": false }}, \"Dispatch\": {{ \"Url\": \"https://127.0.0.1:{port}\" }}");

        var (exit, output, _) = await Doctor();

        Assert.Equal(1, exit);
        Assert.Contains("WARN  cert      the gateway's certificate (kotka-0042) expires in 9 day(s)", output, StringComparison.Ordinal);
        Assert.Contains($"FAIL  dispatch  dispatch at 127.0.0.1:{port}: cannot connect", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_refuses_a_settings_file_that_does_not_exist_as_misuse()
    {
        var (exit, _, error) = await Run("doctor", "--settings", dir.File("nope.json"));

        Assert.Equal(2, exit);
        Assert.Contains("does not exist", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_option_is_misuse_and_exits_2()
    {
        using var output = new StringWriter();
        var exit = await GatewayCli.InvokeAsync(["doctor", "--no-such-option"], new InvocationConfiguration { Output = output, Error = output });

        Assert.Equal(2, exit);
        Assert.Contains("--no-such-option", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_says_running_from_a_fresh_status_file_and_names_sensors_needing_attention()
    {
        WriteStatus(writtenAgo: TimeSpan.FromSeconds(3));

        var (exit, output, _) = await Run("status", "--status", dir.File("status.json"));

        Assert.Equal(0, exit);
        Assert.Contains("service: running for 2 h", output, StringComparison.Ordinal);
        Assert.Contains("dispatch link: connected", output, StringComparison.Ordinal);
        Assert.Contains("outbox: 4 record(s) waiting for dispatch", output, StringComparison.Ordinal);
        Assert.Contains("sensors: 2, 1 need attention: ups never heard from since start", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_names_a_journal_the_running_check_found_damaged()
    {
        WriteStatus(writtenAgo: TimeSpan.FromSeconds(3), journalDamage: "*** in database main *** Page 40: btreeInitPage() returns error code 11 (found 2026-12-06T03:00:00Z)");

        var (exit, output, _) = await Run("status", "--status", dir.File("status.json"));

        Assert.Equal(0, exit);
        Assert.Contains("journal: DAMAGED: *** in database main *** Page 40", output, StringComparison.Ordinal);
        Assert.Contains("restart the service", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_exits_1_when_the_file_is_stale_or_missing()
    {
        WriteStatus(writtenAgo: TimeSpan.FromMinutes(10));

        var stale = await Run("status", "--status", dir.File("status.json"));
        var missing = await Run("status", "--status", dir.File("absent.json"));

        Assert.Equal(1, stale.Exit);
        Assert.Contains("service: NOT running (last status 10 min ago)", stale.Output, StringComparison.Ordinal);
        Assert.Equal(1, missing.Exit);
        Assert.Contains("service: NOT running", missing.Output, StringComparison.Ordinal);
        Assert.Contains("does not exist", missing.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_tail_prints_the_latest_records_oldest_first()
    {
        using (var journal = HomeGateway.Gateway.Journal.Journal.Open(Path.Combine(Data, "journal.db"), clock))
        {
            journal.Append(Door("open"));
            journal.Append(Door("closed"));
            journal.Append([new AlertEvent("a1", AlertEventKind.Raised, AlertType.Help, AlertPriority.Critical, "kotka-0042", "button", clock.GetUtcNow(), clock.GetUtcNow(), 1, "Help pressed")]);
        }

        var (exit, output, _) = await Run("events", "tail", "--data", Data, "-n", "2");

        Assert.Equal(0, exit);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Equal("2026-11-28 09:00:00Z  #2      sensor  front_door (door): closed  [gpio:17]", lines[0]);
        Assert.Equal("2026-11-28 09:00:00Z  #3      alert   raised help (critical) a1 from button: Help pressed", lines[1]);
    }

    [Fact]
    public async Task Events_tail_exits_1_without_a_journal_and_2_on_misuse()
    {
        Assert.Equal(1, (await Run("events", "tail", "--data", Data)).Exit);
        Assert.Equal(2, (await Run("events", "tail", "--data", Data, "-n", "0")).Exit);
    }

    [Fact]
    public async Task Version_names_the_product_version_and_the_runtime()
    {
        var (exit, output, _) = await Run("--version");

        Assert.Equal(0, exit);
        Assert.StartsWith("homegateway 0.1.0", output, StringComparison.Ordinal);
        Assert.Contains("commit: ", output, StringComparison.Ordinal);
        Assert.Contains("runtime: .NET 10", output, StringComparison.Ordinal);
    }

    private CoreEvents.SensorEvent Door(string state) =>
        new("kotka-0042", "front_door", CoreEvents.SensorKind.Door, state, clock.GetUtcNow(), "gpio:17");

    private void WriteStatus(TimeSpan writtenAgo, string? journalDamage = null)
    {
        var status = new GatewayStatus
        {
            WrittenAt = clock.GetUtcNow() - writtenAgo,
            StartedAt = clock.GetUtcNow() - TimeSpan.FromHours(2),
            HomeId = "kotka-0042",
            GatewayId = "kotka-0042",
            Software = "homegateway 0.1.0",
            Uplink = new UplinkStatus { State = "connected", OutboxDepth = 4, OldestPendingAt = clock.GetUtcNow().AddMinutes(-1), JournalDamage = journalDamage },
            Sensors =
            [
                new SensorStatus { Id = "front_door", Kind = "door", Input = "gpio:17", State = "closed", LastSeen = clock.GetUtcNow() },
                new SensorStatus { Id = "ups", Kind = "power", Input = "gpio:6" },
            ],
        };
        File.WriteAllText(dir.File("status.json"), JsonSerializer.Serialize(status, StatusJsonContext.Default.GatewayStatus));
    }

    /// <summary>A CA and a client certificate signed by it, as enrolment leaves them in the data directory.</summary>
    private void WriteCredentials(DateTimeOffset notAfter)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=test dispatch CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=kotka-0042", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        // Valid now by the wall clock too: loading the credentials checks the chain against the real time.
        var end = notAfter > DateTimeOffset.UtcNow.AddDays(1) ? notAfter : DateTimeOffset.UtcNow.AddDays(9.5);
        using var client = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), end, [1, 2, 3, 4]);
        File.WriteAllText(DispatchCredentials.CaPath(Data), ca.ExportCertificatePem());
        File.WriteAllText(DispatchCredentials.CertificatePath(Data), client.ExportCertificatePem());
        File.WriteAllText(DispatchCredentials.KeyPath(Data), key.ExportPkcs8PrivateKeyPem());
    }
}

/// <summary>
/// Guards the local request channel end to end: `homegateway test-alarm` drops a request, the service's
/// <see cref="TechnicianRequests"/> takes it and hands a test-request event to the alert path; an unknown file is
/// deleted, never acted on; with no service taking it the command says so (exit 1).
/// </summary>
public sealed class TestAlarmCommandTests : IDisposable
{
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    private string Runtime => dir.File("run");

    private TechnicianRequests Service(CapturingSink sink) => new(
        Microsoft.Extensions.Options.Options.Create(new GatewayOptions { RuntimeDirectory = Runtime, DataDirectory = dir.Path }),
        HomeGateway.Gateway.Configuration.HomeConfigLoader.Parse("""
            home: { id: kotka-0042, timezone: Europe/Helsinki }
            sensors:
              - { id: help, kind: help_button, gpio: { pin: 27 } }
            rules:
              help: {}
              dailyTest: { at: "10:00" }
            """, "home.yaml"),
        sink,
        TimeProvider.System,
        Microsoft.Extensions.Logging.Abstractions.NullLogger<TechnicianRequests>.Instance);

    [Fact]
    public async Task The_command_asks_and_the_running_service_hands_a_test_request_to_the_alert_path()
    {
        var sink = new CapturingSink();
        using var service = Service(sink);
        await service.StartAsync(CancellationToken.None);
        try
        {
            using var output = new StringWriter();
            var exit = await GatewayCli.Create().Parse(["test-alarm", "--runtime", Runtime])
                .InvokeAsync(new InvocationConfiguration { Output = output, Error = output });

            Assert.True(exit == 0, output.ToString());
            Assert.Contains("the service took it", output.ToString(), StringComparison.Ordinal);
            var asked = await sink.NextAsync();
            Assert.Equal(("kotka-0042", "gateway", "test_requested"), (asked.HomeId, asked.SensorId, asked.State));
            Assert.Empty(Directory.GetFiles(TechnicianRequests.DirectoryFor(new GatewayOptions { RuntimeDirectory = Runtime })));
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task An_unknown_request_file_is_deleted_unread()
    {
        var sink = new CapturingSink();
        using var service = Service(sink);
        var requests = TechnicianRequests.DirectoryFor(new GatewayOptions { RuntimeDirectory = Runtime });
        Directory.CreateDirectory(requests);
        await File.WriteAllTextAsync(Path.Combine(requests, "reboot"), "now");

        await service.HandlePendingAsync(requests, CancellationToken.None);

        Assert.Empty(Directory.GetFiles(requests));
        Assert.False(sink.TryTake(out _));
    }

    [Fact]
    public async Task Without_a_running_service_the_command_says_so()
    {
        using var output = new StringWriter();
        var exit = await GatewayCli.Create().Parse(["test-alarm", "--runtime", dir.File("nothing-here")])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = output });

        Assert.Equal(1, exit);
        Assert.Contains("is the homegateway service running?", output.ToString(), StringComparison.Ordinal);
    }
}
