using HomeGateway.Core.Events;
using HomeGateway.Gateway.Cli;
using HomeGateway.Gateway.Status;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace HomeGateway.Gateway.Tests.Status;

/// <summary>
/// Guards: the status file is rewritten when anything in it but its time changed and at least every heartbeat, so a
/// live gateway's file is never older than the staleness rule the technician's commands apply, and a quiet home's
/// file is not rewritten every few seconds (outside systemd it is on the SD card).
/// </summary>
public sealed class StatusFileWriterTests : IDisposable
{
    private readonly TempDirectory dir = new();
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 6, 9, 0, 0, TimeSpan.Zero));

    public void Dispose() => dir.Dispose();

    [Fact]
    public void A_live_gateway_writes_at_least_once_per_heartbeat_and_the_heartbeat_is_within_the_staleness_rule()
    {
        // A file checked every Interval and written at least every Heartbeat is at most Heartbeat + Interval old.
        Assert.True(StatusFileWriter.Heartbeat + StatusFileWriter.Interval < StatusFile.StaleAfter);
    }

    [Fact]
    public void The_file_is_rewritten_on_a_change_or_a_heartbeat_not_on_every_look()
    {
        using var host = BuildHost();
        var writer = host.Services.GetRequiredService<StatusFileWriter>();
        var path = dir.File("run/status.json");

        Assert.True(writer.WriteIfChanged(path));
        var first = File.GetLastWriteTimeUtc(path);
        var firstWrittenAt = Read(path).WrittenAt;

        clock.Advance(StatusFileWriter.Interval);
        Assert.False(writer.WriteIfChanged(path));
        clock.Advance(StatusFileWriter.Interval);
        Assert.False(writer.WriteIfChanged(path));
        Assert.Equal(firstWrittenAt, Read(path).WrittenAt);

        // Something changed: written at the next look, whatever the heartbeat.
        host.Services.GetRequiredService<SensorBoard>().Record(
            new SensorEvent("status-home", "front_door", SensorKind.Door, SensorStates.Open, clock.GetUtcNow(), "mqtt:zigbee2mqtt/front_door"));
        clock.Advance(StatusFileWriter.Interval);
        Assert.True(writer.WriteIfChanged(path));
        Assert.Equal(clock.GetUtcNow(), Read(path).WrittenAt);
        Assert.Equal(SensorStates.Open, Read(path).Sensors.Single(s => s.Id == "front_door").State);

        // Nothing changes again: the heartbeat still rewrites it, so readers can tell a live gateway from a dead one.
        var changedAt = clock.GetUtcNow();
        while (clock.GetUtcNow() - changedAt < StatusFileWriter.Heartbeat)
        {
            Assert.False(writer.WriteIfChanged(path));
            clock.Advance(StatusFileWriter.Interval);
        }

        Assert.True(writer.WriteIfChanged(path));
        Assert.Equal(clock.GetUtcNow(), Read(path).WrittenAt);
        Assert.True(File.GetLastWriteTimeUtc(path) >= first);
    }

    [Fact]
    public void A_file_that_could_not_be_written_is_tried_again_at_the_next_look()
    {
        using var host = BuildHost();
        var writer = host.Services.GetRequiredService<StatusFileWriter>();
        var path = dir.File("missing-directory/status.json");

        Assert.True(writer.WriteIfChanged(path));
        Assert.False(File.Exists(path));
        Directory.CreateDirectory(dir.File("missing-directory"));
        clock.Advance(StatusFileWriter.Interval);

        Assert.True(writer.WriteIfChanged(path));
        Assert.True(File.Exists(path));
    }

    private static GatewayStatus Read(string path) =>
        System.Text.Json.JsonSerializer.Deserialize(File.ReadAllBytes(path), StatusJsonContext.Default.GatewayStatus)!;

    private IHost BuildHost()
    {
        File.WriteAllText(dir.File("home.yaml"), """
            home: { id: status-home, timezone: Europe/Helsinki }
            sensors:
              - { id: button, kind: help_button, location: bedroom, gpio: { pin: 27, activeLow: true, pull: up } }
              - { id: front_door, kind: door, mqtt: { topic: zigbee2mqtt/front_door, profile: zigbee2mqtt } }
            rules: { help: {} }
            """);
        Directory.CreateDirectory(dir.File("run"));
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = Environments.Production });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:HomeFile"] = dir.File("home.yaml"),
            ["Gateway:DataDirectory"] = dir.Path,
            ["Gateway:RuntimeDirectory"] = dir.File("run"),
            ["Gateway:Mqtt:Port"] = "0",
            ["Gateway:Gpio:Driver"] = "simulated",
            ["Gateway:Gpio:SimulatedPinDirectory"] = dir.File("pins"),
        });
        builder.AddGateway();
        builder.Services.AddSingleton<TimeProvider>(clock);
        return builder.Build();
    }
}
