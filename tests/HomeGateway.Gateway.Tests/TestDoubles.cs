using System.Collections.Concurrent;
using System.Threading.Channels;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Pipeline;
using Microsoft.Extensions.Logging;

namespace HomeGateway.Gateway.Tests;

/// <summary>The pipeline boundary: records what the inputs hand over.</summary>
internal sealed class CapturingSink : ISensorEventSink
{
    private readonly Channel<SensorEvent> _events = Channel.CreateUnbounded<SensorEvent>();

    private readonly ConcurrentQueue<TaskCompletionSource<long>> _held = new();

    public async ValueTask PublishAsync(SensorEvent sensorEvent, CancellationToken cancellationToken)
    {
        if (PublishGate is { } gate)
        {
            // A pipeline that is busy right now: the hand-over waits, as a full channel would, and gives up on cancellation.
            PublishWaiting.TrySetResult();
            await gate.Task.WaitAsync(cancellationToken);
        }

        await _events.Writer.WriteAsync(sensorEvent, cancellationToken);
    }

    /// <summary>When set, every hand-over waits for it (honouring its cancellation token) before it is taken.</summary>
    public TaskCompletionSource? PublishGate { get; set; }

    /// <summary>Completes when a hand-over is waiting at <see cref="PublishGate"/>.</summary>
    public TaskCompletionSource PublishWaiting { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>When set, a durable hand-over stays "not yet journalled" until <see cref="CommitHeld"/> or <see cref="FailHeld"/>: the commit is the test's to give.</summary>
    public bool HoldCommits { get; set; }

    /// <summary>The receipt each durable hand-over came with, in order.</summary>
    public ConcurrentQueue<HomeGateway.Gateway.Journal.MessageReceipt?> Receipts { get; } = new();

    public async ValueTask<Task<long>> QueueDurablyAsync(SensorEvent sensorEvent, HomeGateway.Gateway.Journal.MessageReceipt? receipt, CancellationToken cancellationToken)
    {
        Receipts.Enqueue(receipt);
        await PublishAsync(sensorEvent, cancellationToken);
        if (!HoldCommits)
        {
            return Task.FromResult(0L);
        }

        var journalled = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        _held.Enqueue(journalled);
        return journalled.Task;
    }

    /// <summary>Every held hand-over is now durable.</summary>
    public void CommitHeld()
    {
        while (_held.TryDequeue(out var journalled))
        {
            journalled.TrySetResult(0);
        }
    }

    /// <summary>Every held hand-over failed to be journalled.</summary>
    public void FailHeld()
    {
        while (_held.TryDequeue(out var journalled))
        {
            journalled.TrySetException(new IOException("the journal's disk failed (test)"));
        }
    }

    /// <summary>The next event, or a failure after a generous timeout.</summary>
    public async Task<SensorEvent> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            return await _events.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("no sensor event arrived");
        }
    }

    public bool TryTake(out SensorEvent? e) => _events.Reader.TryRead(out e);
}

internal sealed record LogEntry(string Category, LogLevel Level, EventId EventId, string Message);

/// <summary>Keeps every log line so tests can say what was logged.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<LogEntry> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public ILogger<T> CreateLogger<T>() => new Logger<T>(new Factory(this));

    public IEnumerable<LogEntry> WithEventId(int id) => Entries.Where(e => e.EventId.Id == id);

    public void Dispose()
    {
    }

    private sealed class Factory(CapturingLoggerProvider provider) : ILoggerFactory
    {
        public void AddProvider(ILoggerProvider p)
        {
        }

        public ILogger CreateLogger(string categoryName) => provider.CreateLogger(categoryName);

        public void Dispose()
        {
        }
    }

    private sealed class Logger(CapturingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            provider.Entries.Enqueue(new LogEntry(category, logLevel, eventId, formatter(state, exception)));
    }
}
