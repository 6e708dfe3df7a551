using System.Collections.Concurrent;
using System.Device.I2c;
using HomeGateway.Gateway.Configuration;
using HomeGateway.Gateway.I2c;
using HomeGateway.Gateway.Mqtt;
using HomeGateway.Gateway.Status;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace HomeGateway.Gateway.Tests.I2c;

/// <summary>
/// The I2C input follows a re-read home file (SIGHUP, an edit) without a restart: a sensor added is read, one removed is
/// closed and no longer read, one whose input changed is closed and opened again with the new settings, and the sensors
/// not touched keep their open chip. Only a GPIO or MQTT change still says a restart is needed (event 3002).
/// </summary>
public sealed class I2cReloadTests : IDisposable
{
    private const string Before = """
        home: { id: h, timezone: Europe/Helsinki }
        sensors:
          - { id: front_door, kind: door, mqtt: { topic: z/front_door, profile: zigbee2mqtt } }
          - { id: room_temp, kind: temperature, i2c: { bus: 1, address: 0x76, chip: bme280, every: 60s } }
          - { id: hall_temp, kind: temperature, i2c: { bus: 1, address: 0x77, chip: bme280, every: 60s } }
          - { id: kitchen_temp, kind: temperature, i2c: { bus: 3, address: 0x76, chip: bme280, every: 60s } }
        """;

    // room_temp read every 30 s; hall_temp gone; kitchen_temp only renamed; the UPS HAT added.
    private const string After = """
        home: { id: h, timezone: Europe/Helsinki }
        sensors:
          - { id: front_door, kind: door, mqtt: { topic: z/front_door, profile: zigbee2mqtt } }
          - { id: room_temp, kind: temperature, i2c: { bus: 1, address: 0x76, chip: bme280, every: 30s } }
          - { id: kitchen_temp, kind: temperature, name: Keittiö, i2c: { bus: 3, address: 0x76, chip: bme280, every: 60s } }
          - { id: ups, kind: power, i2c: { bus: 1, address: 0x42, chip: ina219, every: 10s } }
        """;

    private readonly TempDirectory dir = new();
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
    private readonly CapturingLoggerProvider logs = new();
    private readonly SensorBoard board = new();

    // Every device the input opened, in order: a new fake each time, as each open is a new file handle on the Pi.
    private readonly ConcurrentQueue<(int Bus, int Address, FakeI2cDevice Device)> opened = new();

    public void Dispose() => dir.Dispose();

    private FakeI2cDevice Open(I2cConnectionSettings settings)
    {
        FakeI2cDevice device = settings.DeviceAddress == 0x42 ? new FakeIna219() : new FakeBme280(settings.DeviceAddress) { Celsius = 21.0 };
        if (device is FakeIna219 ina)
        {
            ina.Battery(8.3, 0);
        }

        opened.Enqueue((settings.BusId, settings.DeviceAddress, device));
        return device;
    }

    private List<FakeI2cDevice> Devices(int bus, int address) =>
        [.. opened.Where(o => o.Bus == bus && o.Address == address).Select(o => o.Device)];

