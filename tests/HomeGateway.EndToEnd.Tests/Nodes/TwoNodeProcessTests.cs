using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using HomeGateway.Contracts.Api;
using HomeGateway.EndToEnd.Tests.Durability;
using HomeGateway.EndToEnd.Tests.Processes;
using HomeGateway.Simulator.Demo;
using HomeGateway.Tests.Shared;
using Xunit.Abstractions;

namespace HomeGateway.EndToEnd.Tests.Nodes;

/// <summary>
/// Guards: two real <c>homegateway-dispatch</c> processes on one PostgreSQL act as one dispatch. An alert from a
/// gateway streaming to node A shows on node B's live stream; the gateway moving to node B continues its sequence
/// (nothing lost, nothing twice); when node A dies, node B takes over supervision and a silent gateway raises
/// exactly one "gateway offline".
/// </summary>
public sealed class TwoNodeProcessTests(ITestOutputHelper output)
{
    // Every process of this test (the admin commands, both nodes) reads its store and timing from the environment;
    // the end-to-end tests run one at a time, so setting it here reaches only this test's children.
    private static readonly string[] Settings =
        ["Dispatch__Store__Provider", "Dispatch__Store__ConnectionString", "Dispatch__Supervision__ReportingSeconds", "Dispatch__HeartbeatSeconds"];

    [Fact]
    public async Task Two_dispatch_nodes_on_one_postgresql_share_the_queue_the_gateway_and_supervision()
    {
        var work = Built.NewWorkDirectory("nodes");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = timeout.Token;
        var database = await PostgresCluster.CreateDatabaseAsync();
        SetEnvironment("postgresql", database, "20", "5");
        ChildProcess? nodeB = null;
        try
        {
            await using var deployment = await LocalDeployment.CreateAsync(Built.Binaries, work, DeliveryProcessTests.Home, (0, 0, 0), ct);
            await deployment.StartDispatchAsync(ct);
            // Node B shares node A's data directory (its CA, server certificate and cookie keys) and database, on its own ports.
            var webB = new Uri($"http://127.0.0.1:{FreePort()}/");
            var grpcB = new Uri($"https://127.0.0.1:{FreePort()}/");
            nodeB = ChildProcess.Start("dispatch-b", Built.Binaries.Dispatch,
            [
                "--Dispatch:DataDirectory=" + deployment.DispatchData,
                "--Dispatch:WebUrl=" + webB.GetLeftPart(UriPartial.Authority),
                "--Dispatch:GrpcUrl=" + grpcB.GetLeftPart(UriPartial.Authority),
            ], Path.Combine(work, "dispatch-b.log"));
            await WaitHealthyAsync(nodeB, webB, ct);

            await using var proxy = new TcpProxy(new IPEndPoint(IPAddress.Loopback, deployment.GrpcUrl.Port));
            deployment.GatewayDispatchUrl = new UriBuilder(deployment.GrpcUrl) { Port = proxy.Port }.Uri;
            await deployment.StartGatewayAsync(ct);

            using var apiA = deployment.CreateApiClient();
            using var apiB = deployment.CreateApiClient();
            apiB.BaseAddress = webB;
            using var watching = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var onA = FirstAlertAsync(apiA, _ => true, watching.Token);
            var onB = FirstAlertAsync(apiB, _ => true, watching.Token);
            await Task.Delay(TimeSpan.FromSeconds(1), ct); // both streams subscribed before the press

            await DeliveryProcessTests.PressHelpAsync(deployment, ct);
            var (alertA, seenOnA) = await onA;
            var (alertB, seenOnB) = await onB;
            Assert.Equal(alertA.AlertId, alertB.AlertId);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"node A -> node B live stream latency: {(seenOnB - seenOnA).TotalMilliseconds:F0} ms (requirement: within 2 s)"));

