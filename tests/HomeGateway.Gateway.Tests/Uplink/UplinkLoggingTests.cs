using HomeGateway.Core.Configuration;
using HomeGateway.Core.Events;
using HomeGateway.Gateway.Uplink;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace HomeGateway.Gateway.Tests.Uplink;

/// <summary>
/// Guards the SD card through a long outage: the uplink retries every few seconds, but writes the same failure, and the
/// wait after it, to the log at most once a minute, saying how many it held back.
/// </summary>
public sealed class UplinkLoggingTests
{
    [Fact]
    public async Task Five_minutes_of_failed_reconnects_write_each_kind_of_line_at_most_once_a_minute()
    {
        using var dir = new TempDirectory();
        var (ca, caKey) = DispatchCredentialsTests.NewCa("CN=test dispatch CA");
        using (ca)
        using (caKey)
        {
            DispatchCredentialsTests.WriteCredentials(dir.Path, ca, caKey, ca);
        }

        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 2, 0, 0, TimeSpan.Zero));
        var logs = new CapturingLoggerProvider();
        using var journal = HomeGateway.Gateway.Journal.Journal.Open(dir.File("journal.db"), clock);
        var home = new HomeConfig("home", "Europe/Helsinki",
            [new SensorConfig("button", SensorKind.HelpButton) { Gpio = new GpioInputConfig(27) }], new RulesConfig { Help = new HelpRuleConfig() });

        // Enrolled, but nothing listens where dispatch should be: every attempt fails with "connection refused".
        var settings = new GatewayOptions { DataDirectory = dir.Path, Dispatch = { Url = "https://127.0.0.1:1" } };
        using var uplink = new DispatchUplink(journal, home, Options.Create(settings), clock, logs.CreateLogger<DispatchUplink>());
        await uplink.StartAsync(CancellationToken.None);

        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var until = clock.GetUtcNow() + TimeSpan.FromMinutes(5);
        while (clock.GetUtcNow() < until)
        {
            clock.Advance(TimeSpan.FromMilliseconds(500));
            await Task.Delay(5, guard.Token);
        }

        await uplink.StopAsync(CancellationToken.None);

        // Five minutes: at most one line of each a minute (six windows touched), where each retry used to write two.
        var failures = logs.WithEventId(2002).ToList();
        var waits = logs.WithEventId(2004).ToList();
        Assert.InRange(failures.Count, 1, 6);
        Assert.InRange(waits.Count, 2, 6);
        Assert.Contains(waits.Skip(1), w => !w.Message.Contains("(0 earlier waits", StringComparison.Ordinal));
    }
}
