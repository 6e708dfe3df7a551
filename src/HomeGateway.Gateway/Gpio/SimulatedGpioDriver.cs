using System.Device.Gpio;

namespace HomeGateway.Gateway.Gpio;

/// <summary>
/// A pin bank in memory, for demos, the simulator and tests: <see cref="SetInputLevel"/> plays the wire and fires the
/// edge callbacks a real driver would. A pin opened as input reads its pull level (up → high, down → low, none →
/// low) until something drives it. With a directory, input levels also come from pin files (see
/// <see cref="SimulatedPinFiles"/>) of the pins open as inputs, read when set up and every 50 ms on the given clock, and output pins are written there; an open
/// pin is also held there, so a second process opening it fails with <see cref="GpioLineBusyException"/> as the kernel
/// refuses a second request for a line. Thread-safe.
/// </summary>
public sealed class SimulatedGpioDriver : GpioDriver
{
    /// <summary>How often the pin directory is read.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    private readonly Lock _gate = new();
    private readonly Dictionary<int, PinState> _pins = [];
    private readonly int _pinCount;
    private readonly string? _directory;
    private readonly ITimer? _poll;
    private bool _polling;

    public SimulatedGpioDriver(int pinCount = 28, string? pinDirectory = null, TimeProvider? timeProvider = null)
    {
        _pinCount = pinCount;
        _directory = pinDirectory;
        if (pinDirectory is not null)
        {
            Directory.CreateDirectory(pinDirectory);
            // Started when a pin is set up as an input, stopped when none is left: a timer that fires 20 times a second for
            // nothing still wakes the runtime's timer thread and a pool thread each time (make bench nodeRed, whose home has
            // no wired inputs).
            _poll = (timeProvider ?? TimeProvider.System).CreateTimer(_ => PollDirectory(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>
    /// Drives <paramref name="pin"/> from outside (the contact closes, the button is pressed). Fires callbacks on a
    /// level change unless <paramref name="raiseEdge"/> is false, which plays an interrupt the kernel lost.
    /// </summary>
    public void SetInputLevel(int pin, PinValue level, bool raiseEdge = true)
    {
        PinChangeEventHandler[] handlers;
        PinEventTypes edge;
        lock (_gate)
        {
            var state = Pin(pin);
            var before = state.Effective;
            state.Driven = level;
            var after = state.Effective;
            if (!raiseEdge || before == after || !state.IsOpen || state.Mode == PinMode.Output)
            {
                return;
            }

            edge = after == PinValue.High ? PinEventTypes.Rising : PinEventTypes.Falling;
            handlers = state.Callbacks.Where(c => (c.Events & edge) != 0).Select(c => c.Handler).ToArray();
        }

        // Outside the lock: a handler may read the pin.
        var args = new PinValueChangedEventArgs(edge, pin);
        foreach (var handler in handlers)
        {
            handler(this, args);
        }
    }

    /// <summary>The level <paramref name="pin"/> reads now (driven, pulled, or written if output).</summary>
    public PinValue LevelOf(int pin)
    {
        lock (_gate)
        {
            return Pin(pin).Effective;
        }
    }

    protected override int PinCount => _pinCount;

    protected override void OpenPin(int pinNumber)
    {
        CheckPin(pinNumber);
        lock (_gate)
        {
            var state = Pin(pinNumber);
            if (_directory is not null && state.Hold is null)
            {
                state.Hold = SimulatedPinFiles.TryHold(_directory, pinNumber) ?? throw new GpioLineBusyException(pinNumber);
            }

            state.IsOpen = true;
            PollWhileInputsAreOpen();
        }
    }

    /// <summary>Under the lock: the pin directory is read every <see cref="PollInterval"/> while a pin is open as an input, not otherwise.</summary>
    private void PollWhileInputsAreOpen()
    {
        var wanted = _poll is not null && _pins.Values.Any(p => p.IsOpen && p.Mode != PinMode.Output);
        if (wanted != _polling)
        {
            _polling = wanted;
            _poll!.Change(wanted ? PollInterval : Timeout.InfiniteTimeSpan, wanted ? PollInterval : Timeout.InfiniteTimeSpan);
        }
    }

    protected override void ClosePin(int pinNumber)
    {
        lock (_gate)
        {
            var state = Pin(pinNumber);
            state.IsOpen = false;
            state.Callbacks.Clear();
            state.Hold?.Dispose();
            state.Hold = null;
            PollWhileInputsAreOpen();
        }
    }

    protected override void SetPinMode(int pinNumber, PinMode mode)
    {
        PinValue? toFile = null;
        lock (_gate)
        {
            var state = Pin(pinNumber);
            state.Mode = mode;
            if (_directory is not null && mode != PinMode.Output)
            {
                toFile = state.Effective;
            }

            PollWhileInputsAreOpen();
        }

        if (toFile is { } level)
        {
            // Let the simulator see the pin and its resting level; a file it already wrote is left alone.
            SimulatedPinFiles.Write(_directory!, pinNumber, level, overwrite: false);
            if (SimulatedPinFiles.TryRead(_directory!, pinNumber) is { } read)
            {
                SetInputLevel(pinNumber, read);
            }
        }
    }

    protected override PinMode GetPinMode(int pinNumber)
    {
        lock (_gate)
        {
            return Pin(pinNumber).Mode;
        }
    }

    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) =>
        mode is PinMode.Input or PinMode.InputPullUp or PinMode.InputPullDown or PinMode.Output;

    protected override PinValue Read(int pinNumber)
    {
        lock (_gate)
        {
            return Pin(pinNumber).Effective;
        }
    }

    protected override void Write(int pinNumber, PinValue value)
    {
        lock (_gate)
        {
            Pin(pinNumber).Written = value;
        }

        if (_directory is not null)
        {
            SimulatedPinFiles.Write(_directory, pinNumber, value);
        }
    }

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken)
    {
        using var signal = new ManualResetEventSlim();
        var seen = PinEventTypes.None;
        void OnEdge(object sender, PinValueChangedEventArgs e)
        {
            seen = e.ChangeType;
            signal.Set();
        }

        AddCallbackForPinValueChangedEvent(pinNumber, eventTypes, OnEdge);
        try
        {
            signal.Wait(cancellationToken);
            return new WaitForEventResult { EventTypes = seen, TimedOut = false };
        }
        catch (OperationCanceledException)
        {
            return new WaitForEventResult { EventTypes = PinEventTypes.None, TimedOut = true };
        }
        finally
        {
            RemoveCallbackForPinValueChangedEvent(pinNumber, OnEdge);
        }
    }

    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback)
    {
        lock (_gate)
        {
            Pin(pinNumber).Callbacks.Add((eventTypes, callback));
        }
    }

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
    {
        lock (_gate)
        {
            Pin(pinNumber).Callbacks.RemoveAll(c => c.Handler == callback);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _poll?.Dispose();
            lock (_gate)
            {
                foreach (var state in _pins.Values)
                {
                    state.Hold?.Dispose();
                    state.Hold = null;
                }
            }
        }

        base.Dispose(disposing);
    }

    private void PollDirectory()
    {
        if (_directory is null)
        {
            return;
        }

        // Only the lines open as inputs, as a real chip reports edges only for the lines requested from it (a pin is read
        // when it is set up as an input, too). Listing and reading the whole directory 20 times a second was ~3 % of the
        // gateway's CPU on the bench's flow, whose home has no GPIO inputs at all. Output pins are ours to write.
        int[] inputs;
        lock (_gate)
        {
            inputs = [.. _pins.Where(p => p.Value.IsOpen && p.Value.Mode != PinMode.Output).Select(p => p.Key)];
        }

        foreach (var pin in inputs)
        {
            // A half-written or garbled file keeps the last good level.
            if (SimulatedPinFiles.TryRead(_directory, pin) is { } level)
            {
                SetInputLevel(pin, level);
            }
        }
    }

    private void CheckPin(int pinNumber)
    {
        if (pinNumber < 0 || pinNumber >= _pinCount)
        {
            throw new ArgumentOutOfRangeException(nameof(pinNumber), pinNumber, $"the simulated bank has pins 0–{_pinCount - 1}");
        }
    }

    private PinState Pin(int pinNumber)
    {
        if (!_pins.TryGetValue(pinNumber, out var state))
        {
            state = new PinState();
            _pins[pinNumber] = state;
        }

        return state;
    }

    private sealed class PinState
    {
        public bool IsOpen;
        public PinMode Mode = PinMode.Input;
        public PinValue? Driven;
        public PinValue Written = PinValue.Low;
        public IDisposable? Hold;
        public readonly List<(PinEventTypes Events, PinChangeEventHandler Handler)> Callbacks = [];

        public PinValue Effective => Mode == PinMode.Output
            ? Written
            : Driven ?? (Mode == PinMode.InputPullUp ? PinValue.High : PinValue.Low);
    }
}

/// <summary>A GPIO line another program holds (the kernel's EBUSY, or a simulated pin another process opened).</summary>
public sealed class GpioLineBusyException(int pin, string? consumer = null)
    : IOException($"pin {pin} is in use{(string.IsNullOrEmpty(consumer) ? "" : $" by '{consumer}'")}")
{
    public int Pin => pin;

    public string? Consumer => consumer;
}
