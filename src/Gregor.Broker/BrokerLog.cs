using Microsoft.Extensions.Logging;

namespace Gregor.Broker;

/// <summary>Source-generated log messages of the broker's lifecycle.</summary>
internal static partial class BrokerLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "starting node {NodeId} with data dir {DataDir}")]
    public static partial void Starting(ILogger logger, int nodeId, string dataDir);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "config key {Key} is not used by gregor; kept")]
    public static partial void UnknownConfigKey(ILogger logger, string key);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "listening on {EndPoints}")]
    public static partial void Listening(ILogger logger, string endPoints);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "stopping")]
    public static partial void Stopping(ILogger logger);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "stopped")]
    public static partial void Stopped(ILogger logger);
}
