using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using HomeGateway.Simulator.Scenarios;

namespace HomeGateway.Simulator.Demo;

/// <summary>Where the product's executables are (built .dll files or apphosts).</summary>
public sealed record ProductBinaries(string Gateway, string Dispatch);

/// <summary>
/// Dispatch and one gateway on this machine's loopback, set up the way an installation would be:
/// fresh random credentials for everything (a console user, an API token, the simulator's MQTT login), a real
/// home file, real data directories, and the gateway enrolled as a technician enrols one: dispatch issues a
/// one-time code, <c>homegateway enroll</c> (a process) obtains the gateway's certificate, and the gateway then
/// connects with mutual TLS. Used by the demo and by the end-to-end tests, which also kill and restart the processes.
/// </summary>
public sealed class LocalDeployment : IAsyncDisposable
{
    public const string HomeId = "kotka-0042";
    public const string GatewayId = "kotka-0042";
    public const string ConsoleUser = "demo";

    /// <summary>The night patrol's responder (Finnish console), who answers on the phone page <c>/responder</c>.</summary>
    public const string ResponderUser = "ronja";

    /// <summary>The demo home's cascade: the home-care night patrol, asked first (10 minutes to accept).</summary>
    public const string ResponderTeam = "yopartio";

    /// <summary>The simulated home's status LED and buzzer (GPIO outputs; their levels appear in the pin directory).</summary>
    public const int StatusLedPin = 23;
    public const int BuzzerPin = 24;

    private readonly ProductBinaries binaries;
    private readonly string workDirectory;
    private ChildProcess? dispatch;
    private ChildProcess? gateway;

    private LocalDeployment(ProductBinaries binaries, string workDirectory)
    {
        this.binaries = binaries;
        this.workDirectory = workDirectory;
    }

    public string WorkDirectory => workDirectory;

    public string DispatchData => Path.Combine(workDirectory, "dispatch");

    public string GatewayData => Path.Combine(workDirectory, "gateway");

    /// <summary>
    /// The care plan, alone in its directory as /etc/homegateway/home.yaml is on a device: the gateway watches the file's
    /// directory (inotify reports every file in it), and the logs written beside it would wake its watcher at every line.
    /// </summary>
    public string HomeFile => Path.Combine(workDirectory, "etc", "home.yaml");

    public string PinDirectory => Path.Combine(workDirectory, "pins");

    public Uri WebUrl { get; private set; } = new("http://127.0.0.1/");

    /// <summary>Dispatch's gateway endpoint (https: enrolment and the mutual-TLS uplink).</summary>
    public Uri GrpcUrl { get; private set; } = new("https://127.0.0.1/");

    /// <summary>Dispatch's integration gRPC API (https, API token).</summary>
    public Uri ApiUrl { get; private set; } = new("https://127.0.0.1/");

    /// <summary>The one-time enrolment code dispatch issued for the gateway (used by <see cref="EnrolGatewayAsync"/>).</summary>
    public string EnrolmentCode { get; private set; } = "";

    /// <summary>What <c>homegateway enroll</c> printed, once it ran.</summary>
    public string EnrolmentReport { get; private set; } = "";

    public int MqttPort { get; private set; }

    /// <summary>The address the gateway dials for dispatch; null: <see cref="GrpcUrl"/>. Tests put a TCP proxy in between.</summary>
    public Uri? GatewayDispatchUrl { get; set; }

    /// <summary>More settings for the gateway (<c>--Gateway:Key=value</c>), e.g. a small journal budget in a test.</summary>
    public List<string> GatewaySettings { get; } = [];

    /// <summary>The directory the gateway is started in (null: this process's), as a technician may start it anywhere.</summary>
    public string? GatewayWorkingDirectory { get; set; }

    public string ConsolePassword { get; private set; } = "";

    public string ResponderPassword { get; private set; } = "";

    public string ApiToken { get; private set; } = "";

    public string SimulatorMqttUser => "simulator";

    public string SimulatorMqttPassword { get; private set; } = "";

    public ChildProcess? Dispatch => dispatch;

    public ChildProcess? Gateway => gateway;

    public SimulatedHomeLink HomeLink => new("127.0.0.1", MqttPort, SimulatorMqttUser, SimulatorMqttPassword, PinDirectory);

