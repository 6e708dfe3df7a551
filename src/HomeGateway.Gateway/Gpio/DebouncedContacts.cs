using System.Device.Gpio;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using Microsoft.Extensions.Logging;

namespace HomeGateway.Gateway.Gpio;

/// <summary>One wired contact to follow: who it is (a sensor id, or <c>pin17</c>), its kind when known, and its wiring.</summary>
public sealed record ContactLine(string Id, SensorKind? Kind, GpioInputConfig Gpio)
{
    /// <summary>What a level means for this contact: the sensor kind's word, or active/inactive when the kind is unknown.</summary>
    public string Meaning(bool active) => Kind is { } kind ? ContactStates.For(kind, active) : active ? "active" : "inactive";

    public PinMode Mode => Gpio.Pull switch
    {
        GpioPull.Up => PinMode.InputPullUp,
        GpioPull.Down => PinMode.InputPullDown,
        _ => PinMode.Input,
    };
}

/// <summary>Why a contact's state was reported.</summary>
public enum ContactCause
{
    /// <summary>The level read when the pin was opened.</summary>
    Start,

    /// <summary>A level that held for the debounce time after an edge.</summary>
    Edge,

    /// <summary>A change the driver never reported, found by the periodic re-read.</summary>
    Reread,
}

/// <summary>A contact's state: reported at start and then once per debounced change.</summary>
public sealed record ContactChange(ContactLine Line, bool Active, bool High, DateTimeOffset At, ContactCause Cause);

/// <summary>
/// Contacts wired to GPIO pins, debounced — the one implementation behind the service's input and
/// <c>homegateway gpio watch</c>. Each pin is read when opened (a door already open at boot is a report), then followed
/// by edge callbacks and a re-read every <see cref="RereadInterval"/>. A change counts only once the pin has held its
/// new level for the contact's debounce time: every edge restarts the wait, and the pin is read again when it ends,
/// because callbacks carry no value worth trusting. Reports go to <c>onChange</c> under the pin's lock, in order.
/// </summary>
public sealed class DebouncedContacts(GpioController controller, TimeProvider time, ILogger logger, Action<ContactChange> onChange) : IAsyncDisposable
{
    /// <summary>How often every pin is read regardless of edges, to catch an edge the driver missed.</summary>
    public static readonly TimeSpan RereadInterval = TimeSpan.FromSeconds(1);

    private readonly List<WatchedPin> _pins = [];
    private ITimer? _reread;

    private GpioController Controller => controller;
    private TimeProvider Time => time;
    private ILogger Logger => logger;
    private Action<ContactChange> OnChange => onChange;

    /// <summary>Opens the pin as an input with the contact's pull, reports its start state and follows it.</summary>
    /// <exception cref="GpioSetupException">The driver cannot give the pin the pull the wiring needs.</exception>
    public ContactChange Open(ContactLine line)
    {
        var mode = line.Mode;
        if (!controller.IsPinModeSupported(line.Gpio.Pin, mode))
        {
            throw new GpioSetupException(
                $"pin {line.Gpio.Pin} ('{line.Id}'): this GPIO driver cannot set pull {line.Gpio.Pull.ToString().ToLowerInvariant()}; "
                + "use a libgpiod driver, or fit an external resistor and write pull: none");
        }

        controller.OpenPin(line.Gpio.Pin, mode);
        var pin = new WatchedPin(this, line);
        var start = pin.Start();
        lock (_pins)
        {
            _pins.Add(pin);
            _reread ??= time.CreateTimer(_ => RereadAll(), null, RereadInterval, RereadInterval);
        }

        return start;
    }

    public async ValueTask DisposeAsync()
    {
        WatchedPin[] pins;
        lock (_pins)
        {
            pins = [.. _pins];
            _pins.Clear();
        }

        if (_reread is not null)
        {
            await _reread.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var pin in pins)
        {
            pin.Close();
        }
    }

    private void RereadAll()
    {
        WatchedPin[] pins;
        lock (_pins)
        {
            pins = [.. _pins];
        }

        foreach (var pin in pins)
        {
            pin.Reread();
        }
    }

    /// <summary>One pin's debounce state. All transitions happen under its lock, from callbacks and timers alike.</summary>
    private sealed class WatchedPin(DebouncedContacts owner, ContactLine line)
    {
        private readonly Lock _gate = new();
        private ITimer? _settle;
        private bool _settling;
        private bool _caughtByReread;
        private bool _stableActive;
        private bool _closed;

        private int Number => line.Gpio.Pin;

        public ContactChange Start()
        {
            lock (_gate)
            {
                var high = ReadHigh() ?? false;
                _stableActive = high != line.Gpio.ActiveLow;
                // Reported before edges are followed, so nothing can overtake the boot state.
                var start = new ContactChange(line, _stableActive, high, owner.Time.GetUtcNow(), ContactCause.Start);
                owner.OnChange(start);
                _settle = owner.Time.CreateTimer(_ => Settle(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                owner.Controller.RegisterCallbackForPinValueChangedEvent(Number, PinEventTypes.Rising | PinEventTypes.Falling, OnEdge);
                return start;
            }
        }

        public void Close()
        {
            lock (_gate)
            {
                _closed = true;
                _settle?.Dispose();
            }

            try
            {
                owner.Controller.UnregisterCallbackForPinValueChangedEvent(Number, OnEdge);
                owner.Controller.ClosePin(Number);
            }
            catch (InvalidOperationException)
            {
                // Already closed with the controller.
            }
        }

        /// <summary>The periodic check: a level that differs from the last stable one starts a debounce as an edge would.</summary>
        public void Reread()
        {
            lock (_gate)
            {
                if (_closed || _settling || ReadHigh() is not { } high || (high != line.Gpio.ActiveLow) == _stableActive)
                {
                    return;
                }

                GpioLog.MissedEdge(owner.Logger, line.Id, Number, line.Meaning(!_stableActive));
                _caughtByReread = true;
                BeginSettle();
            }
        }

        private void OnEdge(object sender, PinValueChangedEventArgs args)
        {
            lock (_gate)
            {
                if (!_closed)
                {
                    _caughtByReread = false;
                    BeginSettle();
                }
            }
        }

        private void BeginSettle()
        {
            if (line.Gpio.Debounce <= TimeSpan.Zero)
            {
                Settle();
                return;
            }

            // Every edge restarts the wait: the level must hold for the whole debounce time.
            _settling = true;
            _settle!.Change(line.Gpio.Debounce, Timeout.InfiniteTimeSpan);
        }

        private void Settle()
        {
            lock (_gate)
            {
                _settling = false;
                if (_closed || ReadHigh() is not { } high)
                {
                    return;
                }

                var active = high != line.Gpio.ActiveLow;
                if (active == _stableActive)
                {
                    return;
                }

                _stableActive = active;
                owner.OnChange(new ContactChange(line, active, high, owner.Time.GetUtcNow(), _caughtByReread ? ContactCause.Reread : ContactCause.Edge));
                _caughtByReread = false;
            }
        }

        private bool? ReadHigh()
        {
            try
            {
                return owner.Controller.Read(Number) == PinValue.High;
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException)
            {
                GpioLog.ReadFailed(owner.Logger, Number, ex);
                return null;
            }
        }
    }
}
