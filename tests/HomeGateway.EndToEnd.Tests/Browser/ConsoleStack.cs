using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using HomeGateway.Core.Alerts;
using HomeGateway.Dispatch.Hosting;
using HomeGateway.Dispatch.LiveFeed;
using HomeGateway.Dispatch.Store;
using HomeGateway.EndToEnd.Tests.InProcess;
using HomeGateway.Gateway;
using HomeGateway.Gateway.Feedback;
using HomeGateway.Gateway.Uplink;
using HomeGateway.Simulator.Scenarios;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HomeGateway.EndToEnd.Tests.Browser;

/// <summary>
/// What a dispatcher's browser talks to: dispatch in this process with two dispatcher logins, and a real gateway
/// enrolled over mutual TLS whose fall sensor, front door and LED are simulated GPIO pins.
/// </summary>
internal sealed class ConsoleStack : IAsyncDisposable
{
    public const string Dispatcher = "anna";
    public const string SecondDispatcher = "bertil";
    private const int DoorPin = 17;
    private const int FallPin = 22;
    private const int LedPin = 23;

    // The door alert comes 2 s after opening (normal priority); a fall is critical at once. Escalation is set far beyond
    // any test, so the acknowledgement, not a timer, is what takes the fall out of it.
    /// <summary>The fall sensor's name and place in the home file (what the console composes alert texts from).</summary>
    public const string FallSensorName = "Kaatumistunnistin";

    public const string FallSensorLocation = "Makuuhuone";

    private const string Home = """
        home: { id: kotka-0042, timezone: Europe/Helsinki }
        sensors:
          - { id: front_door, kind: door, name: Ulko-ovi, location: Eteinen, gpio: { pin: 17, activeLow: true, pull: up, debounceMs: 20 } }
          - { id: bedroom_fall, kind: fall, name: Kaatumistunnistin, location: Makuuhuone, gpio: { pin: 22, activeLow: true, pull: up, debounceMs: 20 } }
        rules:
          fall: {}
          doorLeftOpen: { after: 2s, repeatEvery: 10m }
          escalation: { ackTimeoutSeconds: 3600, maxEscalations: 1 }
        """;

    private readonly string work;
    private readonly Dictionary<string, string> passwords = new(StringComparer.Ordinal);
    private RunningDispatch? dispatch;
    private IHost? gateway;
    private string apiToken = "";

    private ConsoleStack(string work) => this.work = work;

    public Uri WebUri => dispatch!.WebUri;

    public IServiceProvider Gateway => gateway!.Services;

    /// <summary>Dispatch's services (its store), for a test that must lay down data no page or gateway makes yet.</summary>
    public IServiceProvider DispatchServices => dispatch!.Services;

    private string Pins => Path.Combine(work, "pins");

    private string DispatchData => Path.Combine(work, "dispatch");

    public string PasswordOf(string user) => passwords[user];

    /// <summary>Another console user (e.g. an admin for the audit log, a technician for the fleet); their password is kept here.</summary>
    public async Task AddUserAsync(string name, string role, string? language = null) =>
        passwords[name] = language is null
            ? await InProcessDispatch.CliAsync("users", "add", name, "--role", role, "--data", DispatchData)
            : await InProcessDispatch.CliAsync("users", "add", name, "--role", role, "--language", language, "--data", DispatchData);

    /// <summary>An admin command on this dispatch's data (teams, a home's cascade); fails the test if it fails.</summary>
    public Task<string> CliAsync(params string[] args) => InProcessDispatch.CliAsync([.. args, "--data", DispatchData]);

    /// <summary>Opens a new tab (its own cookies) in <paramref name="session"/> and logs <paramref name="user"/> in there.</summary>
    public async Task<QueuePage> LogInAsync(BrowserSession session, string user = Dispatcher) =>
        await new LoginPage(await session.NewTabAsync()).LogInAsync(user, PasswordOf(user));

