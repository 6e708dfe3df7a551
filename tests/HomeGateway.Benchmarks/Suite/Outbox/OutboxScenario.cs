using System.Globalization;
using HomeGateway.Benchmarks.Suite.EndToEnd;

namespace HomeGateway.Benchmarks.Suite.Outbox;

/// <summary>
/// Issue 8 §5: how fast the gateway makes alerts durable (its journal on a real file, fsync per commit), and how fast a
/// backlog journalled while dispatch was down drains once dispatch is back (real processes, end to end).
/// </summary>
public sealed class OutboxScenario : IBenchScenario
{
    public string Name => "outbox";

    public int Order => 5;

    public string Title => "Outbox: durable alert appends per second; backlog drain after an outage";

    public string Parameters => "--outbox-seconds N (5; quick 1)  --burst N (2000; quick 200)  --backlog N (20000; quick 1000)";

    public async Task RunAsync(BenchContext context, BenchReport report, CancellationToken cancellationToken)
    {
        await DurableAppends.RunAsync(context, report, cancellationToken).ConfigureAwait(false);
        await BacklogDrain.RunAsync(context, report, cancellationToken).ConfigureAwait(false);
    }
}
