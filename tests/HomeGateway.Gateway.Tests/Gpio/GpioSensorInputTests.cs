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

    [Fact]
    public async Task A_burst_of_bounces_shorter_than_the_debounce_yields_exactly_one_event()
    {
        await StartAsync();

        // A help button pressed hard: twenty edges 2 ms apart, ending pressed.
        for (var i = 0; i < 20; i++)
        {
            _driver.SetInputLevel(ButtonPin, i % 2 == 0 ? PinValue.High : PinValue.Low);
            _time.Advance(TimeSpan.FromMilliseconds(2));
        }

        _driver.SetInputLevel(ButtonPin, PinValue.High);
        var lastEdge = _time.GetUtcNow();
        _time.Advance(Debounce);
        _time.Advance(GpioSensorInput.RereadInterval * 3);

        var pressed = await _sink.NextAsync();
        Assert.Equal(("help", "pressed", lastEdge + Debounce), (pressed.SensorId, pressed.State, pressed.At));
        Assert.False(_sink.TryTake(out var extra), $"one press, one event; also got {extra?.State}");
    }

    [Fact]
    public async Task A_pin_active_at_boot_yields_its_event_before_any_change()
    {
        _driver.SetInputLevel(ButtonPin, PinValue.High); // the button is held while the gateway boots

        await _input.StartAsync(CancellationToken.None);
        _driver.SetInputLevel(ButtonPin, PinValue.Low); // released right after start
        _time.Advance(Debounce);

        var events = new List<SensorEvent>();
        for (var i = 0; i < 3; i++)
        {
            events.Add(await _sink.NextAsync());
        }

        var help = events.Where(e => e.SensorId == "help").Select(e => e.State).ToList();
        Assert.Equal(["pressed", "released"], help);
    }

    [Fact]
    public async Task An_edge_the_driver_never_reported_is_caught_by_the_reread_even_after_a_bounce_settled()
    {
        await StartAsync();
        _driver.SetInputLevel(ButtonPin, PinValue.High);
        _time.Advance(Debounce);
        Assert.Equal("pressed", (await _sink.NextAsync()).State);

        _driver.SetInputLevel(ButtonPin, PinValue.Low, raiseEdge: false); // the release interrupt is lost
        _time.Advance(GpioSensorInput.RereadInterval);
        _time.Advance(Debounce);

        var released = await _sink.NextAsync();
        Assert.Equal(("help", "released"), (released.SensorId, released.State));
        Assert.Single(_logs.WithEventId(2202));
    }

    [Theory]
    [InlineData(true, false, "mains_lost")]
    [InlineData(true, true, "mains_restored")]
    [InlineData(false, true, "mains_lost")]
    [InlineData(false, false, "mains_restored")]
    public async Task A_ups_power_fail_line_reports_mains_lost_and_restored(bool activeLow, bool bootHigh, string expected)
    {
        var boot = bootHigh ? PinValue.High : PinValue.Low;
        // A UPS HAT's "power lost" output; whether it pulls low or drives high on a failure is the HAT's choice.
        var home = new HomeConfig("test-home", "Europe/Helsinki",
            [new SensorConfig("ups", SensorKind.Power) { Gpio = new GpioInputConfig(PowerPin) { ActiveLow = activeLow, Pull = activeLow ? GpioPull.Up : GpioPull.Down } }],
            new RulesConfig());
        var driver = new SimulatedGpioDriver(timeProvider: _time);
        driver.SetInputLevel(PowerPin, boot);
        var sink = new CapturingSink();
        using var input = new GpioSensorInput(new GpioController(driver), home, sink, _time, _logs.CreateLogger<GpioSensorInput>());
        await input.StartAsync(CancellationToken.None);

        var atBoot = await sink.NextAsync();
        Assert.Equal((SensorKind.Power, expected, "gpio:4"), (atBoot.Kind, atBoot.State, atBoot.Source));

        driver.SetInputLevel(PowerPin, boot == PinValue.High ? PinValue.Low : PinValue.High);
        _time.Advance(Debounce);
        var after = await sink.NextAsync();
        Assert.Equal(expected == "mains_lost" ? "mains_restored" : "mains_lost", after.State);
        await input.StopAsync(CancellationToken.None);
    }

    [Theory]
    [InlineData(SensorKind.Power, "mains_lost", "mains_restored")]
    [InlineData(SensorKind.Gas, "detected", "clear")]
    [InlineData(SensorKind.CarbonMonoxide, "detected", "clear")]
    [InlineData(SensorKind.Door, "open", "closed")]
    [InlineData(SensorKind.HelpButton, "pressed", "released")]
    [InlineData(SensorKind.Bed, "occupied", "empty")]
    [InlineData(SensorKind.Smoke, "detected", "clear")]
    public void Each_kind_names_its_active_and_inactive_state(SensorKind kind, string active, string inactive) =>
        Assert.Equal((active, inactive), (ContactStates.For(kind, true), ContactStates.For(kind, false)));

    private const int PowerPin = 4;
}
