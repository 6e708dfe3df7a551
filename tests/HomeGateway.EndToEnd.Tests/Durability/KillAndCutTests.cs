using HomeGateway.Simulator.Demo;

namespace HomeGateway.EndToEnd.Tests.Durability;

/// <summary>
/// Power cuts, crashes, dead links and backend restarts, done to real processes with real files: the gateway and
/// dispatch executables, the gateway's SQLite journal, dispatch's SQLite store, a TCP proxy between them.
/// </summary>
public class KillAndCutTests
{
    [Fact]
    public async Task Killing_the_gateway_during_bursts_again_and_again_loses_and_repeats_nothing()
    {
        // Invariant: every record the gateway journalled is stored at dispatch exactly once, in order, however often it is killed (-9) mid-burst.
        var rounds = DeliveryLedger.Setting("HOMEGATEWAY_KILL_ROUNDS", 20);
        var work = Built.NewWorkDirectory("kill");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4 + rounds / 5));
        var ct = timeout.Token;
        try
        {
            await using var deployment = await LocalDeployment.CreateAsync(Built.Binaries, work, DeliveryLedger.Home, (0, 0, 0), ct);
            await deployment.StartDispatchAsync(ct);
            var random = new Random(20261125);
            var pressed = 0;
            for (var round = 1; round <= rounds; round++)
            {
                await deployment.StartGatewayAsync(ct);
                using var burst = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var presses = DeliveryLedger.PressInBurstsAsync(deployment, burst.Token);
                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(150, 900)), ct);

                // The power goes: no flush, no goodbye, maybe in the middle of a commit or a send.
                await deployment.Gateway!.KillAsync();
                await burst.CancelAsync();
                pressed += await presses;

                if (round % 7 == 0)
                {
                    // Now and then dispatch crashes too, while it may be half-way through storing a batch.
                    await deployment.Dispatch!.KillAsync();
                    await deployment.StartDispatchAsync(ct);
                }
            }

            await deployment.StartGatewayAsync(ct);
            var status = await DeliveryLedger.WaitUntilAllAcknowledgedAsync(deployment, TimeSpan.FromMinutes(2), ct);

            Assert.True(pressed > rounds, $"the bursts hardly reached the gateway ({pressed} presses acknowledged by its broker)");
            DeliveryLedger.AssertExactlyOnceInOrder(deployment, status.Uplink.LastSeq);
        }
        finally
        {
            Processes.DemoProcessTests.TryDelete(work);
        }
    }

    [Fact]
    public async Task A_half_open_link_a_long_cut_and_a_dispatch_restart_lose_and_repeat_nothing()
    {
        // Invariant: alerts raised while the link is dead (half-open, then cut for minutes) and while dispatch restarts arrive exactly once, in order, when the link returns.
        var cut = TimeSpan.FromSeconds(DeliveryLedger.Setting("HOMEGATEWAY_CUT_SECONDS", 120));
        var work = Built.NewWorkDirectory("cut");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5) + cut);
        var ct = timeout.Token;
        try
        {
            await using var deployment = await LocalDeployment.CreateAsync(Built.Binaries, work, DeliveryLedger.Home, (0, 0, 0), ct);
            await deployment.StartDispatchAsync(ct);
            await using var proxy = new TcpProxy(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, deployment.GrpcUrl.Port));
            deployment.GatewayDispatchUrl = new UriBuilder(deployment.GrpcUrl) { Port = proxy.Port }.Uri;
            await deployment.StartGatewayAsync(ct);

            await BurstAsync(deployment, TimeSpan.FromSeconds(1), ct);
            var before = await DeliveryLedger.WaitUntilAllAcknowledgedAsync(deployment, TimeSpan.FromSeconds(60), ct);

            // Half-open: the proxy swallows every byte. Only the keep-alive pings can tell; the gateway must notice and redial.
            proxy.Blackhole();
            await BurstAsync(deployment, TimeSpan.FromSeconds(1), ct);
            await WaitForStatusAsync(deployment, s => s.Uplink.State != "connected" && s.Uplink.LastSeq > before.Uplink.LastSeq, TimeSpan.FromSeconds(90), "notice the half-open link", ct);

            // A long cut: connections reset, new ones refused; alerts keep coming; dispatch crashes and comes back meanwhile.
            proxy.Cut();
            var cutEnds = DateTime.UtcNow + cut;
            await BurstAsync(deployment, TimeSpan.FromSeconds(1), ct);
            await deployment.Dispatch!.KillAsync();
            await deployment.StartDispatchAsync(ct);
            await BurstAsync(deployment, TimeSpan.FromSeconds(1), ct);
            var during = DeliveryLedger.Read(Path.Combine(deployment.GatewayData, "status.json"));
            Assert.True(during is { Uplink.OutboxDepth: > 0 }, "alerts raised during the cut should be waiting in the outbox");
            var remaining = cutEnds - DateTime.UtcNow;
            if (remaining > TimeSpan.Zero)
            {
                await Task.Delay(remaining, ct);
            }

            proxy.Restore();
            var after = await DeliveryLedger.WaitUntilAllAcknowledgedAsync(deployment, TimeSpan.FromMinutes(2), ct);
            Assert.True(after.Uplink.LastSeq > before.Uplink.LastSeq);
            DeliveryLedger.AssertExactlyOnceInOrder(deployment, after.Uplink.LastSeq);

            // Dispatch's supervision saw the silence (longer than its 90 s reporting time): one "gateway offline", restored once back.
            var offline = Assert.Single(DeliveryLedger.OfflineAlerts(deployment));
            Assert.Equal("cleared", offline.Status);
        }
        finally
        {
            Processes.DemoProcessTests.TryDelete(work);
        }
    }

    [Fact]
    public async Task Filling_the_disk_budget_offline_drops_only_telemetry_counts_it_and_delivers_every_alert()
    {
        // Invariant: when the journal's disk budget fills while dispatch is away, only sensor telemetry is dropped, dispatch learns exactly how much, and every alert step arrives once.
        var work = Built.NewWorkDirectory("budget");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        try
        {
            await using var deployment = await LocalDeployment.CreateAsync(Built.Binaries, work, DeliveryLedger.Home, (0, 0, 0), ct);
            deployment.GatewaySettings.Add("--Gateway:Journal:MaxBytes=1048576");
            await deployment.StartDispatchAsync(ct);
            await deployment.StartGatewayAsync(ct);
            await BurstAsync(deployment, TimeSpan.FromMilliseconds(500), ct);
            await DeliveryLedger.WaitUntilAllAcknowledgedAsync(deployment, TimeSpan.FromSeconds(60), ct);

            await deployment.StopDispatchAsync();
            var presses = await DeliveryLedger.FloodAsync(deployment, messages: 24_000, pressEvery: 400, ct);
            await WaitForStatusAsync(deployment, s => s.Uplink.DroppedTelemetry > 0, TimeSpan.FromSeconds(60), "drop telemetry under the 1 MiB budget", ct);

            await deployment.StartDispatchAsync(ct);
            var after = await DeliveryLedger.WaitUntilAllAcknowledgedAsync(deployment, TimeSpan.FromMinutes(2), ct);
            var droppedAtDispatch = DeliveryLedger.AssertExactlyOnceInOrder(deployment, after.Uplink.LastSeq);

            Assert.True(presses >= 50, $"only {presses} presses went out");
            Assert.Equal(after.Uplink.DroppedTelemetry, droppedAtDispatch);
            Assert.True(after.Uplink.JournalBytes <= after.Uplink.JournalMaxBytes * 2, $"the journal uses {after.Uplink.JournalBytes} bytes against a budget of {after.Uplink.JournalMaxBytes}");
        }
        finally
        {
            Processes.DemoProcessTests.TryDelete(work);
        }
    }

    private static async Task BurstAsync(LocalDeployment deployment, TimeSpan length, CancellationToken ct)
    {
        // A loaded machine may need longer than the burst just to connect: go on until something was pressed (15 s at most).
        var pressed = 0;
        var giveUp = DateTime.UtcNow.AddSeconds(15);
        while (pressed == 0 && DateTime.UtcNow < giveUp)
        {
            using var burst = CancellationTokenSource.CreateLinkedTokenSource(ct);
            burst.CancelAfter(length);
            pressed += await DeliveryLedger.PressInBurstsAsync(deployment, burst.Token);
        }

        Assert.True(pressed > 0, "the burst could not press anything\n" + DeliveryLedger.Logs(deployment));
    }

    private static async Task WaitForStatusAsync(LocalDeployment deployment, Func<HomeGateway.Gateway.Status.GatewayStatus, bool> condition, TimeSpan timeout, string what, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (DeliveryLedger.Read(Path.Combine(deployment.GatewayData, "status.json")) is { } status && condition(status))
            {
                return;
            }

            await Task.Delay(250, ct);
        }

        Assert.Fail($"the gateway did not {what} within {timeout}\n{DeliveryLedger.Logs(deployment)}");
    }
}
