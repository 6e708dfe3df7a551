using System.Text.Json;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Cli;
using HomeGateway.Gateway.I2c;
using HomeGateway.Gateway.Mqtt;
using HomeGateway.Gateway.Status;
using Microsoft.Extensions.Time.Testing;

namespace HomeGateway.Gateway.Tests.I2c;

/// <summary>The technician sees each I2C chip's last reading or why it does not answer: in doctor and in sensors.</summary>
public sealed class I2cDoctorTests : IDisposable
{
    private readonly TempDirectory dir = new();
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 6, 9, 0, 0, TimeSpan.Zero));

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task Doctor_checks_the_bus_device_and_shows_each_chips_reading_or_problem()
    {
        File.WriteAllText(dir.File("home.yaml"), """
            home: { id: a, timezone: Europe/Helsinki }
            sensors:
              - { id: room_temp, kind: temperature, i2c: { bus: 1, address: 0x76, chip: bme280 } }
              - { id: ups, kind: power, i2c: { bus: 1, address: 0x42, chip: ina219, every: 10s } }
              - { id: hall_temp, kind: temperature, i2c: { bus: 3, address: 0x77, chip: bme280 } }
            """);
        var devices = Directory.CreateDirectory(dir.File("dev")).FullName;
        File.WriteAllText(Path.Combine(devices, "i2c-1"), "");
        var reason = "I2C: the bme280 at 0x77 on bus 3 does not answer: Error 6 performing I2C data transfer";
        var status = new GatewayStatus
        {
            WrittenAt = clock.GetUtcNow(),
            StartedAt = clock.GetUtcNow().AddHours(-1),
            HomeId = "a",
            Sensors =
            [
                new SensorStatus { Id = "room_temp", Kind = "temperature", State = "measured", Value = 21.37, StateAt = clock.GetUtcNow().AddSeconds(-30), LastSeen = clock.GetUtcNow() },
                new SensorStatus { Id = "ups", Kind = "power", State = "mains_restored", Value = 8.31, BatteryPercent = 96, StateAt = clock.GetUtcNow().AddSeconds(-5), LastSeen = clock.GetUtcNow() },
                new SensorStatus { Id = "hall_temp", Kind = "temperature", Availability = "offline", Rejected = 1, LastRejection = reason, LastRejectedAt = clock.GetUtcNow().AddMinutes(-50) },
            ],
        };
        File.WriteAllText(dir.File("status.json"), JsonSerializer.Serialize(status, StatusJsonContext.Default.GatewayStatus));
        var options = new GatewayOptions { HomeFile = dir.File("home.yaml"), DataDirectory = dir.Path, RuntimeDirectory = dir.Path };
        options.Mqtt.Enabled = false;
        using var output = new StringWriter();

        var results = await new GatewayDoctor(options, simulated: true, clock, output) { DeviceDirectory = devices, GroupFile = dir.File("no-group-file") }.RunAsync(CancellationToken.None);

        var i2c = results.Where(r => r.Check == "i2c").ToList();
        Assert.Contains(i2c, r => r.Level == DoctorLevel.Ok && r.Message == $"{Path.Combine(devices, "i2c-1")} is there");
        Assert.Contains(i2c, r => r.Level == DoctorLevel.Fail && r.Message.Contains("i2c-3 does not exist", StringComparison.Ordinal) && r.Fix!.Contains("dtparam=i2c_arm=on", StringComparison.Ordinal));
        Assert.Contains(i2c, r => r.Level == DoctorLevel.Ok && r.Message.StartsWith("room_temp (bme280 at 0x76 on bus 1): measured 21.37", StringComparison.Ordinal));
        Assert.Contains(i2c, r => r.Level == DoctorLevel.Ok && r.Message.StartsWith("ups (ina219 at 0x42 on bus 1): mains_restored 8.31, battery 96 %", StringComparison.Ordinal));
        Assert.Contains(i2c, r => r.Level == DoctorLevel.Fail && r.Message == $"hall_temp (bme280 at 0x77 on bus 3) does not answer: {reason}" && r.Fix!.Contains("i2cdetect -y 3", StringComparison.Ordinal));

        Assert.Equal($"offline: {reason}", SensorsCommand.NeedsAttention(status.Sensors[2]));
        Assert.Null(SensorsCommand.NeedsAttention(status.Sensors[0]));
        // Back after the outage: the old reason no longer needs attention.
        Assert.Null(SensorsCommand.NeedsAttention(status.Sensors[2] with { Availability = "online", State = "measured", StateAt = clock.GetUtcNow(), LastSeen = clock.GetUtcNow() }));
    }

    [Fact]
    public void A_bus_the_service_may_not_open_is_reported_as_that_not_as_a_silent_chip()
    {
        var stats = new SensorInputStats();
        using var logs = new CapturingLoggerProvider();
        var sensor = new SensorConfig("room_temp", SensorKind.Temperature) { I2c = new I2cInputConfig(1, 0x76, I2cChips.Bme280) };
        // The Linux driver opens /dev/i2c-1 at the first transfer; EACCES comes back worded like this.
        using var poller = new I2cSensorPoller("a", sensor, null,
            _ => throw new IOException("Error 13. Can not open I2C device file '/dev/i2c-1'."), new SensorBoard(), stats, clock, logs.CreateLogger("i2c"));

        var offline = Assert.Single(poller.Poll().Events);

        Assert.Equal(SensorStates.Offline, offline.State);
        var reason = stats.Snapshot("room_temp")!.LastRejectionReason!;
        Assert.Contains("add the service user to the i2c group (Error 13.", reason, StringComparison.Ordinal);
        Assert.Contains("add the service user to the i2c group", Assert.Single(logs.WithEventId(2981)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_says_when_the_service_user_may_not_open_the_bus()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // device modes and /etc/group are Linux's
        }

        File.WriteAllText(dir.File("home.yaml"), """
            home: { id: a, timezone: Europe/Helsinki }
            sensors:
              - { id: room_temp, kind: temperature, i2c: { bus: 1, address: 0x76, chip: bme280 } }
            """);
        var devices = Directory.CreateDirectory(dir.File("dev")).FullName;
        var device = Path.Combine(devices, "i2c-1");
        File.WriteAllText(device, "");
        // As Pi OS and provision's udev rule leave it: root:i2c 0660.
        File.SetUnixFileMode(device, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
        var groups = dir.File("group");
        var options = new GatewayOptions { HomeFile = dir.File("home.yaml"), DataDirectory = dir.Path, RuntimeDirectory = dir.Path };
        options.Mqtt.Enabled = false;

        async Task<List<DoctorResult>> Doctor(string groupFile)
        {
            File.WriteAllText(groups, groupFile);
            using var output = new StringWriter();
            var results = await new GatewayDoctor(options, simulated: true, clock, output) { DeviceDirectory = devices, GroupFile = groups }.RunAsync(CancellationToken.None);
            return [.. results.Where(r => r.Check == "i2c" && r.Message.StartsWith(device, StringComparison.Ordinal))];
        }

        var notMember = Assert.Single(await Doctor("root:x:0:\ni2c:x:998:pi\nhomegateway:x:997:\n"));
        Assert.Equal(DoctorLevel.Fail, notMember.Level);
        Assert.Equal($"{device} is there but the service cannot open it: homegateway is not in the group i2c", notMember.Message);
        Assert.Contains("add the service user to the i2c group", notMember.Fix, StringComparison.Ordinal);
        Assert.Contains("usermod -aG i2c homegateway", notMember.Fix, StringComparison.Ordinal);

        var noGroup = Assert.Single(await Doctor("root:x:0:\nhomegateway:x:997:\n"));
        Assert.Equal((DoctorLevel.Fail, $"{device} is there but the service cannot open it: this machine has no group i2c"), (noGroup.Level, noGroup.Message));

        var member = Assert.Single(await Doctor("root:x:0:\ni2c:x:998:pi,homegateway\nhomegateway:x:997:\n"));
        Assert.Equal((DoctorLevel.Ok, $"{device} is there"), (member.Level, member.Message));

        // No service user on this machine (a laptop): nothing to say about it.
        Assert.Equal(DoctorLevel.Ok, Assert.Single(await Doctor("root:x:0:\n")).Level);

        // The running service's own word on a chip: it may not open the bus.
        var status = new GatewayStatus
        {
            WrittenAt = clock.GetUtcNow(),
            StartedAt = clock.GetUtcNow().AddHours(-1),
            HomeId = "a",
            Sensors =
            [
                new SensorStatus
                {
                    Id = "room_temp", Kind = "temperature", Availability = "offline", Rejected = 1, LastRejectedAt = clock.GetUtcNow().AddMinutes(-5),
                    LastRejection = $"I2C: the bme280 at 0x76 on bus 1 does not answer: {I2cSensorPoller.PermissionDenied} (Error 13. Can not open I2C device file '/dev/i2c-1'.)",
                },
            ],
        };
        File.WriteAllText(dir.File("status.json"), JsonSerializer.Serialize(status, StatusJsonContext.Default.GatewayStatus));
        File.WriteAllText(groups, "root:x:0:\n");
        using var output = new StringWriter();
        var results = await new GatewayDoctor(options, simulated: true, clock, output) { DeviceDirectory = devices, GroupFile = groups }.RunAsync(CancellationToken.None);

        var chip = Assert.Single(results, r => r.Check == "i2c" && r.Message.StartsWith("room_temp", StringComparison.Ordinal));
        Assert.Equal(DoctorLevel.Fail, chip.Level);
        Assert.StartsWith("room_temp (bme280 at 0x76 on bus 1) cannot be read: the service may not open /dev/i2c-1", chip.Message, StringComparison.Ordinal);
        Assert.Contains("usermod -aG i2c homegateway", chip.Fix, StringComparison.Ordinal);
    }
}
