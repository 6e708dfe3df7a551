using HomeGateway.Core.Events;
using HomeGateway.Gateway.Pipeline;
using HomeGateway.Gateway.Telemetry;
using Microsoft.Extensions.Time.Testing;
using static HomeGateway.Gateway.Tests.Telemetry.TelemetryWaits;

namespace HomeGateway.Gateway.Tests.Telemetry;

/// <summary>
/// Against a real InfluxDB 1.x: what the writer sends is what InfluxDB stores (names, tags, field types, millisecond
/// timestamps), and InfluxDB's absence or refusal never holds up the sensor path nor fills memory.
/// </summary>
public sealed class InfluxWriterTests : IAsyncLifetime
{
    private const string Database = "homes";
    private readonly TempDirectory _dir = new();
    private readonly CapturingLoggerProvider _logs = new();
    private InfluxDbServer _influx = null!;

    public async Task InitializeAsync()
    {
        _influx = await InfluxDbServer.StartAsync(_dir.Path);
        await _influx.CreateDatabaseAsync(Database);
    }

    public async Task DisposeAsync()
    {
        await _influx.DisposeAsync();
        _dir.Dispose();
    }

    private InfluxWriter Writer(TimeProvider time, string database = Database, int bufferSize = 50_000, int batchSize = 5000) =>
        new(new TelemetryOptions
        {
            Enabled = true,
            Url = _influx.Url,
            Database = database,
            BatchSize = batchSize,
            BufferSize = bufferSize,
            FlushIntervalSeconds = 0.05,
        }, time, _logs.CreateLogger<InfluxWriter>(), handler: null, random: () => 0.5);

    private static TelemetryPoint Point(string measurement, long ms, (string, string)[] tags, params (string, FieldValue)[] fields) =>
        new(measurement, tags.Select(t => KeyValuePair.Create(t.Item1, t.Item2)).ToList(),
            fields.Select(f => KeyValuePair.Create(f.Item1, f.Item2)).ToList(), DateTimeOffset.FromUnixTimeMilliseconds(ms));

