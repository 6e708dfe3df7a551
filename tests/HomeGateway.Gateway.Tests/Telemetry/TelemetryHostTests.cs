using System.Globalization;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Pipeline;
using HomeGateway.Gateway.Status;
using HomeGateway.Gateway.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using static HomeGateway.Gateway.Tests.Telemetry.TelemetryWaits;

namespace HomeGateway.Gateway.Tests.Telemetry;

/// <summary>The gateway as composed for a device, with <c>Gateway:Telemetry</c> on: its sensor events and health reach a real InfluxDB.</summary>
public sealed class TelemetryHostTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private IHost Gateway(params (string Key, string? Value)[] telemetry)
    {
        File.WriteAllText(_dir.File("home.yaml"), """
            home: { id: flat-7, timezone: Europe/Helsinki }
            sensors:
              - { id: bedroom_temp, kind: temperature, location: bedroom, mqtt: { topic: zigbee2mqtt/bedroom_temp, profile: zigbee2mqtt } }
            rules: {}
            """);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = Environments.Production });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:HomeFile"] = _dir.File("home.yaml"),
            ["Gateway:DataDirectory"] = _dir.Path,
            ["Gateway:Mqtt:Enabled"] = "false",
            ["Gateway:Gpio:Driver"] = "simulated",
        }.Concat(telemetry.Select(t => KeyValuePair.Create("Gateway:Telemetry:" + t.Key, t.Value))));
        builder.AddGateway();
        return builder.Build();
    }

    [Fact]
    public async Task Sensor_readings_and_gateway_health_reach_InfluxDB_and_the_writer_shows_in_status()
    {
        using var influxDir = new TempDirectory();
        await using var influx = await InfluxDbServer.StartAsync(influxDir.Path);
        await influx.CreateDatabaseAsync("homes");
        using var host = Gateway(("Enabled", "true"), ("Url", influx.Url), ("Database", "homes"), ("FlushIntervalSeconds", "0.05"), ("HealthIntervalSeconds", "1"));
        await host.StartAsync(CancellationToken.None);

        var at = new DateTimeOffset(2026, 11, 28, 3, 0, 0, 250, TimeSpan.Zero);
        await host.Services.GetRequiredService<ISensorEventSink>().PublishAsync(
            new SensorEvent("flat-7", "bedroom_temp", SensorKind.Temperature, "reading", at, "mqtt:zigbee2mqtt/bedroom_temp") { Value = 17.25, BatteryPercent = 64, LinkQuality = 90 },
            CancellationToken.None);

        await UntilAsync(async () => (await influx.RowsAsync("homes", SensorTelemetry.Measurement)).Count == 1, "the reading in InfluxDB");
        var reading = Assert.Single(await influx.RowsAsync("homes", SensorTelemetry.Measurement));
        Assert.Equal((at.ToUnixTimeMilliseconds(), "bedroom", "temperature", 17.25, 64L), (reading["time"].GetInt64(), reading["location"].GetString(), reading["kind"].GetString(), reading["value"].GetDouble(), reading["battery_percent"].GetInt64()));

        await UntilAsync(async () => (await influx.RowsAsync("homes", GatewayHealthTelemetry.Measurement)).Count >= 1, "a health point in InfluxDB");
        var health = (await influx.RowsAsync("homes", GatewayHealthTelemetry.Measurement))[0];
        Assert.Equal(("flat-7", "flat-7", "disabled"), (health["home"].GetString(), health["gateway"].GetString(), health["uplink_state"].GetString()));
        Assert.True(health["memory_bytes"].GetInt64() > 0);
        Assert.Equal(0, health["telemetry_dropped"].GetInt64());
        Assert.True(health.ContainsKey("outbox_depth"));
        Assert.Equal(File.Exists(GatewayHealthTelemetry.CpuTemperatureFile), health.ContainsKey("cpu_temperature_c"));

        // InfluxDB stores a batch before the writer has read its answer: wait for the writer's count, not InfluxDB's.
        var statusFile = host.Services.GetRequiredService<StatusFileWriter>();
        await UntilAsync(() => statusFile.Snapshot().Telemetry?.Written >= 2, "both writes counted in status");
        var status = statusFile.Snapshot().Telemetry!;
        Assert.Equal(("writing", influx.Url, 0L), (status.State, status.Url, status.Dropped));
        await host.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Off_by_default_and_absent_from_status()
    {
        using var host = Gateway();
        await host.StartAsync(CancellationToken.None);
        Assert.False(host.Services.GetRequiredService<InfluxWriter>().Enabled);
        Assert.Null(host.Services.GetRequiredService<StatusFileWriter>().Snapshot().Telemetry);
        await host.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Wrong_telemetry_settings_fail_at_start_in_plain_words()
    {
        using var host = Gateway(("Enabled", "true"), ("Url", "http://influx.example:8086"), ("Version", "v3"), ("BatchSize", "0"),
            ("CredentialsFile", _dir.File("missing-token")), ("BufferSize", 10.ToString(CultureInfo.InvariantCulture)));
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(CancellationToken.None));
        Assert.Contains(error.Failures, f => f.Contains("plain http to another machine; use https://", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("Version 'v3' is unknown", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("BatchSize must be between 1 and 10000", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("missing-token' does not exist", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_url_that_is_not_one_is_named_at_start()
    {
        using var host = Gateway(("Enabled", "true"), ("Url", "not a url"), ("Database", "homes"));
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(CancellationToken.None));
        Assert.Contains(error.Failures, f => f.Contains("Gateway:Telemetry:Url 'not a url' is not an http(s) URL", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("v1", null, null, null, "Database is required")]
    [InlineData("v2", null, "org", "bucket", "CredentialsFile is required with Version v2")]
    [InlineData("v2", null, null, "bucket", "Org and Gateway:Telemetry:Bucket are required")]
    public void Each_version_needs_its_own_target(string version, string? database, string? org, string? bucket, string problem)
    {
        var problems = TelemetryOptionsValidator.Check(new TelemetryOptions { Enabled = true, Url = "https://influx.example", Version = version, Database = database, Org = org, Bucket = bucket });
        Assert.Contains(problems, p => p.Contains(problem, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("https://influx.example:8086", true)]
    [InlineData("http://127.0.0.1:8086", true)]
    [InlineData("http://localhost:8086", true)]
    [InlineData("http://[::1]:8086", true)]
    [InlineData("http://192.168.1.20:8086", false)]
    [InlineData("https://user:secret@influx.example", false)]
    [InlineData("influx.example:8086", false)]
    public void Plain_http_only_on_loopback_and_no_secrets_in_the_url(string url, bool valid)
    {
        var problems = TelemetryOptionsValidator.Check(new TelemetryOptions { Enabled = true, Url = url, Database = "homes" });
        Assert.Equal(valid, problems.Count == 0);
    }
}
