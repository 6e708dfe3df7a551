using Microsoft.Extensions.Logging;

namespace HomeGateway.Gateway.Gpio;

/// <summary>Log lines of the GPIO input. Event ids 2200–2299 are stable.</summary>
internal static partial class GpioLog
{
    [LoggerMessage(EventId = 2200, Level = LogLevel.Information, Message = "GPIO input: sensor '{SensorId}' on pin {Pin} ({Mode}, active {ActiveLevel}, debounce {DebounceMs} ms) starts {State}")]
    public static partial void PinOpened(ILogger logger, string sensorId, int pin, string mode, string activeLevel, double debounceMs, string state);

    [LoggerMessage(EventId = 2201, Level = LogLevel.Information, Message = "GPIO input: no sensor in the home file uses GPIO")]
    public static partial void NoPins(ILogger logger);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Warning, Message = "GPIO input: sensor '{SensorId}' on pin {Pin} changed to {State} without an edge callback; caught by the periodic re-read")]
    public static partial void MissedEdge(ILogger logger, string sensorId, int pin, string state);

    [LoggerMessage(EventId = 2203, Level = LogLevel.Error, Message = "GPIO input: pin {Pin} could not be read")]
    public static partial void ReadFailed(ILogger logger, int pin, Exception exception);

    [LoggerMessage(EventId = 2204, Level = LogLevel.Error, Message = "GPIO input: event of sensor '{SensorId}' could not be handed to the pipeline")]
    public static partial void SinkFailed(ILogger logger, string sensorId, Exception exception);

    [LoggerMessage(EventId = 2205, Level = LogLevel.Information, Message = "GPIO: board {Board}; chip {Chip}, chosen {Reason}; driver {Driver}")]
    public static partial void DriverChosen(ILogger logger, string board, string chip, string reason, string driver);

    [LoggerMessage(EventId = 2206, Level = LogLevel.Information, Message = "GPIO: not used (no sensor in the home file and no LED or buzzer pin); the board's GPIO is not opened")]
    public static partial void NotUsed(ILogger logger);

}
