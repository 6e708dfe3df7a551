using System.Net.Http.Json;
using System.Text.Json;
using HomeGateway.EndToEnd.Tests.Durability;
using HomeGateway.Gateway.Status;
using HomeGateway.Simulator.Demo;

namespace HomeGateway.EndToEnd.Tests.Processes;

/// <summary>
/// Guards: the alert's life is shared by both ends. A help alert a dispatcher resolved is closed on the device too, so
/// the client's next press is a new, live alert in front of a dispatcher (not a repeat of a closed one that no queue
/// shows); and the client's "help is coming" is still true after the gateway restarts.
/// </summary>
public class LifecycleProcessTests
{
    // A long repeat window: without the resolution reaching the gateway the second press would count up on the first alert.
    private const string Home = """
        home: { id: kotka-0042, timezone: Europe/Helsinki }
        sensors:
          - { id: help_button, kind: help_button, gpio: { pin: 27, activeLow: true, pull: up, debounceMs: 20 } }
        rules:
          help: { repeatWindow: 30m }
          escalation: { ackTimeoutSeconds: 10, maxEscalations: 3 }
        """;

    [Fact]
    public async Task A_press_after_a_resolution_is_a_new_live_alert_and_help_is_coming_survives_a_gateway_restart()
    {
        var work = Built.NewWorkDirectory("lifecycle");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = timeout.Token;
        try
        {
            await using var deployment = await LocalDeployment.CreateAsync(Built.Binaries, work, Home, (0, 0, 0), ct);
            await deployment.StartDispatchAsync(ct);
            await deployment.StartGatewayAsync(ct);
            using var api = deployment.CreateApiClient();

            await DeliveryProcessTests.PressHelpAsync(deployment, ct);
            var first = (await LiveQueueAsync(api, deployment, q => q.Count == 1, ct)).Single().GetProperty("alertId").GetString()!;
            await WaitForStatusAsync(deployment, s => s.Feedback!.Alarms.Contains(first), ct);

            (await api.PostAsJsonAsync(new Uri($"api/alerts/{first}/resolve", UriKind.Relative), new { outcome = "false_alarm" }, ct)).EnsureSuccessStatusCode();
            Assert.Empty(await DeliveryProcessTests.GetAlertsAsync(api, ct));
            // The gateway closed it: it no longer shows it, and does not escalate it (its 10 s pass while we wait below).
            await WaitForStatusAsync(deployment, s => s.Feedback is { Alarms.Count: 0, HelpComingFor: null }, ct);

            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            await DeliveryProcessTests.PressHelpAsync(deployment, ct);
            var live = (await LiveQueueAsync(api, deployment, q => q.Count == 1, ct)).Single();
            var second = live.GetProperty("alertId").GetString()!;
            Assert.NotEqual(first, second);
            Assert.Equal(("help", 1), (live.GetProperty("type").GetString(), live.GetProperty("count").GetInt32()));
            await WaitForStatusAsync(deployment, s => s.Feedback!.Alarms.SequenceEqual([second]), ct);

            // The first stays resolved, and was never escalated after its resolution.
            var resolved = await AlertsAsync(api, "resolved", ct);
            Assert.Equal(first, Assert.Single(resolved).GetProperty("alertId").GetString());
            Assert.False(resolved[0].GetProperty("escalated").GetBoolean());

            (await api.PostAsync(new Uri($"api/alerts/{second}/acknowledge", UriKind.Relative), null, ct)).EnsureSuccessStatusCode();
            await WaitForStatusAsync(deployment, s => s.Feedback is { Led: "steady" } f && f.HelpComingFor == second, ct);

            // Restarted (an update, a power blip): the client still sees that help is coming, from the saved state.
            await deployment.StopGatewayAsync();
            File.Delete(Path.Combine(deployment.GatewayData, StatusFileWriter.FileName));
            await deployment.StartGatewayAsync(ct);
            await WaitForStatusAsync(deployment, s => s.Feedback is { Led: "steady" } f && f.HelpComingFor == second && f.Alarms.Count == 0, ct);
        }
        finally
        {
            DemoProcessTests.TryDelete(work);
        }
    }

    private static async Task<List<JsonElement>> AlertsAsync(HttpClient api, string status, CancellationToken ct)
    {
        using var document = JsonDocument.Parse(await api.GetStringAsync(new Uri($"api/alerts?status={status}", UriKind.Relative), ct));
        return document.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }

    private static async Task<List<JsonElement>> LiveQueueAsync(HttpClient api, LocalDeployment deployment, Func<List<JsonElement>, bool> condition, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        List<JsonElement> queue = [];
        while (DateTime.UtcNow < deadline)
        {
            queue = await DeliveryProcessTests.GetAlertsAsync(api, ct);
            if (condition(queue))
            {
                return queue;
            }

            await Task.Delay(200, ct);
        }

        Assert.Fail($"the live queue did not reach the expected state within 30 s: {JsonSerializer.Serialize(queue)}\n{DeliveryLedger.Logs(deployment)}");
        return queue;
    }

    private static async Task WaitForStatusAsync(LocalDeployment deployment, Func<GatewayStatus, bool> condition, CancellationToken ct)
    {
        var path = Path.Combine(deployment.GatewayData, StatusFileWriter.FileName);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        GatewayStatus? status = null;
        while (DateTime.UtcNow < deadline)
        {
            status = DeliveryLedger.Read(path);
            if (status is { Feedback: not null } && condition(status))
            {
                return;
            }

            await Task.Delay(250, ct);
        }

        Assert.Fail($"the gateway's status did not show the expected feedback within 30 s: {(status is null ? "no status file" : JsonSerializer.Serialize(status.Feedback))}\n{DeliveryLedger.Logs(deployment)}");
    }
}
