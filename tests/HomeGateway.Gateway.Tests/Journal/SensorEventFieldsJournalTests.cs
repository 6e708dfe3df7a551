using HomeGateway.Contracts.V1;
using Microsoft.Extensions.Time.Testing;
using CoreEvents = HomeGateway.Core.Events;

namespace HomeGateway.Gateway.Tests.Journal;

/// <summary>
/// Guards that battery_low and the device detail survive the journal, and that adding them changed no schema: records
/// are protobuf blobs, so a record written before the fields existed reads back with both null (the file's version moved
/// to 2 later, for the telemetry gaps table, not for these fields).
/// </summary>
public class SensorEventFieldsJournalTests : IDisposable
{
    private readonly TempDirectory dir = new();
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero));

    public void Dispose() => dir.Dispose();

    [Fact]
    public void Battery_low_and_detail_survive_reopening_and_old_records_read_as_null()
    {
        var withFields = new CoreEvents.SensorEvent("home", "pills", CoreEvents.SensorKind.Medication, "dispenser_error", clock.GetUtcNow(), "mqtt:homegateway/home/pills")
        {
            BatteryLow = true,
            Detail = "code=jam",
        };
        var without = withFields with { BatteryLow = null, Detail = null };

        using (var journal = HomeGateway.Gateway.Journal.Journal.Open(dir.File("journal.db"), clock))
        {
            journal.Append(withFields);
            journal.Append(without);
        }

        using var reopened = HomeGateway.Gateway.Journal.Journal.Open(dir.File("journal.db"), clock);
        var events = reopened.ReadAfter(0, 10).Select(r => r.SensorEvent.ToDomain()).ToList();
        Assert.Equal([withFields, without], events);
    }
}
