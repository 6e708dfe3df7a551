using Microsoft.Extensions.Logging;

namespace HomeGateway.Gateway.Mqtt;

/// <summary>Log lines of the embedded broker and the MQTT sensor input. Event ids 2100–2199 are stable: dashboards and the doctor grep for them.</summary>
internal static partial class MqttLog
{
    [LoggerMessage(EventId = 2100, Level = LogLevel.Information, Message = "MQTT broker listening on {Address}:{Port}")]
    public static partial void BrokerStarted(ILogger logger, string address, int port);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "MQTT broker stopped")]
    public static partial void BrokerStopped(ILogger logger);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Information, Message = "MQTT broker is disabled (Gateway:Mqtt:Enabled=false)")]
    public static partial void BrokerDisabled(ILogger logger);

    [LoggerMessage(EventId = 2110, Level = LogLevel.Warning, Message = "MQTT connection refused from {Endpoint} (client '{ClientId}', user '{UserName}'): {Reason} ({Suppressed} similar refusals not logged)")]
    public static partial void ConnectionRefused(ILogger logger, string endpoint, string clientId, string userName, string reason, long suppressed);

    [LoggerMessage(EventId = 2111, Level = LogLevel.Information, Message = "MQTT client '{ClientId}' connected as '{UserName}'")]
    public static partial void ClientConnected(ILogger logger, string clientId, string userName);

    [LoggerMessage(EventId = 2112, Level = LogLevel.Information, Message = "MQTT client '{ClientId}' disconnected ({Reason})")]
    public static partial void ClientDisconnected(ILogger logger, string clientId, string reason);

    [LoggerMessage(EventId = 2120, Level = LogLevel.Warning, Message = "MQTT message from sensor '{SensorId}' on '{Topic}' rejected: {Reason} ({Suppressed} similar rejections not logged)")]
    public static partial void MessageRejected(ILogger logger, string sensorId, string topic, string reason, long suppressed);

    [LoggerMessage(EventId = 2121, Level = LogLevel.Information, Message = "MQTT message on '{Topic}' ignored: no sensor in the home file uses this topic ({Suppressed} similar not logged)")]
    public static partial void UnknownTopic(ILogger logger, string topic, long suppressed);

    [LoggerMessage(EventId = 2122, Level = LogLevel.Warning, Message = "MQTT client '{ClientId}' tried to publish on the gateway's own topic '{Topic}'; dropped ({Suppressed} similar not logged)")]
    public static partial void ReservedTopic(ILogger logger, string clientId, string topic, long suppressed);

    [LoggerMessage(EventId = 2123, Level = LogLevel.Error, Message = "MQTT message from sensor '{SensorId}' could not be handed to the pipeline")]
    public static partial void SinkFailed(ILogger logger, string sensorId, Exception exception);

    [LoggerMessage(EventId = 2124, Level = LogLevel.Error, Message = "The gateway's own handler of MQTT topic '{Topic}' failed; the message is dropped")]
    public static partial void TopicHandlerFailed(ILogger logger, string topic, Exception exception);

    [LoggerMessage(EventId = 2130, Level = LogLevel.Debug, Message = "Alert {AlertId} step not republished on local MQTT: the broker is not running")]
    public static partial void AlertNotRepublished(ILogger logger, string alertId);

    [LoggerMessage(EventId = 2131, Level = LogLevel.Warning, Message = "Alert {AlertId} step could not be republished on local MQTT")]
    public static partial void AlertRepublishFailed(ILogger logger, string alertId, Exception exception);

    [LoggerMessage(EventId = 2140, Level = LogLevel.Warning, Message = "MQTT credentials file {Path} has an unreadable line {Line}; that line is ignored")]
    public static partial void CredentialLineInvalid(ILogger logger, string path, int line);

    [LoggerMessage(EventId = 2150, Level = LogLevel.Debug, Message = "MQTTnet [{Source}] {Message}")]
    public static partial void LibraryDebug(ILogger logger, string source, string message, Exception? exception);

    [LoggerMessage(EventId = 2152, Level = LogLevel.Warning, Message = "MQTTnet [{Source}] {Message}")]
    public static partial void LibraryWarning(ILogger logger, string source, string message, Exception? exception);

    [LoggerMessage(EventId = 2153, Level = LogLevel.Error, Message = "MQTTnet [{Source}] {Message}")]
    public static partial void LibraryError(ILogger logger, string source, string message, Exception? exception);
}
