using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using HomeGateway.Core.Alerts;
using HomeGateway.Core.Rules;
using HomeGateway.Dispatch.LiveFeed;
using HomeGateway.Dispatch.Store;
using HomeGateway.Dispatch.Supervision;
using Microsoft.Extensions.Time.Testing;

namespace HomeGateway.Dispatch.Tests.Supervision;

public sealed class SqliteMassOutageTests() : MassOutageTests(StoreProvider.Sqlite);

public sealed class PostgresMassOutageTests() : MassOutageTests(StoreProvider.PostgreSql);

/// <summary>
/// Invariant: when a thousand gateways go silent at once (and come back together), every live subscriber, in-process or
/// an SSE console, stays subscribed and sees every "gateway offline" step exactly once, then every "restored" step
/// exactly once, and ends with exactly the store's open alerts: nothing lost, nothing shown twice, nobody dropped.
/// Published one step at a time, the outage overflowed every subscriber's 256 slots and dropped them all.
/// </summary>
public abstract class MassOutageTests(StoreProvider provider) : IAsyncLifetime
{
    private const int Gateways = 1000;
    private const int Subscribers = 4;
    private static readonly TimeSpan Reporting = TimeSpan.FromSeconds(90);

    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private DispatchServer server = null!;

    public async Task InitializeAsync() => server = await DispatchServer.StartAsync(provider, clock);

    public async Task DisposeAsync() => await server.DisposeAsync();

    private GatewaySupervisor Supervisor => server.Service<GatewaySupervisor>();

    private static string GatewayId(int i) => string.Create(CultureInfo.InvariantCulture, $"mass-gw-{i:D4}");

    [Fact]
    public async Task A_thousand_gateways_offline_at_once_reach_every_subscriber_exactly_once_and_their_return_clears_them_all()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var ct = timeout.Token;
        var ids = Enumerable.Range(0, Gateways).Select(GatewayId).ToList();
        foreach (var id in ids)
        {
            Assert.True(await server.Store.AddGatewayAsync(id, id.Replace("gw", "home", StringComparison.Ordinal), ct));
        }

        // A care alarm from one of them just before the fault: it must stay above the outage.
        await server.Store.StoreAsync(new IncomingRecord(ids[0], 1, Records.T0, Records.Alert("fall-1", homeId: "mass-home-0000"), null), ct);

        // Every gateway is heard from (a hello each), all at the same instant.
        await Task.WhenAll(ids.Select(id => Supervisor.ContactAsync(id, ct)));

