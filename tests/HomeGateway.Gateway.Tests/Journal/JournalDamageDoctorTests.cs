using System.Text.Json;
using HomeGateway.Gateway.Cli;
using HomeGateway.Gateway.Journal;
using HomeGateway.Gateway.Status;
using Microsoft.Extensions.Time.Testing;

namespace HomeGateway.Gateway.Tests.Journal;

/// <summary>The technician hears of a journal the service's running check found damaged, even if doctor's own read passes.</summary>
public sealed class JournalDamageDoctorTests : IDisposable
{
    private readonly TempDirectory dir = new();
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 6, 9, 0, 0, TimeSpan.Zero));

    public void Dispose() => dir.Dispose();

    [Theory]
    [InlineData(null)]
    [InlineData("*** in database main *** Freelist: invalid page number 1191505672 (found 2026-12-06T08:10:00.0000000+00:00)")]
    public async Task Doctor_fails_the_journal_when_the_running_check_found_it_damaged(string? damage)
    {
        File.WriteAllText(dir.File("home.yaml"), "home: { id: a, timezone: Europe/Helsinki }\nsensors: []\n");
        using (HomeGateway.Gateway.Journal.Journal.Open(dir.File("journal.db"), clock))
        {
        }

        var status = new GatewayStatus
        {
            WrittenAt = clock.GetUtcNow(),
            StartedAt = clock.GetUtcNow().AddHours(-1),
            HomeId = "a",
            Uplink = new UplinkStatus { State = "connected", JournalDamage = damage },
        };
        File.WriteAllText(dir.File("status.json"), JsonSerializer.Serialize(status, StatusJsonContext.Default.GatewayStatus));
        var options = new GatewayOptions { HomeFile = dir.File("home.yaml"), DataDirectory = dir.Path, RuntimeDirectory = dir.Path };
        options.Mqtt.Enabled = false;
        using var output = new StringWriter();

        var results = await new GatewayDoctor(options, simulated: true, clock, output).RunAsync(CancellationToken.None);

        var journal = results.Where(r => r.Check == "journal").ToList();
        Assert.Contains(journal, r => r.Level == DoctorLevel.Ok && r.Message.Contains("is intact", StringComparison.Ordinal));
        if (damage is null)
        {
            Assert.DoesNotContain(journal, r => r.Level == DoctorLevel.Fail);
        }
        else
        {
            var fail = Assert.Single(journal, r => r.Level == DoctorLevel.Fail);
            Assert.Contains(damage, fail.Message, StringComparison.Ordinal);
            Assert.Contains("systemctl restart homegateway", fail.Fix, StringComparison.Ordinal);
        }
    }
}
