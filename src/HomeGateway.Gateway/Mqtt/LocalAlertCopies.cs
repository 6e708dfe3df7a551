using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MQTTnet;

namespace HomeGateway.Gateway.Mqtt;

/// <summary>
/// The copies of alert steps for the home's broker (<see cref="MqttAlertRepublisher"/>, the Home Assistant bridge),
/// published by a loop of their own in the order they were posted. The pipeline posts them and goes on.
/// </summary>
/// <remarks>
/// The pipeline used to await each copy's PUBACK. So a slow or frozen local broker held back the next sensor event and
/// the next timed alert (a wired help button's too, which needs no broker) for as long as MQTT's timeout. Waiting for a
/// courtesy copy must never delay the alarm path. The queue is bounded: with the broker stuck, the oldest copies are
/// dropped, counted and logged. The journal and dispatch have every step.
/// </remarks>
public sealed class LocalAlertCopies : BackgroundService
{
    /// <summary>Copies held while the broker takes none; a burst of a busy home fits many times over.</summary>
    public const int Capacity = 256;

    private readonly Channel<Copy> queue;
    private readonly ILocalMqttPublisher broker;
    private readonly ILogger logger;
    private long dropped;

    public LocalAlertCopies(ILocalMqttPublisher broker, ILogger<LocalAlertCopies> logger)
    {
        this.broker = broker;
        this.logger = logger;
        queue = Channel.CreateBounded<Copy>(
            new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref dropped));
    }

    /// <summary>Queues a copy of alert step <paramref name="alertId"/>; never waits. The copy is sent after those posted before it.</summary>
    public void Post(MqttApplicationMessage message, string alertId) => queue.Writer.TryWrite(new Copy(message, alertId));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await queue.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                while (queue.Reader.TryRead(out var copy))
                {
                    if (Interlocked.Exchange(ref dropped, 0) is > 0 and var lost)
                    {
                        MqttLog.AlertCopiesDropped(logger, lost, Capacity);
                    }

                    await PublishAsync(copy, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what is still queued is dropped with the process, as the copies of a crash would be.
        }
    }

    private async Task PublishAsync(Copy copy, CancellationToken stoppingToken)
    {
        try
        {
            if (!await broker.PublishAsync(copy.Message, stoppingToken).ConfigureAwait(false))
            {
                MqttLog.AlertNotRepublished(logger, copy.AlertId);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            MqttLog.AlertRepublishFailed(logger, copy.AlertId, ex);
        }
    }

    private readonly record struct Copy(MqttApplicationMessage Message, string AlertId);
}