            // The gateway's link moves to node B (node A's stream is cut); its next alert continues the sequence.
            var next = FirstAlertAsync(apiB, a => a.AlertId != alertA.AlertId, watching.Token);
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            proxy.Retarget(new IPEndPoint(IPAddress.Loopback, grpcB.Port));
            await DeliveryProcessTests.PressHelpAsync(deployment, ct);
            var (second, _) = await next;
            Assert.True(second.Seq > alertA.Seq, $"the second alert continues the sequence: {alertA.Seq}, then {second.Seq}");
            var alerts = await WaitForAlertsAsync(apiB, a => a.GetProperty("type").GetString() == "help", 2, ct);
            Assert.Equal(2, alerts.Select(a => a.GetProperty("alertId").GetString()).Distinct().Count());
            Assert.All(alerts, a => Assert.Equal(1, a.GetProperty("count").GetInt32()));
            Assert.True(proxy.Accepted >= 2, "the gateway reconnected through the proxy to node B");

            // Node A dies; the gateway goes silent (a power cut). Node B takes over supervision and raises it once.
            await deployment.Dispatch!.KillAsync();
            await deployment.Gateway!.KillAsync();
            var offline = await WaitForAlertsAsync(apiB, IsGatewayOffline, 1, ct);
            await Task.Delay(TimeSpan.FromSeconds(6), ct); // another supervision pass on node B, at least
            Assert.Single(await DeliveryProcessTests.GetAlertsAsync(apiB, ct), IsGatewayOffline);
            Assert.Equal(LocalDeployment.GatewayId, offline[0].GetProperty("gatewayId").GetString());
            Assert.Contains("now supervises the gateways", await File.ReadAllTextAsync(Path.Combine(work, "dispatch-b.log"), ct), StringComparison.Ordinal);
            await watching.CancelAsync();
        }
        finally
        {
            if (nodeB is not null)
            {
                await nodeB.DisposeAsync();
            }

            SetEnvironment(null, null, null, null);
            output.WriteLine(DemoProcessTests.Logs(work));
            DemoProcessTests.TryDelete(work);
        }
    }

    private static bool IsGatewayOffline(JsonElement alert) =>
        alert.GetProperty("alertId").GetString()!.StartsWith("gateway-offline-", StringComparison.Ordinal);

    private static void SetEnvironment(params string?[] values)
    {
        for (var i = 0; i < Settings.Length; i++)
        {
            Environment.SetEnvironmentVariable(Settings[i], values[i]);
        }
    }

    /// <summary>The first alert step on a node's live stream, and when this test saw it.</summary>
    private static async Task<(AlertStepJson Alert, DateTimeOffset At)> FirstAlertAsync(HttpClient api, Func<AlertStepJson, bool> which, CancellationToken ct)
    {
        await foreach (var alert in AlertStream.ReadAsync(api, ct))
        {
            if (which(alert))
            {
                return (alert, DateTimeOffset.UtcNow);
            }
        }

        throw new InvalidOperationException("the live stream ended before an alert arrived");
    }

    private static async Task<List<JsonElement>> WaitForAlertsAsync(HttpClient api, Func<JsonElement, bool> which, int expected, CancellationToken ct)
    {
        var stopwatch = Stopwatch.StartNew();
        List<JsonElement> alerts = [];
        // A guard, not a timing requirement: the reporting time is 20 s and a loaded machine is slow.
        while (stopwatch.Elapsed < TimeSpan.FromSeconds(90))
        {
            alerts = (await DeliveryProcessTests.GetAlertsAsync(api, ct)).Where(which).ToList();
            if (alerts.Count >= expected)
            {
                Assert.Equal(expected, alerts.Count);
                return alerts;
            }

            await Task.Delay(200, ct);
        }

        Assert.Fail($"expected {expected} matching alerts at dispatch, saw {alerts.Count}");
        return alerts;
    }

    private static async Task WaitHealthyAsync(ChildProcess node, Uri web, CancellationToken ct)
    {
        using var client = new HttpClient { BaseAddress = web, Timeout = TimeSpan.FromSeconds(2) };
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < TimeSpan.FromSeconds(60))
        {
            Assert.False(node.HasExited, $"{node.Name} exited during start-up");
            try
            {
                using var response = await client.GetAsync(new Uri("healthz", UriKind.Relative), ct);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                // Not listening yet.
            }

            await Task.Delay(100, ct);
        }

        Assert.Fail($"{node.Name} was not healthy within 60 s");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
