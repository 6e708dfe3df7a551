using Microsoft.Extensions.Logging;

namespace HomeGateway.Gateway.I2c;

/// <summary>Log lines of the I2C input. Event ids 2980–2989 and 2990–2995 are stable.</summary>
internal static partial class I2cLog
{
    [LoggerMessage(EventId = 2980, Level = LogLevel.Information, Message = "I2C input: sensor '{SensorId}' reads a {Chip} at {Address} on bus {Bus} every {Every}")]
    public static partial void SensorOpened(ILogger logger, string sensorId, string chip, string address, int bus, string every);

    [LoggerMessage(EventId = 2981, Level = LogLevel.Warning, Message = "I2C input: sensor '{SensorId}': the {Chip} at {Address} on bus {Bus} cannot be read ({Problem}); reported offline, trying again in {Retry} and less often after that")]
    public static partial void ChipFailed(ILogger logger, string sensorId, string chip, string address, int bus, string problem, string retry);

    [LoggerMessage(EventId = 2982, Level = LogLevel.Information, Message = "I2C input: sensor '{SensorId}' answers again after {Outage} ({Attempts} failed attempt(s))")]
    public static partial void ChipBack(ILogger logger, string sensorId, string outage, int attempts);

    [LoggerMessage(EventId = 2983, Level = LogLevel.Warning, Message = "I2C input: UPS '{SensorId}': mains lost, the gateway runs on its battery ({Volts:0.00} V, {Percent} %, discharging {Milliamps:0} mA{Runtime})")]
    public static partial void MainsLost(ILogger logger, string sensorId, double volts, int percent, double milliamps, string runtime);

    [LoggerMessage(EventId = 2984, Level = LogLevel.Information, Message = "I2C input: UPS '{SensorId}': mains back ({Volts:0.00} V, {Percent} %)")]
    public static partial void MainsRestored(ILogger logger, string sensorId, double volts, int percent);

    [LoggerMessage(EventId = 2985, Level = LogLevel.Error, Message = "I2C input: event of sensor '{SensorId}' could not be handed to the pipeline")]
    public static partial void SinkFailed(ILogger logger, string sensorId, Exception exception);

    [LoggerMessage(EventId = 2986, Level = LogLevel.Error, Message = "I2C input: sensor '{SensorId}' failed unexpectedly; its loop starts again in {Retry}")]
    public static partial void LoopFailed(ILogger logger, string sensorId, string retry, Exception exception);

    [LoggerMessage(EventId = 2990, Level = LogLevel.Information, Message = "I2C input: sensor '{SensorId}' added by the re-read home file: reads a {Chip} at {Address} on bus {Bus} every {Every}, no restart needed")]
    public static partial void SensorAdded(ILogger logger, string sensorId, string chip, string address, int bus, string every);

    [LoggerMessage(EventId = 2991, Level = LogLevel.Information, Message = "I2C input: sensor '{SensorId}' changed in the re-read home file: closed and opened again as a {Chip} at {Address} on bus {Bus} every {Every}")]
    public static partial void SensorChanged(ILogger logger, string sensorId, string chip, string address, int bus, string every);

    [LoggerMessage(EventId = 2992, Level = LogLevel.Information, Message = "I2C input: sensor '{SensorId}' is not in the re-read home file: no longer read")]
    public static partial void SensorRemoved(ILogger logger, string sensorId);

    [LoggerMessage(EventId = 2993, Level = LogLevel.Error, Message = "I2C input: following the re-read home file failed; the I2C sensors keep the loops they had")]
    public static partial void FollowFailed(ILogger logger, Exception exception);
}
