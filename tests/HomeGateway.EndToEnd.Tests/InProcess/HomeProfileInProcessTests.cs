using System.Collections.Concurrent;
using System.Diagnostics;
using HomeGateway.Dispatch.Hosting;
using HomeGateway.Dispatch.Store;
using HomeGateway.Gateway.Configuration;
using HomeGateway.Gateway.Uplink;
using HomeGateway.Simulator.Scenarios;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HomeGateway.EndToEnd.Tests.InProcess;

/// <summary>
/// Invariant: dispatch shows a gateway's alerts with the names, places and time zone of the home file the gateway runs,
/// from its first Hello, and a re-read home file reaches dispatch on the open stream, without a reconnect.
/// The real gateway host (home file, uplink loop) against a real dispatch.
/// </summary>
public sealed class HomeProfileInProcessTests : IAsyncLifetime
{
    private const string Home = """
        home: { id: kotka-0042, timezone: Europe/Helsinki }
        sensors:
          - id: help_button
            kind: help_button
            name: Turvapainike
            location: Makuuhuone
            gpio: { pin: 27, activeLow: true, pull: up, debounceMs: 20 }
        rules:
          help: {}
        """;

    private readonly string work = Built.NewWorkDirectory("profile");
    private readonly ConcurrentQueue<string> gatewayLog = new();
    private RunningDispatch? dispatch;
    private IHost? gateway;

    public async Task InitializeAsync()
    {
        var dispatchData = Path.Combine(work, "dispatch");
        var gatewayData = Path.Combine(work, "gateway");
        Directory.CreateDirectory(gatewayData);
        dispatch = await InProcessDispatch.StartAsync(dispatchData);
        await InProcessDispatch.EnrolAsync(dispatch, dispatchData, gatewayData);
        await File.WriteAllTextAsync(Path.Combine(work, "home.yaml"), Home);
        PinFiles.Write(Path.Combine(work, "pins"), 27, high: true);

        gateway = await InProcessDispatch.StartGatewayAsync(work, gatewayData, dispatch.GrpcUri, gatewayLog);
    }

    public Task DisposeAsync() => InProcessDispatch.StopAsync(gateway, dispatch, work);

    [Fact]
    public async Task Hello_names_the_sensors_and_a_reread_home_file_renames_them_on_the_open_stream()
    {
        var store = dispatch!.Services.GetRequiredService<IDispatchStore>();
        var uplink = gateway!.Services.GetRequiredService<DispatchUplink>();
        await WaitForAsync(() => Task.FromResult(uplink.State == UplinkState.Connected), "the first connect");

        Assert.Equal([new GatewaySensor("help_button", Core.Events.SensorKind.HelpButton, "Turvapainike", "Makuuhuone")],
            await store.ListGatewaySensorsAsync("kotka-0042"));
        Assert.Equal("Europe/Helsinki", (await store.FindHomeAsync("kotka-0042"))!.TimeZone);

        PinFiles.Write(Path.Combine(work, "pins"), 27, high: false);
        await WaitForAsync(async () => (await store.ListAlertViewsAsync(AlertListFilter.All)).Count == 1, "the help alert at dispatch");
        var alert = (await store.ListAlertViewsAsync(AlertListFilter.All))[0].Alert;
        Assert.Equal(("Turvapainike", "Makuuhuone", "Europe/Helsinki"), (alert.SensorName, alert.SensorLocation, alert.TimeZone));

        // The technician moves the button and names it better; the gateway re-reads the file (as on save or SIGHUP).
        await File.WriteAllTextAsync(Path.Combine(work, "home.yaml"),
            Home.Replace("name: Turvapainike", "name: Turvapainike sängyn vieressä", StringComparison.Ordinal)
                .Replace("location: Makuuhuone", "location: Olohuone", StringComparison.Ordinal));
        gateway.Services.GetRequiredService<HomeConfigSource>().Reload();

        await WaitForAsync(
            async () => (await store.ListAlertViewsAsync(AlertListFilter.All))[0].Alert is { SensorName: "Turvapainike sängyn vieressä", SensorLocation: "Olohuone" },
            "the new name at dispatch");
        Assert.Single(gatewayLog, l => l.StartsWith("Connected to dispatch", StringComparison.Ordinal));
        Assert.Contains(gatewayLog, l => l.StartsWith("Home file re-read: sent dispatch the home's profile (1 sensor(s)", StringComparison.Ordinal));
        Assert.DoesNotContain(gatewayLog, l => l.Contains("the sensor inputs after a restart", StringComparison.Ordinal));
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), $"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }
}
