using Microsoft.Extensions.Logging;

namespace HomeGateway.Gateway.Mqtt;

/// <summary>Log lines of the embedded broker, the external-broker client and the MQTT sensor input. Event ids 2100–2199 are stable: dashboards and the doctor grep for them.</summary>
internal static partial class MqttLog
{
    [LoggerMessage(EventId = 2100, Level = LogLevel.Information, Message = "MQTT broker listening on {Address}:{Port}")]
    public static partial void BrokerStarted(ILogger logger, string address, int port);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "MQTT broker stopped")]
    public static partial void BrokerStopped(ILogger logger);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Information, Message = "MQTT broker is disabled (Gateway:Mqtt:Enabled=false)")]
    public static partial void BrokerDisabled(ILogger logger);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Information, Message = "MQTT broker listening with TLS on {Address}:{Port}")]
    public static partial void BrokerTlsStarted(ILogger logger, string address, int port);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Information, Message = "MQTT broker's plain listener is off (Gateway:Mqtt:PlainListener=false): TLS only")]
    public static partial void BrokerPlainListenerOff(ILogger logger);

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

    [LoggerMessage(EventId = 2130, Level = LogLevel.Debug, Message = "Alert {AlertId} step not republished on local MQTT: the broker is not running (embedded) or not connected (external)")]
    public static partial void AlertNotRepublished(ILogger logger, string alertId);

    [LoggerMessage(EventId = 2131, Level = LogLevel.Warning, Message = "Alert {AlertId} step could not be republished on local MQTT")]
    public static partial void AlertRepublishFailed(ILogger logger, string alertId, Exception exception);

    [LoggerMessage(EventId = 2132, Level = LogLevel.Warning, Message = "{Dropped} alert step copies for local MQTT dropped, the oldest first: the broker took none while {Capacity} were waiting (the journal and dispatch have every step)")]
    public static partial void AlertCopiesDropped(ILogger logger, long dropped, int capacity);

    [LoggerMessage(EventId = 2140, Level = LogLevel.Warning, Message = "MQTT credentials file {Path} has an unreadable line {Line}; that line is ignored")]
    public static partial void CredentialLineInvalid(ILogger logger, string path, int line);

    [LoggerMessage(EventId = 2150, Level = LogLevel.Debug, Message = "MQTTnet [{Source}] {Message}")]
    public static partial void LibraryDebug(ILogger logger, string source, string message, Exception? exception);

    [LoggerMessage(EventId = 2152, Level = LogLevel.Warning, Message = "MQTTnet [{Source}] {Message}")]
    public static partial void LibraryWarning(ILogger logger, string source, string message, Exception? exception);

    [LoggerMessage(EventId = 2153, Level = LogLevel.Error, Message = "MQTTnet [{Source}] {Message}")]
    public static partial void LibraryError(ILogger logger, string source, string message, Exception? exception);

    [LoggerMessage(EventId = 2160, Level = LogLevel.Information, Message = "MQTT connected to broker {Broker} as '{ClientId}' (user '{UserName}', session resumed: {SessionPresent}); {Subscribed} sensor topics subscribed")]
    public static partial void ExternalConnected(ILogger logger, string broker, string clientId, string userName, bool sessionPresent, int subscribed);

    [LoggerMessage(EventId = 2161, Level = LogLevel.Warning, Message = "MQTT link to broker {Broker} lost: {Reason}; reconnecting ({Suppressed} similar not logged)")]
    public static partial void ExternalLost(ILogger logger, string broker, string reason, long suppressed);

    [LoggerMessage(EventId = 2162, Level = LogLevel.Information, Message = "MQTT link to broker {Broker} restored after {DowntimeSeconds:0.0} s (session resumed: {SessionPresent}) ({Suppressed} similar not logged)")]
    public static partial void ExternalRestored(ILogger logger, string broker, double downtimeSeconds, bool sessionPresent, long suppressed);

    [LoggerMessage(EventId = 2163, Level = LogLevel.Warning, Message = "MQTT broker {Broker} cannot be reached: {Reason}; next try in {DelaySeconds:0.0} s ({Suppressed} similar not logged)")]
    public static partial void ExternalConnectFailed(ILogger logger, string broker, string reason, double delaySeconds, long suppressed);

    [LoggerMessage(EventId = 2164, Level = LogLevel.Error, Message = "MQTT broker {Broker} refused the gateway's login as '{UserName}': {Reason}. Check Gateway:Mqtt:External:UserName and the password file against the broker's password file; retrying with backoff ({Suppressed} similar not logged)")]
    public static partial void ExternalCredentialsRefused(ILogger logger, string broker, string userName, string reason, long suppressed);

    [LoggerMessage(EventId = 2165, Level = LogLevel.Error, Message = "MQTT message on '{Topic}' from the external broker could not be handled; the link goes on ({Suppressed} similar not logged)")]
    public static partial void ExternalHandlerFailed(ILogger logger, string topic, long suppressed, Exception exception);

    [LoggerMessage(EventId = 2166, Level = LogLevel.Error, Message = "MQTT broker {Broker} refused the subscription to '{Topic}' ({ResultCode}): that sensor's messages will not arrive; check the broker's ACL for the gateway's user ({Suppressed} similar not logged)")]
    public static partial void ExternalSubscriptionRefused(ILogger logger, string broker, string topic, string resultCode, long suppressed);

    [LoggerMessage(EventId = 2167, Level = LogLevel.Warning, Message = "MQTT broker {Broker} granted only QoS 0 for '{Topic}': messages on it are not kept while the gateway is away ({Suppressed} similar not logged)")]
    public static partial void ExternalSubscriptionDowngraded(ILogger logger, string broker, string topic, long suppressed);

    [LoggerMessage(EventId = 2168, Level = LogLevel.Warning, Message = "MQTT broker {Broker} refused the gateway's publish on '{Topic}' ({ReasonCode}); check the broker's ACL for the gateway's user ({Suppressed} similar not logged)")]
    public static partial void ExternalPublishRefused(ILogger logger, string broker, string topic, string reasonCode, long suppressed);

    [LoggerMessage(EventId = 2169, Level = LogLevel.Information, Message = "MQTT client for broker {Broker} stopped")]
    public static partial void ExternalStopped(ILogger logger, string broker);

    [LoggerMessage(EventId = 2170, Level = LogLevel.Warning, Message = "MQTT client '{ClientId}': a message's events could not be journalled, so it is not acknowledged; the client is disconnected to send it again")]
    public static partial void AcknowledgementWithheld(ILogger logger, string clientId);

    [LoggerMessage(EventId = 2171, Level = LogLevel.Warning, Message = "MQTT login '{UserName}' in {Path} has no permissions stored (it was created before logins had any): it gets {Permissions}. Give it its own: homegateway mqtt users set {UserName} --role ...")]
    public static partial void LegacyLogin(ILogger logger, string userName, string path, string permissions);

    [LoggerMessage(EventId = 2172, Level = LogLevel.Warning, Message = "MQTT connection from {Endpoint} closed: {Reason} ({Suppressed} similar not logged)")]
    public static partial void ConnectionClosedByGuard(ILogger logger, string endpoint, string reason, long suppressed);

    [LoggerMessage(EventId = 2174, Level = LogLevel.Warning, Message = "MQTT login '{UserName}' (client '{ClientId}') may not publish on '{Topic}': dropped, not journalled ({Suppressed} similar not logged)")]
    public static partial void PublishDenied(ILogger logger, string userName, string clientId, string topic, long suppressed);

    [LoggerMessage(EventId = 2175, Level = LogLevel.Warning, Message = "MQTT login '{UserName}' (client '{ClientId}') may not subscribe to '{Filter}': refused ({Suppressed} similar not logged)")]
    public static partial void SubscribeDenied(ILogger logger, string userName, string clientId, string filter, long suppressed);

    [LoggerMessage(EventId = 2176, Level = LogLevel.Warning, Message = "MQTT message on '{Topic}' not delivered to client '{ClientId}': its login '{UserName}' may not read it ({Suppressed} similar not logged)")]
    public static partial void DeliveryDenied(ILogger logger, string clientId, string userName, string topic, long suppressed);

    [LoggerMessage(EventId = 2177, Level = LogLevel.Warning, Message = "MQTT message from sensor '{SensorId}' on '{Topic}' dropped before it reached the journal: {Reason} ({Suppressed} similar not logged)")]
    public static partial void MessageDropped(ILogger logger, string sensorId, string topic, string reason, long suppressed);
}
