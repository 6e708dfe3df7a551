using System.Device.Gpio;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Gpio;
using Microsoft.Extensions.Time.Testing;

namespace HomeGateway.Gateway.Tests.Gpio;

// A pin counts only once it has held its level for the debounce time; the state at boot and missed edges are not lost.
public sealed class GpioSensorInputTests : IAsyncLifetime
{
    private const int DoorPin = 17;
    private const int ButtonPin = 27;
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(50);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly SimulatedGpioDriver _driver;
    private readonly CapturingSink _sink = new();
    private readonly CapturingLoggerProvider _logs = new();
    private readonly GpioSensorInput _input;

    // The door's reed switch pulls the pin low when the door is open (active-low, pull-up);
    // the button drives it high when pressed (active-high, pull-down).
    private static readonly HomeConfig Home = new("test-home", "Europe/Helsinki",
    [
        new SensorConfig("front_door", SensorKind.Door) { Gpio = new GpioInputConfig(DoorPin) { ActiveLow = true, Pull = GpioPull.Up, Debounce = Debounce } },
        new SensorConfig("help", SensorKind.HelpButton) { Gpio = new GpioInputConfig(ButtonPin) { Pull = GpioPull.Down, Debounce = Debounce } },
    ], new RulesConfig());

    public GpioSensorInputTests()
    {
        _driver = new SimulatedGpioDriver(timeProvider: _time);
        _input = new GpioSensorInput(new GpioController(_driver), Home, _sink, _time, _logs.CreateLogger<GpioSensorInput>());
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _input.StopAsync(CancellationToken.None);
        _input.Dispose();
    }

    private async Task<Dictionary<string, SensorEvent>> StartAsync()
    {
        await _input.StartAsync(CancellationToken.None);
        var initial = new Dictionary<string, SensorEvent>();
        for (var i = 0; i < 2; i++)
        {
            var e = await _sink.NextAsync();
            initial[e.SensorId] = e;
        }

        return initial;
    }

    [Fact]
    public async Task Initial_state_is_read_at_start()
    {
        _driver.SetInputLevel(DoorPin, PinValue.Low); // the door was left open before the gateway booted

        var initial = await StartAsync();

        Assert.Equal(("open", "gpio:17", SensorKind.Door), (initial["front_door"].State, initial["front_door"].Source, initial["front_door"].Kind));
        Assert.Equal("released", initial["help"].State);
        Assert.Equal(_time.GetUtcNow(), initial["front_door"].At);
    }

    [Fact]
    public async Task A_glitch_shorter_than_the_debounce_is_ignored_and_a_stable_change_counts_once()
    {
        var initial = await StartAsync();
        Assert.Equal("closed", initial["front_door"].State);

        _driver.SetInputLevel(DoorPin, PinValue.Low);
        _time.Advance(TimeSpan.FromMilliseconds(10));
        _driver.SetInputLevel(DoorPin, PinValue.High);
        _time.Advance(TimeSpan.FromMilliseconds(100));
        var glitchOver = _time.GetUtcNow();

        _driver.SetInputLevel(DoorPin, PinValue.Low);
        _time.Advance(TimeSpan.FromMilliseconds(20));
        _driver.SetInputLevel(DoorPin, PinValue.High); // bounce while opening
        _driver.SetInputLevel(DoorPin, PinValue.Low);
        _time.Advance(Debounce);

        var opened = await _sink.NextAsync();
        Assert.Equal("open", opened.State);
        // Decided one debounce after the last bounce; a glitch event would have carried an earlier time.
        Assert.Equal(glitchOver + TimeSpan.FromMilliseconds(20) + Debounce, opened.At);

        _time.Advance(TimeSpan.FromSeconds(3)); // periodic re-reads: the state is unchanged, nothing more
        _driver.SetInputLevel(ButtonPin, PinValue.High);
        _time.Advance(Debounce);
        var next = await _sink.NextAsync();
        Assert.Equal(("help", "pressed"), (next.SensorId, next.State));
    }

    [Fact]
    public async Task Active_high_button_reads_pressed_when_high()
    {
        await StartAsync();
        _driver.SetInputLevel(ButtonPin, PinValue.High);
        _time.Advance(Debounce);
        Assert.Equal("pressed", (await _sink.NextAsync()).State);

        _driver.SetInputLevel(ButtonPin, PinValue.Low);
        _time.Advance(Debounce);
        Assert.Equal("released", (await _sink.NextAsync()).State);
    }

    [Fact]
    public async Task A_missed_edge_is_caught_by_the_periodic_reread()
    {
        await StartAsync();
        _driver.SetInputLevel(DoorPin, PinValue.Low, raiseEdge: false);
        _time.Advance(Debounce * 2);
        Assert.False(_sink.TryTake(out _));

        _time.Advance(GpioSensorInput.RereadInterval);
        _time.Advance(Debounce);

        var e = await _sink.NextAsync();
        Assert.Equal(("front_door", "open"), (e.SensorId, e.State));
        Assert.Single(_logs.WithEventId(2202));
    }
}
