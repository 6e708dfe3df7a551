using System.Threading.Channels;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Events;
using HomeGateway.Core.Rules;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HomeGateway.Gateway.Pipeline;

/// <summary>
/// The one loop that turns sensor events into alerts, in a fixed order per event:
/// journal the event → rules decide → journal the alert steps durably → tell observers (local MQTT,
/// LED) → the uplink sees them in the journal. Being the rules engine's only caller keeps the engine
/// single-threaded, and journalling first means an event the rules saw can never be lost by a crash.
/// </summary>
public sealed class AlertPipeline(
    SensorEventInbox inbox,
    Journal.Journal journal,
    RulesEngine engine,
    IEnumerable<IAlertObserver> observers,
    TimeProvider time,
    ILogger<AlertPipeline> logger) : BackgroundService
{
    private readonly IAlertObserver[] observers = observers.ToArray();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        PipelineLog.Started(logger, journal.LastSeq, journal.AckedSeq);
        Task<bool>? waitForEvent = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            waitForEvent ??= inbox.Reader.WaitToReadAsync(stoppingToken).AsTask();
            var deadline = engine.NextDeadline;
            if (deadline is { } due)
            {
                var delay = due - time.GetUtcNow();
                if (delay > TimeSpan.Zero)
                {
                    using var timerCancel = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    var timer = Task.Delay(delay, time, timerCancel.Token);
                    await Task.WhenAny(waitForEvent, timer).ConfigureAwait(false);
                    await timerCancel.CancelAsync().ConfigureAwait(false);
                }
            }
            else
            {
                await Task.WhenAny(waitForEvent).ConfigureAwait(false);
            }

            if (waitForEvent.IsCompleted)
            {
                if (waitForEvent.IsCanceled || !await waitForEvent.ConfigureAwait(false))
                {
                    break;
                }

                waitForEvent = null;
                while (inbox.Reader.TryRead(out var sensorEvent))
                {
                    await HandleAsync(sensorEvent, stoppingToken).ConfigureAwait(false);
                }
            }

            await CommitAsync(engine.Advance(time.GetUtcNow()), stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task HandleAsync(SensorEvent sensorEvent, CancellationToken cancellationToken)
    {
        var seq = journal.Append(sensorEvent);
        PipelineLog.EventJournalled(logger, seq, sensorEvent.SensorId, sensorEvent.State, sensorEvent.Source);
        await CommitAsync(engine.Observe(sensorEvent, seq, time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
    }

    private async Task CommitAsync(IReadOnlyList<AlertEvent> alerts, CancellationToken cancellationToken)
    {
        if (alerts.Count == 0)
        {
            return;
        }

        var records = journal.Append(alerts);
        for (var i = 0; i < alerts.Count; i++)
        {
            var alert = alerts[i];
            var seq = (long)records[i].Seq;
            PipelineLog.AlertCommitted(logger, seq, AlertTypeNames.ToName(alert.Kind), AlertTypeNames.ToName(alert.Type),
                AlertTypeNames.ToName(alert.Priority), alert.SensorId, alert.AlertId);
            foreach (var observer in observers)
            {
                try
                {
                    await observer.OnAlertCommittedAsync(seq, alert, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A failing local output (LED, local MQTT) must never stop alerts reaching dispatch.
                    PipelineLog.ObserverFailed(logger, ex, observer.GetType().Name, alert.AlertId);
                }
            }
        }
    }
}

/// <summary>
/// Where the inputs hand over events; the pipeline reads them in order. Kept apart from the pipeline so that
/// inputs and outputs (the MQTT broker is both) can depend on it without a cycle.
/// </summary>
public sealed class SensorEventInbox : ISensorEventSink
{
    // Tens of events a minute is normal; the bound only protects memory from a runaway device.
    private readonly Channel<SensorEvent> channel = Channel.CreateBounded<SensorEvent>(
        new BoundedChannelOptions(10_000) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public ChannelReader<SensorEvent> Reader => channel.Reader;

    public ValueTask PublishAsync(SensorEvent sensorEvent, CancellationToken cancellationToken) =>
        channel.Writer.WriteAsync(sensorEvent, cancellationToken);
}

internal static partial class PipelineLog
{
    [LoggerMessage(1000, LogLevel.Information, "Alert pipeline started: journal at seq {LastSeq}, dispatch has through {AckedSeq}")]
    public static partial void Started(ILogger logger, long lastSeq, long ackedSeq);

    [LoggerMessage(1001, LogLevel.Debug, "Event {Seq}: {SensorId} {State} ({Source})")]
    public static partial void EventJournalled(ILogger logger, long seq, string sensorId, string state, string source);

    [LoggerMessage(1002, LogLevel.Information, "Alert {Seq}: {Kind} {Type} {Priority} from {SensorId} ({AlertId})")]
    public static partial void AlertCommitted(ILogger logger, long seq, string kind, string type, string priority, string sensorId, string alertId);

    [LoggerMessage(1003, LogLevel.Error, "Alert output {Observer} failed for {AlertId}; the alert is journalled and goes to dispatch regardless")]
    public static partial void ObserverFailed(ILogger logger, Exception exception, string observer, string alertId);
}
