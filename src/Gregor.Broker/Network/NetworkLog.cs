using System.Net;
using Microsoft.Extensions.Logging;

namespace Gregor.Broker.Network;

/// <summary>Source-generated log messages of the network layer (one line per event).</summary>
internal static partial class NetworkLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Debug, Message = "connection {ConnectionId} from {RemoteEndPoint} opened on listener {Listener}")]
    public static partial void ConnectionOpened(ILogger logger, string connectionId, EndPoint? remoteEndPoint, string listener);

    [LoggerMessage(EventId = 101, Level = LogLevel.Debug, Message = "connection {ConnectionId} from {RemoteEndPoint} closed: {Reason}")]
    public static partial void ConnectionClosed(ILogger logger, string connectionId, EndPoint? remoteEndPoint, string reason);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "closing connection {ConnectionId} from {RemoteEndPoint}: {Reason}")]
    public static partial void ClosingBadConnection(ILogger logger, string connectionId, EndPoint? remoteEndPoint, string reason);

    [LoggerMessage(EventId = 103, Level = LogLevel.Error, Message = "closing connection {ConnectionId} from {RemoteEndPoint}: unexpected error processing a request")]
    public static partial void RequestFailed(ILogger logger, Exception exception, string connectionId, EndPoint? remoteEndPoint);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "closing connection {ConnectionId} from {RemoteEndPoint}: idle for more than {IdleMs} ms (connections.max.idle.ms)")]
    public static partial void ClosingIdleConnection(ILogger logger, string connectionId, EndPoint? remoteEndPoint, long idleMs);
}
