using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HomeGateway.Contracts.Api;
using HomeGateway.Simulator.Scenarios;

namespace HomeGateway.Simulator.Demo;

/// <summary>
/// `make run`: dispatch, a gateway and the simulated home on loopback; plays the demo scenario and prints
/// each alert as dispatch stores it, with its latency. Runs until Ctrl-C (or, for tests, until the
/// expected alerts have arrived).
/// </summary>
public sealed class DemoRun(ProductBinaries binaries, string workDirectory, TextWriter output)
{
    private static readonly string[] ExpectedTypes = ["help", "fall", "door_left_open"];

    public bool ExitWhenDone { get; init; }

    public TimeSpan ExpectWithin { get; init; } = TimeSpan.FromSeconds(60);

    public (int Web, int Grpc, int Mqtt) PreferredPorts { get; init; } = (8080, 8081, 1883);

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        output.WriteLine("HomeGateway demo: dispatch, one gateway and a simulated home on 127.0.0.1");
        output.WriteLine($"  work directory {workDirectory} (logs: dispatch.log, gateway.log; fresh credentials every run)");

        await using var deployment = await LocalDeployment.CreateAsync(binaries, workDirectory, null, PreferredPorts, cancellationToken).ConfigureAwait(false);
        output.Write("Starting dispatch ... ");
        await deployment.StartDispatchAsync(cancellationToken).ConfigureAwait(false);
        output.WriteLine($"ready: console {deployment.WebUrl}, gateway endpoint (enrolment, mutual-TLS gRPC) {deployment.GrpcUrl}");
        output.Write($"Enrolling gateway {LocalDeployment.GatewayId} with a one-time code (homegateway enroll) ... ");
        await deployment.EnrolGatewayAsync(cancellationToken).ConfigureAwait(false);
        output.WriteLine("done:");
        output.WriteLine($"  {deployment.EnrolmentReport}");
        output.Write($"Starting the gateway of home {LocalDeployment.HomeId} (mutual TLS to dispatch) ... ");
        await deployment.StartGatewayAsync(cancellationToken).ConfigureAwait(false);
        output.WriteLine($"ready: MQTT broker 127.0.0.1:{deployment.MqttPort} (login required), simulated GPIO in {deployment.PinDirectory}");
        output.WriteLine();
        PrintAccess(deployment);

        using var api = deployment.CreateApiClient();
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var allSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watcher = WatchAlertsAsync(api, seen, allSeen, watching.Token);

        output.WriteLine("Playing the demo scenario: a help press, a door left open, a fall.");
        await using (var player = new ScenarioPlayer(deployment.HomeLink, TimeProvider.System, text => output.WriteLine($"  {Elapsed(clock)}  {text}")))
        {
            await ConnectWithRetryAsync(player, cancellationToken).ConfigureAwait(false);
            await player.PlayAsync(Scenario.Parse(DemoResources.Read("demo.scenario"), "demo.scenario"), cancellationToken).ConfigureAwait(false);
        }

        var remaining = ExpectWithin - clock.Elapsed;
        var complete = remaining > TimeSpan.Zero
            && await Task.WhenAny(allSeen.Task, Task.Delay(remaining, cancellationToken)).ConfigureAwait(false) == allSeen.Task;
        if (complete)
        {
            output.WriteLine($"All {ExpectedTypes.Length} alerts (help, fall, door left open) reached dispatch {clock.Elapsed.TotalSeconds:F1} s after the demo started.");
        }
        else
        {
            var missing = string.Join(", ", ExpectedTypes.Where(t => !seen.Contains(t)));
            output.WriteLine($"WARNING: not every alert reached dispatch within {ExpectWithin.TotalSeconds:F0} s; missing: {missing}. See gateway.log and dispatch.log in {workDirectory}.");
        }

        var stored = await CountStoredAlertsAsync(api, cancellationToken).ConfigureAwait(false);
        output.WriteLine($"GET /api/alerts returns {stored} alert(s).");