    [Fact]
    public async Task A_reload_adds_removes_and_reopens_i2c_sensors_and_leaves_the_others_alone()
    {
        File.WriteAllText(dir.File("home.yaml"), Before);
        using var source = new HomeConfigSource(Options.Create(new GatewayOptions { HomeFile = dir.File("home.yaml"), DataDirectory = dir.Path }),
            clock, logs.CreateLogger<HomeConfigSource>());
        using var input = new I2cSensorInput(source.Current, Open, new CapturingSink(), board, new SensorInputStats(), clock,
            logs.CreateLogger<I2cSensorInput>(), source);
        await input.StartAsync(CancellationToken.None);
        await WaitUntil(() => board.Find("room_temp") is not null && board.Find("hall_temp") is not null && board.Find("kitchen_temp") is not null);
        var hall = Assert.Single(Devices(1, 0x77));
        var kitchen = Assert.Single(Devices(3, 0x76));
        var roomBefore = Assert.Single(Devices(1, 0x76));

        File.WriteAllText(dir.File("home.yaml"), After);
        Assert.True(source.Reload());

        // The UPS is read at once: no restart.
        await WaitUntil(() => board.Find("ups")?.State is not null);
        await WaitUntil(() => Devices(1, 0x76).Count == 2 && hall.Disposed);
        Assert.Equal(["kitchen_temp", "room_temp", "ups"], input.Reading.Select(s => s.Id));
        Assert.Equal(TimeSpan.FromSeconds(30), input.Reading.Single(s => s.Id == "room_temp").I2c!.Every);
        Assert.True(roomBefore.Disposed);
        Assert.False(Devices(1, 0x76)[1].Disposed);
        // Renamed only: the same open chip, read on.
        Assert.Same(kitchen, Assert.Single(Devices(3, 0x76)));
        Assert.False(kitchen.Disposed);

        var hallTransfers = hall.Transfers;
        var reloadedAt = clock.GetUtcNow();
        // Long enough for every 60 s loop to read again: the kitchen's did, the removed hall's did not.
        await AdvanceUntil(() => board.Find("kitchen_temp")!.StateAt > reloadedAt && board.Find("room_temp")!.StateAt > reloadedAt);
        Assert.Equal(hallTransfers, hall.Transfers);
        Assert.Single(Devices(1, 0x77));

        Assert.Equal("ups", Assert.Single(logs.WithEventId(2990)).Message.Split('\'')[1]);
        Assert.Equal("room_temp", Assert.Single(logs.WithEventId(2991)).Message.Split('\'')[1]);
        Assert.Equal("hall_temp", Assert.Single(logs.WithEventId(2992)).Message.Split('\'')[1]);
        // The I2C input followed the file itself: no "restart needed" for it.
        Assert.Empty(logs.WithEventId(3002));

        // A changed MQTT sensor still needs the restart, and says so.
        File.WriteAllText(dir.File("home.yaml"), After.Replace("z/front_door", "z/door", StringComparison.Ordinal));
        Assert.True(source.Reload());
        Assert.Single(logs.WithEventId(3002));
        Assert.Equal(3, input.Reading.Count);

        await input.StopAsync(CancellationToken.None);
        Assert.All(opened, o => Assert.True(o.Device.Disposed, $"device {o.Address:x2} on bus {o.Bus} left open"));
    }

    [Fact]
    public async Task A_changed_temperature_limit_reopens_the_thermometer_and_a_bad_file_changes_nothing()
    {
        var withRule = Before + "\nrules:\n  temperature: { min: 16, max: 30, for: 30m }\n";
        File.WriteAllText(dir.File("home.yaml"), withRule);
        using var source = new HomeConfigSource(Options.Create(new GatewayOptions { HomeFile = dir.File("home.yaml"), DataDirectory = dir.Path }),
            clock, logs.CreateLogger<HomeConfigSource>());
        using var input = new I2cSensorInput(source.Current, Open, new CapturingSink(), board, new SensorInputStats(), clock,
            logs.CreateLogger<I2cSensorInput>(), source);
        await input.StartAsync(CancellationToken.None);
        await WaitUntil(() => opened.Count == 3);

        // The journal thinning journals a reading that crosses the rule's limits: it must know the new ones.
        File.WriteAllText(dir.File("home.yaml"), withRule.Replace("min: 16", "min: 18", StringComparison.Ordinal));
        Assert.True(source.Reload());
        await WaitUntil(() => opened.Count == 6);
        Assert.Equal(3, logs.WithEventId(2991).Count());

        File.WriteAllText(dir.File("home.yaml"), "home: { id: h, timezone: Europe/Helsinki }\nsensors:\n  - { id: x, kind: door }\n");
        var refusedAt = clock.GetUtcNow();
        Assert.False(source.Reload());
        await AdvanceUntil(() => board.Find("hall_temp")!.StateAt > refusedAt);
        Assert.Equal(["hall_temp", "kitchen_temp", "room_temp"], input.Reading.Select(s => s.Id));
        Assert.Equal(6, opened.Count);
        Assert.Empty(logs.WithEventId(2992));

        await input.StopAsync(CancellationToken.None);
    }

    // The loops sleep on the fake clock: move it on in small steps (a step a loop missed only delays a reading).
    private async Task AdvanceUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 10 s");
            clock.Advance(TimeSpan.FromSeconds(10));
            await Task.Delay(10);
        }
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 10 s");
            await Task.Delay(5);
        }
    }
}