    [Fact]
    public async Task Points_come_back_from_InfluxDB_with_their_names_tags_types_and_timestamps()
    {
        using var writer = Writer(TimeProvider.System);
        await writer.StartAsync(CancellationToken.None);
        var at = new DateTimeOffset(2026, 11, 28, 21, 14, 3, 456, TimeSpan.Zero);
        writer.Enqueue(SensorTelemetry.ToPoint(new SensorEvent("home-1", "front_door", SensorKind.Door, "open", at, "mqtt:zigbee2mqtt/front_door")
        {
            BatteryPercent = 87,
            LinkQuality = 120,
            BatteryLow = false,
        }, "hallway"));
        writer.Enqueue(Point("door, hall=1", 1_700_000_000_123, [("room name,=", "living room, \"east\"=1"), ("empty", ""), ("path", "C:\\data")],
            ("temp °C", FieldValue.Of(21.5)), ("count,=x", FieldValue.Of(3L)), ("ok", FieldValue.Of(true)), ("note", FieldValue.Of("say \"hi\" \\ done, a=b"))));

        await UntilAsync(async () => (await _influx.RowsAsync(Database, "door, hall=1")).Count == 1, "the nasty point in InfluxDB");
        var nasty = Assert.Single(await _influx.RowsAsync(Database, "door, hall=1"));
        Assert.Equal(1_700_000_000_123, nasty["time"].GetInt64());
        Assert.Equal("living room, \"east\"=1", nasty["room name,="].GetString());
        Assert.False(nasty.ContainsKey("empty"));
        Assert.Equal("C:/data", nasty["path"].GetString());
        Assert.Equal(21.5, nasty["temp °C"].GetDouble());
        Assert.Equal(3, nasty["count,=x"].GetInt64());
        Assert.True(nasty["ok"].GetBoolean());
        Assert.Equal("say \"hi\" \\ done, a=b", nasty["note"].GetString());
        Assert.Equal(
            new Dictionary<string, string> { ["count,=x"] = "integer", ["note"] = "string", ["ok"] = "boolean", ["temp °C"] = "float" },
            await _influx.FieldTypesAsync(Database, "door, hall=1"));

        await UntilAsync(async () => (await _influx.RowsAsync(Database, SensorTelemetry.Measurement)).Count == 1, "the sensor point in InfluxDB");
        var door = Assert.Single(await _influx.RowsAsync(Database, SensorTelemetry.Measurement));
        Assert.Equal(at.ToUnixTimeMilliseconds(), door["time"].GetInt64());
        Assert.Equal(("home-1", "front_door", "door", "hallway"), (door["home"].GetString(), door["sensor"].GetString(), door["kind"].GetString(), door["location"].GetString()));
        Assert.Equal(("open", 87L, 120L, false), (door["state"].GetString(), door["battery_percent"].GetInt64(), door["link_quality"].GetInt64(), door["battery_low"].GetBoolean()));
        await UntilAsync(() => writer.Written == 2, "both points counted");
        Assert.Equal(TelemetryState.Writing, writer.State);
        await writer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Many_points_go_in_batches_and_all_arrive()
    {
        using var writer = Writer(TimeProvider.System, batchSize: 5000);
        for (var i = 0; i < 12_000; i++)
        {
            writer.Enqueue(Point("load", 1_700_000_000_000 + i, [("sensor", "s" + (i % 7))], ("v", FieldValue.Of((long)i))));
        }

        await writer.StartAsync(CancellationToken.None);
        await UntilAsync(() => writer.Written == 12_000, "12,000 lines written");
        var count = await _influx.QueryAsync(Database, "SELECT COUNT(v) FROM load");
        Assert.Equal(12_000, count.GetProperty("series")[0].GetProperty("values")[0][1].GetInt64());
        await writer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task While_InfluxDB_is_down_the_sensor_path_goes_on_the_buffer_stays_bounded_and_the_newest_points_arrive_after()
    {
        await _influx.StopAsync();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
        using var writer = Writer(clock, bufferSize: 100, batchSize: 50);
        var inbox = new SensorEventInbox(null, [new SensorTelemetry(writer, _ => "living room")]);

        // The sensor path: 300 events handed to the inbox while InfluxDB is away, each accepted at once.
        for (var i = 0; i < 300; i++)
        {
            var handedOver = inbox.PublishAsync(new SensorEvent("home-1", "thermo", SensorKind.Temperature, "reading", DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000 + i), "mqtt:t") { Value = i }, CancellationToken.None);
            Assert.True(handedOver.IsCompletedSuccessfully);
        }

        Assert.Equal(100, writer.Buffered);
        Assert.Equal(200, writer.Dropped);
        Assert.Equal(300, inbox.Reader.Count);

        await writer.StartAsync(CancellationToken.None);
        await UntilAsync(() => writer.State == TelemetryState.Waiting, "the writer backing off", clock);
        Assert.Single(_logs.WithEventId(3201));
        Assert.Equal(0, writer.Written);

        await _influx.StartAgainAsync();
        await UntilAsync(() => writer.Written == 100, "the buffered points written after InfluxDB came back", clock);
        Assert.Single(_logs.WithEventId(3202));
        var rows = await _influx.RowsAsync(Database, SensorTelemetry.Measurement);
        // Oldest dropped: the 100 newest readings are the ones that arrive.
        Assert.Equal(Enumerable.Range(200, 100).Select(i => (double)i), rows.Select(r => r["value"].GetDouble()));
        Assert.Equal(200, writer.Dropped);
        await writer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_refusal_is_logged_plainly_and_the_batch_dropped_not_retried()
    {
        using var writer = Writer(TimeProvider.System, database: "no_such_db");
        await writer.StartAsync(CancellationToken.None);
        for (var i = 0; i < 3; i++)
        {
            writer.Enqueue(Point("m", 1_700_000_000_000 + i, [], ("v", FieldValue.Of(1L))));
        }

        await UntilAsync(() => writer.Rejected == 3, "the batch refused");
        var refusal = Assert.Single(_logs.WithEventId(3203));
        Assert.Contains("InfluxDB answered 404", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("database not found", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("404", writer.LastError, StringComparison.Ordinal);

        // The loop goes on to the next batch instead of retrying the refused one.
        writer.Enqueue(Point("m", 1_700_000_000_010, [], ("v", FieldValue.Of(1L))));
        await UntilAsync(() => writer.Rejected == 4, "the next batch refused too");
        Assert.Empty(_logs.WithEventId(3201));
        Assert.NotEqual(TelemetryState.Waiting, writer.State);
        await writer.StopAsync(CancellationToken.None);
    }
}