    /// <summary>
    /// Starts it all; dispatch runs on <paramref name="dispatchClock"/> if given (the gateway on the real clock), and
    /// flags a silent gateway offline after <paramref name="reportingSeconds"/> if given (90 s otherwise).
    /// </summary>
    public static async Task<ConsoleStack> StartAsync(TimeProvider? dispatchClock = null, int? reportingSeconds = null)
    {
        var stack = new ConsoleStack(Built.NewWorkDirectory("browser"));
        try
        {
            await stack.InitializeAsync(dispatchClock, reportingSeconds);
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    private async Task InitializeAsync(TimeProvider? dispatchClock, int? reportingSeconds)
    {
        var dispatchData = DispatchData;
        var gatewayData = Path.Combine(work, "gateway");
        Directory.CreateDirectory(gatewayData);
        dispatch = await InProcessDispatch.StartAsync(dispatchData, dispatchClock, reportingSeconds);
        await AddUserAsync(Dispatcher, "dispatcher");
        await AddUserAsync(SecondDispatcher, "dispatcher");

        apiToken = await InProcessDispatch.CliAsync("tokens", "add", "browser-tests", "--data", dispatchData);
        await InProcessDispatch.EnrolAsync(dispatch, dispatchData, gatewayData);
        await File.WriteAllTextAsync(Path.Combine(work, "home.yaml"), Home);
        PinFiles.Write(Pins, DoorPin, high: true);
        PinFiles.Write(Pins, FallPin, high: true);
        await StartGatewayAsync();
    }

    /// <summary>The gateway goes silent, as when the home loses power: dispatch flags it offline after its reporting time.</summary>
    public async Task StopGatewayAsync()
    {
        if (gateway is { } running)
        {
            gateway = null;
            await running.StopAsync();
            running.Dispose();
        }
    }

    /// <summary>Starts the home's gateway (again, after <see cref="StopGatewayAsync"/>: power is back).</summary>
    public async Task StartGatewayAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:HomeFile"] = Path.Combine(work, "home.yaml"),
            ["Gateway:DataDirectory"] = Path.Combine(work, "gateway"),
            ["Gateway:Dispatch:Url"] = dispatch!.GrpcUri.ToString(),
            ["Gateway:Mqtt:Enabled"] = "false",
            ["Gateway:Gpio:Driver"] = "simulated",
            ["Gateway:Gpio:SimulatedPinDirectory"] = Pins,
            ["Gateway:Feedback:LedPin"] = LedPin.ToString(CultureInfo.InvariantCulture),
        });
        builder.AddGateway();
        gateway = builder.Build();
        await gateway.StartAsync();
    }

    /// <summary>A second home's gateway, registered but never connected: tests raise its alerts straight into dispatch.</summary>
    public const string OtherGateway = "gw-other";

    public const string OtherHome = "oulu-0007";

    private long otherSeq;

    private bool otherRegistered;

    private async Task EnsureOtherGatewayAsync()
    {
        if (!otherRegistered)
        {
            await InProcessDispatch.CliAsync("gateways", "enroll", OtherGateway, "--home", OtherHome, "--data", DispatchData);
            otherRegistered = true;
        }
    }

    /// <summary>
    /// Stores an alert step of <see cref="OtherGateway"/> and announces it, exactly as the uplink does with a gateway's
    /// record: many alerts, quickly, without a sensor to trip for each. Returns the alert id.
    /// </summary>
    public async Task<string> RaiseOtherAsync(string alertId, AlertType type, AlertPriority priority, string sensorId = "hall_button",
        AlertEventKind kind = AlertEventKind.Raised, DateTimeOffset? at = null, CancellationToken ct = default)
    {
        await EnsureOtherGatewayAsync();
        var when = at ?? DateTimeOffset.UtcNow;
        var step = new AlertEvent(alertId, kind, type, priority, OtherHome, sensorId, when, when, 1, "test step " + kind);
        var store = dispatch!.Services.GetRequiredService<IDispatchStore>();
        var outcome = await store.StoreAsync(new IncomingRecord(OtherGateway, ++otherSeq, when, step, null), ct);
        if (outcome.AlertStep is { } stored)
        {
            dispatch.Services.GetRequiredService<IAlertFeed>().Publish(stored);
        }

        if (outcome.Change is { } change)
        {
            dispatch.Services.GetRequiredService<IAlertFeed>().Publish(change);
        }

        return alertId;
    }

    /// <summary>The other home registered at dispatch (as an admin does on the Homes page) with its contracted response time.</summary>
    public async Task RegisterOtherHomeAsync(int responseMinutes) =>
        Assert.True(await dispatch!.Services.GetRequiredService<IDispatchStore>()
            .RegisterHomeAsync(new HomeDetails(OtherHome, responseMinutes, "", "", ""), "test"));

    /// <summary>The other home's gateway tells dispatch its time zone (as its Hello's profile would).</summary>
    public async Task SetOtherHomeZoneAsync(string timeZone)
    {
        await EnsureOtherGatewayAsync();
        await dispatch!.Services.GetRequiredService<IDispatchStore>().StoreGatewayProfileAsync(OtherGateway, new GatewayProfile(timeZone, []));
    }

    /// <summary>
    /// <paramref name="count"/> more gateways (each its own home) registered and then flagged offline together, as
    /// supervision does in a mass outage: one batch in the store, one change on the feed. Returns their ids.
    /// </summary>
    public async Task<IReadOnlyList<string>> MassOutageAsync(int count)
    {
        var ids = Enumerable.Range(1, count).Select(i => string.Create(CultureInfo.InvariantCulture, $"gw-mass-{i:D3}")).ToList();
        foreach (var id in ids)
        {
            await InProcessDispatch.CliAsync("gateways", "enroll", id, "--home", "home-" + id, "--data", DispatchData);
        }

        var now = DateTimeOffset.UtcNow;
        var store = dispatch!.Services.GetRequiredService<IDispatchStore>();
        var steps = await store.RaiseGatewaysOfflineAsync([.. ids.Select(id => new GatewayOfflineDue(id, now.AddMinutes(-2), now))], 60);
        dispatch.Services.GetRequiredService<IAlertFeed>().Publish(new OutageBatch(AlertEventKind.Raised, steps));
        return ids;
    }

    /// <summary>These gateways are back (they said hello): their outages are restored together.</summary>
    public async Task RestoreAsync(IEnumerable<string> gatewayIds)
    {
        var store = dispatch!.Services.GetRequiredService<IDispatchStore>();
        var steps = await store.RestoreGatewaysAsync([.. gatewayIds.Select(id => KeyValuePair.Create(id, DateTimeOffset.UtcNow))]);
        dispatch.Services.GetRequiredService<IAlertFeed>().Publish(new OutageBatch(AlertEventKind.Cleared, steps));
    }

    /// <summary>The front door opens and stays open: a normal-priority "door left open" alert follows.</summary>
    public async Task<string> OpenDoorAsync(CancellationToken ct)
    {
        PinFiles.Write(Pins, DoorPin, high: false);
        return await AlertIdOfAsync("door_left_open", ct);
    }

    /// <summary>The fall sensor reports a fall: a critical alert at once.</summary>
    public async Task<string> FallAsync(CancellationToken ct)
    {
        PinFiles.Write(Pins, FallPin, high: false);
        return await AlertIdOfAsync("fall", ct);
    }

    /// <summary>
    /// The alert as dispatch has stored it (API, token auth), or null while it has none of that id among the
    /// <paramref name="status"/> ones (the API's filter: by default the live queue, every unresolved alert).
    /// </summary>
    public async Task<JsonElement?> StoredAlertAsync(string alertId, CancellationToken ct, string? status = null)
    {
        using var api = Api();
        var list = status is null ? "api/alerts" : "api/alerts?status=" + Uri.EscapeDataString(status);
        using var document = JsonDocument.Parse(await api.GetStringAsync(new Uri(list, UriKind.Relative), ct));
        return document.RootElement.EnumerateArray()
            .Where(alert => alert.GetProperty("alertId").GetString() == alertId)
            .Select(alert => (JsonElement?)alert.Clone())
            .FirstOrDefault();
    }

    /// <summary>The gateway's state in dispatch's fleet (<c>online</c>, <c>offline</c>, <c>not_yet_connected</c>), by the API.</summary>
    public async Task<string?> GatewayStateAsync(string gatewayId, CancellationToken ct)
    {
        using var api = Api();
        using var document = JsonDocument.Parse(await api.GetStringAsync(new Uri("api/gateways", UriKind.Relative), ct));
        return document.RootElement.EnumerateArray()
            .Where(g => g.GetProperty("gatewayId").GetString() == gatewayId)
            .Select(g => g.GetProperty("state").GetString())
            .FirstOrDefault();
    }

    /// <summary>Every unresolved alert as dispatch stored it (API, token auth).</summary>
    public async Task<IReadOnlyList<JsonElement>> StoredAlertsAsync(CancellationToken ct)
    {
        using var api = Api();
        using var document = JsonDocument.Parse(await api.GetStringAsync(new Uri("api/alerts", UriKind.Relative), ct));
        return [.. document.RootElement.EnumerateArray().Select(alert => alert.Clone())];
    }

    /// <summary>The gateway that raised the (unresolved) alert, as dispatch stored it.</summary>
    public async Task<string> GatewayOfAsync(string alertId, CancellationToken ct) =>
        (await StoredAlertAsync(alertId, ct))!.Value.GetProperty("gatewayId").GetString()!;

    /// <summary>Whether the gateway's rules still follow the alert for escalation (its saved state says so).</summary>
    public bool GatewayEscalates(string alertId)
    {
        var journal = Gateway.GetRequiredService<HomeGateway.Gateway.Journal.Journal>();
        using var state = JsonDocument.Parse(journal.LoadRuleState()!.Value.State);
        return state.RootElement.GetProperty("Escalations").EnumerateObject().Any(p => p.Name == alertId);
    }

    /// <summary>How far the gateway has applied dispatch's acknowledgements (its <c>ack_seq</c>).</summary>
    public long GatewayAppliedAckSeq => Gateway.GetRequiredService<AcknowledgementInbox>().AppliedAckSeq;

    /// <summary>What the client sees at home: the LED's pattern (steady = "help is coming").</summary>
    public BlinkPattern ClientLed => Gateway.GetRequiredService<ClientFeedback>().LedPattern;

    private async Task<string> AlertIdOfAsync(string type, CancellationToken ct)
    {
        using var api = Api();
        while (true)
        {
            using (var document = JsonDocument.Parse(await api.GetStringAsync(new Uri("api/alerts", UriKind.Relative), ct)))
            {
                foreach (var alert in document.RootElement.EnumerateArray())
                {
                    if (alert.GetProperty("type").GetString() == type)
                    {
                        return alert.GetProperty("alertId").GetString()!;
                    }
                }
            }

            await Task.Delay(50, ct);
        }
    }

    private HttpClient Api()
    {
        var api = new HttpClient { BaseAddress = WebUri };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiToken);
        return api;
    }

    public async ValueTask DisposeAsync() => await InProcessDispatch.StopAsync(gateway, dispatch, work);
}
