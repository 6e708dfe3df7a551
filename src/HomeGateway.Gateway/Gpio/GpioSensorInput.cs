using System.Device.Gpio;
using System.Threading.Channels;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Pipeline;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HomeGateway.Gateway.Gpio;

/// <summary>
/// Contacts wired to GPIO pins. Each pin is read once at start (a door already open at boot is an event), then
/// followed by edge callbacks and a periodic re-read. A change counts only once the pin has held its new level
/// for the sensor's debounce time: every edge restarts the wait, and the pin is read again when it ends, because
/// callbacks carry no value worth trusting. Events go to the pipeline in the order they were decided.
/// </summary>
public sealed class GpioSensorInput(
    GpioController controller,
    HomeConfig home,
    ISensorEventSink sink,
    TimeProvider time,
    ILogger<GpioSensorInput> logger) : BackgroundService
{
    /// <summary>How often every pin is read regardless of edges, to catch an edge the driver missed.</summary>
    public static readonly TimeSpan RereadInterval = TimeSpan.FromSeconds(1);

    private readonly Channel<SensorEvent> _events = Channel.CreateUnbounded<SensorEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<WatchedPin> _pins = [];
    private ITimer? _reread;

    private GpioController Controller => controller;
    private TimeProvider Time => time;
    private ILogger Logger => logger;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var sensor in home.Sensors)
        {
            if (sensor.Gpio is { } gpio)
            {
                _pins.Add(Open(sensor, gpio));
            }
        }

        if (_pins.Count == 0)
        {
            GpioLog.NoPins(logger);
        }
        else
        {
            _reread = time.CreateTimer(_ => RereadAll(), null, RereadInterval, RereadInterval);
        }

        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_reread is not null)
        {
            await _reread.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var pin in _pins)
        {
            pin.Close();
        }

        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var e in _events.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await sink.PublishAsync(e, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    GpioLog.SinkFailed(logger, e.SensorId, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private WatchedPin Open(SensorConfig sensor, GpioInputConfig gpio)
    {
        var mode = gpio.Pull switch
        {
            GpioPull.Up => PinMode.InputPullUp,
            GpioPull.Down => PinMode.InputPullDown,
            _ => PinMode.Input,
        };
        controller.OpenPin(gpio.Pin, mode);
        var pin = new WatchedPin(this, sensor, gpio);
        var state = pin.Start();
        GpioLog.PinOpened(logger, sensor.Id, gpio.Pin, mode.ToString(), gpio.ActiveLow ? "low" : "high", gpio.Debounce.TotalMilliseconds, state);
        return pin;
    }

    private void RereadAll()
    {
        foreach (var pin in _pins)
        {
            pin.Reread();
        }
    }

    private void Emit(SensorConfig sensor, int pinNumber, bool active) =>
        _events.Writer.TryWrite(new SensorEvent(home.HomeId, sensor.Id, sensor.Kind, GpioStates.For(sensor.Kind, active), time.GetUtcNow(), $"gpio:{pinNumber}"));

    /// <summary>One pin's debounce state. All transitions happen under its lock, from callbacks and timers alike.</summary>
    private sealed class WatchedPin(GpioSensorInput input, SensorConfig sensor, GpioInputConfig gpio)
    {
        private readonly Lock _gate = new();
        private ITimer? _settle;
        private bool _settling;
        private bool _stableActive;
        private bool _closed;

        public string Start()
        {
            lock (_gate)
            {
                _stableActive = ReadActive() ?? false;
                // Emitted before edges are followed, so nothing can overtake the boot state.
                input.Emit(sensor, gpio.Pin, _stableActive);
                _settle = input.Time.CreateTimer(_ => Settle(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                input.Controller.RegisterCallbackForPinValueChangedEvent(gpio.Pin, PinEventTypes.Rising | PinEventTypes.Falling, OnEdge);
                return GpioStates.For(sensor.Kind, _stableActive);
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
                input.Controller.UnregisterCallbackForPinValueChangedEvent(gpio.Pin, OnEdge);
                input.Controller.ClosePin(gpio.Pin);
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
                if (_closed || _settling || ReadActive() is not { } active || active == _stableActive)
                {
                    return;
                }

                GpioLog.MissedEdge(input.Logger, sensor.Id, gpio.Pin, GpioStates.For(sensor.Kind, active));
                BeginSettle();
            }
        }

        private void OnEdge(object sender, PinValueChangedEventArgs args)
        {
            lock (_gate)
            {
                if (!_closed)
                {
                    BeginSettle();
                }
            }
        }

        private void BeginSettle()
        {
            if (gpio.Debounce <= TimeSpan.Zero)
            {
                Settle();
                return;
            }

            // Every edge restarts the wait: the level must hold for the whole debounce time.
            _settling = true;
            _settle!.Change(gpio.Debounce, Timeout.InfiniteTimeSpan);
        }

        private void Settle()
        {
            lock (_gate)
            {
                _settling = false;
                if (_closed || ReadActive() is not { } active || active == _stableActive)
                {
                    return;
                }

                _stableActive = active;
                input.Emit(sensor, gpio.Pin, active);
            }
        }

        private bool? ReadActive()
        {
            try
            {
                var high = input.Controller.Read(gpio.Pin) == PinValue.High;
                return high != gpio.ActiveLow;
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException)
            {
                GpioLog.ReadFailed(input.Logger, gpio.Pin, ex);
                return null;
            }
        }
    }
}
