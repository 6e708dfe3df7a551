using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Configuration;
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
/// <para>
/// The input follows the home file (<see cref="HomeConfigSource.Changed"/>, SIGHUP or an edit): a sensor added starts being
/// read, one removed stops, one whose input changed (bus, address, chip, interval, battery settings, or the temperature
/// rule's limits its journal thinning follows) is closed and opened again with the new settings. The other sensors' loops
/// are left alone, and so are the GPIO and MQTT inputs. Unlike those (a pin or a topic is bound at start) a polled chip
/// costs nothing to close and open, so a technician adding the UPS HAT needs no restart.
/// </para>
/// </summary>
public sealed class I2cSensorInput(
    HomeConfig home,
    I2cDeviceFactory openDevice,
    ISensorEventSink sink,
    SensorBoard board,
    SensorInputStats stats,
    TimeProvider time,
    ILogger<I2cSensorInput> logger,
    HomeConfigSource? homeSource = null) : BackgroundService
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, SensorLoop> loops = new(StringComparer.Ordinal);
    private CancellationToken stopping;
    private bool started;
    private bool stopped;

    /// <summary>The sensors being read now and what each is read with (for tests and the log).</summary>
    internal IReadOnlyList<SensorConfig> Reading
    {
        get
        {
            lock (gate)
            {
                return loops.Values.Select(l => l.Wanted.Sensor).OrderBy(s => s.Id, StringComparer.Ordinal).ToList();
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        lock (gate)
        {
            stopping = stoppingToken;
        }

        if (homeSource is not null)
        {
            homeSource.Changed += Follow;
        }

        try
        {
            Apply(homeSource?.Current ?? home);
            await Task.Delay(Timeout.InfiniteTimeSpan, time, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            if (homeSource is not null)
            {
                homeSource.Changed -= Follow;
            }

            Task[] running;
            lock (gate)
            {
                stopped = true;
                running = [.. loops.Values.Select(l => l.Task)];
                loops.Clear();
            }

            await Task.WhenAll(running).ConfigureAwait(false);
        }
    }

    // Raised on the home file's timer thread or the SIGHUP handler: read Current rather than the argument, so two reloads
    // racing each other (or the first Apply at start) cannot leave the older plan in force.
    private void Follow(HomeConfig changed)
    {
        try
        {
            Apply(homeSource?.Current ?? changed);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The reload boundary logs too, but the sensors keep whatever loops they have: say so here.
            I2cLog.FollowFailed(logger, ex);
        }
    }

    /// <summary>Starts, stops and reopens sensor loops until they match <paramref name="plan"/>'s I2C sensors.</summary>
    private void Apply(HomeConfig plan)
    {
        var wanted = plan.Sensors
            .Where(s => s.I2c is not null)
            .ToDictionary(s => s.Id, s => Wanted.For(plan, s), StringComparer.Ordinal);
        lock (gate)
        {
            if (stopped)
            {
                return;
            }

            foreach (var (id, loop) in loops.ToList())
            {
                if (!wanted.ContainsKey(id))
                {
                    loop.Stop.Cancel();
                    loops.Remove(id);
                    I2cLog.SensorRemoved(logger, id);
                }
            }

            foreach (var (id, want) in wanted)
            {
                var i2c = want.Sensor.I2c!;
                if (loops.TryGetValue(id, out var running))
                {
                    if (running.Wanted == want)
                    {
                        continue;
                    }

                    // Closed before it is opened again: the new loop waits for the old one to dispose its chip.
                    running.Stop.Cancel();
                    loops[id] = Start(want, after: running.Task);
                    I2cLog.SensorChanged(logger, id, i2c.Chip, I2cChips.Hex(i2c.Address), i2c.Bus, Durations.Describe(i2c.Every));
                }
                else
                {
                    loops[id] = Start(want, after: Task.CompletedTask);
                    if (started)
                    {
                        I2cLog.SensorAdded(logger, id, i2c.Chip, I2cChips.Hex(i2c.Address), i2c.Bus, Durations.Describe(i2c.Every));
                    }
                    else
                    {
                        I2cLog.SensorOpened(logger, id, i2c.Chip, I2cChips.Hex(i2c.Address), i2c.Bus, Durations.Describe(i2c.Every));
                    }
                }
            }

            started = true;
        }
    }

    // Under gate.
    private SensorLoop Start(Wanted want, Task after)
    {
        var stop = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var task = Task.Run(async () =>
        {
            try
            {
                await after.ConfigureAwait(false);
                await RunAsync(want, stop.Token).ConfigureAwait(false);
            }
            finally
            {
                stop.Dispose();
            }
        }, CancellationToken.None);
        return new SensorLoop(want, stop, task);
    }

    private async Task RunAsync(Wanted want, CancellationToken stoppingToken)
    {
        var sensor = want.Sensor;
        using var poller = new I2cSensorPoller(want.HomeId, sensor, want.TemperatureRule, openDevice, board, stats, time, logger);
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

/// <summary>
/// What one sensor's loop reads with. Compared by value: equal means the running loop carries on. The name and location
/// are left out (the pipeline and dispatch take those from the plan); the temperature rule's limits are in, because the
/// journal thinning journals a reading that crosses them.
/// </summary>
internal sealed record Wanted(string HomeId, SensorConfig Sensor, TemperatureRuleConfig? TemperatureRule)
{
    private (double Min, double Max, double? HighBelow)? Limits => TemperatureRule is { } t ? (t.Min, t.Max, t.HighBelow) : null;

    public static Wanted For(HomeConfig plan, SensorConfig sensor) =>
        new(plan.HomeId, sensor with { Name = null, Location = null }, sensor.Kind == SensorKind.Temperature ? plan.Rules.Temperature : null);

    // The rule's record holds a list (compared by reference): compare only what the poller uses of it.
    public bool Equals(Wanted? other) =>
        other is not null && HomeId == other.HomeId && Sensor == other.Sensor && Limits == other.Limits;

    public override int GetHashCode() => HashCode.Combine(HomeId, Sensor, Limits);
}

internal sealed record SensorLoop(Wanted Wanted, CancellationTokenSource Stop, Task Task);

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
