using BenchmarkDotNet.Attributes;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Events;
using HomeGateway.Core.Rules;
using HomeGateway.Gateway;
using HomeGateway.Gateway.Pipeline;
using Microsoft.Extensions.Logging.Abstractions;
using GatewayJournal = HomeGateway.Gateway.Journal.Journal;

namespace HomeGateway.Benchmarks;

/// <summary>
/// The journal on a real file (next to the benchmark's binaries, i.e. on the disk the repository is on, never tmpfs):
/// every commit is a real fsync of the WAL (<c>synchronous=FULL</c>), so the figures are what the disk allows. One
/// operation is one record.
/// </summary>
[MemoryDiagnoser]
public class JournalBenchmarks
{
    private const int AlertsPerInvoke = 20;
    private const int AlertGroup = 16;
    private const int EventsThroughPipeline = 2_000;
    private const int EventsOneByOne = 20;

    private string directory = "";
    private GatewayJournal journal = null!;
    private SensorEventInbox inbox = null!;
    private AlertPipeline pipeline = null!;
    private byte[] ruleState = [];
    private SensorEvent[] events = [];
    private AlertEvent alert = null!;

    [GlobalSetup]
    public void Setup()
    {
        directory = Path.Combine(AppContext.BaseDirectory, "journal-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var home = BenchmarkHome.Create();
        var now = DateTimeOffset.UtcNow;
        journal = GatewayJournal.Open(Path.Combine(directory, "journal.db"), TimeProvider.System);
        ruleState = new RulesEngine(home, now).SaveState();
        alert = new AlertEvent("help-1", AlertEventKind.Repeated, AlertType.Help, AlertPriority.Critical, home.HomeId, "help_button", now, now, 2,
            "Help button pressed") { EvidenceSeqs = [1] };
        events = [.. Enumerable.Range(0, EventsThroughPipeline).Select(i => new SensorEvent(home.HomeId, "living_room_temperature",
            SensorKind.Temperature, SensorStates.Measured, now, "mqtt:zigbee2mqtt/living_room_temperature") { Value = 21.5 + (i % 5), BatteryPercent = 80, LinkQuality = 120 })];

        // The pipeline as the gateway runs it, on its own journal, with a home where temperature events decide nothing.
        inbox = new SensorEventInbox();
        pipeline = new AlertPipeline(inbox, GatewayJournal.Open(Path.Combine(directory, "pipeline.db"), TimeProvider.System),
            new RulesEngine(home, now), [], TimeProvider.System, NullLogger<AlertPipeline>.Instance);
        pipeline.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        pipeline.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        pipeline.Dispose();
        journal.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    [Benchmark(OperationsPerInvoke = AlertsPerInvoke, Description = "Alert step + rule state, one commit (fsync) each")]
    public int DurableAlertOneAtATime()
    {
        var n = 0;
        for (var i = 0; i < AlertsPerInvoke; i++)
        {
            n += journal.Append([alert], ruleState, journal.LastSeq).Count;
        }

        return n;
    }

    [Benchmark(OperationsPerInvoke = AlertsPerInvoke * AlertGroup, Description = "Alert steps in groups of 16 + rule state, one commit per group")]
    public int DurableAlertsInGroups()
    {
        var group = Enumerable.Repeat(alert, AlertGroup).ToArray();
        var n = 0;
        for (var i = 0; i < AlertsPerInvoke; i++)
        {
            n += journal.Append(group, ruleState, journal.LastSeq).Count;
        }

        return n;
    }

    [Benchmark(OperationsPerInvoke = EventsOneByOne, Description = "Sensor event, one commit each (before group commit)")]
    public long SensorEventOneCommitEach()
    {
        long seq = 0;
        for (var i = 0; i < EventsOneByOne; i++)
        {
            seq = journal.Append(events[i]);
        }

        return seq;
    }

    [Benchmark(OperationsPerInvoke = EventsThroughPipeline, Description = "Sensor event through the pipeline (group commit), until durable")]
    public async Task<long> SensorEventThroughPipeline()
    {
        Task<long> last = Task.FromResult(0L);
        foreach (var e in events)
        {
            last = await inbox.QueueDurablyAsync(e, CancellationToken.None);
        }

        return await last;
    }
}

/// <summary>
/// The uplink's drain after a long outage: 100 000 records journalled (and decided) while offline, then read in uplink-sized
/// batches and acknowledged batch by batch, as dispatch acks. One operation is one record.
/// </summary>
public class JournalDrainBenchmarks
{
    private const int Backlog = 100_000;
    private const int UplinkBatch = 128;
    private string directory = "";
    private GatewayJournal journal = null!;

    [IterationSetup]
    public void Fill()
    {
        directory = Path.Combine(AppContext.BaseDirectory, "journal-drain-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var home = BenchmarkHome.Create();
        var now = DateTimeOffset.UtcNow;
        journal = GatewayJournal.Open(Path.Combine(directory, "journal.db"), TimeProvider.System);
        var state = new RulesEngine(home, now).SaveState();
        var batch = Enumerable.Range(0, 1000).Select(i => new SensorEvent(home.HomeId, "hall_motion", SensorKind.Motion,
            i % 2 == 0 ? SensorStates.Detected : SensorStates.Clear, now, "mqtt:zigbee2mqtt/hall_motion") { BatteryPercent = 80, LinkQuality = 120 }).ToList();
        for (var i = 0; i < Backlog / batch.Count; i++)
        {
            var seqs = journal.Append(batch);
            journal.Append([], state, seqs[^1]);
        }
    }

    [IterationCleanup]
    public void Remove()
    {
        journal.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    [Benchmark(OperationsPerInvoke = Backlog, Description = "Drain: read 128 + acknowledge (prunes), per record")]
    public long Drain()
    {
        long acked = 0;
        while (true)
        {
            var records = journal.ReadAfter(acked, UplinkBatch);
            if (records.Count == 0)
            {
                return acked;
            }

            acked = (long)records[^1].Seq;
            journal.Acknowledge(acked);
        }
    }
}