        var feed = server.Service<IAlertFeed>();
        var subscriptions = Enumerable.Range(0, Subscribers).Select(_ => feed.Subscribe()).ToList();
        using var web = server.WebClient();
        web.Timeout = Timeout.InfiniteTimeSpan;
        web.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await server.AddApiTokenAsync("consoles"));
        var plain = await SseConsole.OpenAsync(web, "/api/alerts/stream", ct);
        var batched = await SseConsole.OpenAsync(web, "/api/alerts/stream?batch=outages", ct);
        try
        {
            // The network fault: nobody is heard from for the reporting time.
            clock.Advance(Reporting);
            await Supervisor.SuperviseAsync(ct);

            var expectedOffline = (await HealthAlertsAsync(AlertStatus.Open, ct)).Select(a => a.AlertId).ToHashSet(StringComparer.Ordinal);
            Assert.Equal(Gateways, expectedOffline.Count);
            Assert.Equal(Gateways, Supervisor.Offline.Count);
            foreach (var subscription in subscriptions)
            {
                AssertExactlyOnce(expectedOffline, AlertEventKind.Raised, await TakeStepsAsync(subscription, Gateways, ct));
            }

            AssertExactlyOnce(expectedOffline, AlertEventKind.Raised, await plain.TakeStepsAsync(Gateways, ct));
            AssertExactlyOnce(expectedOffline, AlertEventKind.Raised, await batched.TakeStepsAsync(Gateways, ct));
            Assert.Equal(0, plain.Batches);
            Assert.InRange(batched.Batches, 1, (Gateways / GatewaySupervisor.MaxOutageBatch) + 1);

            // The queue, grouped: the care alarm as a row, the outage as one group listing every gateway.
            var grouped = await GetJsonAsync(web, "/api/alerts?group=outages", ct);
            Assert.Equal(["fall-1"], grouped.GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("alertId").GetString()));
            var outage = grouped.GetProperty("outage");
            Assert.Equal((Gateways, 0), (outage.GetProperty("count").GetInt32(), outage.GetProperty("restored").GetInt32()));
            Assert.Equal(expectedOffline, outage.GetProperty("gateways").EnumerateArray().Select(g => g.GetProperty("alertId").GetString()!).ToHashSet(StringComparer.Ordinal));
            var plainList = await GetJsonAsync(web, "/api/alerts", ct);
            Assert.Equal(Gateways + 1, plainList.GetArrayLength());
            Assert.Equal("fall-1", plainList[0].GetProperty("alertId").GetString());

            // The fault ends: every gateway says hello again, all at once.
            clock.Advance(TimeSpan.FromMinutes(3));
            await Task.WhenAll(ids.Select(id => Supervisor.ContactAsync(id, ct)));

            Assert.Empty(await HealthAlertsAsync(AlertStatus.Open, ct));
            Assert.Empty(Supervisor.Offline);
            Assert.Equal(expectedOffline, (await HealthAlertsAsync(AlertStatus.Cleared, ct)).Select(a => a.AlertId).ToHashSet(StringComparer.Ordinal));
            foreach (var subscription in subscriptions)
            {
                AssertExactlyOnce(expectedOffline, AlertEventKind.Cleared, await TakeStepsAsync(subscription, Gateways, ct));
                Assert.False(subscription.Reader.TryRead(out var extra), $"a change beyond the outage and its end: {extra}");
                Assert.False(subscription.Reader.Completion.IsCompleted, "the subscriber was dropped");
            }

            AssertExactlyOnce(expectedOffline, AlertEventKind.Cleared, await plain.TakeStepsAsync(Gateways, ct));
            AssertExactlyOnce(expectedOffline, AlertEventKind.Cleared, await batched.TakeStepsAsync(Gateways, ct));

            outage = (await GetJsonAsync(web, "/api/alerts?group=outages", ct)).GetProperty("outage");
            Assert.Equal((0, Gateways), (outage.GetProperty("count").GetInt32(), outage.GetProperty("restored").GetInt32()));
            Assert.Equal(JsonValueKind.Null, outage.GetProperty("since").ValueKind);
        }
        finally
        {
            foreach (var subscription in subscriptions)
            {
                subscription.Dispose();
            }

            plain.Dispose();
            batched.Dispose();
        }
    }

    [Fact]
    public async Task An_unknown_grouping_is_refused()
    {
        using var web = server.WebClient();
        web.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await server.AddApiTokenAsync("consoles"));

        var response = await web.GetAsync(new Uri("/api/alerts?group=homes", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private async Task<List<QueuedAlert>> HealthAlertsAsync(AlertStatus status, CancellationToken ct) =>
        (await server.Store.ListAlertsAsync(status, ct)).Where(a => a.Type == AlertType.GatewayHealth).ToList();

    /// <summary>The next <paramref name="count"/> steps; a dropped subscription throws here (its reader completes with an error).</summary>
    private static async Task<List<StoredAlertStep>> TakeStepsAsync(AlertSubscription subscription, int count, CancellationToken ct)
    {
        var steps = new List<StoredAlertStep>();
        while (steps.Count < count)
        {
            var change = await subscription.Reader.ReadAsync(ct);
            steps.AddRange(change switch
            {
                OutageBatch batch => batch.Steps,
                StoredAlertStep step => [step],
                _ => [],
            });
        }

        return steps;
    }

    private static void AssertExactlyOnce(IReadOnlySet<string> expected, AlertEventKind kind, IReadOnlyList<StoredAlertStep> steps) =>
        AssertExactlyOnce(expected, kind, steps.Select(s => (s.Alert.AlertId, AlertTypeNames.ToName(s.Alert.Kind))).ToList());

    private static void AssertExactlyOnce(IReadOnlySet<string> expected, AlertEventKind kind, IReadOnlyList<(string AlertId, string Kind)> steps)
    {
        Assert.All(steps, s => Assert.Equal(AlertTypeNames.ToName(kind), s.Kind));
        Assert.Equal(expected.Count, steps.Count);
        Assert.Equal(expected, steps.Select(s => s.AlertId).ToHashSet(StringComparer.Ordinal));
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient web, string path, CancellationToken ct)
    {
        var response = await web.GetAsync(new Uri(path, UriKind.Relative), ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement;
    }

    /// <summary>A console's live stream as the browser reads it: every <c>alert</c> and <c>outage_batch</c> event, in order.</summary>
    private sealed class SseConsole(HttpResponseMessage response, StreamReader events) : IDisposable
    {
        public int Batches { get; private set; }

        public static async Task<SseConsole> OpenAsync(HttpClient web, string path, CancellationToken ct)
        {
            var response = await web.GetAsync(new Uri(path, UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var events = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
            Assert.Equal(": connected", await events.ReadLineAsync(ct));
            return new SseConsole(response, events);
        }

        /// <summary>The next <paramref name="count"/> steps, whether sent one by one or batched; the stream ending fails.</summary>
        public async Task<List<(string AlertId, string Kind)>> TakeStepsAsync(int count, CancellationToken ct)
        {
            var steps = new List<(string, string)>();
            string? name = null;
            while (steps.Count < count)
            {
                var line = await events.ReadLineAsync(ct) ?? throw new InvalidOperationException("dispatch ended the console's stream (dropped)");
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    name = line["event: ".Length..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    var data = JsonDocument.Parse(line["data: ".Length..]).RootElement;
                    if (name == "alert")
                    {
                        steps.Add(Step(data));
                    }
                    else if (name == "outage_batch")
                    {
                        Batches++;
                        steps.AddRange(data.GetProperty("steps").EnumerateArray().Select(Step));
                    }
                }
            }

            return steps;
        }

        public void Dispose()
        {
            events.Dispose();
            response.Dispose();
        }

        private static (string, string) Step(JsonElement step) => (step.GetProperty("alertId").GetString()!, step.GetProperty("kind").GetString()!);
    }
}
