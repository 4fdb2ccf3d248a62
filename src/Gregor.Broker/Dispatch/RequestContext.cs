using System.Net;
using Gregor.Broker.Network;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Dispatch;

/// <summary>
/// Everything about one request except its body: the parsed header, the connection it came
/// on, when it arrived. Created by the dispatcher per request; immutable, so a handler may
/// pass it to other threads.
/// </summary>
public sealed class RequestContext
{
    public RequestContext(RequestHeader header, ConnectionInfo connection, long receivedTimestampMs)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(connection);
        Header = header;
        Connection = connection;
        ReceivedTimestampMs = receivedTimestampMs;
    }

    public RequestHeader Header { get; }

    public ApiKey ApiKey => Header.ApiKey;

    public short ApiVersion => Header.ApiVersion;

    public int CorrelationId => Header.CorrelationId;

    public string? ClientId => Header.ClientId;

    public ConnectionInfo Connection { get; }

    /// <summary>Unique per connection within the process (for fetch sessions, quotas, logs).</summary>
    public string ConnectionId => Connection.ConnectionId;

    public EndPoint? RemoteEndPoint => Connection.RemoteEndPoint;

    public string ListenerName => Connection.ListenerName;

    /// <summary>Unix milliseconds when the request's last byte was read.</summary>
    public long ReceivedTimestampMs { get; }
}
