using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Cli;
using HomeGateway.Gateway.Mqtt;
using HomeGateway.Gateway.Status;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;

namespace HomeGateway.Gateway.Tests.Status;

/// <summary>`homegateway sensors`: the running service's view of each sensor, through status.json, as a technician reads it.</summary>
public sealed class SensorsStatusTests : IDisposable
{
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public void The_board_keeps_a_sensors_own_state_apart_from_its_tamper_and_availability_reports()
    {
        var board = new SensorBoard();
        var at = new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
        board.Record(new SensorEvent("h", "door", SensorKind.Door, SensorStates.Open, at, "mqtt:z/door") { BatteryPercent = 80, LinkQuality = 100 });
        board.Record(new SensorEvent("h", "door", SensorKind.Tamper, SensorStates.Detected, at.AddSeconds(1), "mqtt:z/door"));
        board.Record(new SensorEvent("h", "door", SensorKind.Availability, SensorStates.Offline, at.AddSeconds(2), "mqtt:z/door/availability"));

        var report = board.Find("door")!;
        Assert.Equal((SensorStates.Open, at, SensorStates.Detected, SensorStates.Offline), (report.State, report.StateAt, report.Tamper, report.Availability));
        // Battery and link are the last ones reported, not wiped by messages without them.
        Assert.Equal((80, 100, at.AddSeconds(2)), (report.BatteryPercent, report.LinkQuality, report.LastEventAt));
        Assert.Null(board.Find("other"));
    }

    [Fact]
    public async Task The_running_service_shows_each_sensor_with_state_battery_link_and_refused_messages()
    {
        File.WriteAllText(dir.File("home.yaml"), """
            home: { id: status-home, timezone: Europe/Helsinki }
            sensors:
              - { id: button, kind: help_button, location: bedroom, gpio: { pin: 27, activeLow: true, pull: up } }
              - { id: front_door, kind: door, mqtt: { topic: zigbee2mqtt/front_door, profile: zigbee2mqtt } }
              - { id: kitchen_temp, kind: temperature, mqtt: { topic: zigbee2mqtt/kitchen_temp, profile: zigbee2mqtt } }
            rules: { help: {} }
            """);
        Directory.CreateDirectory(dir.File("pins"));
        File.WriteAllText(dir.File("pins/27"), "1");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = Environments.Production });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:HomeFile"] = dir.File("home.yaml"),
            ["Gateway:DataDirectory"] = dir.Path,
            ["Gateway:RuntimeDirectory"] = dir.File("run"),
            ["Gateway:Mqtt:Port"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Gateway:Gpio:Driver"] = "simulated",
            ["Gateway:Gpio:SimulatedPinDirectory"] = dir.File("pins"),
        });
        Directory.CreateDirectory(dir.File("run"));
        builder.AddGateway();
        using var host = builder.Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await host.StartAsync(timeout.Token);
        try
        {
            var password = new MqttCredentialStore(dir.File("mqtt-users")).AddUser("zigbee2mqtt", MqttRoles.Of(MqttRoles.Zigbee2Mqtt));
            using var client = new MqttClientFactory().CreateMqttClient();
            var port = host.Services.GetRequiredService<EmbeddedMqttBroker>().Port;
            await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithCredentials("zigbee2mqtt", password).Build(), timeout.Token);
            await client.PublishStringAsync("zigbee2mqtt/front_door", """{"contact":false,"battery":87,"linkquality":120}""", cancellationToken: timeout.Token);
            await client.PublishStringAsync("zigbee2mqtt/front_door", "{not json", cancellationToken: timeout.Token);

            var board = host.Services.GetRequiredService<SensorBoard>();
            var stats = host.Services.GetRequiredService<SensorInputStats>();
            while ((board.Find("front_door")?.State != SensorStates.Open || stats.RejectedMessages("front_door") == 0) && !timeout.IsCancellationRequested)
            {
                await Task.Delay(20, timeout.Token);
            }

            var writer = host.Services.GetRequiredService<StatusFileWriter>();
            writer.Write(dir.File("run/status.json"));

            // The file is the service user's and its group's only: it holds the client's door and bed states.
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(dir.File("run/status.json")));
            }

            var written = JsonSerializer.Deserialize(File.ReadAllBytes(dir.File("run/status.json")), StatusJsonContext.Default.GatewayStatus)!;
            var now = written.WrittenAt + TimeSpan.FromSeconds(3);
            var (exit, output, errors) = Sensors(now, "--data", dir.File("run"));
            Assert.Equal(0, exit);
            Assert.Equal("", errors);
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.StartsWith("home status-home, gateway status-home, status written 3 s ago; dispatch link disabled, ", lines[0], StringComparison.Ordinal);
            Assert.Matches(@"^SENSOR\s+KIND\s+INPUT\s+STATE\s+SINCE\s+LAST SEEN\s+BATTERY\s+LINK\s+REFUSED\s+NOTE$", lines[1]);
            Assert.Matches(@"^button\s+help_button\s+gpio:27\s+released\s+\d+ s\s+\d+ s\s+-\s+-\s+0$", lines[2]);
            Assert.Matches(@"^front_door\s+door\s+mqtt:zigbee2mqtt/front_door \(zigbee2mqtt\)\s+open\s+\d+ s\s+\d+ s\s+87 %\s+120\s+1\s+1 message\(s\) refused, the last: malformed JSON", lines[3]);
            Assert.Matches(@"^kitchen_temp\s+temperature\s+.*\s+-\s+-\s+never\s+-\s+-\s+0\s+never heard from since start$", lines[4]);

            // --check turns "needs attention" into an exit code for scripts; --json gives the file's data.
            Assert.Equal(1, Sensors(now, "--data", dir.File("run"), "--check").Exit);
            var json = JsonDocument.Parse(Sensors(now, "--data", dir.File("run"), "--json").Output).RootElement;
            Assert.Equal("open", json.GetProperty("sensors")[1].GetProperty("state").GetString());
            Assert.Equal("bedroom", json.GetProperty("sensors")[0].GetProperty("location").GetString());
            Assert.StartsWith("malformed JSON", json.GetProperty("sensors")[1].GetProperty("lastRejection").GetString(), StringComparison.Ordinal);
            Assert.Equal(("embedded", true), (json.GetProperty("mqtt").GetProperty("mode").GetString(), json.GetProperty("mqtt").GetProperty("connected").GetBoolean()));

            // A file nobody rewrote for a while means the service is down: said plainly, exit 1.
            var stale = Sensors(written.WrittenAt + TimeSpan.FromMinutes(10), "--data", dir.File("run"));
            Assert.Equal(1, stale.Exit);
            Assert.Contains("written 10 min ago; the service is not running or is stuck", stale.Errors, StringComparison.Ordinal);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public void A_missing_or_foreign_file_is_a_clear_error()
    {
        var missing = Sensors(DateTimeOffset.UnixEpoch, "--status", dir.File("nothing.json"));
        Assert.Equal(1, missing.Exit);
        Assert.Contains("does not exist: is the homegateway service running?", missing.Errors, StringComparison.Ordinal);

        File.WriteAllText(dir.File("bad.json"), "<html>");
        var bad = Sensors(DateTimeOffset.UnixEpoch, "--status", dir.File("bad.json"));
        Assert.Equal(1, bad.Exit);
        Assert.Contains("is not a status file", bad.Errors, StringComparison.Ordinal);
    }

    private static (int Exit, string Output, string Errors) Sensors(DateTimeOffset now, params string[] args)
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var exit = SensorsCommand.Create(new FakeTimeProvider(now)).Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = errors });
        return (exit, output.ToString(), errors.ToString());
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
