using System.Device.Gpio;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Gpio;
using Microsoft.Extensions.Time.Testing;

namespace HomeGateway.Gateway.Tests.Gpio;

public sealed class SimulatedGpioDriverTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hg-pins-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public void Pull_modes_set_the_resting_level_and_edges_fire_callbacks()
    {
        var driver = new SimulatedGpioDriver();
        using var controller = new GpioController(driver);
        controller.OpenPin(5, PinMode.InputPullUp);
        controller.OpenPin(6, PinMode.InputPullDown);
        var edges = new List<PinEventTypes>();
        controller.RegisterCallbackForPinValueChangedEvent(5, PinEventTypes.Rising | PinEventTypes.Falling, (_, e) => edges.Add(e.ChangeType));

        Assert.Equal(PinValue.High, controller.Read(5));
        Assert.Equal(PinValue.Low, controller.Read(6));

        driver.SetInputLevel(5, PinValue.Low);
        driver.SetInputLevel(5, PinValue.Low); // no change, no edge
        driver.SetInputLevel(5, PinValue.High);

        Assert.Equal([PinEventTypes.Falling, PinEventTypes.Rising], edges);
    }

    [Fact]
    public async Task Pin_directory_drives_inputs_and_tolerates_garbage()
    {
        var time = new FakeTimeProvider();
        var driver = new SimulatedGpioDriver(pinDirectory: _dir, timeProvider: time);
        var sink = new CapturingSink();
        var home = new HomeConfig("test-home", "Europe/Helsinki",
            [new SensorConfig("front_door", SensorKind.Door) { Gpio = new GpioInputConfig(17) { ActiveLow = true, Pull = GpioPull.Up } }],
            new RulesConfig());
        using var input = new GpioSensorInput(new GpioController(driver), home, sink, time, new CapturingLoggerProvider().CreateLogger<GpioSensorInput>());
        await input.StartAsync(CancellationToken.None);
        Assert.Equal("closed", (await sink.NextAsync()).State);
        Assert.Equal(PinValue.High, SimulatedPinFiles.TryRead(_dir, 17)); // the resting level is published for the simulator

        File.WriteAllText(SimulatedPinFiles.PathOf(_dir, 17), "banana");
        time.Advance(SimulatedGpioDriver.PollInterval);
        Assert.Equal(PinValue.High, driver.LevelOf(17));

        SimulatedPinFiles.Write(_dir, 17, PinValue.Low);
        time.Advance(SimulatedGpioDriver.PollInterval);
        time.Advance(TimeSpan.FromMilliseconds(50));

        var e = await sink.NextAsync();
        Assert.Equal(("front_door", "open", "gpio:17"), (e.SensorId, e.State, e.Source));
        await input.StopAsync(CancellationToken.None);
    }

    [Fact]
    public void Output_pins_are_written_to_the_directory()
    {
        using var controller = new GpioController(new SimulatedGpioDriver(pinDirectory: _dir, timeProvider: new FakeTimeProvider()));
        controller.OpenPin(22, PinMode.Output);
        controller.Write(22, PinValue.High);
        Assert.Equal("1", File.ReadAllText(SimulatedPinFiles.PathOf(_dir, 22)).Trim());
        Assert.DoesNotContain(Directory.EnumerateFiles(_dir), f => Path.GetFileName(f).StartsWith('.'));
    }

    [Fact]
    public void A_pin_held_by_one_driver_is_busy_for_another_until_it_is_closed()
    {
        // Like the kernel with a requested line: the service holds its pins, `gpio watch` in another process must not.
        using var service = new GpioController(new SimulatedGpioDriver(pinDirectory: _dir, timeProvider: new FakeTimeProvider()));
        using var watch = new GpioController(new SimulatedGpioDriver(pinDirectory: _dir, timeProvider: new FakeTimeProvider()));
        service.OpenPin(17, PinMode.InputPullUp);

        var busy = Assert.Throws<GpioLineBusyException>(() => watch.OpenPin(17, PinMode.Input));
        Assert.Equal(17, busy.Pin);
        watch.OpenPin(27, PinMode.Input); // other pins are free

        service.ClosePin(17);
        watch.OpenPin(17, PinMode.Input);
        Assert.DoesNotContain(Directory.EnumerateFiles(_dir), f => !int.TryParse(Path.GetFileName(f), out _));
    }
}
