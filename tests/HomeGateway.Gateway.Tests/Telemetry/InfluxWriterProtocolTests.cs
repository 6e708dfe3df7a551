using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using HomeGateway.Gateway.Telemetry;
using Microsoft.Extensions.Time.Testing;
using static HomeGateway.Gateway.Tests.Telemetry.TelemetryWaits;

namespace HomeGateway.Gateway.Tests.Telemetry;

/// <summary>
/// What goes over the wire, checked by a small HTTP listener in the test: InfluxDB 2 is not packaged for Debian, so the
/// v2 API (<c>/api/v2/write</c> with <c>Authorization: Token</c>) is checked here rather than against a server; so are v1
/// credentials and the retry of a batch after a server error.
/// </summary>
public sealed class InfluxWriterProtocolTests : IAsyncDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly CapturingLoggerProvider _logs = new();
    private readonly HttpListener _listener = new();
    private readonly List<Received> _received = [];
    private readonly Queue<int> _answers = new();
    private readonly Task _serving;
    private readonly int _port;

    public InfluxWriterProtocolTests()
    {
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            _port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        _listener.Prefixes.Add($"http://127.0.0.1:{_port}/");
        _listener.Start();
        _serving = ServeAsync();
    }

    private sealed record Received(string Method, string Path, System.Collections.Specialized.NameValueCollection Query, string? Authorization, string? ContentEncoding, string Body);

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var bytes = body.ToArray();
            var encoding = context.Request.Headers["Content-Encoding"];
            if (encoding == "gzip")
            {
                using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
                using var plain = new MemoryStream();
                await gzip.CopyToAsync(plain);
                bytes = plain.ToArray();
            }

            int status;
            lock (_received)
            {
                _received.Add(new Received(context.Request.HttpMethod, context.Request.Url!.AbsolutePath, context.Request.QueryString,
                    context.Request.Headers["Authorization"], encoding, Encoding.UTF8.GetString(bytes)));
                status = _answers.TryDequeue(out var next) ? next : 204;
            }

            context.Response.StatusCode = status;
            context.Response.Close();
        }
    }

    private List<Received> Received_()
    {
        lock (_received)
        {
            return [.. _received];
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Close();
        await _serving;
        _dir.Dispose();
    }

    private InfluxWriter Writer(TelemetryOptions options, TimeProvider time)
    {
        options.Enabled = true;
        options.Url = $"http://127.0.0.1:{_port}";
        options.FlushIntervalSeconds = 0.05;
        return new InfluxWriter(options, time, _logs.CreateLogger<InfluxWriter>(), handler: null, random: () => 0.5);
    }

    private static TelemetryPoint Point(long ms) =>
        new("m", [KeyValuePair.Create("home", "h 1")], [KeyValuePair.Create("v", FieldValue.Of(ms))], DateTimeOffset.FromUnixTimeMilliseconds(ms));

    [Fact]
    public async Task V2_posts_gzipped_lines_to_api_v2_write_with_org_bucket_precision_and_the_token_from_its_file()
    {
        File.WriteAllText(_dir.File("token"), "s3cret-token\n");
        using var writer = Writer(new TelemetryOptions { Version = "v2", Org = "acme care", Bucket = "homes/eu", CredentialsFile = _dir.File("token") }, TimeProvider.System);
        writer.Enqueue(Point(1_700_000_000_001));
        writer.Enqueue(Point(1_700_000_000_002));
        await writer.StartAsync(CancellationToken.None);
        await UntilAsync(() => writer.Written == 2, "two lines written");

        var request = Assert.Single(Received_());
        Assert.Equal(("POST", "/api/v2/write"), (request.Method, request.Path));
        Assert.Equal(("acme care", "homes/eu", "ms"), (request.Query["org"], request.Query["bucket"], request.Query["precision"]));
        Assert.Equal("Token s3cret-token", request.Authorization);
        Assert.Equal("gzip", request.ContentEncoding);
        Assert.Equal("m,home=h\\ 1 v=1700000000001i 1700000000001\nm,home=h\\ 1 v=1700000000002i 1700000000002\n", request.Body);
        await writer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task V1_posts_to_write_with_db_precision_and_basic_credentials_from_its_file()
    {
        File.WriteAllText(_dir.File("influx-credentials"), "gateway:p@ss:word\n");
        using var writer = Writer(new TelemetryOptions { Database = "homes", CredentialsFile = _dir.File("influx-credentials") }, TimeProvider.System);
        writer.Enqueue(Point(1_700_000_000_001));
        await writer.StartAsync(CancellationToken.None);
        await UntilAsync(() => writer.Written == 1, "one line written");

        var request = Assert.Single(Received_());
        Assert.Equal(("/write", "homes", "ms"), (request.Path, request.Query["db"], request.Query["precision"]));
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("gateway:p@ss:word")), request.Authorization);
        Assert.Null(request.Query["p"]);
        await writer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_server_error_or_too_many_requests_is_retried_with_the_same_batch_after_a_backoff()
    {
        lock (_received)
        {
            _answers.Enqueue(503);
            _answers.Enqueue(429);
        }

        var clock = new FakeTimeProvider();
        using var writer = Writer(new TelemetryOptions { Database = "homes" }, clock);
        writer.Enqueue(Point(1_700_000_000_001));
        await writer.StartAsync(CancellationToken.None);
        await UntilAsync(() => writer.Written == 1, "the batch written on the third try", clock);

        var requests = Received_();
        Assert.Equal(3, requests.Count);
        Assert.Single(requests.Select(r => r.Body).Distinct());
        Assert.Single(_logs.WithEventId(3201));
        Assert.Single(_logs.WithEventId(3202));
        Assert.Equal(0, writer.Rejected);
        Assert.Equal(TelemetryState.Writing, writer.State);
        await writer.StopAsync(CancellationToken.None);
    }
}
