using System.Text.Json;
using HomeGateway.Gateway.Cli;
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

        var results = await new GatewayDoctor(options, simulated: true, clock, output) { DeviceDirectory = devices }.RunAsync(CancellationToken.None);

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
}
