using System.Device.Gpio;
using System.Threading.Channels;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Pipeline;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HomeGateway.Gateway.Gpio;

/// <summary>
/// The home file's GPIO sensors as sensor events: each pin is followed by <see cref="DebouncedContacts"/> (state at
/// start, debounced edges, a periodic re-read for missed edges) and every report becomes a <see cref="SensorEvent"/>
/// in the words of the sensor's kind (<see cref="ContactStates"/>). Events go to the pipeline in the order they were decided.
/// </summary>
public sealed class GpioSensorInput(
    GpioController controller,
    HomeConfig home,
    ISensorEventSink sink,
    TimeProvider time,
    ILogger<GpioSensorInput> logger) : BackgroundService
{
    /// <summary>How often every pin is read regardless of edges, to catch an edge the driver missed.</summary>
    public static readonly TimeSpan RereadInterval = DebouncedContacts.RereadInterval;

    private readonly Channel<SensorEvent> _events = Channel.CreateUnbounded<SensorEvent>(new UnboundedChannelOptions { SingleReader = true });
    private DebouncedContacts? _contacts;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _contacts = new DebouncedContacts(controller, time, logger, Emit);
        var any = false;
        foreach (var sensor in home.Sensors)
        {
            if (sensor.Gpio is not { } gpio)
            {
                continue;
            }

            any = true;
            var line = new ContactLine(sensor.Id, sensor.Kind, gpio);
            ContactChange start;
            try
            {
                start = _contacts.Open(line);
            }
            catch (Exception ex) when (ex is GpioSetupException or IOException or InvalidOperationException or UnauthorizedAccessException)
            {
                // A technician's problem (a pin held by another program, a pull the driver cannot set): one plain start-up error.
                throw new OptionsValidationException(nameof(GatewayOptions), typeof(GatewayOptions),
                    [$"GPIO: sensor '{sensor.Id}' on pin {gpio.Pin} cannot be opened: {ex.Message} (is `homegateway gpio watch` or another program using the pin?)"]);
            }

            GpioLog.PinOpened(logger, sensor.Id, gpio.Pin, line.Mode.ToString(), gpio.ActiveLow ? "low" : "high", gpio.Debounce.TotalMilliseconds, line.Meaning(start.Active));
        }

        if (!any)
        {
            GpioLog.NoPins(logger);
        }

        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_contacts is not null)
        {
            await _contacts.DisposeAsync().ConfigureAwait(false);
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

    private void Emit(ContactChange change)
    {
        var kind = change.Line.Kind ?? SensorKind.Unknown;
        _events.Writer.TryWrite(new SensorEvent(home.HomeId, change.Line.Id, kind, ContactStates.For(kind, change.Active), change.At, $"gpio:{change.Line.Gpio.Pin}"));
    }
}
