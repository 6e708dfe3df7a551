using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using HomeGateway.Contracts.V1;
using HomeGateway.Dispatch.Hosting;
using HomeGateway.Gateway.Journal;
using HomeGateway.Gateway.Uplink;
using HomeGateway.Simulator.Scenarios;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HomeGateway.EndToEnd.Tests.InProcess;

/// <summary>
/// Invariant: an alert raised while dispatch is away reaches dispatch within a few seconds of dispatch listening again,
/// however long it was away; and a dispatch too busy to take a stream says when to come back, and the gateway does.
/// The real uplink loop (<see cref="DispatchUplink"/>) against a real dispatch on the same port across a restart.
/// </summary>
public sealed class UplinkReconnectInProcessTests : IAsyncLifetime
{
    private const string Home = """
        home: { id: kotka-0042, timezone: Europe/Helsinki }
        sensors:
          - { id: help_button, kind: help_button, gpio: { pin: 27, activeLow: true, pull: up, debounceMs: 20 } }
        rules:
          help: {}
        """;

    private readonly string work = Built.NewWorkDirectory("reconnect");
    private readonly ConcurrentQueue<string> gatewayLog = new();
    private readonly int grpcPort = FreePort();
    private RunningDispatch? dispatch;
    private IHost? gateway;
    private string dispatchData = "";
    private string gatewayData = "";

    public async Task InitializeAsync()
    {
        dispatchData = Path.Combine(work, "dispatch");
        gatewayData = Path.Combine(work, "gateway");
        Directory.CreateDirectory(gatewayData);
        dispatch = await StartDispatchAsync(maxConcurrentSetups: 64);
        await InProcessDispatch.EnrolAsync(dispatch, dispatchData, gatewayData);
        await File.WriteAllTextAsync(Path.Combine(work, "home.yaml"), Home);
        PinFiles.Write(Path.Combine(work, "pins"), 27, high: true);

        gateway = await InProcessDispatch.StartGatewayAsync(work, gatewayData, dispatch.GrpcUri, gatewayLog, stamped: true);
    }

    public Task DisposeAsync() => InProcessDispatch.StopAsync(gateway, dispatch, work);

    [Fact]
    public async Task An_alert_raised_during_an_outage_reaches_dispatch_within_seconds_of_its_return()
    {
        var uplink = gateway!.Services.GetRequiredService<DispatchUplink>();
        var journal = gateway.Services.GetRequiredService<Journal>();
        await WaitForAsync(() => uplink.State == UplinkState.Connected, TimeSpan.FromSeconds(30), "the first connect");

        await dispatch!.DisposeAsync();
        dispatch = null;
        // The help button, pressed while dispatch is away: journalled, waiting in the outbox.
        PinFiles.Write(Path.Combine(work, "pins"), 27, high: false);
        await WaitForAsync(() => journal.OutboxDepth > 0, TimeSpan.FromSeconds(10), "the help press to be journalled");
        // Long enough for the old schedule (doubling to 30 s) to be sleeping 8-16 s at a time, and gRPC's own (1 s growing
        // to 120 s, which DispatchChannel now keeps out of the way) 10-17 s.
        await Task.Delay(TimeSpan.FromSeconds(30));

        dispatch = await StartDispatchAsync(maxConcurrentSetups: 64);
        var back = Stopwatch.StartNew();
        gatewayLog.Enqueue(string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss.fff} (test) dispatch is listening again"));
        await WaitForAsync(() => journal.OutboxDepth == 0, TimeSpan.FromSeconds(30), "the outbox to drain");

        // The cap (5 s) plus the set-up and a store commit on a busy, shared test machine.
        Assert.True(back.Elapsed < UplinkBackoff.Cap + TimeSpan.FromSeconds(4),
            string.Create(CultureInfo.InvariantCulture, $"the help alert reached dispatch {back.Elapsed.TotalSeconds:0.0} s after it was listening again; the gateway logged: {string.Join(" | ", gatewayLog.TakeLast(12))}"));
    }

    [Fact]
    public async Task A_busy_dispatch_refuses_with_a_hint_and_the_gateway_comes_back_when_told()
    {
        var uplink = gateway!.Services.GetRequiredService<DispatchUplink>();
        await WaitForAsync(() => uplink.State == UplinkState.Connected, TimeSpan.FromSeconds(30), "the first connect");

        await dispatch!.DisposeAsync();
        dispatch = await StartDispatchAsync(maxConcurrentSetups: 1);
        // Another caller holds the one set-up slot: its stream is open and has not said Hello yet.
        using var credentials = DispatchCredentials.Load(gatewayData);
        var handler = new SocketsHttpHandler();
        credentials.Apply(handler);
        using var channel = GrpcChannel.ForAddress(dispatch.GrpcUri, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        var admission = dispatch.Services.GetRequiredService<HomeGateway.Dispatch.Ingest.StreamAdmission>();
        using var holder = new GatewayUplink.GatewayUplinkClient(channel).Connect();
        await WaitForAsync(() => admission.InSetup == 1, TimeSpan.FromSeconds(10), "the holder to take the slot");

        await WaitForAsync(() => gatewayLog.Any(l => l.Contains("Dispatch is busy (Unavailable) and asked for", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(15), "the gateway to be refused with a hint");
        Assert.NotEqual(UplinkState.Connected, uplink.State);

        // The slot is free again (here: the holder's set-up timed out, 15 s): the gateway's next attempt is welcomed.
        await WaitForAsync(() => uplink.State == UplinkState.Connected, TimeSpan.FromSeconds(60), "the gateway to be admitted");
    }

    private Task<RunningDispatch> StartDispatchAsync(int maxConcurrentSetups) =>
        DispatchApp.StartAsync(new DispatchOptions
        {
            DataDirectory = dispatchData,
            WebUrl = "http://127.0.0.1:0",
            GrpcUrl = $"https://127.0.0.1:{grpcPort}",
        }, builder =>
        {
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Dispatch:Admission:MaxConcurrentSetups"] = maxConcurrentSetups.ToString(CultureInfo.InvariantCulture),
            });
        });

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan patience, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < patience, $"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