    /// <summary>
    /// Creates the work directory afresh and every credential. Ports: the preferred ones where free, else any free port.
    /// </summary>
    public static async Task<LocalDeployment> CreateAsync(
        ProductBinaries binaries, string workDirectory, string? homeYaml, (int Web, int Grpc, int Mqtt) preferredPorts, CancellationToken cancellationToken)
    {
        if (Directory.Exists(workDirectory))
        {
            Directory.Delete(workDirectory, recursive: true);
        }

        Directory.CreateDirectory(workDirectory);
        var deployment = new LocalDeployment(binaries, Path.GetFullPath(workDirectory));
        await deployment.ProvisionAsync(homeYaml ?? DemoResources.Read("demo-home.yaml"), preferredPorts, cancellationToken).ConfigureAwait(false);
        return deployment;
    }

    private async Task ProvisionAsync(string homeYaml, (int Web, int Grpc, int Mqtt) ports, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(DispatchData);
        Directory.CreateDirectory(GatewayData);
        Directory.CreateDirectory(PinDirectory);
        Directory.CreateDirectory(Path.GetDirectoryName(HomeFile)!);
        await File.WriteAllTextAsync(HomeFile, homeYaml, cancellationToken).ConfigureAwait(false);

        WebUrl = new Uri($"http://127.0.0.1:{FreePort(ports.Web)}/");
        GrpcUrl = new Uri($"https://127.0.0.1:{FreePort(ports.Grpc)}/");
        MqttPort = FreePort(ports.Mqtt);
        // The integration API's usual port when the caller prefers fixed ports (the demo), any free port otherwise (tests).
        ApiUrl = new Uri($"https://127.0.0.1:{FreePort(ports.Grpc == 0 ? 0 : 8082)}/");

        var data = new[] { "--data", DispatchData };
        ConsolePassword = await SecretAsync(binaries.Dispatch, ["users", "add", ConsoleUser, "--role", "admin", .. data], cancellationToken).ConfigureAwait(false);
        ApiToken = await SecretAsync(binaries.Dispatch, ["tokens", "add", "demo-integration", .. data], cancellationToken).ConfigureAwait(false);
        // Creates dispatch's CA too (on first use), so the code carries its fingerprint.
        EnrolmentCode = await SecretAsync(binaries.Dispatch, ["gateways", "enroll", GatewayId, "--home", HomeId, .. data], cancellationToken).ConfigureAwait(false);

        // Help must arrive, not only be acknowledged: a night patrol with one responder, first in the home's cascade.
        ResponderPassword = await SecretAsync(binaries.Dispatch, ["users", "add", ResponderUser, "--role", "responder", "--language", "fi", .. data], cancellationToken).ConfigureAwait(false);
        await CommandAsync(binaries.Dispatch, ["teams", "add", ResponderTeam, "Kotihoidon yöpartio", .. data], cancellationToken).ConfigureAwait(false);
        await CommandAsync(binaries.Dispatch, ["teams", "members", "add", ResponderTeam, ResponderUser, .. data], cancellationToken).ConfigureAwait(false);
        await CommandAsync(binaries.Dispatch, ["homes", "cascade", "set", HomeId, "--step", $"team:{ResponderTeam}:10", .. data], cancellationToken).ConfigureAwait(false);

        // The simulator plays every device of the demo home (the home file's sensor topics) and, for the benchmarks, also
        // watches the alerts and stands in for Node-RED's own topic: read everything, write only those.
        SimulatorMqttPassword = await SecretAsync(binaries.Gateway,
            ["mqtt", "users", "add", SimulatorMqttUser, "--role", "sensors", "--allow-subscribe", "#", "--allow-publish", "nodered/#", "--credentials", Path.Combine(GatewayData, "mqtt-users")], cancellationToken).ConfigureAwait(false);

        // The help button rests released (pull-up: high) before the gateway reads it at start.
        PinFiles.Write(PinDirectory, 27, high: true);
    }

