using System.Collections.Concurrent;
using HomeGateway.Dispatch.Cli;
using HomeGateway.Dispatch.Hosting;
using HomeGateway.Gateway;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HomeGateway.EndToEnd.Tests.InProcess;

/// <summary>Dispatch in the test's own process, set up the way an operator and a technician would: its CLI, then enrolment.</summary>
internal static class InProcessDispatch
{
    /// <summary>
    /// Dispatch on loopback ports the OS chooses (the gateway endpoint over TLS), quiet below warnings; on
    /// <paramref name="clock"/> when a test moves time itself (e.g. to expire a console session); with a shorter
    /// supervision <paramref name="reportingSeconds"/> (heartbeats at half of it) when a test waits for "gateway offline".
    /// </summary>
    public static Task<RunningDispatch> StartAsync(string dataDirectory, TimeProvider? clock = null, int? reportingSeconds = null) =>
        DispatchApp.StartAsync(new DispatchOptions
        {
            DataDirectory = dataDirectory,
            WebUrl = "http://127.0.0.1:0",
            GrpcUrl = "https://127.0.0.1:0",
            HeartbeatSeconds = reportingSeconds is { } heartbeatFrom ? Math.Min(20, heartbeatFrom / 2) : 20,
            Supervision = new SupervisionOptions { ReportingSeconds = reportingSeconds ?? new SupervisionOptions().ReportingSeconds },
        }, builder =>
        {
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            if (clock is not null)
            {
                builder.Services.AddSingleton(clock);
            }
        });

    /// <summary>Runs <c>homegateway-dispatch</c> with <paramref name="args"/>; returns what it printed on stdout (a secret or a code).</summary>
    public static async Task<string> CliAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await DispatchCommandLine.InvokeAsync(args, stdout, stderr);
        Assert.True(exit == 0, stderr.ToString());
        return stdout.ToString().Trim();
    }

    /// <summary>Enrols the gateway as a technician does: a one-time code from dispatch's CLI, then the gateway's enrolment over TLS.</summary>
    public static async Task EnrolAsync(RunningDispatch dispatch, string dispatchData, string gatewayData, string? homeId = "kotka-0042")
    {
        var code = homeId is null
            ? await CliAsync("gateways", "enroll", "kotka-0042", "--data", dispatchData)
            : await CliAsync("gateways", "enroll", "kotka-0042", "--home", homeId, "--data", dispatchData);
        await HomeGateway.Gateway.Uplink.DispatchEnrolment.EnrolAsync(dispatch.GrpcUri, code, gatewayData, CancellationToken.None);
    }

    /// <summary>
    /// The gateway host as <c>homegateway run</c> builds it, reading <c>home.yaml</c> and simulated GPIO pins in
    /// <paramref name="work"/>, without MQTT, streaming to <paramref name="dispatch"/> and logging into <paramref name="log"/>.
    /// </summary>
    public static async Task<IHost> StartGatewayAsync(string work, string gatewayData, Uri dispatch, ConcurrentQueue<string> log, bool stamped = false)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:HomeFile"] = Path.Combine(work, "home.yaml"),
            ["Gateway:DataDirectory"] = gatewayData,
            ["Gateway:Dispatch:Url"] = dispatch.ToString(),
            ["Gateway:Mqtt:Enabled"] = "false",
            ["Gateway:Gpio:Driver"] = "simulated",
            ["Gateway:Gpio:SimulatedPinDirectory"] = Path.Combine(work, "pins"),
        });
        builder.AddGateway();
        builder.Logging.AddProvider(new QueueLoggerProvider(log, stamped));
        var gateway = builder.Build();
        await gateway.StartAsync();
        return gateway;
    }

    /// <summary>Stops what a test started (the gateway first, so it does not spend its last moments reconnecting) and removes its files.</summary>
    public static async Task StopAsync(IHost? gateway, RunningDispatch? dispatch, string work)
    {
        if (gateway is not null)
        {
            await gateway.StopAsync();
            gateway.Dispose();
        }

        if (dispatch is not null)
        {
            await dispatch.DisposeAsync();
        }

        Processes.DemoProcessTests.TryDelete(work);
    }
}
