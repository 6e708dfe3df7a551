using HomeGateway.Core.Configuration;
using HomeGateway.Gateway.Mqtt;
using HomeGateway.Gateway.Pipeline;
using HomeGateway.Gateway.Status;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HomeGateway.Gateway.I2c;

/// <summary>
/// The home file's I2C sensors as sensor events: one loop per sensor on the gateway's clock, each driven by an
/// <see cref="I2cSensorPoller"/>. A sensor's loop never ends the service: a chip that does not answer is reported and
/// tried again, and even a failure nobody foresaw only restarts that sensor's loop after <see cref="I2cSensorPoller.LongestRetry"/>.
/// Chip reads block (a BME280 measures for ~20 ms), so each loop runs on the thread pool, never on the pipeline's.
/// </summary>
public sealed class I2cSensorInput(
    HomeConfig home,
    I2cDeviceFactory openDevice,
    ISensorEventSink sink,
    SensorBoard board,
    SensorInputStats stats,
    TimeProvider time,
    ILogger<I2cSensorInput> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var loops = new List<Task>();
        foreach (var sensor in home.Sensors)
        {
            if (sensor.I2c is { } i2c)
            {
                I2cLog.SensorOpened(logger, sensor.Id, i2c.Chip, I2cChips.Hex(i2c.Address), i2c.Bus, Durations.Describe(i2c.Every));
                loops.Add(Task.Run(() => RunAsync(sensor, stoppingToken), CancellationToken.None));
            }
        }

        return Task.WhenAll(loops);
    }

    private async Task RunAsync(SensorConfig sensor, CancellationToken stoppingToken)
    {
        using var poller = new I2cSensorPoller(home.HomeId, sensor, home.Rules.Temperature, openDevice, board, stats, time, logger);
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan next;
            try
            {
                var (events, wait) = poller.Poll();
                next = wait;
                foreach (var e in events)
                {
                    try
                    {
                        await sink.PublishAsync(e, stoppingToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        I2cLog.SinkFailed(logger, e.SensorId, ex);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // A driver throwing what the poller does not expect must not take the alarm path down with it.
                next = I2cSensorPoller.LongestRetry;
                I2cLog.LoopFailed(logger, sensor.Id, Durations.Describe(next), ex);
            }

            try
            {
                await Task.Delay(next, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }
}

public static class I2cServiceCollectionExtensions
{
    /// <summary>
    /// The I2C input. Opens <c>/dev/i2c-BUS</c> through <see cref="System.Device.I2c.I2cDevice.Create"/> unless an
    /// <see cref="I2cDeviceFactory"/> was registered before (tests). A home without I2C sensors opens nothing.
    /// Expects <c>HomeConfig</c>, <c>TimeProvider</c>, <c>ISensorEventSink</c>, <c>SensorBoard</c> and <c>SensorInputStats</c>.
    /// </summary>
    public static IServiceCollection AddI2cInputs(this IServiceCollection services)
    {
        services.TryAddSingleton<I2cDeviceFactory>(System.Device.I2c.I2cDevice.Create);
        services.TryAddSingleton<SensorInputStats>();
        services.AddHostedService<I2cSensorInput>();
        return services;
    }
}