    /// <summary>
    /// Starts dispatch; ready once this very process says it listens on the deployment's addresses and answers its health
    /// check. A health check alone can be answered by another test's dispatch that took the same free port a moment
    /// earlier (ours then fails to bind and exits, and the enrolment after it met "connection refused"): a start that
    /// fails because an address is taken is tried again on new ports.
    /// </summary>
    public async Task StartDispatchAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var web = WebUrl.GetLeftPart(UriPartial.Authority);
            var grpc = GrpcUrl.GetLeftPart(UriPartial.Authority);
            dispatch = ChildProcess.Start("dispatch", binaries.Dispatch,
            [
                "--Dispatch:DataDirectory=" + DispatchData,
                "--Dispatch:WebUrl=" + web,
                "--Dispatch:GrpcUrl=" + grpc,
                "--Dispatch:ApiUrl=" + ApiUrl.GetLeftPart(UriPartial.Authority),
            ], Path.Combine(workDirectory, "dispatch.log"));
            var listening = dispatch.WaitForLineAsync(
                line => line.Contains($"Dispatch listening: web={web} grpc={grpc}", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
            try
            {
                await WaitUntilAsync(dispatch, async () => listening.IsCompletedSuccessfully && await IsHealthyAsync(cancellationToken).ConfigureAwait(false),
                    cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (InvalidOperationException) when (attempt < 3 && dispatch.HasExited && AddressWasTaken())
            {
                await dispatch.DisposeAsync().ConfigureAwait(false);
                WebUrl = new Uri($"http://127.0.0.1:{FreePort()}/");
                GrpcUrl = new Uri($"https://127.0.0.1:{FreePort()}/");
                ApiUrl = new Uri($"https://127.0.0.1:{FreePort()}/");
            }
        }
    }

    // Kestrel's "Failed to bind to address …: address already in use", above the stack trace the tail keeps.
    private bool AddressWasTaken() =>
        File.ReadAllText(Path.Combine(workDirectory, "dispatch.log")).Contains("address already in use", StringComparison.OrdinalIgnoreCase);

    /// <summary>True once the gateway holds its certificate from dispatch.</summary>
    public bool IsGatewayEnrolled =>
        File.Exists(Path.Combine(GatewayData, "dispatch-client.crt")) && File.Exists(Path.Combine(GatewayData, "dispatch-client.key"));

    /// <summary>
    /// Runs <c>homegateway enroll</c> with the one-time code, as a technician would. Dispatch must be running. The code goes
    /// to its stdin (<c>--token-file -</c>), never into its arguments, where every user of the machine could read it.
    /// </summary>
    public async Task EnrolGatewayAsync(CancellationToken cancellationToken)
    {
        var (exitCode, output, error) = await ChildProcess.RunAsync(binaries.Gateway,
            ["enroll", "--dispatch", GrpcUrl.GetLeftPart(UriPartial.Authority), "--token-file", "-", "--data", GatewayData],
            EnrolmentCode, cancellationToken).ConfigureAwait(false);
        if (exitCode != 0)
        {
            var dispatchState = dispatch is null ? "dispatch not started" : dispatch.HasExited ? "dispatch has exited" : "dispatch is running";
            throw new InvalidOperationException(
                $"`homegateway enroll` failed ({exitCode}): {error.Trim()}\n({dispatchState}; its last lines:)\n{dispatch?.Tail}");
        }

        EnrolmentReport = output.Trim();
    }

    /// <summary>
    /// Starts the gateway, enrolling it first if it has no certificate yet. Ready when its embedded broker listens, or, for a
    /// gateway that listens on nothing (external broker mode), when <paramref name="ready"/> says so.
    /// </summary>
    public async Task StartGatewayAsync(CancellationToken cancellationToken, Func<bool>? ready = null)
    {
        if (!IsGatewayEnrolled)
        {
            await EnrolGatewayAsync(cancellationToken).ConfigureAwait(false);
        }

        gateway = ChildProcess.Start("gateway", binaries.Gateway,
        [
            "run",
            "--Gateway:HomeFile=" + HomeFile,
            "--Gateway:DataDirectory=" + GatewayData,
            "--Gateway:Dispatch:Url=" + (GatewayDispatchUrl ?? GrpcUrl).GetLeftPart(UriPartial.Authority),
            "--Gateway:Mqtt:Port=" + MqttPort.ToString(CultureInfo.InvariantCulture),
            "--Gateway:Gpio:Driver=simulated",
            "--Gateway:Gpio:SimulatedPinDirectory=" + PinDirectory,
            "--Gateway:Feedback:LedPin=" + StatusLedPin.ToString(CultureInfo.InvariantCulture),
            "--Gateway:Feedback:BuzzerPin=" + BuzzerPin.ToString(CultureInfo.InvariantCulture),
            .. GatewaySettings,
        ], Path.Combine(workDirectory, "gateway.log"), GatewayWorkingDirectory);
        ready ??= () => IsListening(MqttPort);
        await WaitUntilAsync(gateway, () => Task.FromResult(ready()), cancellationToken).ConfigureAwait(false);
    }

    // A stopped process is forgotten, so that disposing the deployment afterwards does not stop it a second time.
    public async Task StopGatewayAsync()
    {
        await StopAsync(gateway).ConfigureAwait(false);
        gateway = null;
    }

    public async Task StopDispatchAsync()
    {
        await StopAsync(dispatch).ConfigureAwait(false);
        dispatch = null;
    }

    public HttpClient CreateApiClient()
    {
        var client = new HttpClient { BaseAddress = WebUrl, Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ApiToken);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(gateway).ConfigureAwait(false);
        await StopAsync(dispatch).ConfigureAwait(false);
    }

    private static async Task StopAsync(ChildProcess? child)
    {
        if (child is not null)
        {
            await child.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<bool> IsHealthyAsync(CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = WebUrl, Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            using var response = await client.GetAsync(new Uri("healthz", UriKind.Relative), cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private static async Task WaitUntilAsync(ChildProcess child, Func<Task<bool>> ready, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await ready().ConfigureAwait(false))
        {
            if (child.HasExited)
            {
                // Give the output time to drain, then say why in the failure: the work directory may be deleted after.
                await Task.Delay(200, cancellationToken).ConfigureAwait(false);
                throw new InvalidOperationException($"{child.Name} exited during start-up; its last lines:\n{child.Tail}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{child.Name} was not ready within 60 s; its last lines:\n{child.Tail}");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<string> SecretAsync(string executable, string[] args, CancellationToken cancellationToken)
    {
        var (exitCode, output, error) = await ChildProcess.RunAsync(executable, args, cancellationToken).ConfigureAwait(false);
        var secret = output.Trim();
        if (exitCode != 0 || secret.Length == 0 || secret.Contains('\n', StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"`{Path.GetFileName(executable)} {string.Join(' ', args)}` failed ({exitCode}): {error.Trim()}");
        }

        return secret;
    }

    private static async Task CommandAsync(string executable, string[] args, CancellationToken cancellationToken)
    {
        var (exitCode, _, error) = await ChildProcess.RunAsync(executable, args, cancellationToken).ConfigureAwait(false);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"`{Path.GetFileName(executable)} {string.Join(' ', args)}` failed ({exitCode}): {error.Trim()}");
        }
    }

    /// <summary>
    /// A free port on 127.0.0.1 for a child to listen on: <paramref name="preferred"/> when it is free, else one below Linux's
    /// ephemeral range (so the kernel cannot hand it to an outgoing connection before the child binds it).
    /// </summary>
    public static int FreePort(int preferred = 0)
    {
        if (preferred > 0 && !IsListening(preferred))
        {
            try
            {
                using var probe = new TcpListener(IPAddress.Loopback, preferred);
                probe.Start();
                return preferred;
            }
            catch (SocketException)
            {
                // Taken: fall through to any free port.
            }
        }

        // Any free port below Linux's ephemeral range (32768–60999): a port the kernel handed out for a listener a moment ago
        // it may hand out again for any outgoing connection before the child binds it, and the child then dies at start.
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(UnassignedPorts.From, UnassignedPorts.To);
            if (IsListening(port))
            {
                continue;
            }

            try
            {
                using var probe = new TcpListener(IPAddress.Loopback, port);
                probe.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try another.
            }
        }

        using var any = new TcpListener(IPAddress.Loopback, 0);
        any.Start();
        return ((IPEndPoint)any.LocalEndpoint).Port;
    }

    /// <summary>Where <see cref="FreePort"/> looks first: above the registered services most machines run, below the ephemeral range.</summary>
    private static readonly (int From, int To) UnassignedPorts = (20000, 32700);

    private static bool IsListening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

internal static class DemoResources
{
    public static string Read(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"resource {name} missing from the simulator");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
