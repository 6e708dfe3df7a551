using HomeGateway.Gateway.Telemetry;
using static HomeGateway.Gateway.Tests.Telemetry.TelemetryWaits;

namespace HomeGateway.Gateway.Tests.Telemetry;

/// <summary>A real InfluxDB 1.x with authentication on: the v1 credentials file is what lets the writer in, and a wrong one is a refusal, not a retry loop.</summary>
public sealed class InfluxWriterCredentialsTests
{
    [Theory]
    [InlineData("gateway:right horse battery", true)]
    [InlineData("gateway:wrong", false)]
    public async Task Writes_need_the_user_and_password_from_the_credentials_file(string credentials, bool accepted)
    {
        using var dir = new TempDirectory();
        await using var influx = await InfluxDbServer.StartAsync(dir.Path, authentication: true);
        await influx.CreateAdminAsync("gateway", "right horse battery");
        await influx.CreateDatabaseAsync("homes");
        File.WriteAllText(dir.File("influx-credentials"), credentials + "\n");
        var logs = new CapturingLoggerProvider();
        using var writer = new InfluxWriter(
            new TelemetryOptions { Enabled = true, Url = influx.Url, Database = "homes", CredentialsFile = dir.File("influx-credentials"), FlushIntervalSeconds = 0.05 },
            TimeProvider.System, logs.CreateLogger<InfluxWriter>(), handler: null, random: () => 0.5);
        writer.Enqueue(new TelemetryPoint("m", [], [KeyValuePair.Create("v", FieldValue.Of(1L))], DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000)));
        await writer.StartAsync(CancellationToken.None);

        await UntilAsync(() => writer.Written + writer.Rejected == 1, "the write settled");
        Assert.Equal(accepted, writer.Written == 1);
        Assert.Equal(accepted ? 1 : 0, (await influx.RowsAsync("homes", "m")).Count);
        if (!accepted)
        {
            var refusal = Assert.Single(logs.WithEventId(3203)).Message;
            Assert.Contains("401", refusal, StringComparison.Ordinal);
            Assert.DoesNotContain("wrong", refusal, StringComparison.Ordinal);
        }

        await writer.StopAsync(CancellationToken.None);
    }
}
