using System.Globalization;
using Microsoft.Extensions.Logging;
using MQTTnet.Diagnostics.Logger;

namespace HomeGateway.Gateway.Mqtt;

/// <summary>
/// MQTTnet logs through its own interface; this sends its lines to our ILogger so they reach journald.
/// <paramref name="problemsReportedByCaller"/>: the caller reports every failure itself, in plain words and rate-limited
/// (the external-broker client's connect and link-loss lines), so MQTTnet's own warnings and errors — one per
/// reconnect attempt, with a stack trace — go to debug instead of filling a small SD card during an outage.
/// With <paramref name="time"/>, the library's own warnings and errors pass once per minute per kind of line: the
/// embedded broker logs an error for every failed TLS handshake, which anyone on the LAN could otherwise repeat at will.
/// </summary>
internal sealed class MqttNetLogBridge(ILogger logger, bool problemsReportedByCaller = false, TimeProvider? time = null) : IMqttNetLogger
{
    private readonly LogGate? _gate = time is null ? null : new LogGate(time, TimeSpan.FromMinutes(1));

    public bool IsEnabled => logger.IsEnabled(LogLevel.Debug) || logger.IsEnabled(LogLevel.Information);

    public void Publish(MqttNetLogLevel logLevel, string source, string message, object[] parameters, Exception exception)
    {
        // MQTTnet asks IsEnabled without a level, then sends its verbose lines too (one per packet sent and received, the
        // packet formatted into the text). They go to debug: formatting them when debug is off cost ~1.4 % of the gateway's
        // CPU on the bench's busy flow (perf, 2026-12-07).
        if (!logger.IsEnabled(LevelFor(logLevel, exception)))
        {
            return;
        }

        var text = message;
        if (parameters is { Length: > 0 })
        {
            try
            {
                text = string.Format(CultureInfo.InvariantCulture, message, parameters);
            }
            catch (FormatException)
            {
                // A library message with stray braces still deserves to be seen as it is.
            }
        }

        if (logLevel is MqttNetLogLevel.Warning or MqttNetLogLevel.Error && !problemsReportedByCaller && _gate is not null)
        {
            // Keyed by the unformatted message: one line per kind of problem, whoever causes it.
            if (!_gate.TryPass(source + "|" + message, out var held))
            {
                return;
            }

            if (held > 0)
            {
                text += string.Create(CultureInfo.InvariantCulture, $" ({held} more like this in the last minute were not logged)");
            }
        }

        switch (logLevel)
        {
            case MqttNetLogLevel.Verbose:
                MqttLog.LibraryDebug(logger, source, text, exception);
                break;
            case MqttNetLogLevel.Info:
                // MQTTnet's info lines are per-connection chatter: debug for us.
                MqttLog.LibraryDebug(logger, source, text, exception);
                break;
            case MqttNetLogLevel.Warning or MqttNetLogLevel.Error when problemsReportedByCaller:
                MqttLog.LibraryDebug(logger, source, text, exception);
                break;
            case MqttNetLogLevel.Warning:
                MqttLog.LibraryWarning(logger, source, text, exception);
                break;

            // A client that sends bytes MQTT does not allow (or drops its connection mid-packet) is the client's problem,
            // not the gateway's: a warning, so no device can make the gateway log errors at will.
            case MqttNetLogLevel.Error when IsPeerFault(exception):
                MqttLog.LibraryWarning(logger, source, text, exception);
                break;
            default:
                MqttLog.LibraryError(logger, source, text, exception);
                break;
        }
    }

    // Where each line goes: the same choice as the switch in Publish.
    private LogLevel LevelFor(MqttNetLogLevel logLevel, Exception? exception) => logLevel switch
    {
        MqttNetLogLevel.Verbose or MqttNetLogLevel.Info => LogLevel.Debug,
        MqttNetLogLevel.Warning or MqttNetLogLevel.Error when problemsReportedByCaller => LogLevel.Debug,
        MqttNetLogLevel.Warning => LogLevel.Warning,
        MqttNetLogLevel.Error when IsPeerFault(exception) => LogLevel.Warning,
        _ => LogLevel.Error,
    };

    private static bool IsPeerFault(Exception? exception) => exception switch
    {
        null => false,
        MQTTnet.Exceptions.MqttProtocolViolationException or MQTTnet.Adapter.MqttConnectingFailedException => true,
        MQTTnet.Exceptions.MqttCommunicationException or IOException or System.Net.Sockets.SocketException => true,
        _ => exception.InnerException is { } inner && IsPeerFault(inner),
    };
}