        if (ExitWhenDone)
        {
            await watching.CancelAsync().ConfigureAwait(false);
            await IgnoreCancellation(watcher).ConfigureAwait(false);
            return complete ? 0 : 1;
        }

        output.WriteLine();
        PrintAccess(deployment);
        output.WriteLine("Running until Ctrl-C; new alerts will show here.");
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            output.WriteLine("Stopping the gateway and dispatch ...");
        }

        await watching.CancelAsync().ConfigureAwait(false);
        await IgnoreCancellation(watcher).ConfigureAwait(false);
        return 0;
    }

    private void PrintAccess(LocalDeployment deployment)
    {
        output.WriteLine($"  Dispatcher console  {deployment.WebUrl}");
        output.WriteLine($"                      log in as '{LocalDeployment.ConsoleUser}' with password {deployment.ConsolePassword}");
        output.WriteLine($"  Responder's phone   {deployment.WebUrl}responder");
        output.WriteLine($"                      log in as '{LocalDeployment.ResponderUser}' (night patrol, Finnish) with password {deployment.ResponderPassword};");
        output.WriteLine("                      on this machine use the browser's phone view (F12, device toolbar, e.g. 390x844). On an alert's");
        output.WriteLine("                      page the dispatcher starts the home's cascade; the request appears on the phone within seconds.");
        output.WriteLine($"  Integration API     curl -H 'Authorization: Bearer {deployment.ApiToken}' {deployment.WebUrl}api/alerts");
        output.WriteLine($"  Live alert stream   curl -N -H 'Authorization: Bearer {deployment.ApiToken}' {deployment.WebUrl}api/alerts/stream");
        output.WriteLine($"  gRPC DispatchApi    {deployment.ApiUrl} (same token as 'authorization: Bearer' metadata; trust {Path.Combine(deployment.DispatchData, "ca", "ca.crt")})");
        output.WriteLine();
    }

    private async Task WatchAlertsAsync(HttpClient api, HashSet<string> seen, TaskCompletionSource allSeen, CancellationToken cancellationToken)
    {
        // The stream may fail while dispatch restarts; an integration reconnects, and so does the demo.
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var alert in AlertStream.ReadAsync(api, cancellationToken).ConfigureAwait(false))
                {
                    output.WriteLine(Describe(alert));
                    lock (seen)
                    {
                        seen.Add(alert.Type);
                        if (ExpectedTypes.All(seen.Contains))
                        {
                            allSeen.TrySetResult();
                        }
                    }
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(500, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    internal static string Describe(AlertStepJson alert)
    {
        // Instant rules are measured from the sensor event; timer rules from the moment the condition was met.
        var instant = alert.Type is "help" or "fall";
        var from = instant ? alert.EvidenceAt : alert.At;
        var latency = (alert.ReceivedAt - from).TotalMilliseconds;
        var basis = instant ? "sensor event" : "condition met";
        var local = alert.ReceivedAt.ToLocalTime().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);
        var count = alert.Count > 1 ? $" ×{alert.Count}" : "";
        return $"ALERT {local}  {alert.HomeId}  {alert.Type,-15} {alert.Priority,-8} {alert.Kind,-8}{count}  {alert.SensorId,-14} "
            + $"\"{alert.Summary}\"  latency {latency:F0} ms ({basis} → dispatch)";
    }

    private static async Task<int> CountStoredAlertsAsync(HttpClient api, CancellationToken cancellationToken)
    {
        using var response = await api.GetAsync(new Uri("api/alerts", UriKind.Relative), cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), cancellationToken: cancellationToken).ConfigureAwait(false);
        return document.RootElement.GetArrayLength();
    }

    private static async Task ConnectWithRetryAsync(ScenarioPlayer player, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await player.ConnectAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception) when (attempt < 20 && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(250, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task IgnoreCancellation(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Expected on shutdown.
        }
    }

    private static string Elapsed(Stopwatch clock) => $"+{clock.Elapsed.TotalSeconds,5:F1}s";
}
