using System.Text.Json;
using HomeGateway.Simulator.Demo;
using HomeGateway.Simulator.Scenarios;

namespace HomeGateway.EndToEnd.Tests.Processes;

/// <summary>
/// Guards: an alert the gateway journalled reaches dispatch exactly once, even when dispatch was down when it was
/// raised and the gateway was killed (SIGKILL, as a power cut) before it could send it.
/// </summary>
public class DeliveryProcessTests
{
    internal const string Home = """
        home: { id: kotka-0042, timezone: Europe/Helsinki }
        sensors:
          - { id: help_button, kind: help_button, gpio: { pin: 27, activeLow: true, pull: up, debounceMs: 20 } }
        rules:
          help: { repeatWindow: 1s }
        """;

    [Fact]
    public async Task Alerts_raised_while_dispatch_is_down_arrive_once_after_a_gateway_kill_and_restart()
    {
        // Invariant: alerts journalled while dispatch is down survive a gateway SIGKILL and reach dispatch exactly once.
        var work = Built.NewWorkDirectory("delivery");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = timeout.Token;
        try
        {
            await using var deployment = await LocalDeployment.CreateAsync(Built.Binaries, work, Home, (0, 0, 0), ct);
            await deployment.StartDispatchAsync(ct);
            await deployment.StartGatewayAsync(ct);
            using var api = deployment.CreateApiClient();

            await PressHelpAsync(deployment, ct);
            await WaitForAlertsAsync(api, 1, () => DemoProcessTests.Logs(work), ct);

            // Dispatch goes away; the gateway keeps deciding and journalling.
            await deployment.StopDispatchAsync();
            for (var i = 0; i < 3; i++)
            {
                await PressHelpAsync(deployment, ct);
                await Task.Delay(TimeSpan.FromSeconds(1.2), ct);
            }

            await WaitForLogAsync(Path.Combine(work, "gateway.log"), ": raised help", 4, ct);

            // Power cut: the gateway dies without a chance to flush or say goodbye.
            await deployment.Gateway!.KillAsync();
            await deployment.StartDispatchAsync(ct);
            await deployment.StartGatewayAsync(ct);

            var alerts = await WaitForAlertsAsync(api, 4, () => DemoProcessTests.Logs(work), ct);
            Assert.Equal(4, alerts.Select(a => a.GetProperty("alertId").GetString()).Distinct().Count());
            Assert.All(alerts, a => Assert.Equal("help", a.GetProperty("type").GetString()));
            Assert.All(alerts, a => Assert.Equal(1, a.GetProperty("count").GetInt32()));

            // Nothing more arrives later (no duplicates from the resend).
            await Task.Delay(TimeSpan.FromSeconds(2), ct);
            Assert.Equal(4, (await GetAlertsAsync(api, ct)).Count);
        }
        finally
        {
            DemoProcessTests.TryDelete(work);
        }
    }

    internal static async Task PressHelpAsync(LocalDeployment deployment, CancellationToken ct)
    {
        PinFiles.Write(deployment.PinDirectory, 27, high: false);
        // Held long enough that a gateway slowed down by a loaded test machine still sees it (it polls the pin bank).
        await Task.Delay(TimeSpan.FromMilliseconds(800), ct);
        PinFiles.Write(deployment.PinDirectory, 27, high: true);
    }

    private static async Task WaitForLogAsync(string logFile, string text, int count, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (CountIn(logFile, text) < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the gateway did not journal {count} '{text}' within 30 s");
            await Task.Delay(100, ct);
        }
    }

    private static int CountIn(string file, string text)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var content = reader.ReadToEnd();
        var count = 0;
        for (var at = content.IndexOf(text, StringComparison.Ordinal); at >= 0; at = content.IndexOf(text, at + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static async Task<List<JsonElement>> WaitForAlertsAsync(HttpClient api, int expected, Func<string> context, CancellationToken ct)
    {
        List<JsonElement> alerts = [];
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                alerts = await GetAlertsAsync(api, ct);
                if (alerts.Count >= expected)
                {
                    Assert.Equal(expected, alerts.Count);
                    return alerts;
                }
            }
            catch (HttpRequestException)
            {
                // Dispatch is (re)starting.
            }

            await Task.Delay(200, ct);
        }

        Assert.Fail($"expected {expected} alerts at dispatch, saw {alerts.Count}\n{context()}");
        return alerts;
    }

    internal static async Task<List<JsonElement>> GetAlertsAsync(HttpClient api, CancellationToken ct)
    {
        using var response = await api.GetAsync(new Uri("api/alerts", UriKind.Relative), ct);
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        return document.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }
}
