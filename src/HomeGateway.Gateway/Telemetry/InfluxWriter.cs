using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Threading.Channels;
using HomeGateway.Gateway.Mqtt;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HomeGateway.Gateway.Telemetry;

/// <summary>Where the telemetry link is: <c>disabled</c>, <c>idle</c> (nothing written yet), <c>writing</c> (the last write succeeded), <c>waiting</c> (backing off after a failure).</summary>
public enum TelemetryState
{
    Disabled,
    Idle,
    Writing,
    Waiting,
}

/// <summary>
/// Writes telemetry points to InfluxDB in gzipped line-protocol batches. <see cref="Enqueue"/> never waits: it is called
/// from the sensor path, which must not be slowed by InfluxDB. Points wait in a bounded buffer; when it is full the oldest
/// is dropped and counted. A supervised loop takes up to <c>BatchSize</c> lines (or what came within the flush interval),
/// writes them, and on a network or server error retries the same batch with backoff and jitter. A refusal (4xx: wrong
/// database, bad token) is logged and the batch dropped: retrying it would never succeed.
/// </summary>
public sealed class InfluxWriter : BackgroundService
{
    private readonly TelemetryOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<InfluxWriter> _logger;
    private readonly Channel<string>? _buffer;
    private readonly HttpClient? _http;
    private readonly Func<double> _random;
    private long _dropped;
    private long _written;
    private long _rejected;
    // Read by the status writer on another thread: a DateTimeOffset? is too wide to be read untorn without a lock.
    private readonly Lock _gate = new();
    private string? _lastError;
    private DateTimeOffset? _lastErrorAt;
    private DateTimeOffset? _lastWriteAt;

    public InfluxWriter(IOptions<GatewayOptions> options, TimeProvider time, ILogger<InfluxWriter> logger)
        : this(options.Value.Telemetry, time, logger, handler: null, random: null)
    {
    }

    internal InfluxWriter(TelemetryOptions options, TimeProvider time, ILogger<InfluxWriter> logger, HttpMessageHandler? handler, Func<double>? random)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _random = random ?? Random.Shared.NextDouble;
        if (!options.Enabled)
        {
            State = TelemetryState.Disabled;
            return;
        }

        State = TelemetryState.Idle;
        _buffer = Channel.CreateBounded<string>(
            new BoundedChannelOptions(options.BufferSize) { SingleReader = true, FullMode = BoundedChannelFullMode.DropOldest },
            _ => Interlocked.Increment(ref _dropped));
        _http = new HttpClient(handler ?? new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10), PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            // A malformed URL is reported by TelemetryOptionsValidator at start, with every other problem: not thrown here.
            BaseAddress = Uri.TryCreate(options.Url?.TrimEnd('/') + "/", UriKind.Absolute, out var url) ? url : null,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public bool Enabled => _buffer is not null;

    public TelemetryState State { get; private set; }

    /// <summary>Points dropped unsent since start: the buffer overflowed while InfluxDB was away.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Lines InfluxDB accepted since start.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Lines InfluxDB refused (4xx) and that were dropped since start.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Lines waiting in the buffer (not counting a batch being written).</summary>
    public int Buffered => _buffer?.Reader.Count ?? 0;

    public string? LastError
    {
        get
        {
            lock (_gate)
            {
                return _lastError;
            }
        }
    }

    public DateTimeOffset? LastErrorAt
    {
        get
        {
            lock (_gate)
            {
                return _lastErrorAt;
            }
        }
    }

    public DateTimeOffset? LastWriteAt
    {
        get
        {
            lock (_gate)
            {
                return _lastWriteAt;
            }
        }
    }

    /// <summary>Queues the point for InfluxDB; never waits, never throws. Does nothing while telemetry is off.</summary>
    public void Enqueue(TelemetryPoint point)
    {
        if (_buffer is null || LineProtocol.Format(point) is not { } line)
        {
            return;
        }

        // DropOldest: TryWrite always succeeds, pushing the oldest line out (counted) when full.
        _buffer.Writer.TryWrite(line);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_buffer is null)
        {
            return;
        }

