using Microsoft.Extensions.Logging;

namespace HomeGateway.Dispatch.Hosting;

/// <summary>Dispatch's log messages. Event ids are stable: operators alert on them.</summary>
internal static partial class DispatchLog
{
    [LoggerMessage(1000, LogLevel.Information, "Dispatch listening: web={WebUrl} grpc={GrpcUrl}")]
    public static partial void Listening(ILogger logger, string webUrl, string grpcUrl);

    [LoggerMessage(1001, LogLevel.Information, "Store ready at {DatabasePath} (schema version {Version})")]
    public static partial void StoreReady(ILogger logger, string databasePath, int version);
}
