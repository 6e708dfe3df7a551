using HomeGateway.Contracts.Logging;
using HomeGateway.Core.Configuration;
using HomeGateway.Core.Rules;
using HomeGateway.Gateway.Configuration;
using HomeGateway.Gateway.Feedback;
using HomeGateway.Gateway.Gpio;
using HomeGateway.Gateway.HomeAssistant;
using HomeGateway.Gateway.I2c;
using HomeGateway.Gateway.Mqtt;
using HomeGateway.Gateway.Pipeline;
using HomeGateway.Gateway.Status;
using HomeGateway.Gateway.Telemetry;
using HomeGateway.Gateway.Uplink;
using HomeGateway.Gateway.Watchdog;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HomeGateway.Gateway;

public static class GatewayHostExtensions
{
    /// <summary>Everything the gateway service needs: options, the care plan, journal, pipeline, inputs and uplink.</summary>
    public static IHostApplicationBuilder AddGateway(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSystemd();
        services.AddOptions<GatewayOptions>()
            .Bind(builder.Configuration.GetSection(GatewayOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        services.AddSingleton(TimeProvider.System);

        services.AddSingleton<HomeConfigSource>();
        services.AddHostedService(sp => sp.GetRequiredService<HomeConfigSource>());
        services.AddSingleton(sp => sp.GetRequiredService<HomeConfigSource>().Current);
        services.AddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<IOptions<GatewayOptions>>().Value;
            return Journal.Journal.Open(
                Path.Combine(settings.DataDirectory, "journal.db"),
                sp.GetRequiredService<TimeProvider>(),
                settings.Journal,
                sp.GetRequiredService<HomeConfig>().HomeId,
                sp.GetRequiredService<ILoggerFactory>().CreateLogger<Journal.Journal>());
        });
        services.AddSingleton(sp => new RulesEngine(sp.GetRequiredService<HomeConfig>(), sp.GetRequiredService<TimeProvider>().GetUtcNow()));

        services.AddSingleton<SensorBoard>();
        services.AddSingleton<SensorEventInbox>();
        services.AddSingleton<AcknowledgementInbox>();
        services.AddSingleton<ISensorEventSink>(sp => sp.GetRequiredService<SensorEventInbox>());
        services.AddSingleton(sp => new RepeatedReports(sp.GetRequiredService<IOptions<GatewayOptions>>().Value.Journal.RepeatInterval));
        services.AddSingleton<AlertPipeline>();
        services.AddHostedService(sp => sp.GetRequiredService<AlertPipeline>());

        services.AddMqttInputs();
        services.AddGpioInputs();
        services.AddI2cInputs();

        services.AddSingleton<DispatchUplink>();
        services.AddHostedService(sp => sp.GetRequiredService<DispatchUplink>());

        services.AddSingleton<HomeAssistantBridge>();
        services.AddSingleton<IAlertObserver>(sp => sp.GetRequiredService<HomeAssistantBridge>());
        services.AddSingleton<HomeAssistantBirth>();
        services.AddSingleton<IMqttTopicHandler>(sp => sp.GetRequiredService<HomeAssistantBirth>());
        services.AddHostedService(sp => sp.GetRequiredService<HomeAssistantBridge>());

        services.AddSingleton(sp => new AlertPathHeartbeats(
            sp.GetRequiredService<TimeProvider>(),
            TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<GatewayOptions>>().Value.Dispatch.HeartbeatSeconds)));
        services.AddHostedService(sp => new SystemdWatchdog(
            sp.GetService<ISystemdNotifier>(),
            sp.GetRequiredService<AlertPathHeartbeats>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<SystemdWatchdog>>(),
            SystemdWatchdog.TimeoutFromEnvironment(Environment.GetEnvironmentVariable, Environment.ProcessId)));
        services.AddTelemetry();

        services.AddSingleton<StatusFileWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<StatusFileWriter>());

        services.AddHostedService<Cli.TechnicianRequests>();

        services.AddSingleton<ClientFeedback>();
        services.AddSingleton<IAlertObserver>(sp => sp.GetRequiredService<ClientFeedback>());
        services.AddHostedService(sp => sp.GetRequiredService<ClientFeedback>());

        // Client ids, topics and payload fields reach the log: every message is escaped on its way out.
        services.EscapePeerTextInLogs();
        return builder;
    }
}