        // Supervised: telemetry failing in a way nobody foresaw (an unreadable credentials file) must never stop the
        // host, which would take the alarm path down with it. The loop starts again after a backoff.
        var backoff = new ReconnectBackoff(_random);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunAsync(backoff, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // Stopping: what is still buffered is telemetry, not alarms; not worth delaying shutdown for.
                return;
            }
            catch (Exception ex)
            {
                Fail(ex.Message);
                State = TelemetryState.Waiting;
                TelemetryLog.LoopFailed(_logger, ex);
                try
                {
                    await Task.Delay(backoff.Next(), _time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task RunAsync(ReconnectBackoff backoff, CancellationToken stoppingToken)
    {
        var credentials = ReadCredentials();
        var target = _options.IsV2
            ? $"api/v2/write?org={Uri.EscapeDataString(_options.Org!)}&bucket={Uri.EscapeDataString(_options.Bucket!)}&precision=ms"
            : $"write?db={Uri.EscapeDataString(_options.Database!)}&precision=ms";
        TelemetryLog.Started(_logger, _options.Url!, _options.IsV2 ? $"org {_options.Org}, bucket {_options.Bucket}" : $"database {_options.Database}");

        var flushInterval = TimeSpan.FromSeconds(_options.FlushIntervalSeconds);
        var batch = new List<string>(Math.Min(_options.BatchSize, 1024));
        while (await _buffer!.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
        {
            if (_buffer.Reader.Count < _options.BatchSize)
            {
                // Gather for a while: one request per interval rather than one per sensor message.
                await Task.Delay(flushInterval, _time, stoppingToken).ConfigureAwait(false);
            }

            batch.Clear();
            while (batch.Count < _options.BatchSize && _buffer.Reader.TryRead(out var line))
            {
                batch.Add(line);
            }

            await WriteUntilSettledAsync(target, credentials, batch, backoff, stoppingToken).ConfigureAwait(false);
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        _http?.Dispose();
    }

    private async Task WriteUntilSettledAsync(string target, AuthenticationHeaderValue? credentials, List<string> batch, ReconnectBackoff backoff, CancellationToken stoppingToken)
    {
        var body = Compress(batch);
        while (true)
        {
            string problem;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, target) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("text/plain") { CharSet = "utf-8" };
                request.Content.Headers.ContentEncoding.Add("gzip");
                request.Headers.Authorization = credentials;
                using var response = await _http!.SendAsync(request, stoppingToken).ConfigureAwait(false);
                // Counters last: whoever sees a count move (status, tests) also sees the state and log that go with it.
                if (response.IsSuccessStatusCode)
                {
                    lock (_gate)
                    {
                        _lastWriteAt = _time.GetUtcNow();
                    }

                    if (State == TelemetryState.Waiting)
                    {
                        TelemetryLog.Recovered(_logger, _options.Url!);
                    }

                    State = TelemetryState.Writing;
                    backoff.Reset();
                    Interlocked.Add(ref _written, batch.Count);
                    return;
                }

                var reply = await ReadReplyAsync(response, stoppingToken).ConfigureAwait(false);
                problem = $"InfluxDB answered {(int)response.StatusCode} {response.ReasonPhrase}: {reply}";
                if (IsRefusal(response.StatusCode))
                {
                    // Retrying would get the same answer forever and hold up everything behind this batch.
                    Fail(problem);
                    TelemetryLog.Refused(_logger, batch.Count, problem);
                    State = TelemetryState.Writing;
                    Interlocked.Add(ref _rejected, batch.Count);
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !stoppingToken.IsCancellationRequested))
            {
                problem = ex is OperationCanceledException ? "no answer within 30 s" : ex.Message;
            }

            var wait = backoff.Next();
            if (State != TelemetryState.Waiting)
            {
                TelemetryLog.Unreachable(_logger, _options.Url!, problem, wait.TotalSeconds);
            }

            Fail(problem);
            State = TelemetryState.Waiting;
            await Task.Delay(wait, _time, stoppingToken).ConfigureAwait(false);
        }
    }

    private void Fail(string problem)
    {
        lock (_gate)
        {
            _lastError = problem;
            _lastErrorAt = _time.GetUtcNow();
        }
    }

    /// <summary>4xx other than 408 (timeout) and 429 (too many requests): the request itself is wrong (no such database, bad token, bad line).</summary>
    private static bool IsRefusal(HttpStatusCode status) =>
        (int)status is >= 400 and < 500 && status is not HttpStatusCode.RequestTimeout and not HttpStatusCode.TooManyRequests;

    private static async Task<string> ReadReplyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        text = text.ReplaceLineEndings(" ").Trim();
        return text.Length > 300 ? text[..300] + "…" : text;
    }

    private static byte[] Compress(List<string> batch)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest))
        {
            var encoding = new UTF8Encoding(false);
            foreach (var line in batch)
            {
                gzip.Write(encoding.GetBytes(line));
                gzip.WriteByte((byte)'\n');
            }
        }

        return buffer.ToArray();
    }

    private AuthenticationHeaderValue? ReadCredentials()
    {
        if (_options.CredentialsFile is not { Length: > 0 } file)
        {
            return null;
        }

        var secret = File.ReadAllText(file).Trim();
        // v2: "Authorization: Token <token>"; v1: HTTP basic with "user:password" (InfluxDB 1.x accepts it, and it keeps
        // the password out of the URL, which proxies log).
        return _options.IsV2
            ? new AuthenticationHeaderValue("Token", secret)
            : new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)));
    }
}

internal static partial class TelemetryLog
{
    [LoggerMessage(3200, LogLevel.Information, "Telemetry to InfluxDB at {Url} ({Target})")]
    public static partial void Started(ILogger logger, string url, string target);

    [LoggerMessage(3201, LogLevel.Warning, "InfluxDB at {Url} cannot be written to ({Problem}); retrying in {Seconds:0.#} s. Points wait in the buffer; alerts are not affected")]
    public static partial void Unreachable(ILogger logger, string url, string problem, double seconds);

    [LoggerMessage(3202, LogLevel.Information, "Writing to InfluxDB at {Url} again")]
    public static partial void Recovered(ILogger logger, string url);

    [LoggerMessage(3203, LogLevel.Error, "InfluxDB refused {Lines} telemetry lines, which are dropped (not retried): {Problem}. Check Gateway:Telemetry (database, org/bucket, credentials)")]
    public static partial void Refused(ILogger logger, int lines, string problem);

    [LoggerMessage(3204, LogLevel.Error, "Telemetry health point failed; trying again next interval")]
    public static partial void HealthFailed(ILogger logger, Exception exception);

    [LoggerMessage(3205, LogLevel.Error, "The telemetry writer failed and starts again after a pause; alerts are not affected")]
    public static partial void LoopFailed(ILogger logger, Exception exception);
}
